//! The public's comments on published projects, their moderation and their tallies.
//!
//! A comment is stored with the address it came from, which is what the per-address limit
//! counts: counted here, under a lock per address, so the limit holds across every instance
//! serving the same database and two comments sent at once cannot both slip under it.

use nexus_core::{CommentStatus, Moderation, NewComment, Stance};
use serde::Serialize;
use time::OffsetDateTime;

use crate::accounts::{append_on, AuditEntry};
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// One comment as shown (to the public when approved; to moderators in any state).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommentRow {
    /// Its id.
    pub id: i64,
    /// The project's slug.
    pub project: String,
    /// The project's title (none once the project is deleted).
    pub project_title: Option<String>,
    /// The project's city.
    pub city: String,
    /// What was said, as written.
    pub text: String,
    /// The commenter's name, if given.
    pub name: Option<String>,
    /// Support or concerns, if said.
    pub stance: Option<Stance>,
    /// The place on the map it points at, as a GeoJSON Point.
    pub point: Option<serde_json::Value>,
    /// Where it stands in moderation.
    pub status: CommentStatus,
    /// The city's reply.
    pub reply: Option<String>,
    /// When it was sent.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was replied to.
    #[serde(with = "time::serde::rfc3339::option")]
    pub replied_at: Option<OffsetDateTime>,
}

/// How many approved comments a project has, and their stances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Approved comments.
    pub comments: i64,
    /// Of them, saying "I support this".
    pub support: i64,
    /// Of them, saying "I have concerns".
    pub concern: i64,
}

/// How many comments one address may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentLimit {
    /// In any minute.
    pub per_minute: i64,
    /// In any hour.
    pub per_hour: i64,
}

/// What became of a posted comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostOutcome {
    /// Stored, waiting for moderation.
    Posted {
        /// Its id.
        id: i64,
    },
    /// No published project has that slug.
    NoProject,
    /// The address sent too many; nothing was stored.
    TooMany {
        /// Seconds until it may send again.
        retry_after: i64,
    },
}

/// What became of a moderation step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModerateOutcome {
    /// Done; the comment stands so now.
    Done {
        /// Its status after the step.
        status: CommentStatus,
    },
    /// No such comment.
    Missing,
    /// The guard refused, given the comment's city.
    Forbidden,
}

const COLUMNS: &str = "c.id, c.project, p.title, c.city, c.text, c.name, c.stance, ST_AsGeoJSON(c.point)::text,
                       c.status, c.reply, c.created_at, c.replied_at";

fn row(r: &tokio_postgres::Row) -> StoreResult<CommentRow> {
    let word = |i: usize| -> Option<String> { r.get(i) };
    let bad = |what: &str, v: &str| StoreError::Invalid(format!("a stored comment has {what} '{v}'"));
    Ok(CommentRow {
        id: r.get(0),
        project: r.get(1),
        project_title: r.get(2),
        city: r.get(3),
        text: r.get(4),
        name: r.get(5),
        stance: word(6).map(|s| s.parse().map_err(|_| bad("the stance", &s))).transpose()?,
        point: word(7).map(|p| serde_json::from_str(&p)).transpose().map_err(|e| bad("the point", &e.to_string()))?,
        status: r.get::<_, String>(8).parse().map_err(|_| bad("the status", &r.get::<_, String>(8)))?,
        reply: r.get(9),
        created_at: r.get(10),
        replied_at: r.get(11),
    })
}

fn words(statuses: &[CommentStatus]) -> Vec<&'static str> {
    statuses.iter().map(|s| s.as_str()).collect()
}

impl Store {
    /// Stores a comment on published project `slug` from `client`, unless the address has
    /// sent `limit`'s worth already; the comment and its audit row commit together.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn post_comment(
        &self,
        slug: &str,
        comment: &NewComment,
        client: &str,
        limit: CommentLimit,
        audit: &AuditEntry,
    ) -> StoreResult<PostOutcome> {
        let mut db = self.client().await?;
        let tx = db.transaction().await.map_err(StoreError::query("post_comment_begin"))?;
        let city: Option<String> = tx
            .query_opt("SELECT city FROM projects WHERE slug = $1 AND visibility = 'public' FOR SHARE", &[&slug])
            .await
            .map_err(StoreError::query("post_comment_project"))?
            .map(|r| r.get(0));
        let Some(city) = city else { return Ok(PostOutcome::NoProject) };
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('comment-client:' || $1))", &[&client])
            .await
            .map_err(StoreError::query("post_comment_lock"))?;
        // clock_timestamp, not now(): the lock may have been waited for.
        let recent = tx
            .query_one(
                "SELECT count(*) FILTER (WHERE created_at > clock_timestamp() - interval '1 minute'),
                        count(*),
                        ceil(extract(epoch FROM min(created_at) FILTER (WHERE created_at > clock_timestamp() - interval '1 minute'))
                             + 60 - extract(epoch FROM clock_timestamp()))::bigint,
                        ceil(extract(epoch FROM min(created_at)) + 3600 - extract(epoch FROM clock_timestamp()))::bigint
                 FROM project_comments WHERE client = $1 AND created_at > clock_timestamp() - interval '1 hour'",
                &[&client],
            )
            .await
            .map_err(StoreError::query("post_comment_count"))?;
        let (minute, hour): (i64, i64) = (recent.get(0), recent.get(1));
        if minute >= limit.per_minute {
            return Ok(PostOutcome::TooMany { retry_after: recent.get::<_, Option<i64>>(2).unwrap_or(60).max(1) });
        }
        if hour >= limit.per_hour {
            return Ok(PostOutcome::TooMany { retry_after: recent.get::<_, Option<i64>>(3).unwrap_or(3600).max(1) });
        }
        let (lon, lat) = comment.point.map_or((None, None), |(x, y)| (Some(x), Some(y)));
        let id: i64 = tx
            .query_one(
                "INSERT INTO project_comments (project, city, text, name, stance, point, client)
                 VALUES ($1, $2, $3, $4, $5,
                         CASE WHEN $6::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($6, $7::float8), 4326) END, $8)
                 RETURNING id",
                &[&slug, &city, &comment.text, &comment.name, &comment.stance.map(Stance::as_str), &lon, &lat, &client],
            )
            .await
            .map_err(StoreError::query("post_comment_insert"))?
            .get(0);
        let mut entry = audit.clone();
        entry.action = "comment.create";
        entry.target_type = "comment";
        entry.target_id = Some(id.to_string());
        entry.city = Some(city);
        entry.summary = format!(
            "{} on project {slug} ({} characters), pending",
            comment.stance.map_or("comment", |s| if s == Stance::Support { "support" } else { "concerns" }),
            comment.text.chars().count()
        );
        append_on(&tx, &entry).await?;
        tx.commit().await.map_err(StoreError::query("post_comment_commit"))?;
        Ok(PostOutcome::Posted { id })
    }

    /// The comments on project `slug` in `statuses`, oldest first.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn project_comments(&self, slug: &str, statuses: &[CommentStatus]) -> StoreResult<Vec<CommentRow>> {
        let db = self.read_client().await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM project_comments c LEFT JOIN projects p ON p.slug = c.project
             WHERE c.project = $1 AND c.status = ANY($2) ORDER BY c.id"
        );
        let rows = db.query(&sql, &[&slug, &words(statuses)]).await.map_err(StoreError::query("project_comments"))?;
        rows.iter().map(row).collect()
    }

    /// The comments on the projects of `city` in `statuses`, by project, oldest first: on its
    /// published projects only, unless `drafts_too` (then on drafts and deleted ones as well).
    ///
    /// # Errors
    /// When the database fails.
    pub async fn city_comments(
        &self,
        city: &str,
        statuses: &[CommentStatus],
        drafts_too: bool,
    ) -> StoreResult<Vec<CommentRow>> {
        let db = self.read_client().await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM project_comments c LEFT JOIN projects p ON p.slug = c.project
             WHERE c.city = $1 AND c.status = ANY($2) AND (p.visibility = 'public' OR $3)
             ORDER BY c.project, c.id"
        );
        let rows = db
            .query(&sql, &[&city, &words(statuses), &drafts_too])
            .await
            .map_err(StoreError::query("city_comments"))?;
        rows.iter().map(row).collect()
    }

    /// The approved comments' count and stances on project `slug`.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn comment_tally(&self, slug: &str) -> StoreResult<Tally> {
        let db = self.read_client().await?;
        let r = db
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE stance = 'support'), count(*) FILTER (WHERE stance = 'concern')
                 FROM project_comments WHERE project = $1 AND status = 'approved'",
                &[&slug],
            )
            .await
            .map_err(StoreError::query("comment_tally"))?;
        Ok(Tally { comments: r.get(0), support: r.get(1), concern: r.get(2) })
    }

    /// Approves, rejects or replies to comment `id`, if `guard` allows it given the comment's
    /// city (asked under the row's lock); `moderator` is the name a reply is signed with.
    /// The step and its audit row commit together.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn moderate_comment(
        &self,
        id: i64,
        step: &Moderation,
        guard: &(dyn Fn(&str) -> bool + Send + Sync),
        moderator: &str,
        audit: &AuditEntry,
    ) -> StoreResult<ModerateOutcome> {
        let mut db = self.client().await?;
        let tx = db.transaction().await.map_err(StoreError::query("moderate_comment_begin"))?;
        let Some(found) = tx
            .query_opt("SELECT city, project, status FROM project_comments WHERE id = $1 FOR UPDATE", &[&id])
            .await
            .map_err(StoreError::query("moderate_comment_find"))?
        else {
            return Ok(ModerateOutcome::Missing);
        };
        let (city, project, before): (String, String, String) = (found.get(0), found.get(1), found.get(2));
        if !guard(&city) {
            return Ok(ModerateOutcome::Forbidden);
        }
        let status: String = match step {
            Moderation::Approve | Moderation::Reject => {
                let to = if *step == Moderation::Approve { "approved" } else { "rejected" };
                tx.query_one(
                    "UPDATE project_comments SET status = $2, moderated_by = $3, moderated_at = now()
                     WHERE id = $1 RETURNING status",
                    &[&id, &to, &moderator],
                )
                .await
            }
            Moderation::Reply(text) => {
                tx.query_one(
                    "UPDATE project_comments SET reply = $2, replied_by = $3, replied_at = now()
                     WHERE id = $1 RETURNING status",
                    &[&id, text, &moderator],
                )
                .await
            }
        }
        .map_err(StoreError::query("moderate_comment_update"))?
        .get(0);
        let mut entry = audit.clone();
        entry.action = step.action();
        entry.target_type = "comment";
        entry.target_id = Some(id.to_string());
        entry.city = Some(city);
        entry.summary = format!("comment {id} on project {project}: {before} → {status}");
        append_on(&tx, &entry).await?;
        tx.commit().await.map_err(StoreError::query("moderate_comment_commit"))?;
        let status =
            status.parse().map_err(|_| StoreError::Invalid(format!("a stored comment has status '{status}'")))?;
        Ok(ModerateOutcome::Done { status })
    }
}
