//! People and the audit trail: `GET`/`POST /api/users`, `PATCH /api/users/{email}`
//! `{"disabled": true}` (site admins); `GET /api/cities/{slug}/members`,
//! `PUT /api/cities/{slug}/members/{email}` `{"role": "editor"}` and `DELETE` (city admins; with
//! `"name"` and `"password"` the account is made when there is none);
//! `GET /api/audit?city=&actor=&target=&action=&since=&limit=&before=` (site admins every row,
//! city admins their city's).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, put};
use axum::{Json, Router};
use nexus_core::{Action, CitySlug, Role};
use nexus_service::accounts::{AccountError, UserSpec};
use nexus_store::AuditFilter;
use serde::Deserialize;
use serde_json::{json, Value};

use super::json::body;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(users).post(create_user))
        .route("/users/{email}", patch(update_user))
        .route("/cities/{slug}/members", get(members))
        .route("/cities/{slug}/members/{email}", put(set_member).delete(remove_member))
        .route("/audit", get(audit))
}

fn city(slug: &str) -> Result<CitySlug, ApiError> {
    CitySlug::new(slug).map_err(|e| ApiError::bad_request(format!("city: {e}")))
}

async fn users(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "users": state.accounts.users(&caller.actor, None).await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleIn {
    city: CitySlug,
    role: Role,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserIn {
    email: String,
    name: Option<String>,
    password: Option<String>,
    #[serde(default)]
    site_admin: bool,
    #[serde(default)]
    roles: Vec<RoleIn>,
}

async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let u: NewUserIn = body(&bytes)?;
    let spec = UserSpec {
        email: u.email.clone(),
        name: u.name,
        password: u.password,
        site_admin: u.site_admin,
        roles: u.roles.into_iter().map(|r| (r.city, r.role)).collect(),
    };
    let id = state.accounts.create_user(&caller.actor, &spec).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id, "email": u.email.trim().to_lowercase() }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserPatch {
    disabled: bool,
}

async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(email): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let p: UserPatch = body(&bytes)?;
    state.accounts.set_disabled(&caller.actor, &email, p.disabled).await?;
    Ok(Json(json!({ "email": email, "disabled": p.disabled })))
}

async fn members(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let c = city(&slug)?;
    Ok(Json(json!({ "city": c, "members": state.accounts.users(&caller.actor, Some(&c)).await? })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberIn {
    role: Role,
    /// For someone without an account yet: it is made, with this role only.
    name: Option<String>,
    password: Option<String>,
}

async fn set_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, email)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let c = city(&slug)?;
    let m: MemberIn = body(&bytes)?;
    let created = match state.accounts.set_role(&caller.actor, &email, &c, Some(m.role)).await {
        Err(AccountError::Invalid(why)) if why.starts_with("there is no user") && m.password.is_some() => {
            let spec = UserSpec {
                email: email.clone(),
                name: m.name,
                password: m.password,
                site_admin: false,
                roles: vec![(c.clone(), m.role)],
            };
            state.accounts.create_user(&caller.actor, &spec).await?;
            true
        }
        other => {
            other?;
            false
        }
    };
    Ok(Json(json!({ "city": c, "email": email, "role": m.role, "created": created })))
}

async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, email)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state.accounts.set_role(&caller.actor, &email, &city(&slug)?, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

const MAX_AUDIT_ROWS: i64 = 1000;

async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let get = |k: &str| q.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let city = get("city").map(|c| city(&c)).transpose()?;
    caller.require(Action::ReadAudit, city.as_ref().map(CitySlug::as_str), "reading the audit trail")?;
    let since = get("since")
        .map(|s| time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339))
        .transpose()
        .map_err(|_| ApiError::bad_request("since must be an RFC 3339 time, as in 2026-11-30T00:00:00Z"))?;
    let number = |k: &str, max: i64| -> Result<Option<i64>, ApiError> {
        get(k)
            .map(|v| v.parse::<i64>().ok().filter(|n| (1..=max).contains(n)))
            .map(|n| n.ok_or_else(|| ApiError::bad_request(format!("{k} must be a whole number from 1 to {max}"))))
            .transpose()
    };
    let limit = number("limit", MAX_AUDIT_ROWS)?.unwrap_or(100);
    let filter = AuditFilter {
        city: city.as_ref().map(ToString::to_string),
        actor: get("actor"),
        target: get("target"),
        action: get("action"),
        since,
        before_id: number("before", i64::MAX)?,
        limit,
    };
    let rows = state.store.audit(&filter).await?;
    let next =
        (rows.len() == usize::try_from(limit).unwrap_or(usize::MAX)).then(|| rows.last().map(|r| r.id)).flatten();
    Ok(Json(json!({ "rows": rows, "next_before": next })))
}
