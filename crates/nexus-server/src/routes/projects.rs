//! Planners' project editing: `POST /api/projects` creates one (a draft unless it says
//! otherwise), `PUT /api/projects/{slug}` replaces one (publishing is saving it with
//! `"visibility": "public"`). Both take a GeoJSON Feature whose properties are those of
//! `data/projects.geojson` (a `POST` without `slug` gets one made from the city and title);
//! reading goes through `/collections/projects`. A `PUT` with
//! `If-Match: "<revision>"` is refused (412) when someone saved the project meanwhile.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{post, put};
use axum::{Json, Router};
use nexus_core::{Action, CitySlug, ProjectRecord, ProjectSlug};
use nexus_store::{SaveOutcome, StoredProject};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", post(create))
        .route("/projects/{slug}", put(replace).delete(super::project_history::delete))
}

/// The body as a GeoJSON Feature with properties.
fn feature(bytes: &[u8]) -> Result<Value, ApiError> {
    let feature: Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
    if feature["type"] != "Feature" || !feature["properties"].is_object() {
        return Err(ApiError::bad_request("the body must be a GeoJSON Feature with the project's properties"));
    }
    Ok(feature)
}

/// The project a Feature describes; `slug` fills in the path's when the body has none, and
/// `visibility` is used when the body does not say (new projects are drafts; an edit that
/// leaves it out keeps the project as it was).
fn record(mut feature: Value, slug: Option<&str>, visibility: &str) -> Result<ProjectRecord, ApiError> {
    let props = &mut feature["properties"];
    if props.get("visibility").is_none() {
        props["visibility"] = json!(visibility);
    }
    if let Some(slug) = slug {
        match props.get("slug").and_then(Value::as_str) {
            None => props["slug"] = json!(slug),
            Some(s) if s == slug => {}
            Some(s) => {
                return Err(ApiError::bad_request(format!(
                    "the body is project '{}' but the path names '{}'",
                    s.escape_default(),
                    slug.escape_default()
                )))
            }
        }
    }
    let geometry = feature.get_mut("geometry").map(Value::take);
    ProjectRecord::from_feature(feature["properties"].take(), geometry)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.to_string()))
}

/// A slug for a new project whose body brings none (a sketch saved from the map): made from
/// its city and title. Without a usable city the record's own check says what is wrong.
fn made_slug(props: &Value) -> Option<ProjectSlug> {
    if props.get("slug").is_some_and(|s| !s.is_null()) {
        return None;
    }
    let city = props.get("city").and_then(|c| CitySlug::deserialize(c).ok())?;
    Some(ProjectSlug::from_title(&city, props.get("title").and_then(Value::as_str).unwrap_or_default()))
}

/// How many numbered variants of a made slug are tried before giving up (each try is one
/// insert that finds the slug taken).
const SLUG_TRIES: u32 = 50;

fn missing(slug: &str) -> ApiError {
    ApiError::not_found(format!("no project '{}'", slug.escape_default()))
}

pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.signed_in("creating projects")?;
    // A body without a slug gets the first free one of `city-title`, `city-title-2`, …
    let mut body = feature(&bytes)?;
    let made = made_slug(&body["properties"]);
    if let Some(slug) = &made {
        body["properties"]["slug"] = json!(slug.as_str());
    }
    let mut p = record(body, None, "draft")?;
    let action = Action::for_save(None, p.meta.visibility);
    caller.require(action, Some(p.meta.city.as_str()), "creating this project")?;
    let audit = caller.actor.audit("project.create", "project", None);
    let base = p.slug.clone();
    for n in 1..=if made.is_some() { SLUG_TRIES } else { 1 } {
        p.slug = base.variant(n);
        match state.store.save_project(&p, true, None, &|_| true, &audit).await? {
            SaveOutcome::Exists => continue,
            // A made slug skips a deleted project's; a given one is refused, saying why.
            SaveOutcome::Deleted if made.is_some() => continue,
            SaveOutcome::Deleted => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "deleted",
                    format!(
                        "project '{base}' was deleted: restore it (POST /api/projects/{base}/restore) or remove it \
                         for good (nexus purge) before using its slug again"
                    ),
                ))
            }
            _ => {
                return Ok((
                    StatusCode::CREATED,
                    Json(json!({ "slug": p.slug.as_str(), "visibility": p.meta.visibility.as_str() })),
                ))
            }
        }
    }
    Err(ApiError::new(
        StatusCode::CONFLICT,
        "exists",
        if made.is_some() {
            format!("projects '{base}' to '{}' exist already: give this one another title", base.variant(SLUG_TRIES))
        } else {
            format!("project '{base}' exists already: PUT /api/projects/{base} replaces it")
        },
    ))
}

/// The revision an edit started from, from `If-Match: "7"` (the project's `revision`).
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = v.to_str().unwrap_or_default().trim().trim_start_matches("W/").trim_matches('"');
    text.parse()
        .map(Some)
        .map_err(|_| ApiError::bad_request("If-Match takes the project's revision, as in If-Match: \"7\"".to_owned()))
}

pub(crate) async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    headers: HeaderMap,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.signed_in("editing projects")?;
    let expected = if_match(&headers)?;
    // A draft its caller may not see is missing to them, not forbidden.
    let stored = state
        .store
        .stored_project(&slug)
        .await?
        .filter(|s| caller.drafts().sees(s.visibility, Some(&s.city)))
        .ok_or_else(|| missing(&slug))?;
    let p = record(feature(&bytes)?, Some(&slug), stored.visibility.as_str())?;
    for city in [stored.city.as_str(), p.meta.city.as_str()] {
        caller.require(Action::for_save(Some(stored.visibility), p.meta.visibility), Some(city), "this edit")?;
    }
    // Asked again under the save's lock, in case the project changed city or visibility since.
    let (after, city) = (p.meta.visibility, p.meta.city.as_str());
    let guard = |now: Option<&StoredProject>| {
        now.is_some_and(|s| {
            let action = Action::for_save(Some(s.visibility), after);
            caller.may(action, Some(&s.city)) && caller.may(action, Some(city))
        })
    };
    let audit = caller.actor.audit("project.edit", "project", None);
    match state.store.save_project(&p, false, expected, &guard, &audit).await? {
        SaveOutcome::Updated { changed } => {
            Ok(Json(json!({ "slug": p.slug.as_str(), "visibility": p.meta.visibility.as_str(), "changed": changed })))
        }
        SaveOutcome::Stale { current } => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "stale",
            format!(
                "project '{slug}' was saved by someone else meanwhile (it is at revision {current}, the edit \
                 started from {}): reload it and edit again",
                expected.unwrap_or_default()
            ),
        )),
        SaveOutcome::Forbidden => Err(ApiError::forbidden(format!(
            "project '{slug}' changed meanwhile and your roles do not allow this edit any more"
        ))),
        _ => Err(missing(&slug)),
    }
}
