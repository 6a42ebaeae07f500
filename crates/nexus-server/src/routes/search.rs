//! `GET /api/search?q=&city=&limit=`: cities, projects, showcased solutions, layers and named features whose
//! names hold what was typed (case, accents and script aside), the chosen city's first.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use nexus_core::CitySlug;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Results given when the request does not say; and the most it may ask for.
const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 50;
/// The longest query: names are short, and a long pattern is only work for the database.
const MAX_QUERY_CHARS: usize = 100;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let q = params.get("q").map(|q| q.trim()).unwrap_or_default();
    if !q.chars().any(char::is_alphanumeric) {
        return Err(ApiError::bad_request("q must hold a letter or a digit: what to search for, as in ?q=Hai Ya"));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(format!("q may be at most {MAX_QUERY_CHARS} characters")));
    }
    let city = match params.get("city").filter(|c| !c.is_empty()) {
        Some(c) => Some(CitySlug::new(c.as_str()).map_err(|e| ApiError::bad_request(format!("city: {e}")))?),
        None => None,
    };
    let limit = match params.get("limit") {
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| ApiError::bad_request(format!("limit must be a whole number from 1 to {MAX_LIMIT}")))?,
        None => DEFAULT_LIMIT,
    };
    let hits = state.store.search(q, city.as_ref().map(CitySlug::as_str), &caller.drafts(), limit).await?;
    Ok(Json(json!({ "query": q, "city": city, "results": hits })))
}
