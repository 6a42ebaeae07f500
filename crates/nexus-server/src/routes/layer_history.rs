//! A layer's history, deletion and restore: `GET /api/layers/{id}/history` (each revision:
//! when, who, from what file, whether its data is still kept), `POST /api/layers/{id}/restore`
//! `{"revision": N}` (atomic like an ingest; tiles, downloads and the Nexus overlays follow)
//! and `DELETE /api/layers/{id}` (soft: gone from every path until a publisher restores it).
//! History is for the layer's city's members; deleting and restoring for its publishers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::{Action, LayerId};
use nexus_store::LayerState;
use serde_json::{json, Value};

use super::project_history::{deleted_answer, restored, revision_asked};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/layers/{id}/history", get(history)).route("/layers/{id}/restore", post(restore))
}

fn missing(id: &str) -> ApiError {
    ApiError::not_found(format!("no layer '{}'", id.escape_default()))
}

/// The layer's state for a member of its city; 404 for anyone else, as for a draft.
async fn for_members(state: &AppState, caller: &Caller, id: &str) -> Result<(LayerId, LayerState), ApiError> {
    let lid = LayerId::new(id).map_err(|_| missing(id))?;
    let now = state.store.layer_state(&lid).await?.ok_or_else(|| missing(id))?;
    if !caller.may(Action::ReadDrafts, now.city.as_deref()) {
        return Err(missing(id));
    }
    Ok((lid, now))
}

async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (lid, _) = for_members(&state, &caller, &id).await?;
    Ok(Json(json!({ "id": lid, "revisions": state.store.layer_history(&lid).await? })))
}

async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.signed_in("restoring layers")?;
    let (lid, now) = for_members(&state, &caller, &id).await?;
    let revision = revision_asked(&bytes)?;
    caller.require(Action::DeleteRestore, now.city.as_deref(), "restoring layers")?;
    let guard = |now: Option<&LayerState>, old: &LayerState| {
        caller.may(Action::DeleteRestore, old.city.as_deref())
            && now.is_none_or(|n| caller.may(Action::DeleteRestore, n.city.as_deref()))
    };
    let audit = caller.actor.audit("layer.restore", "layer", None);
    restored(state.store.restore_layer(&lid, revision, &guard, &audit).await?, "layer", "id", lid.as_str(), revision)
}

/// `DELETE /api/layers/{id}` (routed with the layer's other methods).
pub(super) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.signed_in("deleting layers")?;
    let lid = LayerId::new(id.as_str()).map_err(|_| missing(&id))?;
    let layer = state.store.layer(&lid).await?.filter(|l| caller.drafts().sees_layer(l)).ok_or_else(|| missing(&id))?;
    caller.require(Action::DeleteRestore, layer.city.as_ref().map(nexus_core::CitySlug::as_str), "deleting layers")?;
    let guard = |now: &LayerState| caller.may(Action::DeleteRestore, now.city.as_deref());
    let audit = caller.actor.audit("layer.delete", "layer", None);
    deleted_answer(state.store.delete_layer(&lid, &guard, &audit).await?, missing(&id))
}
