//! Migrations: applied once, idempotent, tamper-evident; and the checks made on connect.

use std::time::{Duration, Instant};

use nexus_store::testing::TestDb;
use nexus_store::{migrate, Store, StoreConfig, StoreError};

use crate::util::{raw, schema_snapshot};

#[tokio::test]
async fn migrations_applied_twice_change_nothing() {
    let db = TestDb::new().await.unwrap();
    let admin = raw(db.admin_url()).await;
    // A database that never saw the template, so the first run really applies everything.
    let name = format!("{}_fresh", db.name);
    admin.batch_execute(&format!("CREATE DATABASE \"{name}\" TEMPLATE template0")).await.unwrap();
    let url = db.url.replace(&format!("/{}", db.name), &format!("/{name}"));

    let mut client = raw(&url).await;
    client.batch_execute("CREATE EXTENSION postgis").await.unwrap();
    assert_eq!(migrate::run(&mut client).await.unwrap(), migrate::MIGRATIONS.len());
    let first = schema_snapshot(&client).await;
    assert!(first.iter().any(|l| l.starts_with("col features.geom_3857 USER-DEFINED")), "{first:#?}");
    assert!(first.iter().any(|l| l.contains("features_geom_3857_idx") && l.contains("gist")));

    assert_eq!(migrate::run(&mut client).await.unwrap(), 0, "second run applies nothing");
    // Store::connect runs them again too.
    Store::connect(&StoreConfig::new(&url)).await.unwrap().close();
    assert_eq!(schema_snapshot(&client).await, first, "schema unchanged by re-running");
    drop(client);
    admin.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.unwrap();
}

#[tokio::test]
async fn concurrent_connects_migrate_once() {
    let db = TestDb::new().await.unwrap();
    let client = raw(&db.url).await;
    client.batch_execute("DROP SCHEMA public CASCADE").await.unwrap();
    client.batch_execute("CREATE SCHEMA public").await.unwrap();
    let cfg = StoreConfig::new(&db.url);
    let (a, b) = tokio::join!(Store::connect(&cfg), Store::connect(&cfg));
    a.unwrap();
    b.unwrap();
    let n: i64 = client.query_one("SELECT count(*) FROM nexus_migrations", &[]).await.unwrap().get(0);
    assert_eq!(n, i64::try_from(migrate::MIGRATIONS.len()).unwrap());
}

#[tokio::test]
async fn an_edited_migration_is_refused() {
    let db = TestDb::new().await.unwrap();
    let client = raw(&db.url).await;
    client.batch_execute("UPDATE nexus_migrations SET checksum = 'edited' WHERE version = 1").await.unwrap();
    let err = Store::connect(&StoreConfig::new(&db.url)).await.unwrap_err();
    assert!(matches!(err, StoreError::MigrationChanged { version: 1, .. }), "{err}");
    assert!(err.to_string().contains("was changed after it was applied"));
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let db = TestDb::new().await.unwrap();
    let client = raw(&db.url).await;
    client
        .batch_execute("INSERT INTO nexus_migrations (version, name, checksum) VALUES (9999, 'future.sql', 'x')")
        .await
        .unwrap();
    let err = Store::connect(&StoreConfig::new(&db.url)).await.unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { found: 9999, .. }), "{err}");
}

#[tokio::test]
async fn a_failed_migration_leaves_nothing_behind() {
    let db = TestDb::new().await.unwrap();
    let mut client = raw(&db.url).await;
    // Make migration 1 fail half-way: its tables exist but it is not recorded.
    client.batch_execute("DELETE FROM nexus_migrations; DROP TABLE projects CASCADE").await.unwrap();
    let before = schema_snapshot(&client).await;
    let err = migrate::run(&mut client).await.unwrap_err();
    assert!(matches!(err, StoreError::Migration { version: 1, .. }), "{err}");
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(schema_snapshot(&client).await, before);
}

#[tokio::test]
async fn unreachable_server_fails_fast_with_one_sentence() {
    let started = Instant::now();
    let err = Store::connect(&StoreConfig::new("postgres://nobody:pw@127.0.0.1:1/nexus")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(6));
    let text = err.to_string();
    assert!(text.starts_with("cannot connect to PostgreSQL at 127.0.0.1:1/nexus ("), "{text}");
    assert!(text.to_lowercase().contains("refused"), "{text}");
    assert!(!text.contains("pw"), "the password must not leak: {text}");
    assert!(!text.contains('\n'));
}

#[tokio::test]
async fn a_bad_url_is_explained() {
    let err = Store::connect(&StoreConfig::new("mysql://x")).await.unwrap_err();
    assert!(matches!(err, StoreError::BadUrl(_)), "{err}");
    assert!(err.to_string().contains("expected postgres://USER:PASSWORD@HOST:PORT/DATABASE"));
}

#[tokio::test]
async fn a_database_without_postgis_and_without_rights_is_explained() {
    let db = TestDb::new().await.unwrap();
    let admin = raw(db.admin_url()).await;
    let role = format!("{}_plain", db.name);
    let name = format!("{}_nopostgis", db.name);
    admin.batch_execute(&format!("CREATE ROLE \"{role}\" LOGIN PASSWORD 'pw'")).await.unwrap();
    admin.batch_execute(&format!("CREATE DATABASE \"{name}\" OWNER \"{role}\" TEMPLATE template0")).await.unwrap();
    let url = db.url.replace(&format!("/{}", db.name), &format!("/{name}")).replacen(
        "postgres://nexus:",
        &format!("postgres://{role}:pw@ignored:"),
        1,
    );
    // Rebuild the URL around the plain role: user, password, same host and port.
    let host_port = db.url.split('@').nth(1).unwrap().split('/').next().unwrap();
    let url = if url.contains("ignored") { format!("postgres://{role}:pw@{host_port}/{name}") } else { url };
    let err = Store::connect(&StoreConfig::new(&url)).await.unwrap_err();
    assert!(matches!(err, StoreError::PostgisNotEnabled { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&format!("PostGIS is not enabled in database {name}")), "{text}");
    assert!(text.contains("CREATE EXTENSION postgis"), "{text}");
    admin.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.unwrap();
    admin.batch_execute(&format!("DROP ROLE \"{role}\"")).await.unwrap();
}
