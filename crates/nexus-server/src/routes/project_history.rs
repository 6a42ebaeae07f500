//! A project's history, deletion and restore:
//! `GET /api/projects/{slug}/history` (every revision: when, who, what changed),
//! `GET /api/projects/{slug}/history/{revision}` (that revision as a Feature),
//! `POST /api/projects/{slug}/restore` `{"revision": N}` (a new revision equal to N; a deleted
//! project comes back), `DELETE /api/projects/{slug}` (soft: gone from every path until
//! restored) and `GET /api/trash` (the projects and layers one may restore). History shows drafts' content, so it is for the
//! city's members; deleting and restoring are for its publishers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::{Action, ProjectSlug};
use nexus_store::{HistoryOutcome, StoredProject};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/trash", get(deleted))
        .route("/projects/{slug}/history", get(history))
        .route("/projects/{slug}/history/{revision}", get(revision))
        .route("/projects/{slug}/restore", post(restore))
}

fn missing(slug: &str) -> ApiError {
    ApiError::not_found(format!("no project '{}'", slug.escape_default()))
}

/// History is for the city's members: it holds drafts' content. Anyone else finds nothing.
/// Returns the city the project is in now, or was in when deleted.
async fn members_only(state: &AppState, caller: &Caller, slug: &str) -> Result<String, ApiError> {
    ProjectSlug::new(slug).map_err(|_| missing(slug))?;
    let city = state.store.project_city(slug).await?.ok_or_else(|| missing(slug))?;
    if !caller.may(Action::ReadDrafts, Some(&city)) {
        return Err(missing(slug));
    }
    Ok(city)
}

async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<Json<Value>, ApiError> {
    members_only(&state, &caller, &slug).await?;
    let revisions = state.store.project_history(&slug).await?;
    Ok(Json(json!({ "slug": slug, "revisions": revisions })))
}

async fn revision(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, revision)): Path<(String, i64)>,
) -> Result<Json<Value>, ApiError> {
    members_only(&state, &caller, &slug).await?;
    let (mut feature, _, deleted) = state
        .store
        .project_revision(&slug, revision)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("project '{slug}' has no revision {revision}")))?;
    feature["properties"]["revision"] = json!(revision);
    feature["properties"]["deleted"] = json!(deleted);
    Ok(Json(feature))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Restore {
    revision: i64,
}

/// The revision a restore asks for, from `{"revision": N}`.
pub(super) fn revision_asked(bytes: &[u8]) -> Result<i64, ApiError> {
    let Restore { revision } = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body must be {{\"revision\": N}}: {e}")))?;
    Ok(revision)
}

/// The answer to a restore of revision `revision` of the `kind` (project, layer) named `id`
/// under `key` (slug, id).
pub(super) fn restored(
    outcome: HistoryOutcome,
    kind: &str,
    key: &str,
    id: &str,
    revision: i64,
) -> Result<Json<Value>, ApiError> {
    match outcome {
        HistoryOutcome::Done { before, after } => {
            Ok(Json(json!({ key: id, "restored": revision, "revision_before": before, "revision": after })))
        }
        HistoryOutcome::Missing => Err(ApiError::not_found(format!("{kind} '{id}' has no revision {revision}"))),
        HistoryOutcome::Forbidden => {
            Err(ApiError::forbidden(format!("your roles do not allow restoring revision {revision} of '{id}'")))
        }
    }
}

/// The answer to a delete; `missing` when there was nothing to delete.
pub(super) fn deleted_answer(outcome: HistoryOutcome, missing: ApiError) -> Result<StatusCode, ApiError> {
    match outcome {
        HistoryOutcome::Done { .. } => Ok(StatusCode::NO_CONTENT),
        HistoryOutcome::Missing => Err(missing),
        HistoryOutcome::Forbidden => Err(ApiError::forbidden("your roles do not allow this")),
    }
}

async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.signed_in("restoring projects")?;
    let city = members_only(&state, &caller, &slug).await?;
    let revision = revision_asked(&bytes)?;
    caller.require(Action::DeleteRestore, Some(&city), "restoring projects")?;
    let guard = |now: Option<&StoredProject>, old: &StoredProject| {
        caller.may(Action::DeleteRestore, Some(&old.city))
            && now.is_none_or(|n| caller.may(Action::DeleteRestore, Some(&n.city)))
    };
    let audit = caller.actor.audit("project.restore", "project", None);
    restored(state.store.restore_project(&slug, revision, &guard, &audit).await?, "project", "slug", &slug, revision)
}

/// `DELETE /api/projects/{slug}` (routed with the project's other methods).
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.signed_in("deleting projects")?;
    let stored = state
        .store
        .stored_project(&slug)
        .await?
        .filter(|s| caller.drafts().sees(s.visibility, Some(&s.city)))
        .ok_or_else(|| missing(&slug))?;
    caller.require(Action::DeleteRestore, Some(&stored.city), "deleting projects")?;
    let guard = |now: Option<&StoredProject>| now.is_some_and(|n| caller.may(Action::DeleteRestore, Some(&n.city)));
    let audit = caller.actor.audit("project.delete", "project", None);
    deleted_answer(state.store.delete_project(&slug, &guard, &audit).await?, missing(&slug))
}

async fn deleted(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.signed_in("listing what was deleted")?;
    let mine = |all: Vec<Value>| -> Vec<Value> {
        all.into_iter().filter(|p| caller.may(Action::DeleteRestore, p["city"].as_str())).collect()
    };
    let projects = mine(state.store.deleted_projects().await?);
    let layers = mine(state.store.deleted_layers().await?);
    Ok(Json(json!({ "projects": projects, "layers": layers })))
}
