//! The audit trail: one row per change, appended, never changed (migration 0011's triggers
//! refuse UPDATE, DELETE and TRUNCATE to every role).

use std::time::Duration;

use time::OffsetDateTime;

use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// How the actor proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// A sign-in session (cookie).
    Session,
    /// A personal API token.
    Token,
    /// The command line.
    Cli,
    /// The configuration's `planner_token`.
    Legacy,
    /// Nobody (failed sign-ins, rejected tokens).
    Anonymous,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Session => "session",
            Via::Token => "token",
            Via::Cli => "cli",
            Via::Legacy => "legacy",
            Via::Anonymous => "anonymous",
        }
    }
}

/// One row to append.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// The acting user's id (none for the CLI, the legacy token and the anonymous).
    pub actor_id: Option<i64>,
    /// Their name ("cli", "legacy token", "anonymous" otherwise).
    pub actor_name: String,
    /// How they proved it.
    pub via: Via,
    /// What was done: `project.create`, `layer.ingest`, `session.failed`, …
    pub action: &'static str,
    /// What kind of thing: `project`, `layer`, `rules`, `user`, `token`, `session`.
    pub target_type: &'static str,
    /// Which one (slug, layer id, email, token id).
    pub target_id: Option<String>,
    /// Its city.
    pub city: Option<String>,
    /// Its revision before the change.
    pub revision_before: Option<i64>,
    /// Its revision after.
    pub revision_after: Option<i64>,
    /// The client's address.
    pub client: Option<String>,
    /// The request's id.
    pub request_id: Option<String>,
    /// A short summary for people.
    pub summary: String,
}

/// A stored row.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    /// Row id (rows page by it).
    pub id: i64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The acting user's id.
    pub actor_id: Option<i64>,
    /// Their name.
    pub actor_name: String,
    /// How they proved it.
    pub via: String,
    /// What was done.
    pub action: String,
    /// What kind of thing.
    pub target_type: String,
    /// Which one.
    pub target_id: Option<String>,
    /// Its city.
    pub city: Option<String>,
    /// Revision before.
    pub revision_before: Option<i64>,
    /// Revision after.
    pub revision_after: Option<i64>,
    /// Client address.
    pub client: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Summary.
    pub summary: String,
}

/// Which rows to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this city's.
    pub city: Option<String>,
    /// Only rows whose actor's name or id is this.
    pub actor: Option<String>,
    /// Only rows about this target id.
    pub target: Option<String>,
    /// Only this action (`project.create`) or family (`project`).
    pub action: Option<String>,
    /// Only rows at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Only rows older than this id (the next page).
    pub before_id: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

pub(crate) const INSERT: &str = "INSERT INTO audit (actor_id, actor_name, via, action, target_type, target_id, city,
        revision_before, revision_after, client, request_id, summary)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// Appends `entry` on `db` (a client or a transaction, so a change and its row commit together).
pub(crate) async fn append_on(db: &impl deadpool_postgres::GenericClient, entry: &AuditEntry) -> StoreResult<()> {
    db.execute(
        INSERT,
        &[
            &entry.actor_id,
            &entry.actor_name,
            &entry.via.as_str(),
            &entry.action,
            &entry.target_type,
            &entry.target_id,
            &entry.city,
            &entry.revision_before,
            &entry.revision_after,
            &entry.client,
            &entry.request_id,
            &entry.summary,
        ],
    )
    .await
    .map_err(StoreError::query("audit_append"))?;
    Ok(())
}

/// Names the acting person for the triggers that write history in transaction `tx`
/// (`nexus.actor_id`, `nexus.actor_name`, local to the transaction).
pub(crate) async fn set_actor(tx: &impl deadpool_postgres::GenericClient, entry: &AuditEntry) -> StoreResult<()> {
    let id = entry.actor_id.map(|i| i.to_string()).unwrap_or_default();
    tx.execute(
        "SELECT set_config('nexus.actor_id', $1, true), set_config('nexus.actor_name', $2, true)",
        &[&id, &entry.actor_name],
    )
    .await
    .map_err(StoreError::query("set_actor"))?;
    Ok(())
}

impl Store {
    /// Appends one row to the audit trail.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        let db = self.client().await?;
        append_on(&db, entry).await
    }

    /// Rows matching `filter`, newest first.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn audit(&self, f: &AuditFilter) -> StoreResult<Vec<AuditRow>> {
        let db = self.client().await?;
        let rows = db
            .query(
                "SELECT id, at, actor_id, actor_name, via, action, target_type, target_id, city,
                        revision_before, revision_after, client, request_id, summary
                 FROM audit
                 WHERE ($1::text IS NULL OR city = $1)
                   AND ($2::text IS NULL OR actor_name = $2 OR actor_id::text = $2)
                   AND ($3::text IS NULL OR target_id = $3)
                   AND ($4::text IS NULL OR action = $4 OR action LIKE $4 || '.%')
                   AND ($5::timestamptz IS NULL OR at >= $5)
                   AND ($6::bigint IS NULL OR id < $6)
                 ORDER BY id DESC LIMIT $7",
                &[&f.city, &f.actor, &f.target, &f.action, &f.since, &f.before_id, &f.limit],
            )
            .await
            .map_err(StoreError::query("audit"))?;
        Ok(rows
            .iter()
            .map(|r| AuditRow {
                id: r.get(0),
                at: r.get(1),
                actor_id: r.get(2),
                actor_name: r.get(3),
                via: r.get(4),
                action: r.get(5),
                target_type: r.get(6),
                target_id: r.get(7),
                city: r.get(8),
                revision_before: r.get(9),
                revision_after: r.get(10),
                client: r.get(11),
                request_id: r.get(12),
                summary: r.get(13),
            })
            .collect())
    }

    /// Failures (rows with an action in `failures`) within `window`, about `target_id` since
    /// its last `success`, or from `client` (a success from an address does not clear it, or
    /// one good account would reset the count of guesses at others): how many and the time of
    /// the latest. What sign-in throttling counts, from the trail every instance shares.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn recent_failures(
        &self,
        failures: &[&str],
        success: &str,
        target_id: Option<&str>,
        client: Option<&str>,
        window: Duration,
    ) -> StoreResult<(i64, Option<OffsetDateTime>)> {
        let db = self.client().await?;
        let row = db
            .query_one(
                "WITH key AS (SELECT $3::text AS target, $4::text AS client)
                 SELECT count(*), max(a.at) FROM audit a, key
                 WHERE a.action = ANY ($1) AND a.at > now() - $5 * interval '1 second'
                   AND (a.client = key.client
                        OR (a.target_id = key.target
                            AND a.at > coalesce((SELECT max(s.at) FROM audit s
                                                 WHERE s.action = $2 AND s.target_id = key.target), '-infinity')))",
                &[&failures, &success, &target_id, &client, &window.as_secs_f64()],
            )
            .await
            .map_err(StoreError::query("recent_failures"))?;
        Ok((row.get(0), row.get(1)))
    }
}
