//! Fixtures, a fresh database per test, and a fingerprint of everything stored.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexus_core::LayerId;
use nexus_ingest::{IngestError, IngestOptions, IngestReport, NoProgress};
use nexus_store::testing::TestDb;
use nexus_store::Store;
use tokio_postgres::{Client, NoTls};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ingest").join(name)
}

pub struct Env {
    /// Kept alive for the test's duration (dropped last, it drops the database).
    pub _db: TestDb,
    pub store: Store,
    pub sql: Client,
}

impl Env {
    pub async fn new() -> Env {
        let db = TestDb::new().await.unwrap();
        let store = db.store().await.unwrap();
        let (sql, conn) = tokio_postgres::connect(&db.url, NoTls).await.unwrap();
        tokio::spawn(conn);
        sql.batch_execute(
            "INSERT INTO cities (slug, name, country, role, centre) VALUES
               ('chiang-mai', 'Chiang Mai', 'TH', 'partner', ST_Point(98.987, 18.788, 4326))",
        )
        .await
        .unwrap();
        Env { _db: db, store, sql }
    }

    pub async fn ingest(&self, opts: IngestOptions) -> Result<IngestReport, IngestError> {
        nexus_ingest::ingest(&self.store, opts, Arc::new(NoProgress)).await
    }

    pub async fn ingest_file(&self, path: &Path, layer: &str) -> Result<IngestReport, IngestError> {
        self.ingest(IngestOptions::new(path, LayerId::new(layer).unwrap())).await
    }

    pub async fn count(&self, layer: &str) -> i64 {
        self.sql.query_one("SELECT count(*) FROM features WHERE layer_id = $1", &[&layer]).await.unwrap().get(0)
    }

    pub async fn prop(&self, layer: &str, fid: i64, key: &str) -> serde_json::Value {
        self.sql
            .query_one("SELECT properties -> $3 FROM features WHERE layer_id = $1 AND fid = $2", &[&layer, &fid, &key])
            .await
            .unwrap()
            .get(0)
    }

    /// Every table's and sequence's content, hashed: equal fingerprints mean nothing stored changed.
    pub async fn fingerprint(&self) -> Vec<String> {
        nexus_store::testing::fingerprint(&self.sql).await.unwrap()
    }
}

/// A copy of some fixture files in a temporary folder, to damage.
pub fn copies(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for n in names {
        std::fs::copy(fixture(n), dir.path().join(n)).unwrap();
    }
    dir
}
