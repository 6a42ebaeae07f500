//! OGC API - Features Part 4 on the `projects` collection: the same saves as `/api/projects`
//! (the same record checks, roles, `If-Match` on the project's revision, audit rows and
//! history), reached the way GIS clients edit any collection. A feature's id is the
//! project's id; its `ETag` is the project's revision. What the server adds to a project
//! (`revision`, `updated_at`) may come back in a body, as clients send what they read, and is
//! ignored.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::common::GEOJSON;
use super::items::page;
use super::source::source;
use super::versions::{merge_patch, quoted};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::links::base_url;
use crate::routes::{project_history, projects};
use crate::state::AppState;

/// The collection's id.
pub(super) const PROJECTS: &str = "projects";

/// Properties a project's feature carries that the server sets.
const SERVER_SET: [&str; 2] = ["revision", "updated_at"];

fn missing(fid: &str) -> ApiError {
    ApiError::not_found(format!("collection 'projects' has no feature '{}'", fid.escape_default()))
}

/// The project feature `id` as the caller reads it, with its revision.
async fn read(state: &AppState, caller: &Caller, id: i64) -> Result<Option<(Value, String)>, ApiError> {
    let s = source(state, &caller.drafts(), PROJECTS).await?;
    let q = nexus_core::query::items(&HashMap::new(), &[], false)?;
    let Some((bytes, etag)) = state.store.feature(s.collection(), id, &page(&q)).await? else { return Ok(None) };
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| ApiError::internal(&e))?;
    Ok(Some((v, etag.unwrap_or_default())))
}

/// Feature `fid` as the caller may see it: its id, the feature, its revision and its slug.
async fn current(state: &AppState, caller: &Caller, fid: &str) -> Result<(i64, Value, String, String), ApiError> {
    let id: i64 = fid.parse().map_err(|_| missing(fid))?;
    let (feature, revision) = read(state, caller, id).await?.ok_or_else(|| missing(fid))?;
    let slug = feature["properties"]["slug"].as_str().ok_or_else(|| missing(fid))?.to_owned();
    Ok((id, feature, revision, slug))
}

/// A body as `/api/projects` takes it: a Feature without the server's own properties.
fn as_record(mut feature: Value) -> Result<axum::body::Bytes, ApiError> {
    if let Some(p) = feature.get_mut("properties").and_then(Value::as_object_mut) {
        for k in SERVER_SET {
            p.remove(k);
        }
    }
    for k in ["id", "links"] {
        if let Some(f) = feature.as_object_mut() {
            f.remove(k);
        }
    }
    Ok(axum::body::Bytes::from(serde_json::to_vec(&feature).map_err(|e| ApiError::internal(&e))?))
}

fn parsed(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))
}

/// The project as stored after a write, with its `ETag` (and `Location` when created).
async fn stored(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    id: i64,
    created: bool,
) -> Result<Response, ApiError> {
    let (feature, etag) = read(state, caller, id).await?.ok_or_else(|| missing(&id.to_string()))?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    let mut res = (status, [(header::CONTENT_TYPE, GEOJSON)], Json(feature)).into_response();
    res.headers_mut().insert(header::ETAG, quoted(&etag));
    if created {
        let location = format!("{}/collections/projects/items/{id}", base_url(state, headers));
        if let Ok(v) = HeaderValue::from_str(&location) {
            res.headers_mut().insert(header::LOCATION, v);
        }
    }
    Ok(res)
}

/// `POST /collections/projects/items`: a new project (a draft unless it says otherwise).
pub(super) async fn create(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    bytes: &[u8],
) -> Result<Response, ApiError> {
    let body = as_record(parsed(bytes)?)?;
    let (_, Json(answer)) = projects::create(State(state.clone()), caller.clone(), body).await?;
    let slug = answer["slug"].as_str().unwrap_or_default();
    let id = state.store.project_id(slug).await?.ok_or_else(|| missing(slug))?;
    stored(&state, &caller, &headers, id, true).await
}

/// `PUT /collections/projects/items/{id}`: the whole project.
pub(super) async fn replace(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    fid: &str,
    bytes: &[u8],
) -> Result<Response, ApiError> {
    let (id, _, _, slug) = current(&state, &caller, fid).await?;
    let body = as_record(parsed(bytes)?)?;
    let Json(_) = projects::replace(State(state.clone()), caller.clone(), Path(slug), headers.clone(), body).await?;
    stored(&state, &caller, &headers, id, false).await
}

/// `PATCH /collections/projects/items/{id}`: a JSON Merge Patch of the project as stored,
/// saved only over the revision it was merged into (or the one `If-Match` names).
pub(super) async fn update(
    state: AppState,
    caller: Caller,
    mut headers: HeaderMap,
    fid: &str,
    bytes: &[u8],
) -> Result<Response, ApiError> {
    let patch = parsed(bytes)?;
    if !patch.is_object() {
        return Err(ApiError::bad_request("a PATCH body is a JSON Merge Patch of the feature (an object)"));
    }
    let (id, mut feature, revision, slug) = current(&state, &caller, fid).await?;
    merge_patch(&mut feature, &patch);
    feature["type"] = json!("Feature");
    if !headers.contains_key(header::IF_MATCH) {
        headers.insert(header::IF_MATCH, quoted(&revision));
    }
    let body = as_record(feature)?;
    let Json(_) = projects::replace(State(state.clone()), caller.clone(), Path(slug), headers.clone(), body).await?;
    stored(&state, &caller, &headers, id, false).await
}

/// `DELETE /collections/projects/items/{id}`: the project deleted (kept in its history, to
/// restore), unless `If-Match` names an older revision.
pub(super) async fn delete(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    fid: &str,
) -> Result<Response, ApiError> {
    let (_, _, revision, slug) = current(&state, &caller, fid).await?;
    if let Some(expected) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) {
        let expected = expected.trim().trim_start_matches("W/").trim_matches('"');
        if expected != "*" && expected != revision {
            let mut res = ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "stale",
                format!("project '{slug}' was saved by someone else meanwhile (it is at revision {revision})"),
            )
            .into_response();
            res.headers_mut().insert(header::ETAG, quoted(&revision));
            return Ok(res);
        }
    }
    Ok(project_history::delete(State(state), caller, Path(slug)).await?.into_response())
}
