//! A streaming replica of the embedded cluster, for tests and small deployments that want
//! reads off the primary: `pg_basebackup -R` into `cluster/replica/pgdata`, started on a
//! loopback port of its own. PostgreSQL does the replication; this only sets it up.

use std::path::{Path, PathBuf};

use super::embedded::{check, free_port, path_str, port_is_free, running, Cluster, ClusterStatus};
use super::error::ClusterError;
use super::roles::APP;
use super::state::ClusterState;

/// The replica's folder (`pgdata/`, `postgres.log`) beside the primary's.
fn replica_dir(state: &ClusterState) -> PathBuf {
    state.cluster_dir.join("replica")
}

impl Cluster {
    /// Whether the replica exists and runs.
    ///
    /// # Errors
    /// When the state file is unreadable.
    pub fn replica_status(&self) -> Result<ClusterStatus, ClusterError> {
        let Some(state) = self.state()? else { return Ok(ClusterStatus::NotInitialized) };
        let pgdata = replica_dir(&state).join("pgdata");
        if !pgdata.join("standby.signal").exists() {
            return Ok(ClusterStatus::NotInitialized);
        }
        Ok(match running(&pgdata) {
            Some((pid, port)) => ClusterStatus::Running { pid, port },
            None => ClusterStatus::Stopped,
        })
    }

    /// Creates the replica if needed (a base backup of the running primary, which is started
    /// first) and starts it. Returns its port.
    ///
    /// # Errors
    /// When the primary cannot start, or the base backup or the replica's start fails (the
    /// message includes the replica log's tail).
    pub fn start_replica(&self) -> Result<u16, ClusterError> {
        let primary = self.start()?;
        let _lock = self.lock_home()?;
        let mut state = self.state()?.unwrap_or(primary);
        let dir = replica_dir(&state);
        let pgdata = dir.join("pgdata");
        if !pgdata.join("standby.signal").exists() {
            self.base_backup(&state, &dir)?;
        }
        if let Some((_, port)) = running(&pgdata) {
            return Ok(port);
        }
        let mut port = state.replica_port.filter(|p| port_is_free(*p) && *p != state.port);
        let mut last = None;
        for _ in 0..3 {
            let p = match port.take() {
                Some(p) => p,
                None => free_port().map_err(|e| ClusterError::io(Path::new("127.0.0.1"), &e))?,
            };
            match self.pg_ctl_start_in(&dir, p) {
                Ok(()) => {
                    state.replica_port = Some(p);
                    self.save_state(&state)?;
                    tracing::info!(replica.port = p, "embedded PostGIS replica started");
                    return Ok(p);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| ClusterError::NotInitialized(self.home().to_owned())))
    }

    /// Stops the replica if it runs.
    ///
    /// # Errors
    /// When `pg_ctl stop` fails.
    pub fn stop_replica(&self) -> Result<bool, ClusterError> {
        let Some(state) = self.state()? else { return Ok(false) };
        self.pg_ctl_stop_in(&replica_dir(&state))
    }

    /// The URL requests' reads use on the running replica (the application role), for
    /// `DATABASE_READ_URLS`.
    ///
    /// # Errors
    /// When the replica does not run or the roles are not set up yet.
    pub fn replica_url(&self) -> Result<String, ClusterError> {
        let state = self.state()?.ok_or_else(|| ClusterError::NotInitialized(self.home().to_owned()))?;
        let ClusterStatus::Running { port, .. } = self.replica_status()? else {
            return Err(ClusterError::NotInitialized(replica_dir(&state)));
        };
        Ok(match &state.roles {
            Some(roles) => format!("postgres://{APP}:{}@127.0.0.1:{port}/{}", roles.app, state.database),
            None => format!("postgres://{}:{}@127.0.0.1:{port}/{}", state.user, state.password, state.database),
        })
    }

    /// `pg_basebackup -R` of the running primary into `dir/pgdata` (replacing a broken one).
    fn base_backup(&self, state: &ClusterState, dir: &Path) -> Result<(), ClusterError> {
        let pgdata = dir.join("pgdata");
        if pgdata.exists() {
            std::fs::remove_dir_all(&pgdata).map_err(|e| ClusterError::io(&pgdata, &e))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| ClusterError::io(dir, &e))?;
        self.give_to_owner(dir)?;
        let port = state.port.to_string();
        let out = self.run_with_env(
            "pg_basebackup",
            dir,
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                &state.user,
                "-D",
                path_str(&pgdata),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "-w",
            ],
            // `-R` writes it into the replica's own postgresql.auto.conf (mode 0600), which its
            // WAL receiver logs in with; in the environment it is not on the command line.
            &[("PGPASSWORD", &state.password)],
        );
        check("pg_basebackup", &out?, None)?;
        // Without it, replaying a vacuum on the primary cancels a long read here (a national
        // layer's export) with a recovery conflict.
        let conf = pgdata.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).map_err(|e| ClusterError::io(&conf, &e))?;
        text.push_str("\n# --- added by nexus (embedded replica) ---\nhot_standby_feedback = on\n");
        std::fs::write(&conf, text).map_err(|e| ClusterError::io(&conf, &e))
    }
}
