//! Planners prove themselves with the bearer token from the configuration, until real
//! accounts exist. Everyone else is the public: they see public data only.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};

use crate::error::ApiError;
use crate::state::AppState;

/// Proof that the request carries the planner token. Use as an extractor on routes that
/// change data.
#[derive(Debug, Clone, Copy)]
pub struct Planner;

/// Compares in constant time, so the token cannot be guessed byte by byte from timings.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Whether the request carries a valid planner token (for routes that show drafts to
/// planners and hide them from everyone else).
pub fn is_planner(headers: &HeaderMap, state: &AppState) -> bool {
    match (&state.config.planner_token, bearer(headers)) {
        (Some(expected), Some(given)) => same(expected.as_bytes(), given.as_bytes()),
        _ => false,
    }
}

impl FromRequestParts<AppState> for Planner {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(expected) = &state.config.planner_token else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "planner actions are disabled on this server; set planner_token (NEXUS_PLANNER_TOKEN) to enable them",
            ));
        };
        match bearer(&parts.headers) {
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this needs the planner token: send 'Authorization: Bearer <token>'",
            )),
            Some(given) if same(expected.as_bytes(), given.as_bytes()) => Ok(Planner),
            Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "the planner token is not valid")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secret2"));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "bearer abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
