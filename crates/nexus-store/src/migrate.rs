//! Versioned schema migrations, embedded in the binary and applied on connect.
//!
//! All pending migrations run in one transaction under an advisory lock, so two servers
//! starting at once apply it once, and a failed migration leaves nothing behind. Applied
//! migrations are recorded with a checksum; editing one after it shipped is refused.

use tokio_postgres::Client;

use crate::error::{describe, StoreError, StoreResult};

/// One migration file.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its number; applied in increasing order.
    pub version: i32,
    /// File name, for messages.
    pub name: &'static str,
    /// The SQL.
    pub sql: &'static str,
}

/// Every migration this build knows, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "0001_core_schema.sql", sql: include_str!("../migrations/0001_core_schema.sql") },
    Migration { version: 2, name: "0002_ingest.sql", sql: include_str!("../migrations/0002_ingest.sql") },
    Migration { version: 3, name: "0003_project_slugs.sql", sql: include_str!("../migrations/0003_project_slugs.sql") },
    Migration { version: 4, name: "0004_tiles.sql", sql: include_str!("../migrations/0004_tiles.sql") },
    Migration { version: 5, name: "0005_features_api.sql", sql: include_str!("../migrations/0005_features_api.sql") },
    Migration {
        version: 6,
        name: "0006_feature_time_utc.sql",
        sql: include_str!("../migrations/0006_feature_time_utc.sql"),
    },
    Migration { version: 7, name: "0007_nexus.sql", sql: include_str!("../migrations/0007_nexus.sql") },
    Migration { version: 8, name: "0008_nexus_areas.sql", sql: include_str!("../migrations/0008_nexus_areas.sql") },
    Migration { version: 9, name: "0009_search.sql", sql: include_str!("../migrations/0009_search.sql") },
    Migration {
        version: 10,
        name: "0010_layer_title_local.sql",
        sql: include_str!("../migrations/0010_layer_title_local.sql"),
    },
    Migration { version: 11, name: "0011_accounts.sql", sql: include_str!("../migrations/0011_accounts.sql") },
    Migration {
        version: 12,
        name: "0012_project_history.sql",
        sql: include_str!("../migrations/0012_project_history.sql"),
    },
    Migration {
        version: 13,
        name: "0013_layer_history.sql",
        sql: include_str!("../migrations/0013_layer_history.sql"),
    },
    Migration {
        version: 14,
        name: "0014_keep_load_records.sql",
        sql: include_str!("../migrations/0014_keep_load_records.sql"),
    },
    Migration {
        version: 15,
        name: "0015_layer_popup_fields.sql",
        sql: include_str!("../migrations/0015_layer_popup_fields.sql"),
    },
    Migration {
        version: 16,
        name: "0016_read_only_history.sql",
        sql: include_str!("../migrations/0016_read_only_history.sql"),
    },
    Migration {
        version: 17,
        name: "0017_feature_edits.sql",
        sql: include_str!("../migrations/0017_feature_edits.sql"),
    },
    Migration {
        version: 18,
        name: "0018_tiles_per_feature.sql",
        sql: include_str!("../migrations/0018_tiles_per_feature.sql"),
    },
    Migration { version: 19, name: "0019_comments.sql", sql: include_str!("../migrations/0019_comments.sql") },
    Migration { version: 20, name: "0020_basemap.sql", sql: include_str!("../migrations/0020_basemap.sql") },
    Migration { version: 21, name: "0021_solutions.sql", sql: include_str!("../migrations/0021_solutions.sql") },
    Migration {
        version: 22,
        name: "0022_tile_store_uncompressed.sql",
        sql: include_str!("../migrations/0022_tile_store_uncompressed.sql"),
    },
];

/// Arbitrary constant naming the advisory lock that serialises migrations.
const LOCK_KEY: i64 = 0x6e65_7875_735f_6d69; // "nexus_mi"

/// The highest version this build knows.
pub fn latest_version() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// A stable fingerprint of all migrations (FNV-1a over their text), used to name test
/// templates so a changed migration gets a fresh template.
pub fn fingerprint() -> u64 {
    MIGRATIONS.iter().fold(0xcbf2_9ce4_8422_2325, |h, m| fnv1a(h, m.sql.as_bytes()))
}

pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    fnv1a(0xcbf2_9ce4_8422_2325, bytes)
}

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn checksum(sql: &str) -> String {
    format!("{:016x}", fnv1a(0xcbf2_9ce4_8422_2325, sql.as_bytes()))
}

/// Applies every pending migration; returns how many were applied.
///
/// # Errors
/// When a migration fails, an applied one was edited, or the database is newer than this build.
pub async fn run(client: &mut Client) -> StoreResult<usize> {
    // A session lock taken before the transaction begins: the transaction then starts after
    // the previous holder committed, with a fresh view of the catalog. (Taken inside the
    // transaction, the lock can be granted with stale catalog caches, so a second server
    // would not see the tables the first just created.)
    client.execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY]).await.map_err(StoreError::query("migrate_lock"))?;
    let result = run_locked(client).await;
    let unlock = client.execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY]).await;
    let applied = result?;
    unlock.map_err(StoreError::query("migrate_unlock"))?;
    Ok(applied)
}

async fn run_locked(client: &mut Client) -> StoreResult<usize> {
    let tx = client.transaction().await.map_err(StoreError::query("migrate_begin"))?;
    // Checked first rather than CREATE TABLE IF NOT EXISTS, whose NOTICE would be logged on every start.
    let has_table: bool = tx
        .query_one("SELECT to_regclass('nexus_migrations') IS NOT NULL", &[])
        .await
        .map_err(StoreError::query("migrate_table_exists"))?
        .get(0);
    if !has_table {
        tx.batch_execute(
            "CREATE TABLE nexus_migrations (
                 version    integer PRIMARY KEY,
                 name       text NOT NULL,
                 checksum   text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .await
        .map_err(StoreError::query("migrate_table"))?;
    }
    let applied: Vec<(i32, String)> = tx
        .query("SELECT version, checksum FROM nexus_migrations ORDER BY version", &[])
        .await
        .map_err(StoreError::query("migrate_applied"))?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();

    if let Some((found, _)) = applied.last() {
        if *found > latest_version() {
            return Err(StoreError::SchemaTooNew { found: *found, known: latest_version() });
        }
    }
    let mut count = 0;
    for m in MIGRATIONS {
        if let Some((_, sum)) = applied.iter().find(|(v, _)| *v == m.version) {
            if *sum != checksum(m.sql) {
                return Err(StoreError::MigrationChanged { version: m.version, name: m.name });
            }
            continue;
        }
        tx.batch_execute(m.sql).await.map_err(|e| StoreError::Migration {
            version: m.version,
            name: m.name,
            reason: describe(&e),
        })?;
        tx.execute(
            "INSERT INTO nexus_migrations (version, name, checksum) VALUES ($1, $2, $3)",
            &[&m.version, &m.name, &checksum(m.sql)],
        )
        .await
        .map_err(StoreError::query("migrate_record"))?;
        tracing::info!(migration.version = m.version, migration.name = m.name, "applied migration");
        count += 1;
    }
    tx.commit().await.map_err(StoreError::query("migrate_commit"))?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_and_names_match() {
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version);
        }
        for m in MIGRATIONS {
            assert!(m.name.starts_with(&format!("{:04}_", m.version)), "{}", m.name);
        }
    }

    #[test]
    fn checksum_is_stable() {
        assert_eq!(checksum(""), "cbf29ce484222325");
        assert_eq!(checksum("a"), "af63dc4c8601ec8c");
    }
}
