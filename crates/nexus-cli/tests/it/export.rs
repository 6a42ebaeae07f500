//! `nexus export`: files in each format that GDAL opens with the right count, GeoJSON on
//! standard output, filters, and errors that say what to do; reserved layer ids refused.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nexus_store::testing::TestDb;

use crate::support::{repo_root, run_on, single_error_line, Workdir};

fn run(db: &TestDb, cwd: &Path, args: &[&str]) -> std::process::Output {
    run_on(&db.url, cwd, args, Duration::from_secs(120))
}

fn places() -> PathBuf {
    repo_root().join("tests/fixtures/ingest/places.geojson")
}

fn feature_count(path: &str) -> i64 {
    let out = std::process::Command::new("ogrinfo").args(["-ro", "-so", "-al", path]).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout);
    info.lines().filter_map(|l| l.strip_prefix("Feature Count: ")).map(|n| n.trim().parse::<i64>().unwrap()).sum()
}

#[tokio::test]
async fn every_format_is_written_and_says_what_it_wrote() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("export");
    let out = run(&db, &wd.path, &["ingest", places().to_str().unwrap(), "--layer", "places"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for (format, file, open_as) in [
        ("geojson", "p.geojson", ""),
        ("gpkg", "p.gpkg", ""),
        ("shp", "p.shp.zip", "/vsizip/"),
        ("csv", "p.csv", ""),
        ("kml", "p.kml", ""),
        ("fgb", "p.fgb", ""),
    ] {
        let out = run(&db, &wd.path, &["export", "places", "--format", format, "-o", file]);
        assert!(out.status.success(), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.starts_with("places: 6 features"), "{format}: {said}");
        assert_eq!(feature_count(&format!("{open_as}{}", wd.path.join(file).display())), 6, "{format}");
    }
    // The format follows the file name when --format is left out; a bare .shp gets its parts.
    let out = run(&db, &wd.path, &["export", "places", "-o", "th.shp", "--filter", "country=TH"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(wd.path.join("th.dbf").exists() && wd.path.join("th.cpg").exists());
    assert_eq!(feature_count(&wd.path.join("th.shp").display().to_string()), 2);
    let out = run(&db, &wd.path, &["export", "places", "-o", "-", "--bbox", "98.9,18.7,99.1,18.9", "--precision", "2"]);
    assert!(out.status.success());
    let fc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(fc["features"].as_array().unwrap().len(), 2);
    assert_eq!(fc["features"][0]["geometry"]["coordinates"][0], 98.99);
}

#[tokio::test]
async fn mistakes_get_one_line_that_says_what_to_do() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("export-errors");
    let out = run(&db, &wd.path, &["ingest", places().to_str().unwrap(), "--layer", "places"]);
    assert!(out.status.success());
    for (args, says) in [
        (vec!["export", "nothing", "-o", "x.gpkg"], "no layer 'nothing'"),
        (vec!["export", "places", "-o", "x.dwg"], "--format"),
        (vec!["export", "places", "--format", "dxf", "-o", "x"], "unknown format 'dxf'"),
        (vec!["export", "places", "--format", "gpkg", "-o", "-"], "only GeoJSON can go to standard output"),
        (vec!["export", "places", "-o", "x.gpkg", "--bbox", "1,2,3"], "bbox must be 4 or 6 numbers"),
        (vec!["export", "places", "-o", "x.gpkg", "--filter", "colour=red"], "unknown query parameter 'colour'"),
    ] {
        let out = run(&db, &wd.path, &args);
        let line = single_error_line(&out);
        assert!(line.contains(says), "{args:?}: '{line}' should say '{says}'");
        assert!(!wd.path.join("x.gpkg").exists(), "{args:?}: no file is left behind");
    }
    for reserved in ["projects", "nexus-links", "nexus-hex"] {
        let out = run(&db, &wd.path, &["ingest", places().to_str().unwrap(), "--layer", reserved]);
        let line = single_error_line(&out);
        assert!(line.contains("reserved"), "{reserved}: {line}");
    }
}

#[test]
fn nexus_links_neither_gdal_nor_geos() {
    // Loading GDAL maps about 110 libraries (31 MB resident before any work): `nexus` opens
    // GDAL and GEOS only when a command needs them (nexus-ingest's lazy_lib). A GDAL function
    // called without a trampoline brings the library back at start-up; so does a GEOS one.
    let out = std::process::Command::new("ldd").arg(crate::support::BIN).output().unwrap();
    let libs = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{libs}");
    for lib in ["libgdal", "libgeos", "libproj"] {
        assert!(
            !libs.contains(lib),
            "nexus links {lib} at start-up; add the functions it calls to nexus-ingest's src/libs.rs:\n{libs}"
        );
    }
}
