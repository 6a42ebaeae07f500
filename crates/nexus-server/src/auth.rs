//! Who is asking: the [`Caller`] extractor turns a bearer token (personal or the legacy
//! `planner_token`) or a session cookie into a principal, and refuses cookie-authenticated
//! writes that fail the CSRF checks. What a caller may do is decided by
//! `nexus_core::Principal::may` alone; handlers name the action and the city through
//! [`Caller::require`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use nexus_core::{Action, DraftScope, Principal};
use nexus_service::accounts::Actor;
use nexus_store::{AuditEntry, Via};

use crate::error::ApiError;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "nexus_session";
/// The header cookie-authenticated writes echo their session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The caller of a request: who, how, from where; and the session when it came by cookie.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who, for the policy and the audit trail.
    pub actor: Actor,
    /// The session id, when signed in by cookie.
    pub session: Option<String>,
    /// The session's CSRF token.
    pub csrf: Option<String>,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// The client's address: the socket's peer, or what a trusted proxy forwarded.
pub fn client(parts: &Parts, state: &AppState) -> Option<String> {
    crate::limits::client_of(state, &parts.headers, &parts.extensions).map(|ip| ip.to_string())
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(|s| s.chars().take(64).collect())
}

/// Whether the `Origin` (else `Referer`) of a request names this server. A browser sends
/// one with every cross-site write, so a write without either is refused too.
pub fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let given = headers.get(header::ORIGIN).or_else(|| headers.get(header::REFERER));
    let Some(given) = given.and_then(|v| v.to_str().ok()) else { return false };
    let host_of = |url: &str| url.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or("").to_owned());
    let Some(given_host) = host_of(given) else { return false };
    let own = match &state.config.public_url {
        Some(u) => host_of(u),
        None => headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_owned),
    };
    own.is_some_and(|own| own.eq_ignore_ascii_case(&given_host))
}

fn csrf_refusal(message: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "csrf", message)
}

impl Caller {
    /// Whose drafts the caller sees.
    pub fn drafts(&self) -> DraftScope {
        self.actor.principal.drafts()
    }

    /// Whether the caller may `action` in `city`.
    pub fn may(&self, action: Action, city: Option<&str>) -> bool {
        self.actor.principal.may(action, city)
    }

    /// `Ok` unless the caller is anonymous (401): what a write asks first, before it knows
    /// enough to name the city.
    pub fn signed_in(&self, what: &str) -> Result<(), ApiError> {
        if self.actor.principal == Principal::Anonymous {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                format!("{what} needs you signed in (POST /api/session) or a token ('Authorization: Bearer <token>')"),
            ));
        }
        Ok(())
    }

    /// `Ok` when the caller may `action` in `city`; 401 for the anonymous, 403 otherwise,
    /// saying what was asked.
    pub fn require(&self, action: Action, city: Option<&str>, what: &str) -> Result<(), ApiError> {
        if self.may(action, city) {
            return Ok(());
        }
        self.signed_in(what)?;
        let place = city.map_or_else(|| "without a city (site admins only)".to_owned(), |c| format!("in {c}"));
        Err(ApiError::forbidden(format!("your roles do not allow {what} {place}")))
    }

    /// An audit row of this caller doing `action` to a `target_type` `target_id`.
    pub fn audit(&self, action: &'static str, target_type: &'static str, target_id: impl Into<String>) -> AuditEntry {
        self.actor.audit(action, target_type, Some(target_id.into()))
    }
}

/// The request's caller before any credential is looked at: its address and request id.
fn anonymous(parts: &Parts, state: &AppState) -> Actor {
    Actor {
        principal: Principal::Anonymous,
        via: Via::Anonymous,
        client: client(parts, state),
        request_id: request_id(&parts.headers),
    }
}

/// The anonymous caller of a request, with its address and request id: what a sign-in starts
/// from (it must not be refused for an old session's missing CSRF header).
#[derive(Debug, Clone)]
pub struct Anonymous(pub Actor);

impl FromRequestParts<AppState> for Anonymous {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Anonymous(anonymous(parts, state)))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(c) = parts.extensions.get::<Caller>() {
            return Ok(c.clone());
        }
        let mut actor = anonymous(parts, state);
        let mut caller = Caller { actor: actor.clone(), session: None, csrf: None };
        if let Some(token) = bearer(&parts.headers) {
            let (principal, via) = state.accounts.bearer(token, &actor).await?;
            actor.principal = principal;
            actor.via = via;
            caller.actor = actor;
        } else if let Some(id) = cookie(&parts.headers, SESSION_COOKIE) {
            if let Some((user, csrf)) = state.accounts.session(id).await? {
                let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
                if unsafe_method && !same_origin(state, &parts.headers) {
                    return Err(csrf_refusal("this write comes from another site (its Origin is not this server's)"));
                }
                let echoed = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                if unsafe_method
                    && !echoed.is_some_and(|e| nexus_service::accounts::secrets::same(e.as_bytes(), csrf.as_bytes()))
                {
                    return Err(csrf_refusal(
                        "this write lacks the session's X-CSRF-Token header (from GET /api/session)",
                    ));
                }
                actor.principal = Principal::User(user);
                actor.via = Via::Session;
                caller = Caller { actor, session: Some(id.to_owned()), csrf: Some(csrf) };
            }
        }
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "bearer abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; nexus_session=xyz; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
