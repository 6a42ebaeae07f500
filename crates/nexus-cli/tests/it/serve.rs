//! `nexus serve`: fails fast on bad configuration, and comes back after a kill with its data.

use std::process::Stdio;
use std::time::Duration;

use nexus_store::testing::TestDb;

use crate::support::{
    free_port, http_get, nexus, repo_root, run_with_timeout, single_error_line, wait_healthy, Workdir,
};

#[tokio::test]
async fn a_taken_port_fails_fast_with_one_sentence() {
    let db = TestDb::new().await.unwrap();
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = squatter.local_addr().unwrap().port();
    let wd = Workdir::new("port");
    let (out, took) = run_with_timeout(
        nexus(&wd.path).args(["serve", "--bind", &format!("127.0.0.1:{port}")]).env("DATABASE_URL", &db.url),
        Duration::from_secs(20),
    );
    let line = single_error_line(&out);
    assert!(line.starts_with(&format!("error: cannot listen on 127.0.0.1:{port} (")), "{line}");
    assert!(line.contains("in use") && line.contains("--bind"), "{line}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(!wd.path.join(".nexus").exists(), "DATABASE_URL set: .nexus is never touched");
}

#[test]
fn an_unreachable_database_url_fails_fast_with_one_sentence() {
    let wd = Workdir::new("unreachable");
    let port = free_port();
    let (out, took) = run_with_timeout(
        nexus(&wd.path)
            .args(["serve", "--bind", &format!("127.0.0.1:{}", free_port())])
            .env("DATABASE_URL", format!("postgres://someone:secret@127.0.0.1:{port}/atlas")),
        Duration::from_secs(20),
    );
    let line = single_error_line(&out);
    assert!(line.starts_with(&format!("error: cannot connect to PostgreSQL at 127.0.0.1:{port}/atlas (")), "{line}");
    assert!(line.ends_with("check DATABASE_URL, or unset it to use the embedded PostGIS"), "{line}");
    assert!(!line.contains("secret"), "{line}");
    assert!(took < Duration::from_secs(8), "{took:?}");
    assert!(!wd.path.join(".nexus").exists());
}

#[tokio::test]
async fn a_database_without_postgis_fails_fast_with_one_sentence() {
    let db = TestDb::new().await.unwrap();
    let (admin, conn) = tokio_postgres::connect(db.admin_url(), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let role = format!("{}_np", db.name);
    let name = format!("{}_np", db.name);
    admin.batch_execute(&format!("CREATE ROLE \"{role}\" LOGIN PASSWORD 'pw'")).await.unwrap();
    admin.batch_execute(&format!("CREATE DATABASE \"{name}\" OWNER \"{role}\" TEMPLATE template0")).await.unwrap();
    let host_port = db.url.split('@').nth(1).unwrap().split('/').next().unwrap();
    let url = format!("postgres://{role}:pw@{host_port}/{name}");
    let wd = Workdir::new("nopostgis");
    let (out, _) = run_with_timeout(
        nexus(&wd.path).args(["serve", "--bind", &format!("127.0.0.1:{}", free_port())]).env("DATABASE_URL", &url),
        Duration::from_secs(20),
    );
    let line = single_error_line(&out);
    assert!(line.contains(&format!("PostGIS is not enabled in database {name}")), "{line}");
    assert!(line.contains("run CREATE EXTENSION postgis there as a superuser"), "{line}");
    admin.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.unwrap();
    admin.batch_execute(&format!("DROP ROLE \"{role}\"")).await.unwrap();
}

#[test]
fn a_bad_config_file_is_named() {
    let wd = Workdir::new("badconfig");
    std::fs::write(wd.path.join("nexus.toml"), "bnid = \"127.0.0.1:1\"\n").unwrap();
    let (out, _) = run_with_timeout(nexus(&wd.path).args(["serve"]), Duration::from_secs(10));
    let line = single_error_line(&out);
    assert!(line.starts_with("error: the configuration file nexus.toml is not valid"), "{line}");
    assert!(line.contains("bnid"), "{line}");
}

#[tokio::test]
async fn embedded_serve_survives_a_kill_and_keeps_its_data() {
    let wd = Workdir::new("embedded");
    let data = repo_root().join("data");
    let (out, _) = run_with_timeout(nexus(&wd.path).arg("load").arg(&data), Duration::from_secs(120));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.starts_with("loaded 16 cities"), "{said}");
    let pgdata_before = std::fs::canonicalize(wd.path.join(".nexus/cluster/pgdata")).unwrap();

    let port = free_port();
    let mut server = nexus(&wd.path)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let health = wait_healthy(&mut server, port, Duration::from_secs(60));
    assert!(health["database"]["postgis_version"].as_str().unwrap().starts_with('3'), "{health}");
    let (status, page) = http_get(port, "/").unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("Nexus Atlas"));
    // Least privilege (issue 14, finding 8): requests run as nexus_app, the schema is
    // nexus_owner's, and the superuser is not used by the server at all.
    let (out, _) = run_with_timeout(nexus(&wd.path).args(["db", "url"]), Duration::from_secs(30));
    let admin = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let (c, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let roles: Vec<String> = c
        .query(
            "SELECT DISTINCT usename::text FROM pg_stat_activity WHERE application_name = 'nexus-atlas' ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(roles.contains(&"nexus_app".to_owned()) && !roles.contains(&"nexus".to_owned()), "{roles:?}");
    let owner: String =
        c.query_one("SELECT tableowner::text FROM pg_tables WHERE tablename = 'layers'", &[]).await.unwrap().get(0);
    assert_eq!(owner, "nexus_owner");

    server.kill().unwrap(); // SIGKILL: no goodbye
    server.wait().unwrap();

    let mut again = nexus(&wd.path)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(&mut again, port, Duration::from_secs(60));
    let (status, body) = http_get(port, "/api/cities").unwrap();
    assert_eq!(status, 200);
    let fc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(fc["features"].as_array().unwrap().len(), 16, "the cities loaded before the kill are still there");
    assert_eq!(
        std::fs::canonicalize(wd.path.join(".nexus/cluster/pgdata")).unwrap(),
        pgdata_before,
        "same cluster reused"
    );

    // SIGTERM stops it gracefully.
    std::process::Command::new("kill").args(["-TERM", &again.id().to_string()]).status().unwrap();
    let status = again.wait().unwrap();
    assert!(status.success(), "graceful stop exits 0, got {status}");
}

#[tokio::test]
async fn temporary_folders_of_killed_processes_are_removed_at_start() {
    // Issue 14, finding 12: a killed upload or ingest left its folder behind for good.
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("sweep");
    let tmp = wd.path.join("tmp");
    // A process id above the kernel's maximum: that process is certainly gone.
    let stale = tmp.join("nexus-scratch-expand-99999999-abc123");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("xvillages.geojson"), b"{\"type\":\"FeatureCollection\"").unwrap();
    let live = tmp.join(format!("nexus-scratch-upload-{}-def456", std::process::id()));
    std::fs::create_dir_all(&live).unwrap();
    let port = free_port();
    let mut server = nexus(&wd.path)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &db.url)
        .env("TMPDIR", &tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(&mut server, port, Duration::from_secs(60));
    assert!(!stale.exists(), "the dead process's folder is gone");
    assert!(live.exists(), "a running process's folder stays");
    server.kill().unwrap();
    server.wait().unwrap();
}
