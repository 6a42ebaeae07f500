//! Sign-in sessions, stored here so that any server instance can serve any of them.

use std::time::Duration;

use nexus_core::UserAccess;
use time::OffsetDateTime;

use super::audit::{append_on, AuditEntry};
use super::users::{access, ACCESS_COLUMNS};
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// Seconds as a PostgreSQL interval parameter (`$n * interval '1 second'`).
fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

impl Store {
    /// Stores a new session for `user_id` that ends at `expires_at` at the latest, and the
    /// sign-in's `audit` row in the same transaction.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn create_session(
        &self,
        id_hash: &[u8],
        user_id: i64,
        csrf: &str,
        expires_at: OffsetDateTime,
        client: Option<&str>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let mut db = self.client().await?;
        let tx = db.transaction().await.map_err(StoreError::query("create_session_begin"))?;
        tx.execute(
            "INSERT INTO sessions (id_hash, user_id, csrf, expires_at, client) VALUES ($1, $2, $3, $4, $5)",
            &[&id_hash, &user_id, &csrf, &expires_at, &client],
        )
        .await
        .map_err(StoreError::query("create_session"))?;
        append_on(&tx, audit).await?;
        tx.commit().await.map_err(StoreError::query("create_session_commit"))?;
        Ok(())
    }

    /// The user of a live session (not expired, used within `idle`, its user enabled) and
    /// its CSRF token; marks it used now.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn session(&self, id_hash: &[u8], idle: Duration) -> StoreResult<Option<(UserAccess, String)>> {
        let db = self.client().await?;
        let sql = format!(
            "WITH s AS (UPDATE sessions SET last_seen = now()
                        WHERE id_hash = $1 AND expires_at > now() AND last_seen > now() - $2 * interval '1 second'
                        RETURNING user_id, csrf)
             SELECT {ACCESS_COLUMNS}, s.csrf FROM s JOIN users u ON u.id = s.user_id WHERE NOT u.disabled"
        );
        let row = db.query_opt(&sql, &[&id_hash, &secs(idle)]).await.map_err(StoreError::query("session"))?;
        Ok(row.map(|r| (access(&r), r.get(5))))
    }

    /// Ends one session; returns whether there was one.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn delete_session(&self, id_hash: &[u8]) -> StoreResult<bool> {
        let db = self.client().await?;
        let n = db
            .execute("DELETE FROM sessions WHERE id_hash = $1", &[&id_hash])
            .await
            .map_err(StoreError::query("delete_session"))?;
        Ok(n > 0)
    }

    /// Ends every session of `user_id` ("sign out everywhere"); returns how many.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn delete_sessions(&self, user_id: i64) -> StoreResult<u64> {
        let db = self.client().await?;
        db.execute("DELETE FROM sessions WHERE user_id = $1", &[&user_id])
            .await
            .map_err(StoreError::query("delete_sessions"))
    }
}
