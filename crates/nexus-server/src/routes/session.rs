//! Signing in and out, and personal API tokens:
//! `POST /api/session` `{"email","password"}` signs in (a new session cookie every time),
//! `GET /api/session` says who is signed in (and the CSRF token their writes echo),
//! `DELETE /api/session` signs out (`?everywhere=true`: every session of the user);
//! `GET /api/tokens`, `POST /api/tokens` `{"name","expires_days"}` (the token is shown in
//! this answer only), `DELETE /api/tokens/{id}`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use nexus_core::Principal;
use nexus_store::Via;
use serde::Deserialize;
use serde_json::{json, Value};

use super::json::body;
use super::session_answer::{SessionAnswer, SessionUser};
use crate::auth::{cookie, same_origin, Anonymous, Caller, SESSION_COOKIE};
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", get(who).post(sign_in).delete(sign_out))
        .route("/tokens", get(tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
}

/// Whether the client reached us over HTTPS (directly behind a proxy that says so, or a
/// public URL that is https), so the cookie may only travel that way.
fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

fn session_cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("nexus_session=; Max-Age=0"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    email: String,
    password: String,
}

async fn sign_in(
    State(state): State<AppState>,
    Anonymous(from): Anonymous,
    headers: HeaderMap,
    bytes: axum::body::Bytes,
) -> Result<Response, ApiError> {
    // A sign-in from another site would sign the visitor into the attacker's account.
    if headers.contains_key(header::ORIGIN) && !same_origin(&state, &headers) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "csrf", "sign-in from another site is refused"));
    }
    let SignIn { email, password } = body(&bytes)?;
    let old = cookie(&headers, SESSION_COOKIE);
    let signed = state.accounts.sign_in(&email, &password, &from, old).await?;
    let max_age = (signed.expires_at - time::OffsetDateTime::now_utc()).whole_seconds();
    let expires = signed.expires_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let answer = SessionAnswer {
        user: Some(SessionUser::from(&signed.user)),
        csrf: Some(signed.csrf),
        expires_at: Some(expires),
        ..SessionAnswer::default()
    };
    let mut res = Json(answer).into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie(&signed.session_id, max_age, secure(&state, &headers)));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

async fn who(caller: Caller) -> Response {
    let body = match &caller.actor.principal {
        Principal::User(u) => SessionAnswer {
            user: Some(SessionUser::from(u)),
            via: Some(caller.actor.via),
            csrf: caller.csrf,
            ..SessionAnswer::default()
        },
        Principal::Legacy => {
            SessionAnswer { via: Some(Via::Legacy), site_admin: Some(true), ..SessionAnswer::default() }
        }
        _ => SessionAnswer::default(),
    };
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

async fn sign_out(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let Some(id) = &caller.session else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "no session to end: you are not signed in",
        ));
    };
    if q.get("everywhere").is_some_and(|v| v == "true") {
        state.accounts.sign_out_everywhere(&caller.actor).await?;
    } else {
        state.accounts.sign_out(&caller.actor, id).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie("", 0, secure(&state, &headers)));
    Ok(res)
}

async fn tokens(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let all = q.get("all").is_some_and(|v| v == "true");
    let list = state.accounts.tokens(&caller.actor, all).await?;
    Ok(Json(json!({ "tokens": list })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    expires_days: Option<u32>,
    /// Whose (site admins only; yourself when absent).
    user: Option<String>,
}

async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.signed_in("making a token")?;
    let t: NewToken = body(&bytes)?;
    let owner = match (t.user, caller.actor.user()) {
        (Some(email), _) => email,
        (None, Some(u)) => u.email.clone(),
        (None, None) => return Err(ApiError::bad_request("say whose token this is: \"user\": \"email\"")),
    };
    let (id, token) = state.accounts.create_token(&caller.actor, &owner, &t.name, t.expires_days).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "name": t.name.trim(), "user": owner, "token": token,
                     "note": "this is the only time the token is shown; store it now" })),
    ))
}

async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.accounts.revoke_token(&caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
