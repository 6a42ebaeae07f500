//! Share cards: `GET /projects/{slug}` is a small page rendered here whose Open Graph and
//! Twitter tags give chat apps a title, a description and a picture, and whose button opens
//! the project on the live map; `GET /projects/{slug}/map.png` is that picture (the sheet's map,
//! 1200 × 630). Drafts only for their city's members, so a shared draft shows nothing.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::sheet_svg::{self, Strokes};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::ogc::html::esc;
use crate::state::AppState;

/// The picture's size: what chat apps expect of a large preview.
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 630;
/// Descriptions are cut here (previews show two or three lines).
const DESCRIPTION_CHARS: usize = 200;

pub fn router() -> Router<AppState> {
    Router::new().route("/projects/{slug}", get(card)).route("/projects/{slug}/map.png", get(picture))
}

fn missing(slug: &str) -> ApiError {
    ApiError::not_found(format!("no project '{}'", slug.escape_default()))
}

async fn card(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let facts = state.store.project_facts(&slug, &caller.drafts()).await?.ok_or_else(|| missing(&slug))?;
    let text = |k: &str| facts[k].as_str().unwrap_or_default().to_owned();
    let base = crate::links::base_url(&state, &headers);
    let mut description: String = text("description").chars().take(DESCRIPTION_CHARS).collect();
    if text("description").chars().count() > DESCRIPTION_CHARS {
        description.push('…');
    }
    let city = text("city_name");
    let (title, url) = (text("title"), format!("{base}/projects/{slug}"));
    let live = format!("{base}/#city={}&project={slug}", text("city"));
    let tags = [
        ("og:type", "website".to_owned()),
        ("og:site_name", "Nexus Atlas".to_owned()),
        ("og:title", format!("{title} · {city}")),
        ("og:description", description.clone()),
        ("og:url", url.clone()),
        ("og:image", format!("{url}/map.png")),
        ("og:image:width", WIDTH.to_string()),
        ("og:image:height", HEIGHT.to_string()),
        ("og:image:alt", format!("Map of {title}")),
        ("twitter:card", "summary_large_image".to_owned()),
    ];
    let meta: String = tags.iter().map(|(k, v)| format!("<meta property=\"{k}\" content=\"{}\">", esc(v))).collect();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} · Nexus Atlas</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"description\" content=\"{d}\">{meta}<link rel=\"canonical\" href=\"{u}\">\
         <style>body{{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1f2933}}\
         img{{width:100%;height:auto;border:1px solid #d9e2ec}}a.go{{display:inline-block;margin:1rem 0;padding:.6rem 1rem;\
         background:#0072B2;color:#fff;text-decoration:none;border-radius:4px}}</style></head><body>\
         <h1>{t}</h1><p>{c}</p><img src=\"{u}/map.png\" alt=\"{alt}\" width=\"{WIDTH}\" height=\"{HEIGHT}\">\
         <p>{d}</p><a class=\"go\" href=\"{l}\">Open it on the map</a> · <a href=\"{u}/sheet\">Printable sheet</a></body></html>",
        t = esc(&title),
        d = esc(&description),
        u = esc(&url),
        c = esc(&city),
        alt = esc(&format!("Map of {title}")),
        l = esc(&live),
    );
    Ok(Html(html).into_response())
}

async fn picture(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let drafts = caller.drafts();
    let profile = state.store.project_profile(&slug, &drafts).await?.ok_or_else(|| missing(&slug))?;
    let aspect = f64::from(WIDTH) / f64::from(HEIGHT);
    let map = state.store.sheet_map(&slug, &drafts, aspect).await?.ok_or_else(|| missing(&slug))?;
    let svg = sheet_svg::map(&map, &profile.links, sheet_svg::colour(&profile.sectors), Strokes::Picture(WIDTH));
    // Rasterising takes tens of milliseconds of CPU: off the async workers.
    let png = tokio::task::spawn_blocking(move || nexus_service::picture::png(&svg, WIDTH))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&e))?;
    let mut res = png.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=600"));
    Ok(res)
}
