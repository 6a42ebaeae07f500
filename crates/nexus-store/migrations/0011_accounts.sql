-- People and what they may do: accounts, roles per city, sessions, personal API tokens, and
-- the audit trail of every change. Secrets are stored hashed only (passwords with argon2id,
-- session ids and tokens with SHA-256: they are long random values, so a fast hash suffices).

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'),
    name          text NOT NULL CHECK (name <> ''),
    password_hash text,
    site_admin    boolean NOT NULL DEFAULT false,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- One role per user and city; roles are cumulative (nexus_core::Role).
CREATE TABLE memberships (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    city    text NOT NULL REFERENCES cities (slug) ON UPDATE CASCADE ON DELETE CASCADE,
    role    text NOT NULL CHECK (role IN ('viewer', 'editor', 'publisher', 'admin')),
    PRIMARY KEY (user_id, city)
);

CREATE TABLE sessions (
    id_hash    bytea PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    client     text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (name <> ''),
    hash       bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    last_used  timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Append-only: nobody, the server's own role included, may change or remove a row.
CREATE TABLE audit (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id        bigint,
    actor_name      text NOT NULL,
    via             text NOT NULL CHECK (via IN ('session', 'token', 'cli', 'legacy', 'anonymous')),
    action          text NOT NULL,
    target_type     text NOT NULL,
    target_id       text,
    city            text,
    revision_before bigint,
    revision_after  bigint,
    client          text,
    request_id      text,
    summary         text NOT NULL DEFAULT ''
);
CREATE INDEX audit_at_idx ON audit (at DESC);
CREATE INDEX audit_failures_idx ON audit (action, target_id, at);
CREATE INDEX audit_client_idx ON audit (client, at);

CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_no_update_or_delete BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_is_append_only();

-- Whether a reader whose draft scope is `scope` (nexus_core::DraftScope::to_sql: city slugs,
-- or '*' for all) sees a thing of `city` with `visibility`. Simple enough to be inlined.
CREATE FUNCTION nexus_may_see(visibility text, city text, scope text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT visibility = 'public' OR '*' = ANY (scope) OR coalesce(city = ANY (scope), false) $$;

-- Every instance caches sessions and tokens it looked up; these tell them to look again.
CREATE FUNCTION nexus_accounts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nexus_changes', '{"kind": "accounts"}');
    RETURN NULL;
END
$$;
CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION nexus_accounts_changed();
CREATE TRIGGER memberships_changed AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION nexus_accounts_changed();
CREATE TRIGGER sessions_ended AFTER DELETE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION nexus_accounts_changed();
CREATE TRIGGER api_tokens_changed AFTER UPDATE OF revoked_at, expires_at OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION nexus_accounts_changed();
