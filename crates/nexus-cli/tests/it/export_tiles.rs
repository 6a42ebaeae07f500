//! `nexus export-tiles`: a PMTiles archive of public layers whose tiles hold every layer, whose
//! metadata describes them as the live TileJSON does, with identical tiles stored once; drafts
//! refused; a failed export leaves the earlier archive as it was.

use std::path::Path;
use std::time::Duration;

use nexus_store::testing::TestDb;
use pmtiles::{AsyncPmTilesReader, Compression, TileCoord, TileType};

use crate::support::{ok_on, repo_root, run_on, single_error_line, Workdir};

fn run(db: &TestDb, cwd: &Path, args: &[&str]) -> std::process::Output {
    run_on(&db.url, cwd, args, Duration::from_secs(120))
}

fn ok(db: &TestDb, cwd: &Path, args: &[&str]) -> String {
    ok_on(&db.url, cwd, args, Duration::from_secs(120))
}

/// A 4° square at the equator: at zoom 9 its inside is many tiles that are all the same.
const SQUARE: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"square"},
    "geometry":{"type":"Polygon","coordinates":[[[100,-2],[104,-2],[104,2],[100,2],[100,-2]]]}}]}"#;

/// The numbers of the summary line: tiles and stored tiles.
fn summary(said: &str) -> (u64, u64) {
    let line = said.lines().last().unwrap();
    let words: Vec<&str> = line.split_whitespace().collect();
    (words[1].parse().unwrap(), words[3].trim_start_matches('(').parse().unwrap())
}

/// Tiles of zoom `z` covering `[w, s, e, n]`.
fn covering(b: [f64; 4], z: u8) -> Vec<TileCoord> {
    let at = |lon: f64, lat: f64| nexus_core::TileCoord::containing(lon, lat, z);
    let (a, c) = (at(b[0], b[3]), at(b[2], b[1]));
    (a.x..=c.x).flat_map(|x| (a.y..=c.y).map(move |y| TileCoord::new(z, x, y).unwrap())).collect()
}

#[tokio::test]
async fn public_layers_go_into_one_archive_that_a_pmtiles_reader_opens() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("export-tiles");
    std::fs::write(wd.path.join("square.geojson"), SQUARE).unwrap();
    let fixtures = repo_root().join("tests/fixtures/ingest");
    for (file, layer, visibility) in [
        (fixtures.join("places.geojson"), "places", "public"),
        (fixtures.join("zones.geojson"), "zones", "public"),
        (wd.path.join("square.geojson"), "square", "public"),
        (fixtures.join("zones.geojson"), "hidden", "draft"),
    ] {
        ok(&db, &wd.path, &["ingest", file.to_str().unwrap(), "--layer", layer, "--visibility", visibility]);
    }
    let said =
        ok(&db, &wd.path, &["export-tiles", "places", "zones", "square", "--maxzoom", "9", "-o", "atlas.pmtiles"]);
    assert!(said.contains("places: ") && said.contains("square: "), "{said}");
    let (tiles, stored) = summary(&said);
    let size = std::fs::metadata(wd.path.join("atlas.pmtiles")).unwrap().len();
    assert!(said.contains(&format!("{:.1} MB", size as f64 / 1e6)), "the summary says the archive's size: {said}");
    assert!(stored < tiles, "the square's identical inside tiles are stored once: {said}");

    let reader = AsyncPmTilesReader::new_with_path(wd.path.join("atlas.pmtiles")).await.unwrap();
    let header = reader.get_header();
    assert_eq!((header.tile_type, header.tile_compression), (TileType::Mvt, Compression::Gzip));
    assert_eq!((header.min_zoom, header.max_zoom), (0, 9));
    let meta: serde_json::Value = serde_json::from_str(&reader.get_metadata().await.unwrap()).unwrap();
    let ids: Vec<&str> = meta["vector_layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["places", "zones", "square"]);
    assert_eq!(meta["vector_layers"][1]["fields"]["name_local"], "String", "{meta}");

    // Each tile holds every layer that has a feature there, in the order asked: the one zoom-0
    // tile has the six places and the square (the 1.5 km zones are below its grid), and the
    // zoom-9 tile of Chiang Mai's old city has its zone.
    let layers_at = |z: u8, lon: f64, lat: f64| {
        let t = covering([lon, lat, lon, lat], z)[0];
        let reader = &reader;
        async move {
            let bytes = reader.get_tile_decompressed(t).await.unwrap().unwrap();
            let mvt = mvt_reader::Reader::new(bytes.to_vec()).unwrap();
            let names = mvt.get_layer_names().unwrap();
            let counts: Vec<usize> = (0..names.len()).map(|i| mvt.get_features_as::<f64>(i).unwrap().len()).collect();
            (names, counts)
        }
    };
    assert_eq!(layers_at(0, 0.0, 0.0).await, (vec!["places".to_owned(), "square".to_owned()], vec![6, 1]));
    let (names, _) = layers_at(9, 98.985, 18.788).await;
    assert!(names.contains(&"zones".to_owned()), "{names:?}");

    // The archive holds exactly the tiles it says, all in the layers' box or next to it (a
    // feature's buffer reaches into the tile beside it).
    let b = [header.min_longitude, header.min_latitude, header.max_longitude, header.max_latitude];
    let mut found = 0;
    for z in 0..=9 {
        let last = (1u32 << z) - 1;
        let (a, c) = (covering(b, z)[0], *covering(b, z).last().unwrap());
        for x in a.x().saturating_sub(1)..=(c.x() + 1).min(last) {
            for y in a.y().saturating_sub(1)..=(c.y() + 1).min(last) {
                found += u64::from(reader.get_tile(TileCoord::new(z, x, y).unwrap()).await.unwrap().is_some());
            }
        }
    }
    assert_eq!(found, tiles);
    let (a, c) = (covering([101.0, 1.0, 101.0, 1.0], 9)[0], covering([103.0, -1.0, 103.0, -1.0], 9)[0]);
    assert_ne!((a.x(), a.y()), (c.x(), c.y()));
    let (a, c) = (reader.get_tile(a).await.unwrap().unwrap(), reader.get_tile(c).await.unwrap().unwrap());
    assert_eq!(a, c, "two tiles inside the square are the same");

    // With no layer named: every public layer, never the draft.
    ok(&db, &wd.path, &["export-tiles", "--maxzoom", "3", "-o", "all.pmtiles"]);
    let all = AsyncPmTilesReader::new_with_path(wd.path.join("all.pmtiles")).await.unwrap();
    let meta = all.get_metadata().await.unwrap();
    assert!(meta.contains("\"square\"") && !meta.contains("\"hidden\""), "{meta}");
}

#[tokio::test]
async fn refusals_say_why_and_leave_the_earlier_archive() {
    let db = TestDb::new().await.unwrap();
    let wd = Workdir::new("export-tiles-errors");
    let zones = repo_root().join("tests/fixtures/ingest/zones.geojson");
    ok(&db, &wd.path, &["ingest", zones.to_str().unwrap(), "--layer", "zones", "--visibility", "public"]);
    ok(&db, &wd.path, &["ingest", zones.to_str().unwrap(), "--layer", "hidden", "--visibility", "draft"]);
    ok(&db, &wd.path, &["export-tiles", "zones", "--maxzoom", "4", "-o", "atlas.pmtiles"]);
    let before = std::fs::read(wd.path.join("atlas.pmtiles")).unwrap();
    for (args, says) in [
        (vec!["export-tiles", "hidden", "-o", "atlas.pmtiles"], "layer 'hidden' is a draft"),
        (vec!["export-tiles", "nothing", "-o", "atlas.pmtiles"], "no layer 'nothing'"),
        (vec!["export-tiles", "projects", "-o", "atlas.pmtiles"], "nexus export projects"),
        (vec!["export-tiles", "--format", "mbtiles", "-o", "atlas.pmtiles"], "unknown tile format 'mbtiles'"),
        (vec!["export-tiles", "-o", "atlas.mbtiles"], "say --format pmtiles"),
        (vec!["export-tiles", "--maxzoom", "25", "-o", "atlas.pmtiles"], "--maxzoom 25 is too deep"),
        (vec!["export-tiles", "zones", "--maxzoom", "4", "-o", "no/such/dir/atlas.pmtiles"], "no/such/dir"),
    ] {
        let line = single_error_line(&run(&db, &wd.path, &args));
        assert!(line.contains(says), "{args:?}: '{line}' should say '{says}'");
    }
    assert_eq!(std::fs::read(wd.path.join("atlas.pmtiles")).unwrap(), before, "the earlier archive is untouched");
    let left: Vec<_> = std::fs::read_dir(&wd.path)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.contains("pmtiles") && n != "atlas.pmtiles")
        .collect();
    assert!(left.is_empty(), "no half-written archive is left: {left:?}");
}
