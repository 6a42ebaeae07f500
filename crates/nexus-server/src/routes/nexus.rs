//! The Nexus API: `GET/PUT /api/nexus/rules`, `POST /api/nexus/evaluate` (what a sketch would
//! link to, stored nowhere), `POST /api/nexus/refresh` (planners), a project's profile
//! (`GET /api/projects/{slug}/nexus`) and a city's summary (`GET /api/cities/{slug}/nexus`).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::{Action, CitySlug, Effect, LayerKind, RuleSet, Sector};
use nexus_store::{Draft, NexusRefresh};
use serde::Deserialize;
use serde_json::{json, Value};

use super::json::body;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/nexus/rules", get(rules).put(replace_rules))
        .route("/nexus/evaluate", post(evaluate))
        .route("/nexus/refresh", post(refresh))
        .route("/projects/{slug}/nexus", get(profile))
        .route("/cities/{slug}/nexus", get(summary))
}

async fn profile(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(slug): axum::extract::Path<String>,
) -> Result<Json<nexus_store::ProjectProfile>, ApiError> {
    let missing = || ApiError::not_found(format!("no project '{}'", slug.escape_default()));
    nexus_core::ProjectSlug::new(slug.clone()).map_err(|_| missing())?;
    let profile = state.store.project_profile(&slug, &caller.drafts()).await?;
    Ok(Json(profile.ok_or_else(missing)?))
}

async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(slug): axum::extract::Path<String>,
) -> Result<Json<nexus_store::CitySummary>, ApiError> {
    let missing = || ApiError::not_found(format!("no city '{}'", slug.escape_default()));
    CitySlug::new(slug.clone()).map_err(|_| missing())?;
    let summary = state.store.city_summary(&slug, &caller.drafts()).await?;
    Ok(Json(summary.ok_or_else(missing)?))
}

async fn rules(State(state): State<AppState>) -> Result<Json<RuleSet>, ApiError> {
    Ok(Json(state.store.rule_set().await?))
}

async fn replace_rules(
    State(state): State<AppState>,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.require(Action::EditRules, None, "changing the Nexus rules")?;
    let set: RuleSet = body(&bytes)?;
    let audit = caller.audit("rules.replace", "rules", "nexus-rules");
    let changed = state.store.replace_rules_audited(&set, Some(&audit)).await?;
    let refresh = state.store.refresh_nexus().await?;
    Ok(Json(json!({ "rules": set.rules.len(), "changed": changed, "refresh": refresh })))
}

async fn refresh(State(state): State<AppState>, caller: Caller) -> Result<Json<NexusRefresh>, ApiError> {
    caller.require(Action::RefreshOverlays, None, "refreshing the Nexus overlays")?;
    let refresh = state.store.refresh_nexus().await?;
    let mut row = caller.audit("overlays.refresh", "layer", nexus_store::NEXUS_LINKS);
    row.summary = "refreshed on request".into();
    state.store.append_audit(&row).await?;
    Ok(Json(refresh))
}

/// What `POST /api/nexus/evaluate` takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sketch {
    geometry: Value,
    #[serde(default)]
    sectors: Vec<Sector>,
    kind: Option<LayerKind>,
    city: Option<CitySlug>,
}

async fn evaluate(
    State(state): State<AppState>,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let sketch: Sketch = body(&bytes)?;
    let kind = sketch.geometry.get("type").and_then(Value::as_str).unwrap_or_default();
    if !matches!(kind, "Point" | "MultiPoint" | "LineString" | "MultiLineString" | "Polygon" | "MultiPolygon") {
        return Err(ApiError::bad_request(
            "geometry must be a GeoJSON Point, LineString or Polygon (or their Multi forms) in longitude/latitude",
        ));
    }
    if sketch.sectors.is_empty() && sketch.kind.is_none() {
        return Err(ApiError::bad_request("say what the sketch is: its sectors, its kind, or both"));
    }
    let draft = Draft {
        geometry: sketch.geometry.to_string(),
        kind: sketch.kind,
        sectors: sketch.sectors,
        city: sketch.city.map(|c| c.as_str().to_owned()),
    };
    let nexus_store::LiveLinks { links, checked, rings } = state.store.evaluate(&draft, &caller.drafts()).await?;
    let count = |e: Effect| links.iter().filter(|l| l.feature["properties"]["effect"] == e.as_str()).count();
    let summary = json!({
        "synergies": count(Effect::Synergy),
        "conflicts": count(Effect::Conflict),
        "constraints": count(Effect::Constraint),
    });
    let features: Vec<Value> = links.into_iter().map(|l| l.feature).collect();
    // `checked` says what an empty answer means: which rules fit the sketch, which layers
    // they were run against and how far they reach.
    // `rings` draws how far each applicable rule looks around the sketch.
    let rings = json!({ "type": "FeatureCollection", "features": rings });
    Ok(Json(
        json!({ "type": "FeatureCollection", "features": features, "summary": summary, "checked": checked, "rings": rings }),
    ))
}
