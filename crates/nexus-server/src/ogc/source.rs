//! The collections: the layers a viewer may see (drafts only their readers) and `projects`.

use std::sync::Arc;

use axum::http::StatusCode;
use nexus_core::{DraftScope, Layer};
use nexus_store::{Collection, LAYER_QUERYABLES, PROJECT_QUERYABLES};

use crate::error::ApiError;
use crate::state::AppState;

/// A collection: a layer or the projects.
#[derive(Debug, Clone)]
pub enum Source {
    /// A layer.
    Layer(Arc<Layer>),
    /// The projects.
    Projects {
        /// Drafts included.
        drafts: DraftScope,
    },
}

impl Source {
    /// As the store's collection.
    pub fn collection(&self) -> Collection<'_> {
        match self {
            Source::Layer(l) => Collection::Layer(l),
            Source::Projects { drafts } => Collection::Projects { drafts },
        }
    }

    /// The collection id.
    pub fn id(&self) -> String {
        match self {
            Source::Layer(l) => l.id.to_string(),
            Source::Projects { .. } => "projects".into(),
        }
    }

    /// Property names that filter by equality.
    pub fn queryables(&self) -> Vec<String> {
        match self {
            Source::Layer(l) => {
                let mut names: Vec<String> = l.fields.iter().map(|f| f.name.clone()).collect();
                for extra in LAYER_QUERYABLES {
                    if !names.iter().any(|n| n == extra) {
                        names.push((*extra).to_owned());
                    }
                }
                names
            }
            Source::Projects { .. } => PROJECT_QUERYABLES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// Finds collection `id` for this viewer (404 otherwise).
pub async fn source(state: &AppState, drafts: &DraftScope, id: &str) -> Result<Source, ApiError> {
    if id == "projects" {
        return Ok(Source::Projects { drafts: drafts.clone() });
    }
    // One collection per id: the tile routes' comma lists (`a,b`) are not collections.
    if nexus_core::LayerId::new(id).is_err() {
        return Err(ApiError::not_found(format!("no collection '{}'", id.escape_default())));
    }
    let layers = crate::tiles::sources::resolve(state, drafts, id).await.map_err(|e| {
        if e.status == StatusCode::BAD_REQUEST {
            ApiError::not_found(format!("no collection '{id}'"))
        } else {
            e
        }
    })?;
    let layer = layers.into_iter().next().ok_or_else(|| ApiError::not_found(format!("no collection '{id}'")))?;
    Ok(Source::Layer(layer))
}

pub(super) async fn visible_sources(state: &AppState, drafts: &DraftScope) -> Result<Vec<Source>, ApiError> {
    let mut out: Vec<Source> = state
        .tiles
        .layers()
        .await?
        .into_iter()
        .filter(|l| drafts.sees_layer(l))
        // The projects' tile source is in the tile catalog; as a collection it is `projects`.
        .filter(|l| l.id.as_str() != nexus_store::PROJECTS_TILES)
        .map(Source::Layer)
        .collect();
    out.push(Source::Projects { drafts: drafts.clone() });
    Ok(out)
}
