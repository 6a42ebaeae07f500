//! Backups of the atlas with PostgreSQL's own tools: `pg_dump` writes a consistent
//! custom-format archive (one snapshot, taken while the server serves), and a restore replays
//! it with `pg_restore` into `psql`, in one transaction, so a failed restore changes nothing.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

use crate::cluster::binaries::find_bindir;
use crate::error::{StoreError, StoreResult};
use crate::pool::{connect_one, describe_target, parse_url};

/// What a restore found in the database it was asked to fill.
const CONTENT_SQL: &str = "SELECT (SELECT count(*) FROM cities) + (SELECT count(*) FROM layers)
     + (SELECT count(*) FROM projects) + (SELECT count(*) FROM users)";

/// Tables of something else in a database without an atlas.
const OTHER_TABLES_SQL: &str = "SELECT count(*) FROM pg_class
     WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND relname <> 'spatial_ref_sys'";

/// Everything a restore replaces, dropped in the restore's own transaction.
const CLEAR_SQL: &str = "DROP SCHEMA IF EXISTS nexus_history CASCADE;
     DROP SCHEMA IF EXISTS public CASCADE;
     CREATE SCHEMA public AUTHORIZATION pg_database_owner;";

fn failed(what: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Backup(format!("{what}: {reason}"))
}

/// A PostgreSQL client program from the server's own installation (it must be as new as the
/// server it talks to).
fn program(name: &str) -> StoreResult<PathBuf> {
    let dir = find_bindir().map_err(|_| failed(name, "PostgreSQL's programs are not installed (scripts/setup)"))?;
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(failed(name, format!("{} does not exist", path.display())))
    }
}

/// A command connected to `url` through libpq's environment, so the password never shows in
/// the process list.
fn connected(name: &str, url: &str) -> StoreResult<Command> {
    let t = parse_url(url, Duration::from_secs(10))?;
    let pg = &t.pg;
    let mut cmd = Command::new(program(name)?);
    cmd.env_clear().env("PGCONNECT_TIMEOUT", "10").env("PGAPPNAME", "nexus-atlas-backup");
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    match pg.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => cmd.env("PGHOST", h),
        Some(tokio_postgres::config::Host::Unix(p)) => cmd.env("PGHOST", p),
        None => cmd.env("PGHOST", "localhost"),
    };
    cmd.env("PGPORT", pg.get_ports().first().copied().unwrap_or(5432).to_string());
    if let Some(user) = pg.get_user() {
        cmd.env("PGUSER", user);
    }
    if let Some(pw) = pg.get_password() {
        cmd.env("PGPASSWORD", String::from_utf8_lossy(pw).into_owned());
    }
    if let Some(db) = pg.get_dbname() {
        cmd.env("PGDATABASE", db);
    }
    // The same encryption and checks as the server's own connections.
    cmd.env("PGSSLMODE", t.tls.libpq_mode());
    if let Some(root) = &t.tls.root {
        cmd.env("PGSSLROOTCERT", root);
    }
    cmd.kill_on_drop(true);
    Ok(cmd)
}

async fn stderr_of(child: &mut tokio::process::Child) -> String {
    let mut text = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut text).await;
    }
    text.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("").trim().to_owned()
}

/// Writes a backup of the database at `url` to `dest` (replaced only once complete);
/// `progress` hears the bytes written so far, twice a second. Returns the archive's size.
///
/// # Errors
/// [`StoreError::Backup`] with `pg_dump`'s own words.
pub async fn backup(url: &str, dest: &Path, progress: &(dyn Fn(u64) + Sync)) -> StoreResult<u64> {
    let tmp = crate::export_file::temp_beside(dest)?;
    let mut cmd = connected("pg_dump", url)?;
    cmd.args(["--format=custom", "--no-owner", "--no-privileges", "--file"]).arg(tmp.path());
    let mut child = cmd.stderr(Stdio::piped()).stdout(Stdio::null()).spawn().map_err(|e| failed("pg_dump", e))?;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status.map_err(|e| failed("pg_dump", e))?,
            () = tokio::time::sleep(Duration::from_millis(500)) => {
                progress(std::fs::metadata(tmp.path()).map_or(0, |m| m.len()));
            }
        }
    };
    if !status.success() {
        return Err(failed("pg_dump", stderr_of(&mut child).await));
    }
    let bytes = std::fs::metadata(tmp.path()).map_or(0, |m| m.len());
    progress(bytes);
    tmp.persist(dest).map_err(|e| StoreError::File { path: dest.to_owned(), reason: e.error.to_string() })?;
    Ok(bytes)
}

/// Restores the archive `file` into the database at `url`, which must hold no atlas (no
/// cities, layers, projects or users) unless `force`; everything it held is replaced. All of
/// it happens in one transaction.
///
/// # Errors
/// [`StoreError::Invalid`] for a non-empty database without `force` or a file that is not a
/// backup; [`StoreError::Backup`] when the restore fails (the database is then as it was).
pub async fn restore(url: &str, file: &Path, force: bool) -> StoreResult<()> {
    let list =
        connected("pg_restore", url)?.arg("--list").arg(file).output().await.map_err(|e| failed("pg_restore", e))?;
    if !list.status.success() {
        return Err(StoreError::Invalid(format!(
            "{} is not a backup made by `nexus db backup` (pg_restore: {})",
            file.display(),
            String::from_utf8_lossy(&list.stderr).lines().next_back().unwrap_or("").trim()
        )));
    }
    let t = parse_url(url, Duration::from_secs(10))?;
    let client = connect_one(&t).await?;
    let has_schema = client
        .query_one("SELECT to_regclass('public.layers') IS NOT NULL AND to_regclass('public.users') IS NOT NULL", &[])
        .await
        .map_err(StoreError::query("restore_check"))?
        .get::<_, bool>(0);
    if !force {
        let (sql, what) = if has_schema {
            (CONTENT_SQL, "an atlas: {n} cities, layers, projects and accounts")
        } else {
            (OTHER_TABLES_SQL, "{n} tables that are not an atlas's")
        };
        let n: i64 = client.query_one(sql, &[]).await.map_err(StoreError::query("restore_check"))?.get(0);
        if n > 0 {
            return Err(StoreError::Invalid(format!(
                "{} already holds {}; restore into an empty database, or add --force to replace everything in it",
                describe_target(&t.pg),
                what.replace("{n}", &n.to_string())
            )));
        }
    }
    drop(client);
    let mut dump = connected("pg_restore", url)?;
    dump.args(["--no-owner", "--no-privileges", "--file=-"]).arg(file);
    let mut dump = dump.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| failed("pg_restore", e))?;
    let mut psql = connected("psql", url)?;
    psql.args(["--quiet", "--no-psqlrc", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-c", CLEAR_SQL, "-f", "-"]);
    let mut psql = psql
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed("psql", e))?;
    // The script passes through here so that psql sees its end (and commits) only once
    // pg_restore has said it wrote all of it; otherwise psql is killed and nothing commits.
    let (mut from, mut to) = match (dump.stdout.take(), psql.stdin.take()) {
        (Some(from), Some(to)) => (from, to),
        _ => return Err(failed("restore", "the programs' pipes could not be opened")),
    };
    let copied = tokio::io::copy(&mut from, &mut to).await;
    let read = dump.wait().await.map_err(|e| failed("pg_restore", e))?;
    if copied.is_err() || !read.success() {
        let _ = psql.kill().await;
        let said = stderr_of(&mut psql).await;
        return Err(if said.is_empty() {
            failed("pg_restore", stderr_of(&mut dump).await)
        } else {
            failed("restore", said)
        });
    }
    drop(to);
    let replayed = psql.wait().await.map_err(|e| failed("psql", e))?;
    if !replayed.success() {
        return Err(failed("restore", stderr_of(&mut psql).await));
    }
    Ok(())
}
