//! A real PostGIS for tests: one throwaway cluster per test run, one fresh database per test.
//!
//! The server is `NEXUS_TEST_DATABASE_URL` when set (a superuser URL to any PostgreSQL with
//! PostGIS installed); otherwise an embedded cluster under `NEXUS_TEST_HOME` (default
//! `$TMPDIR/nexus-test-<uid>`), started on first use and shared by every test binary.
//! `scripts/test` points `NEXUS_TEST_HOME` at a fresh folder and removes it afterwards.
//!
//! Migrations run once into a template database named after their fingerprint; each
//! [`TestDb`] is a `CREATE DATABASE … TEMPLATE` copy (a fraction of a second), dropped again
//! when the value is dropped.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::cluster::{os, Cluster};
use crate::error::{describe, StoreError, StoreResult};
use crate::migrate;
use crate::pool::{connect_one, parse_url, Store, StoreConfig};

static SERVER: OnceCell<String> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database of its own for one test, migrated and empty.
#[derive(Debug)]
pub struct TestDb {
    /// Its connection URL.
    pub url: String,
    /// Its name.
    pub name: String,
    admin_url: String,
}

/// The folder of the shared test cluster.
pub fn test_home() -> PathBuf {
    std::env::var_os("NEXUS_TEST_HOME")
        .map_or_else(|| std::env::temp_dir().join(format!("nexus-test-{}", os::effective_uid())), PathBuf::from)
}

/// The superuser URL of the test server (started on first call).
///
/// # Errors
/// When the server cannot be started or reached.
pub async fn admin_url() -> StoreResult<String> {
    SERVER
        .get_or_try_init(|| async {
            if let Ok(url) = std::env::var("NEXUS_TEST_DATABASE_URL") {
                return Ok(url);
            }
            let cluster = Cluster::new(test_home())?;
            let c = cluster.clone();
            tokio::task::spawn_blocking(move || c.start()).await.map_err(|e| StoreError::Pool(e.to_string()))??;
            let url = cluster.admin_url()?;
            drop_stale(&url).await?;
            Ok(url)
        })
        .await
        .cloned()
}

/// Replaces the database name in a URL.
fn with_database(url: &str, db: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let cut = base.rfind('/').filter(|i| *i > "postgres://".len()).unwrap_or(base.len());
    format!("{}/{db}", &base[..cut])
}

async fn template() -> StoreResult<String> {
    let admin = admin_url().await?;
    let name = format!("nexus_template_{:016x}", migrate::fingerprint());
    let pg = parse_url(&admin, Duration::from_secs(10))?;
    let client = connect_one(&pg).await?;
    // Serialise template creation across test binaries running at once.
    client.execute("SELECT pg_advisory_lock(7264)", &[]).await.map_err(StoreError::query("template_lock"))?;
    let ready = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate", &[&name])
        .await
        .map_err(StoreError::query("template_exists"))?
        .is_some();
    if !ready {
        let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\"")).await;
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .map_err(StoreError::query("template_create"))?;
        let store = Store::connect(&StoreConfig::new(with_database(&admin, &name))).await?;
        store.close();
        drop(store);
        client
            .batch_execute(&format!("ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"))
            .await
            .map_err(StoreError::query("template_mark"))?;
    }
    client.execute("SELECT pg_advisory_unlock(7264)", &[]).await.map_err(StoreError::query("template_unlock"))?;
    Ok(name)
}

impl TestDb {
    /// A fresh, migrated database.
    ///
    /// # Errors
    /// When the test server cannot be reached or the copy fails.
    pub async fn new() -> StoreResult<TestDb> {
        let admin_url = admin_url().await?;
        let template = template().await?;
        let name = format!("t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let pg = parse_url(&admin_url, Duration::from_secs(10))?;
        let client = connect_one(&pg).await?;
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""))
            .await
            .map_err(|e| StoreError::Query { what: "test_db_create", reason: describe(&e) })?;
        Ok(TestDb { url: with_database(&admin_url, &name), name, admin_url })
    }

    /// A store on this database.
    ///
    /// # Errors
    /// As [`Store::connect`].
    pub async fn store(&self) -> StoreResult<Store> {
        Store::connect(&StoreConfig::new(&self.url)).await
    }

    /// A store on this database with settings changed by `f` (pool size, budgets).
    ///
    /// # Errors
    /// As [`Store::connect`].
    pub async fn store_with(&self, f: impl FnOnce(&mut StoreConfig)) -> StoreResult<Store> {
        let mut config = StoreConfig::new(&self.url);
        f(&mut config);
        Store::connect(&config).await
    }

    /// Splits this database between an owner role and an application role, as the embedded
    /// cluster does (see `roles.rs`): returns `(owner URL, application URL)`.
    ///
    /// # Errors
    /// When the roles cannot be made.
    pub async fn least_privilege(&self) -> StoreResult<(String, String)> {
        let (owner, app) = (format!("{}_owner", self.name), format!("{}_app", self.name));
        let admin = connect_one(&parse_url(&self.url, Duration::from_secs(10))?).await?;
        admin
            .batch_execute(&format!(
                "CREATE ROLE \"{owner}\" LOGIN PASSWORD 'owner-pw'; CREATE ROLE \"{app}\" LOGIN PASSWORD 'app-pw';
                 ALTER DATABASE \"{db}\" OWNER TO \"{owner}\"; {hand_over};",
                db = self.name,
                hand_over = crate::roles::hand_over_sql(&owner)
            ))
            .await
            .map_err(StoreError::query("test_roles"))?;
        let with_user = |user: &str, pw: &str| {
            let rest = self.url.split_once('@').map_or("", |(_, r)| r);
            format!("postgres://{user}:{pw}@{rest}")
        };
        Ok((with_user(&owner, "owner-pw"), with_user(&app, "app-pw")))
    }

    /// The admin URL of the server this database lives on.
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let name = self.name.clone();
        // Not joined: the test's runtime may be blocked here while one of its connections is
        // half-way through logging in, and DROP DATABASE would wait for that connection. A
        // database left behind when the process exits first is removed by the next run
        // (`drop_stale`) or with the throwaway cluster.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async {
                let pg = parse_url(&admin, Duration::from_secs(10)).ok()?;
                let client = connect_one(&pg).await.ok()?;
                client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok()
            })
        });
    }
}

/// Drops databases of test processes that are gone (`t_<pid>_<n>` with no such process).
async fn drop_stale(admin: &str) -> StoreResult<()> {
    let pg = parse_url(admin, Duration::from_secs(10))?;
    let client = connect_one(&pg).await?;
    let names: Vec<String> = client
        .query("SELECT datname::text FROM pg_database WHERE datname ~ '^t_[0-9]+_[0-9]+'", &[])
        .await
        .map_err(StoreError::query("stale_test_dbs"))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for name in names {
        let pid = name.split('_').nth(1).unwrap_or_default();
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
        }
    }
    Ok(())
}

/// Every table's rows (row count and a digest) and every sequence's position in the atlas's
/// schemas (`public` and the layers' kept history), PostGIS's own table aside: equal
/// fingerprints mean nothing stored changed.
///
/// # Errors
/// When a query fails.
pub async fn fingerprint(client: &tokio_postgres::Client) -> StoreResult<Vec<String>> {
    let tables: Vec<String> = client
        .query(
            "SELECT c.oid::regclass::text || ' ' || c.relkind::text FROM pg_class c
             WHERE c.relnamespace IN (SELECT oid FROM pg_namespace WHERE nspname IN ('public', 'nexus_history'))
               AND c.relkind IN ('r', 'S') AND c.relname <> 'spatial_ref_sys' ORDER BY 1",
            &[],
        )
        .await
        .map_err(StoreError::query("fingerprint_tables"))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let (name, kind) = t.rsplit_once(' ').unwrap_or((&t, ""));
        let sql = if kind == "S" {
            format!("SELECT last_value::text || ' ' || is_called::text FROM {name}")
        } else {
            format!(
                "SELECT count(*)::text || ' ' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {name} x"
            )
        };
        let row = client.query_one(&sql, &[]).await.map_err(StoreError::query("fingerprint_rows"))?;
        out.push(format!("{t} {}", row.get::<_, String>(0)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_is_swapped_in_urls() {
        assert_eq!(with_database("postgres://u:p@127.0.0.1:5/postgres", "t_1"), "postgres://u:p@127.0.0.1:5/t_1");
        assert_eq!(
            with_database("postgres://u:p@127.0.0.1:5/postgres?sslmode=disable", "x"),
            "postgres://u:p@127.0.0.1:5/x"
        );
        assert_eq!(with_database("postgres://u@h:5", "x"), "postgres://u@h:5/x");
    }
}
