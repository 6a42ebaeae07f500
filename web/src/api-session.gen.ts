// The API's types, made from the Rust types that serialize them; do not edit. To regenerate
// after changing them in Rust: NEXUS_BLESS=1 cargo test -p nexus-cli --test it web_types
import type { Role } from './vocab.gen';

/**
 * How the actor proved who they are.
 */
export type Via = "session" | "token" | "cli" | "legacy" | "anonymous";

/**
 * A role held in one city, with how it reads to people.
 */
export type SessionRole = {
/**
 * The city.
 */
city: string,
/**
 * The role there.
 */
role: Role,
/**
 * "City admin" rather than "admin".
 */
label: string, };

/**
 * A person as the API shows them.
 */
export type SessionUser = {
/**
 * Their id.
 */
id: number,
/**
 * Their email, which they sign in with.
 */
email: string,
/**
 * The name shown to others.
 */
name: string,
/**
 * May do everything everywhere.
 */
site_admin: boolean,
/**
 * Their roles, one per city.
 */
roles: Array<SessionRole>, };

/**
 * The answer of `GET /api/session` and of a sign-in: the person (none for the anonymous and
 * the legacy token), how they proved it, and the CSRF token their writes echo.
 */
export type SessionAnswer = {
/**
 * Who is signed in.
 */
user: SessionUser | null,
/**
 * How: `session`, `token` or `legacy`.
 */
via?: Via,
/**
 * The token a cookie session's writes send back in `X-CSRF-Token`.
 */
csrf?: string,
/**
 * The legacy token acts as a site admin.
 */
site_admin?: boolean,
/**
 * When a new session ends (RFC 3339), on sign-in.
 */
expires_at?: string, };
