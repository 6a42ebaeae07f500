//! The layer catalog and uploads: `GET /api/layers`, `GET /api/layers/{id}`, and
//! `POST /api/layers/{id}/data` (multipart) for planners.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::{Action, CitySlug, Layer, LayerId, LayerMeta, Visibility};
use nexus_service::gis::{settings, IngestError, IngestOptions, IngestReport, NoProgress};
use tokio::io::AsyncWriteExt;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub fn router(max_upload_bytes: u64) -> Router<AppState> {
    let limit = usize::try_from(max_upload_bytes).unwrap_or(usize::MAX);
    Router::new()
        .route("/layers", get(list))
        .route("/layers/{id}", get(one).delete(super::layer_history::delete))
        .route("/layers/{id}/data", post(upload).layer(DefaultBodyLimit::max(limit)))
}

async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Layer>>, ApiError> {
    Ok(Json(state.store.layers(&caller.drafts()).await?))
}

fn layer_id(id: String) -> Result<LayerId, ApiError> {
    LayerId::new(id).map_err(|e| ApiError::bad_request(e.to_string()))
}

async fn one(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Json<Layer>, ApiError> {
    let id = layer_id(id)?;
    match state.store.layer(&id).await? {
        Some(l) if caller.drafts().sees_layer(&l) => Ok(Json(l)),
        _ => Err(ApiError::not_found(format!("no layer '{id}'"))),
    }
}

fn multipart_error(e: &MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the upload is larger than this server accepts (max_upload_mb)",
        )
    } else {
        ApiError::bad_request(format!("the upload is not valid multipart/form-data: {}", e.body_text()))
    }
}

/// Keeps the last path component and a safe alphabet, so a hostile file name cannot
/// escape the upload folder or confuse GDAL.
fn safe_name(name: &str) -> Result<String, ApiError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let clean = clean.trim_start_matches('.').to_owned();
    if clean.is_empty() || !clean.contains('.') {
        return Err(ApiError::bad_request(format!(
            "file name '{}' has no extension to tell its format by",
            name.escape_default()
        )));
    }
    Ok(clean)
}

fn options(
    layer: LayerId,
    main: PathBuf,
    file_name: String,
    form: &HashMap<String, String>,
) -> Result<IngestOptions, ApiError> {
    let mut o = IngestOptions::new(main, layer);
    o.file_name = Some(file_name);
    for (k, v) in form {
        o.set(k, v).map_err(|e| {
            ApiError::bad_request(match e.problem {
                None => {
                    format!("unknown form field '{}'; the fields are {}", k.escape_default(), settings::key_list())
                }
                Some(_) => format!("form field {e}"),
            })
        })?;
    }
    Ok(o)
}

/// The upload's permission as the load asks it again under the catalog row's lock: the layer
/// may have been published, or made in another city, while the file was on its way.
fn upload_guard(caller: &Caller, meta: &LayerMeta) -> nexus_store::LoadGuard {
    let principal = caller.actor.principal.clone();
    let (given_visibility, given_city) = (meta.visibility, meta.city.clone());
    nexus_store::LoadGuard(Arc::new(move |now: Option<&Layer>| {
        let before = now.map(|l| l.visibility);
        let city_now = now.and_then(|l| l.city.as_ref()).map(CitySlug::as_str);
        let action = Action::for_save(before, given_visibility.or(before).unwrap_or(Visibility::Draft));
        let city_after = given_city.as_ref().map(CitySlug::as_str).or(city_now);
        (now.is_none() || principal.may(action, city_now)) && principal.may(action, city_after)
    }))
}

/// Saves the uploaded file(s) to a private temporary folder (streamed, never held in
/// memory), ingests them, and answers with the ingest report.
async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Json<IngestReport>, ApiError> {
    let layer = layer_id(id)?;
    // Asked before the upload is read: someone who may not upload anything here is told at once.
    let existing = state.store.layer(&layer).await?;
    match &existing {
        Some(l) => caller.require(Action::EditDraft, l.city.as_ref().map(CitySlug::as_str), "changing this layer")?,
        None => caller.signed_in("uploading layers")?,
    }
    let dir = nexus_service::scratch::dir("upload").map_err(|e| ApiError::internal(&e))?;
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut form: HashMap<String, String> = HashMap::new();
    while let Some(mut field) = multipart.next_field().await.map_err(|e| multipart_error(&e))? {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(original) = field.file_name().map(str::to_owned) {
            let safe = safe_name(&original)?;
            let path = dir.path().join(&safe);
            let mut f = tokio::fs::File::create(&path).await.map_err(|e| ApiError::internal(&e))?;
            while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
                f.write_all(&chunk).await.map_err(|e| ApiError::internal(&e))?;
            }
            f.flush().await.map_err(|e| ApiError::internal(&e))?;
            files.push((safe, path));
        } else {
            let text = field.text().await.map_err(|e| multipart_error(&e))?;
            if form.insert(name.clone(), text).is_some() && name != "sector" {
                return Err(ApiError::bad_request(format!("form field '{}' is given twice", name.escape_default())));
            }
        }
    }
    let main = match files.as_slice() {
        [] => return Err(ApiError::bad_request("send the data as a file field named 'file'")),
        [one] => one.clone(),
        many => many.iter().find(|(n, _)| n.to_ascii_lowercase().ends_with(".shp")).cloned().ok_or_else(|| {
            ApiError::bad_request("send one data file, or a shapefile's .shp with its .shx, .dbf, .prj and .cpg")
        })?,
    };
    let mut opts = options(layer, main.1, main.0, &form)?;
    opts.limits.max_uncompressed = state.config.max_uncompressed_bytes;
    let before = existing.as_ref().map(|l| (l.visibility, l.city.as_ref().map(CitySlug::as_str)));
    let after_city: Option<String> =
        opts.meta.city.as_ref().map(CitySlug::as_str).or(before.and_then(|b| b.1)).map(str::to_owned);
    let after = opts.meta.visibility.or(before.map(|b| b.0)).unwrap_or(Visibility::Draft);
    let action = Action::for_save(before.map(|b| b.0), after);
    if let Some((_, city)) = before {
        caller.require(action, city, "changing this layer")?;
    }
    caller.require(action, after_city.as_deref(), "this upload")?;
    opts.guard = Some(upload_guard(&caller, &opts.meta));
    let mut audit = caller.audit("layer.ingest", "layer", opts.layer.as_str());
    audit.city = after_city;
    audit.summary = format!("{} ({})", opts.file_name.clone().unwrap_or_default(), opts.mode);
    opts.audit = Some(audit);
    let result = state.gis.ingest(&state.store, opts, Arc::new(NoProgress)).await;
    drop(dir);
    match result {
        Ok(report) => Ok(Json(report)),
        Err(IngestError::Refused(report)) => {
            let message = IngestError::Refused(report.clone()).to_string();
            let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", message);
            e.details = Some(Box::new(("report", serde_json::to_value(&report).unwrap_or_default())));
            Err(e)
        }
        Err(IngestError::Store(e)) => Err(e.into()),
        Err(e @ IngestError::TooLarge { .. }) => {
            Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.to_string()))
        }
        Err(e) if e.is_client_error() => Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_input", e.to_string())),
        // The file may be fine: this server lacks the library its format needs. Saying which
        // tells the administrator what to install, and the uploader to send another format.
        Err(e @ IngestError::Library(_)) => {
            Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "library_missing", e.to_string()))
        }
        Err(e) => Err(ApiError::internal(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn hostile_file_names_are_tamed() {
        assert_eq!(safe_name("../../etc/passwd.shp").unwrap(), "passwd.shp");
        assert_eq!(safe_name("C:\\\\data\\\\ถนน.geojson").unwrap(), "___.geojson");
        assert_eq!(safe_name("..hidden.kml").unwrap(), "hidden.kml");
        assert!(safe_name("noextension").is_err());
        assert!(safe_name("").is_err());
    }
}
