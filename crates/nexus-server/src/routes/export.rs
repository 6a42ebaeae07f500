//! `GET /export/{id}.{geojson,gpkg,shp.zip,csv,kml,fgb}`: whole layers (or the projects) as
//! files, with the same filters as OGC API items (`bbox`, `datetime`, properties).

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use nexus_core::ExportFormat;
use nexus_service::gis::{self, ExportJob, NoProgress};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::ogc::{source, stream_body};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/export/{name}", get(export))
}

fn split(name: &str) -> Option<(&str, ExportFormat)> {
    ExportFormat::ALL
        .iter()
        .chain([ExportFormat::Shapefile].iter())
        .find_map(|f| name.strip_suffix(&format!(".{}", f.extension())).map(|id| (id, *f)))
        .or_else(|| name.strip_suffix(".json").map(|id| (id, ExportFormat::GeoJson)))
}

async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (id, format) = split(&name).ok_or_else(|| {
        ApiError::not_found("downloads are /export/{id}.geojson, .gpkg, .shp.zip, .csv, .kml or .fgb")
    })?;
    let src = source(&state, &caller.drafts(), id).await?;
    // Too many downloads is the clients' load, not a fault of the server: 429, not 5xx.
    let permit = Arc::clone(&state.exports).try_acquire_owned().map_err(|_| ApiError {
        retry_after: Some(10),
        ..ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "busy",
            "too many downloads are running; try again in a few seconds".to_owned(),
        )
    })?;
    let p = nexus_core::query::items(&q, &src.queryables(), false)?;
    let file_name = format!("{id}.{}", format.extension());
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")).map_err(|e| ApiError::internal(&e))?;
    let mut res = if format == ExportFormat::GeoJson {
        let stream = state.store.export_geojson(src.collection(), &p.filter, p.precision).await?;
        // The permit is released when the body (and with it the stream) is dropped.
        stream_body(futures_util::StreamExt::map(stream, move |c| {
            let _held = &permit;
            c.map(|c| c.bytes)
        }))
        .into_response()
    } else {
        let dir = nexus_service::scratch::dir("download").map_err(|e| ApiError::internal(&e))?;
        let path = dir.path().join(&file_name);
        let job = ExportJob { name: id, filter: &p.filter, precision: p.precision, format };
        gis::export(&state.store, Some(&state.gis), src.collection(), &job, &path, std::sync::Arc::new(NoProgress))
            .await
            .map_err(|e| ApiError::internal(&e))?;
        let file = tokio::fs::File::open(&path).await.map_err(|e| ApiError::internal(&e))?;
        // The folder (and file) go away once the body has been sent.
        let stream = futures_util::stream::unfold((file, dir, permit), |(mut file, dir, permit)| async move {
            use tokio::io::AsyncReadExt;
            let mut buf = vec![0u8; 256 << 10];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok::<Bytes, std::io::Error>(Bytes::from(buf)), (file, dir, permit)))
                }
                Err(e) => Some((Err(e), (file, dir, permit))),
            }
        });
        Body::from_stream(stream).into_response()
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.media_type()));
    h.insert(header::CONTENT_DISPOSITION, disposition);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_id_and_format() {
        assert_eq!(split("canals.geojson"), Some(("canals", ExportFormat::GeoJson)));
        assert_eq!(split("canals.shp.zip"), Some(("canals", ExportFormat::Shapefile)));
        assert_eq!(split("cm-tambon.fgb"), Some(("cm-tambon", ExportFormat::FlatGeobuf)));
        assert_eq!(split("canals.dwg"), None);
    }
}
