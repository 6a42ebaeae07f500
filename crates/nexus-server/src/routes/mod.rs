//! Route modules; each exposes `router()` and [`api_router`] merges the `/api` ones.

pub mod cities;
pub mod comments;
mod comments_csv;
pub mod export;
pub mod fonts;
pub mod health;
mod json;
pub mod layer_history;
pub mod layers;
pub mod nexus;
pub mod people;
pub mod project_history;
pub mod projects;
pub mod search;
pub mod session;
pub mod session_answer;
pub mod settings;
pub mod share;
pub mod sheet;
mod sheet_svg;
mod sheet_words;
pub mod solutions;

use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

/// Everything under `/api`, with a JSON 404 for unknown paths.
pub fn api_router(max_upload_bytes: u64) -> Router<AppState> {
    Router::new()
        .merge(cities::router())
        .merge(comments::router())
        .merge(layer_history::router())
        .merge(layers::router(max_upload_bytes))
        .merge(nexus::router())
        .merge(project_history::router())
        .merge(projects::router())
        .merge(people::router())
        .merge(search::router())
        .merge(session::router())
        .merge(settings::router())
        .merge(solutions::router())
        .fallback(|| async { ApiError::not_found("no such API endpoint") })
}
