//! The embedded cluster's roles: its superuser only sets things up; the schema belongs to
//! `nexus_owner`, which runs the migrations and schema changes, and requests run as
//! `nexus_app`, which may only read and write rows (see `crate::roles`).

use std::time::Duration;

use super::embedded::{random_password, Cluster};
use super::state::RolePasswords;
use crate::error::{StoreError, StoreResult};
use crate::pool::{connect_one, parse_url};

/// The schema's owner.
pub const OWNER: &str = "nexus_owner";
/// The role requests run as.
pub const APP: &str = "nexus_app";

/// The owner's and the application's URLs for the application database.
#[derive(Debug, Clone)]
pub struct RoleUrls {
    /// `nexus_owner`: migrations and schema changes.
    pub owner: String,
    /// `nexus_app`: requests.
    pub app: String,
}

impl Cluster {
    /// Creates (or renews) the owner and application roles, enables PostGIS and hands the
    /// database's objects to the owner; the cluster must be running (see
    /// [`Cluster::ensure_database`]).
    ///
    /// # Errors
    /// When the cluster is not running or the superuser's statements fail.
    pub async fn ensure_roles(&self) -> StoreResult<RoleUrls> {
        let mut state = self.state()?.ok_or_else(|| StoreError::Pool("the embedded cluster is not set up".into()))?;
        let roles = match &state.roles {
            Some(r) => r.clone(),
            None => {
                let r = RolePasswords { owner: random_password(), app: random_password() };
                state.roles = Some(r.clone());
                self.save_state(&state)?;
                r
            }
        };
        let admin = connect_one(&parse_url(&state.url_for(&state.database), Duration::from_secs(10))?).await?;
        // Names are constants, passwords alphanumeric: nothing here comes from outside. One
        // query is one transaction; its advisory lock makes servers starting together on one
        // cluster take turns (two ALTER ROLEs at once fail with "tuple concurrently updated").
        let setup = format!(
            "SELECT pg_advisory_xact_lock(hashtext('nexus-cluster-roles'));
             DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER}') THEN CREATE ROLE {OWNER}; END IF;
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP}') THEN CREATE ROLE {APP}; END IF;
             END $$;
             ALTER ROLE {OWNER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{owner}';
             ALTER ROLE {APP} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{app}';
             CREATE EXTENSION IF NOT EXISTS postgis;
             ALTER DATABASE \"{db}\" OWNER TO {OWNER};
             {hand_over};",
            owner = roles.owner,
            app = roles.app,
            db = state.database,
            hand_over = crate::roles::hand_over_sql(OWNER),
        );
        admin.batch_execute(&setup).await.map_err(StoreError::query("cluster_roles"))?;
        let url = |user: &str, password: &str| {
            format!("postgres://{user}:{password}@127.0.0.1:{}/{}", state.port, state.database)
        };
        Ok(RoleUrls { owner: url(OWNER, &roles.owner), app: url(APP, &roles.app) })
    }
}
