//! `nexus export-site DIR`: the public atlas as static files: the page told to read them, the
//! JSON the public map asks for, the projects as GeoJSON, the tiles as PMTiles, the glyphs;
//! never a draft; a folder of other files refused and an earlier export replaced whole.
//! (The browser test in web/tests/static-site.test.mjs loads such a site from nginx.)

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use nexus_store::testing::TestDb;
use pmtiles::AsyncPmTilesReader;
use serde_json::Value;

use crate::support::{ok_on, repo_root, run_on, single_error_line, Workdir};

fn run(db: &TestDb, cwd: &Path, args: &[&str]) -> std::process::Output {
    run_on(&db.url, cwd, args, Duration::from_secs(180))
}

fn ok(db: &TestDb, cwd: &Path, args: &[&str]) -> String {
    ok_on(&db.url, cwd, args, Duration::from_secs(180))
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// A web build as small as it can be: the page and one asset, with compressed copies.
fn fake_build(at: &Path) {
    std::fs::create_dir_all(at.join("assets")).unwrap();
    std::fs::write(at.join("index.html"), "<!doctype html><html><head><title>x</title></head><body></body></html>")
        .unwrap();
    std::fs::write(at.join("index.html.gz"), "stale").unwrap();
    std::fs::write(at.join("assets/index-abc.js"), "console.log(1)").unwrap();
    std::fs::write(at.join("assets/index-abc.js.gz"), "gz").unwrap();
}

/// Cities and two Chiang Mai projects, the second a draft.
fn data_folder(at: &Path) {
    std::fs::create_dir_all(at).unwrap();
    std::fs::copy(repo_root().join("data/cities.geojson"), at.join("cities.geojson")).unwrap();
    let mut projects = json(&repo_root().join("data/projects.geojson"));
    let features = projects["features"].as_array_mut().unwrap();
    features.truncate(2);
    features[1]["properties"]["visibility"] = "draft".into();
    features[1]["properties"]["slug"] = "secret-plan".into();
    std::fs::write(at.join("projects.geojson"), serde_json::to_vec(&projects).unwrap()).unwrap();
}

#[tokio::test]
async fn the_public_atlas_becomes_static_files_and_no_draft_goes_with_it() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("export-site");
    let web = wd.path.join("build");
    fake_build(&web);
    data_folder(&wd.path.join("data"));
    ok(&db, &wd.path, &["load", "data"]);
    let fixtures = repo_root().join("tests/fixtures/ingest");
    for (file, layer, visibility) in
        [("places.geojson", "places", "public"), ("zones.geojson", "secret-zones", "draft")]
    {
        let file = fixtures.join(file);
        ok(&db, &wd.path, &["ingest", file.to_str().unwrap(), "--layer", layer, "--visibility", visibility]);
    }

    let said = ok(&db, &wd.path, &["export-site", "out/site", "--maxzoom", "8", "--web-dir", "build"]);
    let site = wd.path.join("out/site");
    assert!(said.contains("atlas.pmtiles") && said.contains("1 projects"), "{said}");

    // The page reads the site's files; its stale compressed copy is not shipped; assets are.
    let page = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(page.contains(r#"<meta name="nexus-static" content="atlas.pmtiles" data-maxzoom="8">"#), "{page}");
    assert!(!site.join("index.html.gz").exists());
    assert_eq!(std::fs::read_to_string(site.join("assets/index-abc.js")).unwrap(), "console.log(1)");

    // The JSON the public map asks for, where it looks for it.
    assert_eq!(json(&site.join("static/api/settings.json"))["planners"], false);
    let cities = json(&site.join("static/api/cities.json"));
    assert_eq!(cities["features"].as_array().unwrap().len(), 16);
    assert!(site.join("static/api/cities/chiang-mai/nexus.json").is_file());
    let layers: Vec<String> = json(&site.join("static/api/layers.json"))
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(layers.contains(&"places".to_owned()) && !layers.contains(&"secret-zones".to_owned()), "{layers:?}");
    assert!(site.join("static/api/nexus/rules.json").is_file() && site.join("static/api/solutions.json").is_file());
    let projects = json(&site.join("projects.geojson"));
    let slugs: Vec<&str> =
        projects["features"].as_array().unwrap().iter().map(|f| f["properties"]["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs.len(), 1, "{slugs:?}");
    assert!(projects.get("links").is_none(), "no links to a server the site does not have");
    let public = slugs[0];
    assert!(site.join(format!("static/api/projects/{public}/nexus.json")).is_file());
    assert!(json(&site.join(format!("static/api/projects/{public}/comments.json")))["comments"].is_array());

    // Glyphs of every range of both stacks (an empty range is a file too: the map asks).
    for stack in ["Nexus Sans", "Nexus Sans Bold"] {
        let ranges = std::fs::read_dir(site.join("fonts").join(stack)).unwrap().count();
        assert_eq!(ranges, 256, "{stack}");
    }

    // The tiles: a PMTiles archive of the public layers only.
    let reader = AsyncPmTilesReader::new_with_path(site.join("atlas.pmtiles")).await.unwrap();
    assert_eq!(reader.get_header().max_zoom, 8);
    let meta = reader.get_metadata().await.unwrap();
    assert!(meta.contains("\"places\"") && !meta.contains("secret"), "{meta}");

    // Nothing anywhere in the site names the drafts.
    let mut todo = vec![site.clone()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
                continue;
            }
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o004, 0o004, "{} is readable by a web server's user", path.display());
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            assert!(
                !text.contains("secret-plan") && !text.contains("secret-zones"),
                "{} names a draft",
                path.display()
            );
        }
    }
    assert_eq!(std::fs::metadata(&site).unwrap().permissions().mode() & 0o005, 0o005);

    // Again: the earlier export is replaced whole, nothing is left beside it.
    std::fs::write(site.join("static/stale.json"), "{}").unwrap();
    ok(&db, &wd.path, &["export-site", "out/site", "--maxzoom", "6", "--web-dir", "build"]);
    assert!(!site.join("static/stale.json").exists());
    assert!(std::fs::read_to_string(site.join("index.html")).unwrap().contains(r#"data-maxzoom="6""#));
    let beside: Vec<_> = std::fs::read_dir(wd.path.join("out")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(beside, ["site"], "no staging folder is left");
}

#[tokio::test]
async fn refusals_say_why_and_touch_nothing() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("export-site-errors");
    fake_build(&wd.path.join("build"));
    std::fs::create_dir_all(wd.path.join("mine")).unwrap();
    std::fs::write(wd.path.join("mine/notes.txt"), "keep me").unwrap();
    std::fs::write(wd.path.join("a-file"), "x").unwrap();
    for (args, says) in [
        (vec!["export-site", "mine", "--web-dir", "build"], "holds files that are not an exported site"),
        (vec!["export-site", "a-file", "--web-dir", "build"], "is a file, not a folder"),
        (vec!["export-site", "site", "--web-dir", "nowhere"], "the web map is not built"),
        (vec!["export-site", "site", "--maxzoom", "30", "--web-dir", "build"], "--maxzoom 30 is too deep"),
    ] {
        let line = single_error_line(&run(&db, &wd.path, &args));
        assert!(line.contains(says), "{args:?}: '{line}' should say '{says}'");
    }
    assert_eq!(std::fs::read_to_string(wd.path.join("mine/notes.txt")).unwrap(), "keep me");
    assert!(!wd.path.join("site").exists());
    let stray: Vec<_> = std::fs::read_dir(&wd.path)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(".nexus-site"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}
