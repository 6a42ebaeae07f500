//! Planners' project editing: `POST /api/projects` creates one (a draft unless it says
//! otherwise), `PUT /api/projects/{slug}` replaces one (publishing is saving it with
//! `"visibility": "public"`). Both take a GeoJSON Feature whose properties are those of
//! `data/projects.geojson`; reading goes through `/collections/projects`. A `PUT` with
//! `If-Match: "<revision>"` is refused (412) when someone saved the project meanwhile.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{post, put};
use axum::{Json, Router};
use nexus_core::{ProjectCollection, ProjectRecord};
use nexus_store::SaveOutcome;
use serde_json::{json, Value};

use crate::auth::Planner;
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/projects", post(create)).route("/projects/{slug}", put(replace))
}

/// The project a request body describes; `slug` fills in the path's when the body has none,
/// and `visibility` is used when the body does not say (new projects are drafts; an edit that
/// leaves it out keeps the project as it was).
fn record(bytes: &[u8], slug: Option<&str>, visibility: &str) -> Result<ProjectRecord, ApiError> {
    let mut feature: Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
    if feature["type"] != "Feature" || !feature["properties"].is_object() {
        return Err(ApiError::bad_request("the body must be a GeoJSON Feature with the project's properties"));
    }
    let props = &mut feature["properties"];
    if props.get("visibility").is_none() {
        props["visibility"] = json!(visibility);
    }
    if let Some(slug) = slug {
        match props.get("slug").and_then(Value::as_str) {
            None => props["slug"] = json!(slug),
            Some(s) if s == slug => {}
            Some(s) => {
                return Err(ApiError::bad_request(format!(
                    "the body is project '{}' but the path names '{}'",
                    s.escape_default(),
                    slug.escape_default()
                )))
            }
        }
    }
    let text = json!({ "type": "FeatureCollection", "features": [feature] }).to_string();
    let mut c = ProjectCollection::from_geojson(&text)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.to_string()))?;
    c.0.pop().ok_or_else(|| ApiError::bad_request("no project in the body"))
}

fn missing(slug: &str) -> ApiError {
    ApiError::not_found(format!("no project '{}'", slug.escape_default()))
}

async fn create(
    State(state): State<AppState>,
    _planner: Planner,
    bytes: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let p = record(&bytes, None, "draft")?;
    match state.store.save_project(&p, true, None).await? {
        SaveOutcome::Exists => Err(ApiError::new(
            StatusCode::CONFLICT,
            "exists",
            format!("project '{}' exists already: PUT /api/projects/{} replaces it", p.slug, p.slug),
        )),
        _ => Ok((
            StatusCode::CREATED,
            Json(json!({ "slug": p.slug.as_str(), "visibility": p.meta.visibility.as_str() })),
        )),
    }
}

/// The revision an edit started from, from `If-Match: "7"` (the project's `revision`).
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = v.to_str().unwrap_or_default().trim().trim_start_matches("W/").trim_matches('"');
    text.parse()
        .map(Some)
        .map_err(|_| ApiError::bad_request("If-Match takes the project's revision, as in If-Match: \"7\"".to_owned()))
}

async fn replace(
    State(state): State<AppState>,
    _planner: Planner,
    Path(slug): Path<String>,
    headers: HeaderMap,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let expected = if_match(&headers)?;
    let stored = state.store.project_visibility(&slug).await?.ok_or_else(|| missing(&slug))?;
    let p = record(&bytes, Some(&slug), &stored)?;
    match state.store.save_project(&p, false, expected).await? {
        SaveOutcome::Updated { changed } => {
            Ok(Json(json!({ "slug": p.slug.as_str(), "visibility": p.meta.visibility.as_str(), "changed": changed })))
        }
        SaveOutcome::Stale { current } => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "stale",
            format!(
                "project '{slug}' was saved by someone else meanwhile (it is at revision {current}, the edit \
                 started from {}): reload it and edit again",
                expected.unwrap_or_default()
            ),
        )),
        _ => Err(missing(&slug)),
    }
}
