//! Personal API tokens: named, stored hashed, optionally expiring, revocable.

use nexus_core::UserAccess;
use time::OffsetDateTime;

use super::audit::{append_on, AuditEntry};
use super::users::{access, ACCESS_COLUMNS};
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// What a presented token turned out to be.
#[derive(Debug, Clone)]
pub enum TokenLookup {
    /// A live token of an enabled user.
    Valid {
        /// The token's id.
        id: i64,
        /// Its owner, whose roles it acts with.
        owner: UserAccess,
    },
    /// Revoked, expired, or its owner disabled.
    Dead {
        /// The token's id.
        id: i64,
        /// Which of these.
        why: &'static str,
    },
    /// No such token.
    Unknown,
}

/// A token as its owner sees it (never the secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenRow {
    /// Id, for revoking.
    pub id: i64,
    /// Owner's email.
    pub owner: String,
    /// Its name.
    pub name: String,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it stops working, if ever.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// When it was last used.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used: Option<OffsetDateTime>,
    /// When it was revoked.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl Store {
    /// Stores a token for `user_id` and appends `audit` (its target the new token) in the same
    /// transaction; returns its id.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn create_token(
        &self,
        user_id: i64,
        name: &str,
        hash: &[u8],
        expires_at: Option<OffsetDateTime>,
        audit: &AuditEntry,
    ) -> StoreResult<i64> {
        let mut db = self.client().await?;
        let tx = db.transaction().await.map_err(StoreError::query("create_token_begin"))?;
        let row = tx
            .query_one(
                "INSERT INTO api_tokens (user_id, name, hash, expires_at) VALUES ($1, $2, $3, $4) RETURNING id",
                &[&user_id, &name, &hash, &expires_at],
            )
            .await
            .map_err(StoreError::query("create_token"))?;
        let id: i64 = row.get(0);
        let mut entry = audit.clone();
        entry.target_id = Some(id.to_string());
        append_on(&tx, &entry).await?;
        tx.commit().await.map_err(StoreError::query("create_token_commit"))?;
        Ok(id)
    }

    /// Looks a token up by its hash, and marks it used when it is live.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn token(&self, hash: &[u8]) -> StoreResult<TokenLookup> {
        let db = self.client().await?;
        let sql = format!(
            "SELECT {ACCESS_COLUMNS}, t.id, t.revoked_at IS NOT NULL, coalesce(t.expires_at <= now(), false), u.disabled
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1"
        );
        let Some(row) = db.query_opt(&sql, &[&hash]).await.map_err(StoreError::query("token"))? else {
            return Ok(TokenLookup::Unknown);
        };
        let (id, revoked, expired, disabled): (i64, bool, bool, bool) =
            (row.get(5), row.get(6), row.get(7), row.get(8));
        if revoked {
            return Ok(TokenLookup::Dead { id, why: "the token was revoked" });
        }
        if expired {
            return Ok(TokenLookup::Dead { id, why: "the token has expired" });
        }
        if disabled {
            return Ok(TokenLookup::Dead { id, why: "the token's owner is disabled" });
        }
        db.execute("UPDATE api_tokens SET last_used = now() WHERE id = $1", &[&id])
            .await
            .map_err(StoreError::query("token_used"))?;
        Ok(TokenLookup::Valid { id, owner: access(&row) })
    }

    /// The tokens of `user_id`, or every user's with `None`, newest first.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn tokens(&self, user_id: Option<i64>) -> StoreResult<Vec<TokenRow>> {
        let db = self.client().await?;
        let rows = db
            .query(
                "SELECT t.id, u.email, t.name, t.created_at, t.expires_at, t.last_used, t.revoked_at
                 FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE $1::bigint IS NULL OR t.user_id = $1 ORDER BY t.id DESC",
                &[&user_id],
            )
            .await
            .map_err(StoreError::query("tokens"))?;
        Ok(rows
            .iter()
            .map(|r| TokenRow {
                id: r.get(0),
                owner: r.get(1),
                name: r.get(2),
                created_at: r.get(3),
                expires_at: r.get(4),
                last_used: r.get(5),
                revoked_at: r.get(6),
            })
            .collect())
    }

    /// Revokes token `id` (only if it belongs to `owner`, when given), appending `audit` in the
    /// same transaction; returns its owner's id when a live token was revoked.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn revoke_token(&self, id: i64, owner: Option<i64>, audit: &AuditEntry) -> StoreResult<Option<i64>> {
        let mut db = self.client().await?;
        let tx = db.transaction().await.map_err(StoreError::query("revoke_token_begin"))?;
        let row = tx
            .query_opt(
                "UPDATE api_tokens SET revoked_at = now()
                 WHERE id = $1 AND ($2::bigint IS NULL OR user_id = $2) AND revoked_at IS NULL RETURNING user_id",
                &[&id, &owner],
            )
            .await
            .map_err(StoreError::query("revoke_token"))?;
        if row.is_some() {
            append_on(&tx, audit).await?;
        }
        tx.commit().await.map_err(StoreError::query("revoke_token_commit"))?;
        Ok(row.map(|r| r.get(0)))
    }
}
