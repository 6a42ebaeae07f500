//! OGC API - Features Part 4 on layer collections: `POST /collections/{id}/items` (201 with
//! `Location`), `PUT`, `PATCH` (JSON Merge Patch) and `DELETE /collections/{id}/items/{fid}`;
//! `OPTIONS` answers `Allow` with what the caller may do; writes with an `If-Match` that no
//! longer matches get 412 and store nothing; `GET …/items/{fid}/history` lists the edits.
//! Editing a draft layer's features is an editor's, a public layer's a publisher's (the same
//! policy as uploading into the layer); the store asks again under the layer's lock. The
//! `projects` collection is edited as `/api/projects` edits it (`edit_projects.rs`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use nexus_core::{Action, Layer};
use nexus_store::{EditKind, FeatureBody, FeatureWrite, LayerState, WriteOutcome};
use serde_json::{json, Map, Value};

use super::common::{link, GEOJSON};
use super::crs::content_crs;
use super::edit_projects;
use super::source::{source, Source};
use super::versions::{merge_patch, quoted};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::links::base_url;
use crate::state::AppState;

/// What an edit of `layer`'s features asks of the policy.
fn action(layer: &Layer) -> Action {
    Action::for_save(Some(layer.visibility), layer.visibility)
}

/// The layer `id` the caller may see, and may edit the features of.
async fn writable(state: &AppState, caller: &Caller, id: &str) -> Result<Arc<Layer>, ApiError> {
    caller.signed_in("editing features")?;
    match source(state, &caller.drafts(), id).await? {
        Source::Layer(l) => {
            caller.require(
                action(&l),
                l.city.as_ref().map(nexus_core::CitySlug::as_str),
                "editing this layer's features",
            )?;
            Ok(l)
        }
        Source::Projects { .. } => Err(ApiError::not_found("collection 'projects' is not a layer")),
    }
}

fn no_feature(id: &str, fid: &str) -> ApiError {
    ApiError::not_found(format!("collection '{id}' has no feature '{}'", fid.escape_default()))
}

fn fid_of(id: &str, fid: &str) -> Result<i64, ApiError> {
    fid.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| no_feature(id, fid))
}

/// The version a write started from: `If-Match: "<etag>"` (`*`: any).
fn if_match(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::IF_MATCH)?.to_str().ok()?.trim();
    (v != "*").then(|| v.trim_start_matches("W/").trim_matches('"').to_owned())
}

/// The request body as a feature to store.
fn body(bytes: &[u8], headers: &HeaderMap) -> Result<FeatureBody, ApiError> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
    feature_body(&v, headers)
}

fn feature_body(v: &Value, headers: &HeaderMap) -> Result<FeatureBody, ApiError> {
    if v["type"] != "Feature" {
        return Err(ApiError::bad_request("the body must be a GeoJSON Feature"));
    }
    let geometry = match &v["geometry"] {
        Value::Object(_) => v["geometry"].to_string(),
        _ => return Err(ApiError::bad_request("the feature has no geometry: every feature of a layer has one")),
    };
    let properties = match &v["properties"] {
        Value::Object(m) => m.clone(),
        Value::Null => Map::new(),
        _ => return Err(ApiError::bad_request("the feature's properties must be an object")),
    };
    let crs = content_crs(headers)?;
    Ok(FeatureBody { geometry, srid: crs.srid, lat_first: crs.lat_first, properties })
}

/// Writes, then answers with the feature as stored (or 204 for a delete).
async fn write(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    layer: &Layer,
    w: FeatureWrite<'_>,
) -> Result<Response, ApiError> {
    let guard = |s: &LayerState| caller.may(Action::for_save(Some(s.visibility), s.visibility), s.city.as_deref());
    let audit = caller.actor.audit("feature.edit", "feature", None);
    let id = layer.id.as_str();
    let (fid, now, repaired) = match state.store.write_feature(&w, &guard, &audit).await? {
        WriteOutcome::Written { stored: None, .. } => {
            refresh(state, id).await;
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        WriteOutcome::Written { fid, stored: Some(now), repaired, .. } => (fid, *now, repaired),
        WriteOutcome::Missing => return Err(no_feature(id, &w.fid.unwrap_or_default().to_string())),
        WriteOutcome::Stale { current } => {
            let mut res = ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "stale",
                format!(
                    "feature {} of '{id}' was changed by someone else meanwhile (it is now \"{current}\"): read it \
                     again and edit that",
                    w.fid.unwrap_or_default()
                ),
            )
            .into_response();
            res.headers_mut().insert(header::ETAG, quoted(&current));
            return Ok(res);
        }
        WriteOutcome::Forbidden => {
            return Err(ApiError::forbidden(format!(
                "layer '{id}' changed meanwhile and your roles no longer allow this edit"
            )))
        }
    };
    // This instance's catalog has the new revision before the client hears back, so its next
    // read (a count, a tile) sees the write.
    refresh(state, id).await;
    let layer = state.tiles.catalog().get(id).unwrap_or_else(|| Arc::new(layer.clone()));
    let status = if w.kind == EditKind::Create { StatusCode::CREATED } else { StatusCode::OK };
    let base = base_url(state, headers);
    let here = format!("{base}/collections/{id}/items/{fid}");
    // As a read shows it: every field of the layer, null where the feature has none.
    let mut properties: Map<String, Value> = layer
        .fields
        .iter()
        .map(|f| (f.name.clone(), now.properties.get(&f.name).cloned().unwrap_or(Value::Null)))
        .collect();
    for (k, v) in now.properties.as_object().into_iter().flatten() {
        properties.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let mut feature = json!({
        "type": "Feature", "id": fid, "geometry": now.geometry, "properties": properties,
        "links": [link(here.clone(), "self", GEOJSON, "This feature"), link(format!("{base}/collections/{id}"), "collection", "application/json", "The collection")],
    });
    if let Some(reason) = repaired {
        // The geometry was invalid and stored repaired: the client learns what it now is.
        feature["repaired"] = json!(format!("the geometry was not valid ({reason}) and was repaired"));
    }
    let mut res = (status, [(header::CONTENT_TYPE, GEOJSON)], Json(feature)).into_response();
    res.headers_mut().insert(header::ETAG, quoted(&now.etag));
    if status == StatusCode::CREATED {
        if let Ok(v) = HeaderValue::from_str(&here) {
            res.headers_mut().insert(header::LOCATION, v);
        }
    }
    Ok(res)
}

/// This instance's catalog takes the new revision now (the notification follows anyway, so a
/// failure here only delays it).
async fn refresh(state: &AppState, id: &str) {
    if let Err(e) = state.tiles.refresh_layer(id).await {
        tracing::warn!(layer = id, error = %e, "cannot read the catalog after an edit; the notification will");
    }
}

pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Response, ApiError> {
    if id == edit_projects::PROJECTS {
        return edit_projects::create(state, caller, headers, &bytes).await;
    }
    let layer = writable(&state, &caller, &id).await?;
    let b = body(&bytes, &headers)?;
    let w = FeatureWrite { layer: &layer.id, kind: EditKind::Create, fid: None, body: Some(b), expected: None };
    write(&state, &caller, &headers, &layer, w).await
}

pub(super) async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> Result<Response, ApiError> {
    if id == edit_projects::PROJECTS {
        return edit_projects::replace(state, caller, headers, &fid, &bytes).await;
    }
    let layer = writable(&state, &caller, &id).await?;
    let n = fid_of(&id, &fid)?;
    let b = body(&bytes, &headers)?;
    let w = FeatureWrite {
        layer: &layer.id,
        kind: EditKind::Replace,
        fid: Some(n),
        body: Some(b),
        expected: if_match(&headers),
    };
    write(&state, &caller, &headers, &layer, w).await
}

pub(super) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> Result<Response, ApiError> {
    if id == edit_projects::PROJECTS {
        return edit_projects::update(state, caller, headers, &fid, &bytes).await;
    }
    let layer = writable(&state, &caller, &id).await?;
    let n = fid_of(&id, &fid)?;
    let patch: Value =
        serde_json::from_slice(&bytes).map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
    if !patch.is_object() {
        return Err(ApiError::bad_request("a PATCH body is a JSON Merge Patch of the feature (an object)"));
    }
    let now = state.store.current_feature(&layer.id, n).await?.ok_or_else(|| no_feature(&id, &fid))?;
    let mut merged = json!({ "type": "Feature", "geometry": now.geometry, "properties": now.properties });
    merge_patch(&mut merged, &patch);
    merged["type"] = json!("Feature");
    let mut b = feature_body(&merged, &headers)?;
    if patch.get("geometry").is_none() {
        // The geometry kept is the stored one, in CRS84 whatever Content-Crs says.
        (b.srid, b.lat_first) = (4326, false);
    }
    // Without If-Match the patch applies to the version it was merged into, never to a newer one.
    let expected = if_match(&headers).or(Some(now.etag));
    let w = FeatureWrite { layer: &layer.id, kind: EditKind::Update, fid: Some(n), body: Some(b), expected };
    write(&state, &caller, &headers, &layer, w).await
}

pub(super) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if id == edit_projects::PROJECTS {
        return edit_projects::delete(state, caller, headers, &fid).await;
    }
    let layer = writable(&state, &caller, &id).await?;
    let n = fid_of(&id, &fid)?;
    let w = FeatureWrite {
        layer: &layer.id,
        kind: EditKind::Delete,
        fid: Some(n),
        body: None,
        expected: if_match(&headers),
    };
    write(&state, &caller, &headers, &layer, w).await
}

/// `Allow`: what this caller may do here.
async fn allow(state: &AppState, caller: &Caller, id: &str, writes: &str) -> Result<Response, ApiError> {
    let may = match source(state, &caller.drafts(), id).await? {
        Source::Layer(l) => caller.may(action(&l), l.city.as_ref().map(nexus_core::CitySlug::as_str)),
        // Any editor may propose a project in their city; the save says which.
        Source::Projects { .. } => caller.actor.principal.may_somewhere(Action::EditDraft),
    };
    let methods = if may { format!("GET, HEAD, OPTIONS, {writes}") } else { "GET, HEAD, OPTIONS".to_owned() };
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::ALLOW, HeaderValue::from_str(&methods).unwrap_or(HeaderValue::from_static("GET")));
    Ok(res)
}

pub(super) async fn options_items(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&state, &caller, &id, "POST").await
}

pub(super) async fn options_item(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, _fid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    allow(&state, &caller, &id, "PUT, PATCH, DELETE").await
}

/// `GET /collections/{id}/items/{fid}/history`: the feature's edits, newest first, each with
/// the feature before and after; for the members of the layer's city.
pub(super) async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, fid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let Source::Layer(layer) = source(&state, &caller.drafts(), &id).await? else {
        return Err(ApiError::not_found("project history is at /api/projects/{slug}/history"));
    };
    let n = fid_of(&id, &fid)?;
    // For the layer's city's members, as a project's history: it names who edited and holds
    // what the feature was, including while the layer was a draft.
    if !caller.may(Action::ReadDrafts, layer.city.as_ref().map(nexus_core::CitySlug::as_str)) {
        return Err(no_feature(&id, &fid));
    }
    let edits = state.store.feature_history(&layer.id, n, 500).await?;
    Ok(Json(json!({ "collection": id, "feature": n, "edits": edits })))
}

#[cfg(test)]
mod tests {
    use super::super::versions::merge_patch;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = json!({ "a": "b", "c": { "d": "e", "f": "g" } });
        merge_patch(&mut doc, &json!({ "a": "z", "c": { "f": null } }));
        assert_eq!(doc, json!({ "a": "z", "c": { "d": "e" } }));
        let mut doc = json!({ "properties": { "name": "x", "n": 1 } });
        merge_patch(&mut doc, &json!({ "properties": { "n": null, "m": [1] } }));
        assert_eq!(doc, json!({ "properties": { "name": "x", "m": [1] } }));
        let mut doc = json!({ "a": 1 });
        merge_patch(&mut doc, &json!({ "a": { "b": 2 } }));
        assert_eq!(doc, json!({ "a": { "b": 2 } }));
    }
}
