//! The users table and memberships (one role per user and city).

use nexus_core::{CitySlug, Membership, Role, UserAccess};
use time::OffsetDateTime;
use tokio_postgres::Row;

use super::audit::{append_on, AuditEntry};
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Email, compared in lower case.
    pub email: String,
    /// The name shown to others.
    pub name: String,
    /// The argon2id PHC string; `None`: the account signs in with tokens only until a
    /// password is set.
    pub password_hash: Option<String>,
    /// May do everything everywhere.
    pub site_admin: bool,
}

/// A user as listed to admins.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UserRow {
    /// Who, with their roles.
    #[serde(flatten)]
    pub access: UserAccess,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What a sign-in checks.
#[derive(Debug, Clone)]
pub struct SignInRecord {
    /// The user.
    pub access: UserAccess,
    /// The stored password hash, if any.
    pub password_hash: Option<String>,
    /// Disabled accounts cannot sign in.
    pub disabled: bool,
}

/// The columns [`access`] reads, `u` being `users`.
pub(crate) const ACCESS_COLUMNS: &str = "u.id, u.email, u.name, u.site_admin,
    coalesce((SELECT array_agg(m.city || ':' || m.role ORDER BY m.city) FROM memberships m WHERE m.user_id = u.id), '{}')";

/// A [`UserAccess`] from the first five columns of `row` ([`ACCESS_COLUMNS`]).
pub(crate) fn access(row: &Row) -> UserAccess {
    let roles: Vec<String> = row.get(4);
    UserAccess {
        id: row.get(0),
        email: row.get(1),
        name: row.get(2),
        site_admin: row.get(3),
        roles: roles
            .iter()
            .filter_map(|r| {
                let (city, role) = r.rsplit_once(':')?;
                Some(Membership { city: CitySlug::new(city).ok()?, role: role.parse().ok()? })
            })
            .collect(),
    }
}

impl Store {
    /// Creates a user and appends `audit` in the same transaction; returns its id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when the email is taken or malformed.
    pub async fn create_user(&self, user: &NewUser, audit: &AuditEntry) -> StoreResult<i64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("create_user_begin"))?;
        let email = user.email.trim().to_lowercase();
        let row = tx
            .query_opt(
                "INSERT INTO users (email, name, password_hash, site_admin) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (email) DO NOTHING RETURNING id",
                &[&email, &user.name.trim(), &user.password_hash, &user.site_admin],
            )
            .await
            .map_err(|e| match e.code() {
                Some(c) if c == &tokio_postgres::error::SqlState::CHECK_VIOLATION => StoreError::Invalid(format!(
                    "'{}' is not an email address, or the name is empty",
                    email.escape_default()
                )),
                _ => StoreError::query("create_user")(e),
            })?;
        let id: i64 = row.map(|r| r.get(0)).ok_or_else(|| {
            StoreError::Invalid(format!("there is already a user with email '{}'", email.escape_default()))
        })?;
        append_on(&tx, audit).await?;
        tx.commit().await.map_err(StoreError::query("create_user_commit"))?;
        Ok(id)
    }

    /// The user with `email`, for a sign-in.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn sign_in_record(&self, email: &str) -> StoreResult<Option<SignInRecord>> {
        let client = self.client().await?;
        let sql = format!("SELECT {ACCESS_COLUMNS}, u.password_hash, u.disabled FROM users u WHERE u.email = $1");
        let row = client
            .query_opt(&sql, &[&email.trim().to_lowercase()])
            .await
            .map_err(StoreError::query("sign_in_record"))?;
        Ok(row.map(|r| SignInRecord { access: access(&r), password_hash: r.get(5), disabled: r.get(6) }))
    }

    /// Every user, or the members of `city`, by email.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn users(&self, city: Option<&str>) -> StoreResult<Vec<UserRow>> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {ACCESS_COLUMNS}, u.disabled, u.created_at FROM users u
             WHERE $1::text IS NULL OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.city = $1)
             ORDER BY u.email"
        );
        let rows = client.query(&sql, &[&city]).await.map_err(StoreError::query("users"))?;
        Ok(rows.iter().map(|r| UserRow { access: access(r), disabled: r.get(5), created_at: r.get(6) }).collect())
    }

    /// Disables (or enables again) the user with `email`; disabling also ends their sessions.
    /// `audit` is appended in the same transaction. Returns the user's id, `None` when there
    /// is no such user.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn set_disabled(&self, email: &str, disabled: bool, audit: &AuditEntry) -> StoreResult<Option<i64>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("set_disabled_begin"))?;
        let row = tx
            .query_opt(
                "WITH u AS (UPDATE users SET disabled = $2 WHERE email = $1 RETURNING id),
                      s AS (DELETE FROM sessions WHERE $2 AND user_id IN (SELECT id FROM u))
                 SELECT id FROM u",
                &[&email.trim().to_lowercase(), &disabled],
            )
            .await
            .map_err(StoreError::query("set_disabled"))?;
        if row.is_some() {
            append_on(&tx, audit).await?;
        }
        tx.commit().await.map_err(StoreError::query("set_disabled_commit"))?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Gives `user_id` `role` in `city` (replacing the role they had there), or removes their
    /// role there with `None`; `audit` is appended in the same transaction, its summary saying
    /// the role before and after. Returns the role they had before.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when the city is unknown.
    pub async fn set_role(
        &self,
        user_id: i64,
        city: &str,
        role: Option<Role>,
        audit: &AuditEntry,
    ) -> StoreResult<Option<Role>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(StoreError::query("set_role_begin"))?;
        let before: Option<Role> = tx
            .query_opt("SELECT role FROM memberships WHERE user_id = $1 AND city = $2", &[&user_id, &city])
            .await
            .map_err(StoreError::query("role_before"))?
            .and_then(|r| r.get::<_, &str>(0).parse().ok());
        let result = match role {
            Some(role) => {
                tx.execute(
                    "INSERT INTO memberships (user_id, city, role) VALUES ($1, $2, $3)
                     ON CONFLICT (user_id, city) DO UPDATE SET role = EXCLUDED.role",
                    &[&user_id, &city, &role.as_str()],
                )
                .await
            }
            None => tx.execute("DELETE FROM memberships WHERE user_id = $1 AND city = $2", &[&user_id, &city]).await,
        };
        result.map_err(|e| match e.code() {
            Some(c) if c == &tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION => {
                StoreError::Invalid(format!("there is no city '{}'", city.escape_default()))
            }
            _ => StoreError::query("set_role")(e),
        })?;
        let mut row = audit.clone();
        row.summary = format!("{} → {}", before.map_or("no role", Role::as_str), role.map_or("no role", Role::as_str));
        append_on(&tx, &row).await?;
        tx.commit().await.map_err(StoreError::query("set_role_commit"))?;
        Ok(before)
    }

    /// Whether any user exists (an empty database says how to create the first admin).
    ///
    /// # Errors
    /// When the query fails.
    pub async fn has_users(&self) -> StoreResult<bool> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT EXISTS (SELECT 1 FROM users)", &[])
            .await
            .map_err(StoreError::query("has_users"))?;
        Ok(row.get(0))
    }
}
