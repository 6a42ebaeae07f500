//! `nexus db start|stop|status|url`.

use std::time::Duration;

use crate::support::{nexus, run_with_timeout, single_error_line, Workdir};

fn stdout_of(wd: &Workdir, args: &[&str]) -> String {
    let (out, _) = run_with_timeout(nexus(&wd.path).args(args), Duration::from_secs(120));
    assert!(out.status.success(), "nexus {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn db_commands_manage_the_embedded_cluster() {
    let wd = Workdir::new("db");
    assert!(stdout_of(&wd, &["db", "status"]).starts_with("embedded PostGIS: not created yet"));
    let started = stdout_of(&wd, &["db", "start"]);
    assert!(started.starts_with("embedded PostGIS running on 127.0.0.1:"), "{started}");
    assert!(started.contains("PostGIS 3"), "{started}");
    let status = stdout_of(&wd, &["db", "status"]);
    assert!(status.starts_with("embedded PostGIS: running (pid "), "{status}");
    let url = stdout_of(&wd, &["db", "url"]);
    assert!(url.starts_with("postgres://nexus:") && url.trim_end().ends_with("/nexus"), "{url}");
    let port: u16 = url.rsplit(':').next().unwrap().split('/').next().unwrap().parse().unwrap();
    assert!(status.contains(&format!("127.0.0.1:{port}")));
    assert_eq!(stdout_of(&wd, &["db", "stop"]), "embedded PostGIS stopped\n");
    assert!(stdout_of(&wd, &["db", "status"]).starts_with("embedded PostGIS: stopped"));
    assert_eq!(stdout_of(&wd, &["db", "stop"]), "embedded PostGIS was not running\n");
}

#[test]
fn db_start_refuses_when_database_url_is_set() {
    let wd = Workdir::new("dburl");
    let (out, _) = run_with_timeout(
        nexus(&wd.path).args(["db", "start"]).env("DATABASE_URL", "postgres://x@127.0.0.1:1/y"),
        Duration::from_secs(10),
    );
    let line = single_error_line(&out);
    assert!(line.contains("DATABASE_URL is set, so the embedded PostGIS is not used"), "{line}");
    assert!(!wd.path.join(".nexus").exists());
}
