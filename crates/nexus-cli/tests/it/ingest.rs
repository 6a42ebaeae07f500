//! `nexus ingest`: exit codes, reports, sidecars, every layer of a GeoPackage, and a load
//! killed with SIGKILL half-way that leaves the layer exactly as it was.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use nexus_store::testing::TestDb;
use tokio_postgres::{Client, NoTls};

use crate::support::{nexus, repo_root, run_with_timeout, single_error_line, Workdir};

fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures/ingest").join(name)
}

async fn sql(db: &TestDb) -> Client {
    let (c, conn) = tokio_postgres::connect(&db.url, NoTls).await.unwrap();
    tokio::spawn(conn);
    c
}

fn ingest(db: &TestDb, cwd: &Path, args: &[&str]) -> std::process::Output {
    let (out, _) =
        run_with_timeout(nexus(cwd).arg("ingest").args(args).env("DATABASE_URL", &db.url), Duration::from_secs(120));
    out
}

#[tokio::test]
async fn refusals_exit_non_zero_and_print_the_report() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("refuse");
    let bad = wd.path.join("bad.geojson");
    std::fs::write(
        &bad,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,95]}}]}"#,
    )
    .unwrap();
    let out = ingest(&db, &wd.path, &[bad.to_str().unwrap(), "--layer", "bad"]);
    let line = single_error_line(&out);
    assert!(line.starts_with("error: layer 'bad': 1 of 1 features of bad.geojson refused"), "{line}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("feature 1: REFUSED: coordinate 1 (1, 95) is outside"), "{stdout}");
    let n: i64 = sql(&db).await.query_one("SELECT count(*) FROM layers", &[]).await.unwrap().get(0);
    assert_eq!(n, 0);
}

#[tokio::test]
async fn dry_runs_report_without_writing_and_sidecars_describe_layers() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("dryrun");
    std::fs::copy(fixture("zones.geojson"), wd.path.join("zones.geojson")).unwrap();
    let mut side = std::fs::File::create(wd.path.join("zones.nexus.toml")).unwrap();
    writeln!(side, "id = \"heritage\"\n[meta]\ntitle = \"Heritage zones\"\nkind = \"heritage_zone\"\nsectors = [\"land\"]\nvisibility = \"public\"").unwrap();
    drop(side);
    let out = ingest(&db, &wd.path, &["zones.geojson", "--dry-run"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("heritage: checked (dry run, nothing written) 2 of 2 features (polygons, EPSG:4326)"),
        "{stdout}"
    );
    let c = sql(&db).await;
    assert_eq!(c.query_one("SELECT count(*) FROM layers", &[]).await.unwrap().get::<_, i64>(0), 0);

    let out = ingest(&db, &wd.path, &["zones.geojson", "--title", "Old towns", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["layer"], "heritage");
    assert_eq!(report["features"]["loaded"], 2);
    let row = c.query_one("SELECT title, kind, visibility FROM layers WHERE id = 'heritage'", &[]).await.unwrap();
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1), row.get::<_, String>(2)),
        ("Old towns".to_owned(), "heritage_zone".to_owned(), "public".to_owned()),
        "flags beat the sidecar, the sidecar fills the rest"
    );
}

#[tokio::test]
async fn flags_sidecars_and_upload_forms_share_one_parser() {
    // The same bad value, given as a flag and in a sidecar, is refused with the same words;
    // the upload form's test (nexus-server upload::bad_requests_are_explained) checks the third.
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("settings");
    std::fs::copy(fixture("zones.geojson"), wd.path.join("zones.geojson")).unwrap();
    let expected = nexus_service::gis::IngestOptions::new("zones.geojson", nexus_core::LayerId::new("z").unwrap())
        .set("approximate", "maybe")
        .unwrap_err()
        .problem
        .unwrap();
    assert_eq!(expected, "must be true or false, not 'maybe'");
    let out = ingest(&db, &wd.path, &["zones.geojson", "--layer", "z", "--kind", "castle"]);
    let line = single_error_line(&out);
    assert!(line.starts_with("error: --kind: "), "{line}");
    std::fs::write(wd.path.join("zones.nexus.toml"), "id = \"z\"\n[meta]\napproximate = \"maybe\"\n").unwrap();
    let out = ingest(&db, &wd.path, &["zones.geojson"]);
    let line = single_error_line(&out);
    assert!(line.contains(&format!("'approximate': {expected}")), "{line}");
    // Values a flag spells as text are what a sidecar spells as TOML types.
    std::fs::write(
        wd.path.join("zones.nexus.toml"),
        "id = \"z\"\n[meta]\napproximate = true\nminzoom = 5\nsectors = [\"land\", \"water\"]\n",
    )
    .unwrap();
    let out = ingest(&db, &wd.path, &["zones.geojson", "--sector", "waste"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let row = sql(&db)
        .await
        .query_one("SELECT approximate, minzoom::int, sectors::text FROM layers WHERE id = 'z'", &[])
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, bool>(0), row.get::<_, i32>(1), row.get::<_, String>(2)),
        (true, 5, "{waste}".to_owned()),
        "the flag's sectors win, the sidecar fills the rest"
    );
}

#[tokio::test]
async fn every_layer_of_a_geopackage_becomes_a_layer() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("gpkg");
    let out = ingest(&db, &wd.path, &[fixture("atlas.gpkg").to_str().unwrap(), "--layer", "atlas"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let c = sql(&db).await;
    let rows = c.query("SELECT id, feature_count FROM layers ORDER BY id", &[]).await.unwrap();
    let got: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(got, vec![("atlas-places".to_owned(), 6), ("atlas-zones".to_owned(), 2)]);
}

#[tokio::test]
async fn gdal_is_opened_only_for_the_formats_that_need_it() {
    // LD_DEBUG=files makes the loader name every library it opens, dlopen included. GeoJSON
    // is read natively and checked with GEOS; a GeoPackage needs GDAL.
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("lazy-gdal");
    let loaded = |args: &[&str]| {
        let mut cmd = nexus(&wd.path);
        cmd.arg("ingest").args(args).env("DATABASE_URL", &db.url).env("LD_DEBUG", "files");
        let (out, _) = run_with_timeout(&mut cmd, Duration::from_secs(120));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        stderr
    };
    let native = loaded(&[fixture("zones.geojson").to_str().unwrap(), "--layer", "z"]);
    assert!(native.contains("libgeos_c.so"), "GEOS checks the polygons:\n{native}");
    assert!(!native.contains("libgdal.so"), "a GeoJSON ingest opened GDAL:\n{native}");
    let gpkg = loaded(&[fixture("atlas.gpkg").to_str().unwrap(), "--layer", "atlas"]);
    assert!(gpkg.contains("libgdal.so"), "a GeoPackage is read by GDAL:\n{gpkg}");
}

/// A GeoJSON sequence big enough to take a few seconds.
fn big_file(dir: &Path, n: usize) -> PathBuf {
    let p = dir.join("big.geojsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    for i in 0..n {
        let x = 95.0 + (i % 1000) as f64 * 0.01;
        let y = -5.0 + (i / 1000) as f64 * 0.01;
        writeln!(
            f,
            r#"{{"type":"Feature","properties":{{"i":{i},"name":"หมู่บ้าน {i}","kind":"village"}},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}"#
        )
        .unwrap();
    }
    p
}

async fn layer_state(c: &Client) -> (i64, i64, String, i64, i64) {
    let r = c
        .query_one(
            "SELECT (SELECT revision FROM layers WHERE id = 'big'),
                    (SELECT count(*) FROM features WHERE layer_id = 'big'),
                    (SELECT md5(string_agg(fid::text || properties::text || ST_AsEWKB(geom)::text, '|' ORDER BY fid))
                       FROM features WHERE layer_id = 'big'),
                    (SELECT count(*) FROM layer_ingests),
                    (SELECT count(*) FROM pg_class WHERE relname LIKE 'f\\_big%')",
            &[],
        )
        .await
        .unwrap();
    (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))
}

#[tokio::test]
async fn an_ingest_killed_half_way_leaves_the_layer_unchanged() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("kill");
    let out = ingest(&db, &wd.path, &[fixture("places.geojson").to_str().unwrap(), "--layer", "big"]);
    assert!(out.status.success());
    let c = sql(&db).await;
    let before = layer_state(&c).await;
    assert_eq!((before.0, before.1), (1, 6));

    let big = big_file(&wd.path, 200_000);
    let mut child = nexus(&wd.path)
        .args(["ingest", big.to_str().unwrap(), "--layer", "big"])
        .env("DATABASE_URL", &db.url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the COPY is streaming, then a little more, then kill without warning.
    let started = Instant::now();
    loop {
        let copying: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY %' AND state = 'active'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if copying > 0 {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the ingest finished before it could be killed");
        assert!(started.elapsed() < Duration::from_secs(60), "the COPY never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    // The server notices the dead client and rolls back.
    for _ in 0..200 {
        let busy: i64 = c
            .query_one("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'nexus-atlas'", &[])
            .await
            .unwrap()
            .get(0);
        if busy == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(layer_state(&c).await, before, "revision, features, provenance and tables are as before");

    // And the layer is not stuck: the same ingest completes afterwards.
    let out = ingest(&db, &wd.path, &[big.to_str().unwrap(), "--layer", "big"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let after = layer_state(&c).await;
    assert_eq!((after.0, after.1), (2, 200_000));
}

#[tokio::test]
async fn the_sample_atlas_loads_and_reloads_quickly() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("atlas");
    let data = repo_root().join("data");
    let (out, _) =
        run_with_timeout(nexus(&wd.path).arg("load").arg(&data).env("DATABASE_URL", &db.url), Duration::from_secs(120));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let c = sql(&db).await;
    let layers: Vec<(String, String, i64)> = c
        .query("SELECT id, kind, feature_count FROM layers ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let ids: Vec<&str> = layers.iter().map(|l| l.0.as_str()).collect();
    for want in [
        "cm-heritage",
        "cm-mae-kha-canal",
        "cm-tambon",
        "cm-treatment-plants",
        "cm-waste-sites",
        "tpi-heritage",
        "tpi-kelurahan",
        "tpi-senggarang",
        "tpi-waste-sites",
    ] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    assert!(layers.iter().filter(|l| l.0 != "nexus-hex").all(|l| l.2 > 0), "{layers:?}");
    let thai: String = c
        .query_one("SELECT properties->>'name_th' FROM features WHERE layer_id = 'cm-tambon' AND properties->>'pcode' = 'TH500101'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(thai, "ศรีภูมิ", "Thai from the CP874 shapefile is intact");
    let approx: bool = c
        .query_one("SELECT bool_and((properties->>'approximate')::boolean) FROM features WHERE layer_id IN ('cm-waste-sites', 'tpi-waste-sites', 'cm-treatment-plants')", &[])
        .await
        .unwrap()
        .get(0);
    assert!(approx, "hand-placed features say they are approximate");
    let projects: i64 =
        c.query_one("SELECT count(*) FROM projects WHERE visibility = 'public'", &[]).await.unwrap().get(0);
    assert!(projects >= 10, "{projects}");

    // The Nexus rules came in with the data, and Chiang Mai's Mae Kha links are there, each
    // explained by its rule.
    let links: Vec<(String, String, String, String, String)> = c
        .query(
            "SELECT k.properties->>'rule', k.properties->>'from_name', k.properties->>'to_layer', r.body->>'rationale',
                    r.body->>'source'
             FROM features k JOIN nexus_rules r ON r.id = k.properties->>'rule'
             WHERE k.layer_id = 'nexus-links' AND k.properties->>'city' = 'chiang-mai'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    let mae_kha = links
        .iter()
        .find(|l| l.0 == "green-riparian" && l.1 == "Mae Kha canal rehabilitation" && l.2 == "cm-mae-kha-canal")
        .unwrap_or_else(|| panic!("the rehabilitation and its canal are linked: {links:?}"));
    assert!(mae_kha.3.contains("floodwater") && mae_kha.4.contains("Mae Kha"), "{mae_kha:?}");
    assert!(links.iter().all(|l| !l.3.is_empty() && !l.4.is_empty()), "every link says why and on whose authority");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("loaded 15 Nexus rules") && said.contains("Nexus overlays: recomputed"), "{said}");

    let (again, _) =
        run_with_timeout(nexus(&wd.path).arg("load").arg(&data).env("DATABASE_URL", &db.url), Duration::from_secs(60));
    assert!(again.status.success());
    let said = String::from_utf8_lossy(&again.stdout);
    let data_layers = layers.iter().filter(|l| !l.0.starts_with("nexus-")).count();
    assert_eq!(said.matches(": unchanged (").count(), data_layers, "{said}");
    assert!(said.contains("projects.geojson (0 new or changed)"), "{said}");
    assert!(said.contains("(unchanged)") && said.contains("Nexus overlays: updated (0 sources"), "{said}");
}
