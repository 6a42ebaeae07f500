//! `GET /api/solutions`: the programme's showcased solutions, each with its source and the
//! projects doing it where a source names a city (drafts only for their city's members).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/solutions", get(solutions))
}

async fn solutions(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let solutions = state.store.solutions(&caller.drafts()).await?;
    Ok(Json(json!({ "solutions": solutions })))
}
