//! The public's voice on published projects: anyone comments (`POST
//! /api/projects/{slug}/comments`), the comment waits for a publisher of the project's city
//! (`POST /api/comments/{id}/approve|reject|reply`), and only approved ones are shown
//! (`GET /api/projects/{slug}/comments`, with their tally) or exported for the council
//! (`…/comments.csv`, per project and per city). Moderators may ask for other states with
//! `?status=pending|rejected|all`.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use nexus_core::{Action, CommentError, CommentStatus, Moderation, NewComment};
use nexus_store::{CommentLimit, CommentRow, ModerateOutcome, PostOutcome};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{slug}/comments", post(post_comment).get(project_comments))
        .route("/projects/{slug}/comments.csv", get(project_csv))
        .route("/cities/{slug}/comments", get(city_comments))
        .route("/cities/{slug}/comments.csv", get(city_csv))
        .route("/comments/{id}/{step}", post(moderate))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Which {
    #[serde(default)]
    status: Option<String>,
}

/// The states asked for: approved unless a moderator of `city` asks for others.
fn statuses(which: &Which, caller: &Caller, city: &str) -> Result<Vec<CommentStatus>, ApiError> {
    let asked = match which.status.as_deref() {
        None | Some("approved") => return Ok(vec![CommentStatus::Approved]),
        Some("all") => CommentStatus::ALL.to_vec(),
        Some(word) => vec![word
            .parse()
            .map_err(|e: nexus_core::ParseEnumError| ApiError::bad_request(format!("status: {e}, or all")))?],
    };
    caller.require(Action::ModerateComments, Some(city), "reading comments that are not approved")?;
    Ok(asked)
}

fn no_project(slug: &str) -> ApiError {
    ApiError::not_found(format!("no published project '{}'", slug.escape_default()))
}

/// The city of project `slug`, if the caller sees it (a draft is missing to the public).
async fn project_city(state: &AppState, caller: &Caller, slug: &str) -> Result<String, ApiError> {
    state
        .store
        .stored_project(slug)
        .await?
        .filter(|p| caller.drafts().sees(p.visibility, Some(&p.city)))
        .map(|p| p.city)
        .ok_or_else(|| no_project(slug))
}

async fn post_comment(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let comment = NewComment::parse(&bytes).map_err(|e| match e {
        CommentError::Body(_) => ApiError::bad_request(e.to_string()),
        CommentError::Invalid(_) | CommentError::Robot => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.to_string())
        }
    })?;
    let city = project_city(&state, &caller, &slug).await?;
    caller.require(Action::Comment, Some(&city), "commenting")?;
    let limits = state.config.http;
    let limit = CommentLimit { per_minute: limits.comments_per_minute, per_hour: limits.comments_per_hour };
    let client = caller.actor.client.clone().unwrap_or_else(|| "unknown".to_owned());
    let audit = caller.actor.audit("comment.create", "comment", None);
    match state.store.post_comment(&slug, &comment, &client, limit, &audit).await? {
        PostOutcome::Posted { id } => Ok((StatusCode::ACCEPTED, Json(json!({ "id": id, "status": "pending" })))),
        PostOutcome::NoProject => Err(no_project(&slug)),
        PostOutcome::TooMany { retry_after } => Err(ApiError {
            retry_after: Some(u64::try_from(retry_after).unwrap_or(60)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many",
                format!(
                    "this address has sent {} comments in a minute or {} in an hour, the most taken; try again in {retry_after} s",
                    limit.per_minute, limit.per_hour
                ),
            )
        }),
    }
}

/// The comments on project `slug` the caller asked for and may read, with its city.
async fn project_rows(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    which: &Which,
) -> Result<(String, Vec<CommentRow>), ApiError> {
    let city = project_city(state, caller, slug).await?;
    let statuses = statuses(which, caller, &city)?;
    let comments = state.store.project_comments(slug, &statuses).await?;
    Ok((city, comments))
}

async fn project_comments(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    Query(which): Query<Which>,
) -> Result<Json<Value>, ApiError> {
    let (city, comments) = project_rows(&state, &caller, &slug, &which).await?;
    let tally = state.store.comment_tally(&slug).await?;
    let moderator = caller.may(Action::ModerateComments, Some(&city));
    Ok(Json(json!({ "project": slug, "tally": tally, "moderator": moderator, "comments": comments })))
}

async fn project_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    Query(which): Query<Which>,
) -> Result<Response, ApiError> {
    let (_, comments) = project_rows(&state, &caller, &slug, &which).await?;
    Ok(csv_response(&format!("{slug}-comments.csv"), &comments))
}

async fn known_city(state: &AppState, slug: &str) -> Result<(), ApiError> {
    if state.store.list_cities().await?.iter().any(|c| c.slug.as_str() == slug) {
        return Ok(());
    }
    Err(ApiError::not_found(format!("no city '{}'", slug.escape_default())))
}

async fn city_rows(state: &AppState, caller: &Caller, city: &str, which: &Which) -> Result<Vec<CommentRow>, ApiError> {
    known_city(state, city).await?;
    let statuses = statuses(which, caller, city)?;
    let drafts_too = caller.drafts().sees(nexus_core::Visibility::Draft, Some(city));
    Ok(state.store.city_comments(city, &statuses, drafts_too).await?)
}

async fn city_comments(
    State(state): State<AppState>,
    caller: Caller,
    Path(city): Path<String>,
    Query(which): Query<Which>,
) -> Result<Json<Value>, ApiError> {
    let comments = city_rows(&state, &caller, &city, &which).await?;
    Ok(Json(json!({ "city": city, "comments": comments })))
}

async fn city_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(city): Path<String>,
    Query(which): Query<Which>,
) -> Result<Response, ApiError> {
    let comments = city_rows(&state, &caller, &city, &which).await?;
    Ok(csv_response(&format!("{city}-comments.csv"), &comments))
}

fn csv_response(file: &str, rows: &[CommentRow]) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", file.replace(['"', '\\'], "_"));
    (
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        super::comments_csv::csv(rows),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyBody {
    text: String,
}

async fn moderate(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, step)): Path<(i64, String)>,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.signed_in("moderating comments")?;
    let step = match step.as_str() {
        "approve" => Moderation::Approve,
        "reject" => Moderation::Reject,
        "reply" => {
            let body: ReplyBody = serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::bad_request(format!("a reply is {{\"text\": \"…\"}}: {e}")))?;
            Moderation::reply(&body.text)
                .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.to_string()))?
        }
        _ => return Err(ApiError::not_found("a comment is moderated with approve, reject or reply")),
    };
    let guard = |city: &str| caller.may(Action::ModerateComments, Some(city));
    let moderator = caller.actor.name();
    let audit = caller.actor.audit(step.action(), "comment", Some(id.to_string()));
    match state.store.moderate_comment(id, &step, &guard, &moderator, &audit).await? {
        ModerateOutcome::Done { status } => Ok(Json(json!({ "id": id, "status": status }))),
        ModerateOutcome::Missing => Err(ApiError::not_found(format!("no comment {id}"))),
        ModerateOutcome::Forbidden => {
            Err(ApiError::forbidden("your roles do not allow moderating comments in this comment's city"))
        }
    }
}
