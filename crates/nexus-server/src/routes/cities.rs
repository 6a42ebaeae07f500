//! `GET /api/cities`: the partner cities as a GeoJSON FeatureCollection.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/cities", get(cities))
}

async fn cities(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let cities = state.store.list_cities().await?;
    let features: Vec<Value> = cities
        .into_iter()
        .map(|c| {
            json!({
                "type": "Feature",
                "id": c.slug,
                "geometry": { "type": "Point", "coordinates": [c.lon, c.lat] },
                "properties": c,
            })
        })
        .collect();
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        Json(json!({ "type": "FeatureCollection", "features": features })),
    ))
}
