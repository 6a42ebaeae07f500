//! The embedded cluster's life: create (`initdb` as an unprivileged user), start, stop,
//! and the state file that remembers its port and login.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use super::binaries;
use super::error::ClusterError;
use super::os::{self, OsUser};
use super::state::ClusterState;
use crate::error::{describe, StoreError, StoreResult};
use crate::pool::{connect_one, parse_url};

/// Whether the cluster exists and runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterStatus {
    /// Nothing created yet.
    NotInitialized,
    /// Created, not running.
    Stopped,
    /// Running.
    Running {
        /// Postmaster process id.
        pid: u32,
        /// Port it listens on.
        port: u16,
    },
}

/// A handle on the embedded cluster whose files live under `home`.
#[derive(Debug, Clone)]
pub struct Cluster {
    home: PathBuf,
    bindir: PathBuf,
    owner: Option<OsUser>,
}

const DB_USER: &str = "nexus";
const DB_NAME: &str = "nexus";

impl Cluster {
    /// Prepares to manage the cluster under `home`; creates nothing yet.
    ///
    /// # Errors
    /// When the PostgreSQL programs are missing, or we are root and no `postgres` user exists.
    pub fn new(home: impl Into<PathBuf>) -> Result<Cluster, ClusterError> {
        let home = home.into();
        let home = if home.is_absolute() {
            home
        } else {
            std::env::current_dir().map_err(|e| ClusterError::io(&home, &e))?.join(home)
        };
        let bindir = binaries::find_bindir().map_err(|searched| ClusterError::NoBinaries {
            searched: searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        })?;
        let owner = if os::effective_uid() == 0 {
            Some(os::lookup_user("postgres").ok_or(ClusterError::NoServiceUser)?)
        } else {
            None
        };
        Ok(Cluster { home, bindir, owner })
    }

    /// The home folder (`.nexus/`).
    pub fn home(&self) -> &Path {
        &self.home
    }

    fn state_path(&self) -> PathBuf {
        self.home.join("cluster.json")
    }

    /// The saved state, if the cluster was ever created.
    ///
    /// # Errors
    /// When the state file is unreadable.
    pub fn state(&self) -> Result<Option<ClusterState>, ClusterError> {
        ClusterState::load(&self.state_path())
    }

    /// Whether the cluster exists and whether it runs.
    ///
    /// # Errors
    /// When the state file is unreadable.
    pub fn status(&self) -> Result<ClusterStatus, ClusterError> {
        let Some(state) = self.state()? else { return Ok(ClusterStatus::NotInitialized) };
        Ok(match running(&state.pgdata()) {
            Some((pid, port)) => ClusterStatus::Running { pid, port },
            None => ClusterStatus::Stopped,
        })
    }

    /// Creates the cluster if needed and starts it if it is not running. Returns its state
    /// (with the port it really listens on). Safe to call while another process does the same.
    ///
    /// # Errors
    /// When creating or starting fails; the message includes the server log's tail.
    pub fn start(&self) -> Result<ClusterState, ClusterError> {
        let _lock = self.lock_home()?;

        let mut state = match self.state()? {
            Some(s) => s,
            None => self.init()?,
        };
        if let Some((_, port)) = running(&state.pgdata()) {
            if port != state.port {
                state.port = port;
                state.save(&self.state_path())?;
            }
            return Ok(state);
        }
        let mut last_err = None;
        for attempt in 0..3 {
            if attempt > 0 || !port_is_free(state.port) {
                state.port = free_port().map_err(|e| ClusterError::io(Path::new("127.0.0.1"), &e))?;
            }
            match self.pg_ctl_start(&state) {
                Ok(()) => {
                    state.save(&self.state_path())?;
                    tracing::info!(cluster.port = state.port, cluster.dir = %state.cluster_dir.display(), "embedded PostGIS started");
                    return Ok(state);
                }
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or(ClusterError::NotInitialized(self.home.clone())))
    }

    /// Stops the cluster if it runs (fast shutdown: sessions end, data is safe).
    ///
    /// # Errors
    /// When the cluster does not exist or `pg_ctl stop` fails.
    pub fn stop(&self) -> Result<bool, ClusterError> {
        let state = self.state()?.ok_or_else(|| ClusterError::NotInitialized(self.home.clone()))?;
        // A replica without its primary only retries; it goes first.
        self.stop_replica()?;
        self.pg_ctl_stop_in(&state.cluster_dir)
    }

    /// Starts the cluster, creates the application database if missing and returns its URL.
    ///
    /// # Errors
    /// When the cluster cannot start or the database cannot be created.
    pub async fn ensure_database(&self) -> StoreResult<String> {
        let this = self.clone();
        let state =
            tokio::task::spawn_blocking(move || this.start()).await.map_err(|e| StoreError::Pool(e.to_string()))??;
        let admin = parse_url(&state.url_for("postgres"), Duration::from_secs(10))?;
        let client = connect_one(&admin).await?;
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&state.database])
            .await
            .map_err(StoreError::query("database_exists"))?;
        if exists.is_none() {
            // The name is our own constant, never user input.
            if let Err(e) = client.batch_execute(&format!("CREATE DATABASE \"{}\"", state.database)).await {
                if e.code() != Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) {
                    return Err(StoreError::Query { what: "create_database", reason: describe(&e) });
                }
            }
        }
        Ok(state.url_for(&state.database))
    }

    /// The superuser URL of the running cluster's maintenance database (`postgres`), for
    /// tooling that creates databases (the test harness).
    ///
    /// # Errors
    /// When the cluster does not exist.
    pub fn admin_url(&self) -> Result<String, ClusterError> {
        let state = self.state()?.ok_or_else(|| ClusterError::NotInitialized(self.home.clone()))?;
        Ok(state.url_for("postgres"))
    }

    /// Saves changed facts of the cluster (mode 0600).
    pub(super) fn save_state(&self, state: &ClusterState) -> Result<(), ClusterError> {
        state.save(&self.state_path())
    }

    fn init(&self) -> Result<ClusterState, ClusterError> {
        let cluster_dir = self.choose_cluster_dir()?;
        let pgdata = cluster_dir.join("pgdata");
        if pgdata.exists() {
            // Left over from an init that died before saving state: start clean.
            std::fs::remove_dir_all(&pgdata).map_err(|e| ClusterError::io(&pgdata, &e))?;
        }
        let password = random_password();
        let pwfile = cluster_dir.join("pwfile");
        std::fs::write(&pwfile, format!("{password}\n")).map_err(|e| ClusterError::io(&pwfile, &e))?;
        self.give_to_owner(&pwfile)?;
        let out = self.run(
            "initdb",
            &cluster_dir,
            &[
                "-D",
                path_str(&pgdata),
                "-U",
                DB_USER,
                &format!("--pwfile={}", pwfile.display()),
                "-A",
                "scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ],
        );
        let _ = std::fs::remove_file(&pwfile);
        check("initdb", &out?, None)?;
        let conf = pgdata.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).map_err(|e| ClusterError::io(&conf, &e))?;
        text.push_str(CONF);
        std::fs::write(&conf, text).map_err(|e| ClusterError::io(&conf, &e))?;

        let state = ClusterState {
            cluster_dir,
            port: free_port().map_err(|e| ClusterError::io(Path::new("127.0.0.1"), &e))?,
            user: DB_USER.into(),
            password,
            database: DB_NAME.into(),
            roles: None,
            replica_port: None,
        };
        state.save(&self.state_path())?;
        tracing::info!(cluster.dir = %state.cluster_dir.display(), "created embedded PostGIS cluster");
        Ok(state)
    }

    /// `home/cluster`, or a folder under `/var/tmp` when the service user cannot reach `home`.
    fn choose_cluster_dir(&self) -> Result<PathBuf, ClusterError> {
        let local = self.home.join("cluster");
        let dir = match &self.owner {
            Some(owner) if !os::can_traverse(owner, &self.home) => {
                let hash = crate::migrate::fnv(self.home.as_os_str().as_encoded_bytes());
                let outside = PathBuf::from(format!("/var/tmp/nexus-{hash:016x}"));
                std::fs::create_dir_all(&outside).map_err(|e| ClusterError::io(&outside, &e))?;
                let _ = std::fs::remove_file(&local);
                std::os::unix::fs::symlink(&outside, &local).map_err(|e| ClusterError::io(&local, &e))?;
                outside
            }
            _ => local,
        };
        std::fs::create_dir_all(&dir).map_err(|e| ClusterError::io(&dir, &e))?;
        self.give_to_owner(&dir)?;
        Ok(dir)
    }

    pub(super) fn give_to_owner(&self, path: &Path) -> Result<(), ClusterError> {
        if let Some(owner) = &self.owner {
            std::os::unix::fs::chown(path, Some(owner.uid), Some(owner.gid)).map_err(|e| ClusterError::io(path, &e))?;
        }
        Ok(())
    }

    fn pg_ctl_start(&self, state: &ClusterState) -> Result<(), ClusterError> {
        self.pg_ctl_start_in(&state.cluster_dir, state.port)
    }

    /// Starts the server of `dir/pgdata` on `port`, logging to `dir/postgres.log`.
    pub(super) fn pg_ctl_start_in(&self, dir: &Path, port: u16) -> Result<(), ClusterError> {
        let pgdata = dir.join("pgdata");
        let log = dir.join("postgres.log");
        let options = format!("-p {port}");
        let out = self.run(
            "pg_ctl",
            dir,
            &["-D", path_str(&pgdata), "-l", path_str(&log), "-o", &options, "-w", "-t", "120", "start"],
        )?;
        check("pg_ctl start", &out, Some(&log))
    }

    /// Stops the server of `dir/pgdata` if it runs (fast shutdown); whether it ran.
    pub(super) fn pg_ctl_stop_in(&self, dir: &Path) -> Result<bool, ClusterError> {
        let pgdata = dir.join("pgdata");
        if running(&pgdata).is_none() {
            return Ok(false);
        }
        let out = self.run("pg_ctl", dir, &["-D", path_str(&pgdata), "-m", "fast", "-w", "-t", "60", "stop"])?;
        check("pg_ctl stop", &out, None)?;
        Ok(true)
    }

    /// Holds the home folder's lock until the file is dropped: one process at a time creates
    /// or starts the clusters.
    pub(super) fn lock_home(&self) -> Result<File, ClusterError> {
        std::fs::create_dir_all(&self.home).map_err(|e| ClusterError::io(&self.home, &e))?;
        let lock_path = self.home.join("lock");
        let lock = File::create(&lock_path).map_err(|e| ClusterError::io(&lock_path, &e))?;
        lock.lock().map_err(|e| ClusterError::io(&lock_path, &e))?;
        Ok(lock)
    }

    /// Runs a PostgreSQL program as the cluster's owner.
    pub(super) fn run(&self, program: &'static str, cwd: &Path, args: &[&str]) -> Result<Output, ClusterError> {
        self.run_with_env(program, cwd, args, &[])
    }

    /// [`Cluster::run`] with more environment variables.
    pub(super) fn run_with_env(
        &self,
        program: &'static str,
        cwd: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Output, ClusterError> {
        let path = self.bindir.join(program);
        let mut cmd = Command::new(&path);
        cmd.args(args).current_dir(cwd).env("LC_ALL", "C.UTF-8").env_remove("PGDATA");
        cmd.envs(env.iter().copied());
        if let Some(owner) = &self.owner {
            use std::os::unix::process::CommandExt;
            cmd.uid(owner.uid).gid(owner.gid).env("HOME", cwd).env("USER", &owner.name);
        }
        cmd.output().map_err(|e| ClusterError::io(&path, &e))
    }
}

/// Settings appended to `postgresql.conf`: loopback only, no Unix socket (its path length
/// and directory permissions are a trap under root), and memory sized for a laptop.
const CONF: &str = "
# --- added by nexus (embedded cluster) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
shared_buffers = 256MB
work_mem = 16MB
maintenance_work_mem = 256MB
max_wal_size = 2GB
checkpoint_timeout = 15min
jit = off
# PostGIS loaded once by the postmaster, not by each new connection (and each parallel worker)
# on its first spatial call: with GDAL, GEOS and PROJ behind it that load took about 35 ms of
# CPU a connection.
shared_preload_libraries = 'postgis-3'
# A client that stalls half-way through logging in must not hold up DROP DATABASE for a minute.
authentication_timeout = 10s
";

pub(super) fn path_str(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

pub(super) fn check(program: &'static str, out: &Output, log: Option<&Path>) -> Result<(), ClusterError> {
    if out.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    if let Some(log) = log {
        if let Ok(l) = std::fs::read_to_string(log) {
            text.push_str(&l);
        }
    }
    let tail: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = tail[tail.len().saturating_sub(4)..].join(" / ");
    Err(ClusterError::Program { program, status: out.status.to_string(), output: tail })
}

/// The postmaster's pid and port from `postmaster.pid`, if that process is alive.
pub(super) fn running(pgdata: &Path) -> Option<(u32, u16)> {
    let text = std::fs::read_to_string(pgdata.join("postmaster.pid")).ok()?;
    let mut lines = text.lines();
    let pid: u32 = lines.next()?.trim().parse().ok()?;
    let port: u16 = lines.nth(2)?.trim().parse().ok()?;
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    (comm.trim() == "postgres").then_some((pid, port))
}

pub(super) fn port_is_free(port: u16) -> bool {
    port != 0 && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

pub(super) fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

pub(super) fn random_password() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 32)
}
