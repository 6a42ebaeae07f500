//! `nexus db backup` and `nexus db restore` (issue 14): a backup taken while the server serves,
//! restored into a fresh embedded cluster, holds the same content and serves the same tiles
//! and items; a restore never lands on an atlas by accident, and a failed one changes nothing.

use std::io::{Read, Write};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nexus_store::testing::TestDb;

use crate::support::{free_port, nexus, repo_root, run_with_timeout, single_error_line, wait_healthy, Workdir};

/// The content fingerprint of the database at `url` (see `nexus_store::testing::fingerprint`).
async fn fingerprint(url: &str) -> Vec<String> {
    let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    nexus_store::testing::fingerprint(&c).await.unwrap()
}

/// `GET path`: status and the body's raw bytes.
fn get(port: u16, path: &str) -> (u16, Vec<u8>) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    (head.split_whitespace().nth(1).unwrap().parse().unwrap(), buf[split + 4..].to_vec())
}

/// What the atlas serves: tiles as bytes, items as their features (links name the server).
fn served(port: u16) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for path in
        ["/tiles/cm-tambon/10/793/457.mvt", "/tiles/cm-mae-kha-canal/12/3174/1830.mvt", "/tiles/projects/4/12/7.mvt"]
    {
        let (status, body) = get(port, path);
        assert!(status == 200 || status == 204, "{path}: {status}");
        out.push(body);
    }
    for path in ["/collections/cm-tambon/items?limit=20", "/collections/projects/items?limit=50", "/api/cities"] {
        let (status, body) = get(port, path);
        assert_eq!(status, 200, "{path}");
        let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
        out.push(serde_json::to_vec(&doc["features"]).unwrap());
    }
    out
}

/// A running `nexus serve`, stopped when dropped (also when an assertion fails first).
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(wd: &Workdir, port: u16, database_url: Option<&str>) -> Serving {
    let mut cmd = nexus(&wd.path);
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--prerender-maxzoom", "-1"]);
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    wait_healthy(&mut child, port, Duration::from_secs(60));
    Serving(child)
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_into_a_fresh_cluster_unchanged() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("backup");
    let (out, _) = run_with_timeout(
        nexus(&wd.path).arg("load").arg(repo_root().join("data")).env("DATABASE_URL", &db.url),
        Duration::from_secs(180),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let port = free_port();
    let server = serve(&wd, port, Some(&db.url));
    let before = served(port);
    // Readers keep the server busy while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let load = (0..4)
        .map(|i| {
            let (stop, answered) = (stop.clone(), answered.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let path = if i % 2 == 0 {
                        "/collections/cm-tambon/items?limit=100"
                    } else {
                        "/tiles/cm-tambon/9/396/228.mvt"
                    };
                    assert!(get(port, path).0 < 500, "{path}");
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect::<Vec<_>>();
    let archive = wd.path.join("atlas.dump");
    let (out, _) = run_with_timeout(
        nexus(&wd.path).args(["db", "backup", "-o", archive.to_str().unwrap()]).env("DATABASE_URL", &db.url),
        Duration::from_secs(120),
    );
    stop.store(true, Ordering::Relaxed);
    load.into_iter().for_each(|t| t.join().unwrap());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.starts_with(&format!("backed up the atlas to {}", archive.display())), "{said}");
    assert!(answered.load(Ordering::Relaxed) > 0, "the server served while the backup ran");
    let original = fingerprint(&db.url).await;
    assert!(original.iter().any(|t| t.starts_with("nexus_history.")), "the layers' history is covered: {original:?}");
    drop(server);

    // Into a fresh embedded cluster.
    let fresh = Workdir::new("restored");
    let (out, _) = run_with_timeout(
        nexus(&fresh.path).args(["db", "restore", archive.to_str().unwrap()]),
        Duration::from_secs(180),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("16 cities"), "{said}");
    let (out, _) = run_with_timeout(nexus(&fresh.path).args(["db", "url"]), Duration::from_secs(30));
    let restored_url = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(fingerprint(&restored_url).await, original, "the restored content differs");

    let port = free_port();
    let server = serve(&fresh, port, None);
    let after = served(port);
    for (i, (a, b)) in after.iter().zip(&before).enumerate() {
        assert!(
            a == b,
            "the restored atlas serves other tiles or items: response {i} has {} bytes, was {}",
            a.len(),
            b.len()
        );
    }
    drop(server);

    // A database that holds an atlas is not overwritten by accident, and a broken archive
    // changes nothing even when forced.
    let (out, _) = run_with_timeout(
        nexus(&fresh.path).args(["db", "restore", archive.to_str().unwrap()]),
        Duration::from_secs(60),
    );
    let line = single_error_line(&out);
    assert!(line.contains("already holds an atlas") && line.contains("--force"), "{line}");
    let bytes = std::fs::read(&archive).unwrap();
    let broken = wd.path.join("broken.dump");
    std::fs::write(&broken, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let (out, _) = run_with_timeout(
        nexus(&fresh.path).args(["db", "restore", broken.to_str().unwrap(), "--force"]),
        Duration::from_secs(120),
    );
    let line = single_error_line(&out);
    assert!(line.starts_with("error: restore failed"), "{line}");
    assert_eq!(fingerprint(&restored_url).await, original, "a failed restore changed the database");
}
