//! Writing the snapshot: the map's build, the archive, the projects and every JSON document the public map asks for.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, Request};
use bytes::Bytes;
use nexus_core::DraftScope;
use nexus_service::snapshot::{self, ArchiveReport, LayerTiles, SnapshotError};

use serde_json::Value;

use super::{files, SiteError, MANIFEST};
use crate::state::AppState;

/// The archive's name inside the site.
pub const ARCHIVE: &str = "atlas.pmtiles";
/// The projects inside the site, for the map and for GIS users alike.
pub const PROJECTS: &str = "projects.geojson";
/// Where the JSON answers go: `static/api/settings.json` answers `GET /api/settings`.
pub const STATIC: &str = "static";

/// What went into a site.
#[derive(Debug, Clone)]
pub struct SiteReport {
    /// The tile archive.
    pub archive: ArchiveReport,
    /// Files written, the archive included.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Public projects in `projects.geojson`.
    pub projects: usize,
    /// Cities.
    pub cities: usize,
}

/// Writes the public atlas into `dir` (created; an earlier export there is replaced, any
/// other non-empty folder refused), the tiles of zooms up to `maxzoom`. Everything is written
/// beside `dir` first and moved into place when complete. `done` hears of each tile layer.
///
/// # Errors
/// No web build, a folder that holds other files, a route or file that fails. `app` is the
/// server's router over `state` (`nexus_server::app`), whose answers are written.
pub async fn export_site(
    state: &AppState,
    app: axum::Router,
    dir: &Path,
    maxzoom: u8,
    done: &mut (dyn FnMut(&LayerTiles) + Send),
) -> Result<SiteReport, SiteError> {
    let web = state.config.web_dir.clone();
    if !web.join("index.html").is_file() {
        return Err(SiteError::Invalid(format!(
            "the web map is not built in {} (run scripts/setup, or npm --prefix web run build)",
            web.display()
        )));
    }
    let stage = files::Stage::beside(dir)?;
    let root = stage.path().to_owned();
    let mut site = Writer { app, root: root.clone(), files: 0, bytes: 0 };

    let mut settings: Value = site.json("/api/settings").await?;
    // Nobody signs in to a static site: the planner's button stays hidden.
    settings["planners"] = Value::Bool(false);
    site.put(&format!("{STATIC}/api/settings.json"), &serde_json::to_vec(&settings).unwrap_or_default())?;
    let cities: Value = site.copy_json("/api/cities").await?;
    let layers: Value = site.copy_json("/api/layers").await?;
    site.copy_json("/api/nexus/rules").await?;
    site.copy_json("/api/solutions").await?;
    let city_slugs = slugs(&cities);
    for slug in &city_slugs {
        site.copy_json(&format!("/api/cities/{slug}/nexus")).await?;
    }
    let mut projects: Value = site.json("/collections/projects/items?limit=10000").await?;
    // Its paging links name this server, which the static copy does not have.
    if let Some(o) = projects.as_object_mut() {
        o.remove("links");
    }
    site.put(PROJECTS, &serde_json::to_vec(&projects).unwrap_or_default())?;
    let project_slugs = slugs(&projects);
    for slug in &project_slugs {
        site.copy_json(&format!("/api/projects/{slug}/nexus")).await?;
        site.copy_json(&format!("/api/projects/{slug}/comments")).await?;
    }
    site.glyphs(state).await?;

    let public = state.store.layers(&DraftScope::None).await.map_err(SnapshotError::from)?;
    let listed: Vec<&str> = layers.as_array().into_iter().flatten().filter_map(|l| l["id"].as_str()).collect();
    let tiled: Vec<_> = public.into_iter().filter(|l| listed.contains(&l.id.as_str())).collect();
    let archive = snapshot::write_pmtiles(&state.store, &tiled, maxzoom, &root.join(ARCHIVE), done).await?;
    site.files += 1;
    site.bytes += archive.bytes;
    let (copied, bytes) = files::copy_build(&web, &root, &page_meta(archive.maxzoom))?;
    site.files += copied;
    site.bytes += bytes;

    let manifest = serde_json::json!({
        "generator": concat!("Nexus Atlas ", env!("CARGO_PKG_VERSION")),
        "exported": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "archive": ARCHIVE,
        "minzoom": archive.minzoom,
        "maxzoom": archive.maxzoom,
        "layers": archive.layers.iter().filter(|l| l.tiles > 0).map(|l| l.id.as_str()).collect::<Vec<_>>(),
        "projects": PROJECTS,
        "project_count": project_slugs.len(),
        "cities": city_slugs.len(),
    });
    site.put(MANIFEST, &serde_json::to_vec_pretty(&manifest).unwrap_or_default())?;
    let report = SiteReport {
        archive,
        files: site.files,
        bytes: site.bytes,
        projects: project_slugs.len(),
        cities: city_slugs.len(),
    };
    stage.commit(dir)?;
    Ok(report)
}

/// What the page is told: read the site's static files, the archive's tiles up to `maxzoom`.
fn page_meta(maxzoom: u8) -> String {
    format!(r#"<meta name="nexus-static" content="{ARCHIVE}" data-maxzoom="{maxzoom}">"#)
}

/// The `slug` of each feature of a FeatureCollection.
fn slugs(fc: &Value) -> Vec<String> {
    let features = fc["features"].as_array().into_iter().flatten();
    let slugs = features.filter_map(|f| f["properties"]["slug"].as_str());
    // Slugs are the server's own (lowercase words and hyphens); anything else would not be a
    // safe file name, and is left out rather than written somewhere unexpected.
    slugs
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .map(str::to_owned)
        .collect()
}

/// The site being written: in-process requests to the router, answers into files.
struct Writer {
    app: axum::Router,
    root: PathBuf,
    files: u64,
    bytes: u64,
}

impl Writer {
    /// `GET path` through the router as an anonymous visitor.
    async fn get(&self, path: &str, accept: &str) -> Result<Bytes, SiteError> {
        let mut req = Request::builder()
            .uri(path)
            .header(header::ACCEPT, accept)
            .body(Body::empty())
            .map_err(|e| SiteError::Invalid(format!("bad request path {path}: {e}")))?;
        req.extensions_mut().insert(axum::extract::ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 0))));
        let res = tower::ServiceExt::oneshot(self.app.clone(), req).await.unwrap_or_else(|e| match e {});
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .map_err(|e| SiteError::Invalid(format!("GET {path}: cannot read the answer: {e}")))?;
        if !status.is_success() {
            let message = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
            return Err(SiteError::Answer { path: path.to_owned(), status, message });
        }
        Ok(body)
    }

    /// `GET path` as JSON, with the body it came in.
    async fn json_body(&self, path: &str) -> Result<(Value, Bytes), SiteError> {
        let body = self.get(path, "application/json").await?;
        let value = serde_json::from_slice(&body)
            .map_err(|e| SiteError::Invalid(format!("GET {path} did not answer JSON: {e}")))?;
        Ok((value, body))
    }

    /// `GET path` as JSON.
    async fn json(&self, path: &str) -> Result<Value, SiteError> {
        Ok(self.json_body(path).await?.0)
    }

    /// `GET path` written to `static/<path>.json` as it was answered; returns what it said.
    async fn copy_json(&mut self, path: &str) -> Result<Value, SiteError> {
        let (value, body) = self.json_body(path).await?;
        self.put(&format!("{STATIC}{path}.json"), &body)?;
        Ok(value)
    }

    /// Every glyph range of every font stack, and the font files the style names, where the
    /// page's style finds them (`fonts/<stack>/<start>-<end>.pbf`, `fonts/files/<file>`).
    async fn glyphs(&mut self, state: &AppState) -> Result<(), SiteError> {
        for stack in state.glyphs.status() {
            for start in (0..=nexus_service::glyphs::LAST_START).step_by(256) {
                let range = state
                    .glyphs
                    .range(stack.name, start)
                    .await
                    .map_err(|e| SiteError::Invalid(format!("glyphs of '{}': {e}", stack.name)))?;
                self.put(&format!("fonts/{}/{start}-{}.pbf", stack.name, start + 255), &range.raw)?;
            }
            for font in &stack.fonts {
                let Some(name) = font.file_name().and_then(|n| n.to_str()) else { continue };
                let body = self.get(&format!("/fonts/files/{name}"), "*/*").await?;
                self.put(&format!("fonts/files/{name}"), &body)?;
            }
        }
        Ok(())
    }

    /// Writes `bytes` at `relative` under the site, making its folders.
    fn put(&mut self, relative: &str, bytes: &[u8]) -> Result<(), SiteError> {
        files::write(&self.root.join(relative), bytes)?;
        self.files += 1;
        self.bytes += bytes.len() as u64;
        Ok(())
    }
}
