//! `GET /fonts/{fontstack}/{start}-{end}.pbf`: the glyphs the map's labels are drawn with,
//! rendered by this server from its own font files (MapLibre's `glyphs` URL);
//! `GET /fonts/files/{file}`: a stack's font file itself, for scripts the browser shapes (the
//! style's `font-faces`); `GET /fonts` lists the stacks and the files they came from.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use nexus_service::glyphs::{parse_range, GlyphError, StackStatus};
use nexus_service::tiles::encoding;

use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fonts", get(list))
        .route("/fonts/files/{file}", get(file))
        .route("/fonts/{fontstack}/{range}", get(range))
}

async fn list(State(state): State<AppState>) -> Json<Vec<StackStatus>> {
    Json(state.glyphs.status())
}

async fn file(State(state): State<AppState>, Path(name): Path<String>) -> Result<Response, ApiError> {
    let path =
        state.glyphs.font_file(&name).ok_or_else(|| ApiError::not_found(format!("no font file '{name}' here")))?;
    let bytes = tokio::fs::read(&path).await.map_err(|e| ApiError::internal(&e))?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, "font/ttf")
        .header(header::CACHE_CONTROL, "public, max-age=86400")
        .body(Body::from(bytes))
        .unwrap_or_default())
}

async fn range(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((fontstack, range)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let start = parse_range(&range).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let glyphs = state.glyphs.range(&fontstack, start).await.map_err(|e| match e {
        GlyphError::UnknownStack { .. } => ApiError::not_found(e.to_string()),
        GlyphError::BadRange(_) => ApiError::bad_request(e.to_string()),
    })?;
    let gzip = encoding::accepts_gzip(headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()));
    let mut res = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/x-protobuf")
        // The glyphs change only when the server's fonts do (an upgrade, a restart).
        .header(header::CACHE_CONTROL, "public, max-age=86400")
        .header(header::VARY, "Accept-Encoding");
    if gzip {
        res = res.header(header::CONTENT_ENCODING, "gzip");
    }
    Ok(res.body(Body::from(if gzip { glyphs.gzip } else { glyphs.raw })).unwrap_or_default())
}
