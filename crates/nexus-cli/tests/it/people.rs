//! `nexus user`, `nexus token` and `nexus audit`: the first admin from the command line, a
//! role per city, a token printed once, and the trail as CSV.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use nexus_store::testing::TestDb;

use crate::support::{nexus, repo_root, run_on, Workdir};

fn run(db: &TestDb, cwd: &Path, args: &[&str]) -> std::process::Output {
    run_on(&db.url, cwd, args, Duration::from_secs(60))
}

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test]
async fn users_roles_tokens_and_the_audit_trail_from_the_command_line() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("people");
    let cities = repo_root().join("data/cities.geojson");
    let store = db.store().await.unwrap();
    let text_of = std::fs::read_to_string(cities).unwrap();
    store.upsert_cities(&nexus_core::CityCollection::from_geojson(&text_of).unwrap().0).await.unwrap();

    let mut child = nexus(&wd.path)
        .args(["user", "add", "Admin@Atlas.org", "--name", "Site Admin", "--admin", "--password-stdin"])
        .env("DATABASE_URL", &db.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"Mae Kha flows again 2026\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("user admin@atlas.org created"));

    let weak = run(&db, &wd.path, &["user", "add", "x@atlas.org", "--role", "editor"]);
    assert!(!weak.status.success());
    assert!(text(&weak).contains("give each --role its --city"), "{}", text(&weak));
    let out = run(&db, &wd.path, &["user", "add", "gis@cmcity.go.th", "--role", "editor", "--city", "chiang-mai"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run(&db, &wd.path, &["user", "roles", "gis@cmcity.go.th", "--role", "publisher", "--city", "naga"]);
    assert!(out.status.success(), "{}", text(&out));
    let bad = run(&db, &wd.path, &["user", "roles", "gis@cmcity.go.th", "--role", "editor", "--city", "atlantis"]);
    assert!(text(&bad).contains("there is no city 'atlantis'"), "{}", text(&bad));

    let list = text(&run(&db, &wd.path, &["user", "list"]));
    assert!(list.contains("admin@atlas.org\tSite Admin\t\tsite admin"), "{list}");
    assert!(list.contains("gis@cmcity.go.th\tgis\tchiang-mai:editor,naga:publisher\t"), "{list}");

    let out =
        run(&db, &wd.path, &["token", "create", "--user", "gis@cmcity.go.th", "--name", "QGIS", "--expires", "30"]);
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(token.starts_with("nexus_") && token.len() > 40, "{token}");
    let tokens = text(&run(&db, &wd.path, &["token", "list"]));
    assert!(tokens.contains("gis@cmcity.go.th\tQGIS\tlive") && !tokens.contains(&token), "{tokens}");
    let id = tokens.split('\t').next().unwrap().trim();
    assert!(run(&db, &wd.path, &["token", "revoke", id]).status.success());
    assert!(text(&run(&db, &wd.path, &["token", "list"])).contains("\trevoked"));

    let out = run(&db, &wd.path, &["user", "disable", "gis@cmcity.go.th"]);
    assert!(out.status.success(), "{}", text(&out));
    let csv = String::from_utf8_lossy(&run(&db, &wd.path, &["audit", "--csv"]).stdout).to_string();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("id,at,actor,via,action"));
    let actions: Vec<&str> = lines.map(|l| l.split(',').nth(4).unwrap()).collect();
    assert_eq!(
        actions,
        ["user.disable", "token.revoke", "token.create", "member.set", "member.set", "user.create", "user.create"],
        "{csv}"
    );
    assert!(csv.lines().skip(1).all(|l| l.split(',').nth(2) == Some("cli")), "{csv}");
    let city = String::from_utf8_lossy(&run(&db, &wd.path, &["audit", "--city", "naga"]).stdout).to_string();
    assert_eq!(city.lines().count(), 1, "{city}");

    // A deleted project stays restorable until purged.
    let project = serde_json::json!({ "type": "FeatureCollection", "features": [{ "type": "Feature",
        "geometry": { "type": "Point", "coordinates": [98.99, 18.79] },
        "properties": { "slug": "cm-old", "city": "chiang-mai", "title": "Old", "sectors": ["waste"], "status": "idea" } }] });
    let projects = nexus_core::ProjectCollection::from_geojson(&project.to_string()).unwrap().0;
    store.upsert_projects(&projects).await.unwrap();
    let (client, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.execute("DELETE FROM projects WHERE slug = 'cm-old'", &[]).await.unwrap();
    let count = "SELECT count(*) FROM project_revisions WHERE slug = 'cm-old'";
    let history: i64 = client.query_one(count, &[]).await.unwrap().get(0);
    assert_eq!(history, 2, "its creation and its deletion");
    let out = run(&db, &wd.path, &["purge"]);
    assert!(text(&out).contains("purged 1 deleted projects: cm-old\npurged 0 deleted layers"), "{}", text(&out));
    let history: i64 = client.query_one(count, &[]).await.unwrap().get(0);
    assert_eq!(history, 0);
    assert!(text(&run(&db, &wd.path, &["audit", "--action", "project.purge"])).contains("cm-old"));
}
