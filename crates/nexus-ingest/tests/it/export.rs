//! Exports round-trip: each format is written from PostGIS, read back with GDAL, and
//! compared with the source file feature by feature (count, every attribute, geometry type
//! and every vertex within the precision), Thai text included.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gdal::vector::{Geometry, LayerAccess};
use nexus_core::FeatureFilter;
use nexus_core::{Layer, LayerId};
use nexus_ingest::{ExportFormat, ExportJob, IngestOptions, NoProgress};
use nexus_store::Collection;
use serde_json::Value;

use crate::util::Env;

fn export_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/export").join(name)
}

/// A feature as read back: its properties as text (None for null), its geometry family
/// and its vertices.
#[derive(Debug)]
struct Read {
    props: BTreeMap<String, Option<String>>,
    family: &'static str,
    vertices: Vec<(f64, f64)>,
}

fn family(geometry_type: &str) -> &'static str {
    match geometry_type.trim_start_matches("Multi").trim_start_matches("MULTI").to_ascii_lowercase().as_str() {
        "point" => "point",
        "linestring" => "line",
        "polygon" => "polygon",
        other => panic!("unexpected geometry type {other}"),
    }
}

fn vertices(g: &Geometry, out: &mut Vec<(f64, f64)>) {
    let n = g.geometry_count();
    if n == 0 {
        let mut points = Vec::new();
        g.get_points(&mut points);
        out.extend(points.into_iter().map(|(x, y, _)| (x, y)));
    } else {
        for i in 0..n {
            vertices(&g.get_geometry(i), out);
        }
    }
}

fn json_vertices(v: &Value, out: &mut Vec<(f64, f64)>) {
    match v.as_array() {
        Some(a) if a.first().is_some_and(Value::is_number) => {
            out.push((a[0].as_f64().unwrap(), a[1].as_f64().unwrap()));
        }
        Some(a) => a.iter().for_each(|x| json_vertices(x, out)),
        None => {}
    }
}

/// Every feature of every layer of `path` (a zipped shapefile may hold several), with
/// field names mapped back through `rename` (the shapefile's list of renamed fields).
fn read_back(path: &str, rename: &BTreeMap<String, String>) -> Vec<Read> {
    // Read with GDAL itself, opened as the library's door opens it.
    nexus_ingest::load_gdal().unwrap();
    let ds = gdal::Dataset::open(path).unwrap_or_else(|e| panic!("GDAL cannot open {path}: {e}"));
    let mut out = Vec::new();
    for mut layer in ds.layers() {
        let names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        for feature in layer.features() {
            let mut props = BTreeMap::new();
            for (i, name) in names.iter().enumerate() {
                let original = rename.get(name).cloned().unwrap_or_else(|| name.clone());
                props.insert(original, feature.field_as_string(i).unwrap().filter(|s| !s.is_empty()));
            }
            let mut v = Vec::new();
            let family = match feature.geometry() {
                Some(g) => {
                    vertices(g, &mut v);
                    family(&g.geometry_name())
                }
                None => "none",
            };
            out.push(Read { props, family, vertices: v });
        }
    }
    out
}

fn is_date(s: &str) -> bool {
    s.len() == 10 && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
}

/// Whether an exported text value stands for the source's JSON value.
fn same(src: &Value, got: Option<&String>) -> bool {
    match (src, got) {
        (Value::Null, None) => true,
        (Value::Null, Some(_)) | (_, None) => false,
        (Value::Bool(b), Some(g)) => {
            let g = g.to_ascii_lowercase();
            if *b {
                g == "1" || g == "true"
            } else {
                g == "0" || g == "false"
            }
        }
        (Value::Number(n), Some(g)) => {
            let (a, b) = (n.as_f64().unwrap(), g.parse::<f64>().unwrap_or(f64::NAN));
            (a - b).abs() <= 1e-9 * a.abs().max(1.0)
        }
        // GDAL shows dates as 2021/03/01; FlatGeobuf has only date-times (midnight).
        (Value::String(s), Some(g)) if is_date(s) => {
            let g = g.replace('/', "-");
            g == *s || g.strip_suffix(" 00:00:00") == Some(s.as_str())
        }
        (Value::String(s), Some(g)) => g == s,
        _ => false,
    }
}

/// Compares what GDAL read back with the source GeoJSON.
fn assert_same(source: &Value, read: &[Read], what: &str, tolerance: f64) {
    let features = source["features"].as_array().unwrap();
    assert_eq!(read.len(), features.len(), "{what}: feature count");
    for src in features {
        let name = src["properties"]["name"].as_str().unwrap();
        let got = read
            .iter()
            .find(|r| r.props.get("name").and_then(Option::as_deref) == Some(name))
            .unwrap_or_else(|| panic!("{what}: no feature named {name}"));
        for (k, v) in src["properties"].as_object().unwrap() {
            assert!(got.props.contains_key(k), "{what}: field '{k}' is missing; fields {:?}", got.props.keys());
            assert!(same(v, got.props[k].as_ref()), "{what}: {name}.{k} is {:?}, expected {v}", got.props[k]);
        }
        assert_eq!(got.family, family(src["geometry"]["type"].as_str().unwrap()), "{what}: {name} geometry type");
        let mut want = Vec::new();
        json_vertices(&src["geometry"]["coordinates"], &mut want);
        let mut have = got.vertices.clone();
        let key = |p: &(f64, f64)| ((p.0 * 1e5).round() as i64, (p.1 * 1e5).round() as i64);
        want.sort_by_key(key);
        have.sort_by_key(key);
        assert_eq!(have.len(), want.len(), "{what}: {name} vertex count");
        for (h, w) in have.iter().zip(&want) {
            assert!(
                (h.0 - w.0).abs() <= tolerance && (h.1 - w.1).abs() <= tolerance,
                "{what}: {name} vertex {h:?} is not {w:?} within {tolerance}"
            );
        }
    }
}

async fn load(env: &Env, file: &Path, id: &str) -> Layer {
    let r = env.ingest(IngestOptions::new(file, LayerId::new(id).unwrap())).await.unwrap();
    assert!(r.committed);
    env.store.layer(&LayerId::new(id).unwrap()).await.unwrap().unwrap()
}

async fn export(env: &Env, layer: &Layer, format: ExportFormat, dest: &Path) -> u64 {
    let filter = FeatureFilter::default();
    let job = ExportJob { name: layer.id.as_str(), filter: &filter, precision: 6, format };
    nexus_ingest::export(&env.store, Collection::Layer(layer), &job, dest, Arc::new(NoProgress)).await.unwrap()
}

fn shapefile_renames(zip_path: &Path, name: &str) -> BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut z.by_name(&format!("{name}.fields.csv")).unwrap(), &mut text).unwrap();
    let mut renames = BTreeMap::new();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("original,shapefile"));
    for line in lines {
        // The fixture's names hold no commas or quotes, so a plain split reads them.
        let (original, short) = line.split_once(',').unwrap();
        assert!(short.len() <= 10, "{short} is too long for a .dbf");
        renames.insert(short.to_owned(), original.to_owned());
    }
    renames
}

#[tokio::test]
async fn every_format_round_trips_through_gdal() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().unwrap();
    for kind in ["polygons", "lines", "points"] {
        let file = export_fixture(&format!("works_{kind}.geojson"));
        let source: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let id = format!("works-{kind}");
        let layer = load(&env, &file, &id).await;
        for &format in ExportFormat::ALL {
            let dest = dir.path().join(format!("{id}.{}", format.extension()));
            let bytes = export(&env, &layer, format, &dest).await;
            assert!(bytes > 0 && dest.exists(), "{format:?}: nothing written");
            let (path, renames) = match format {
                ExportFormat::Shapefile => (format!("/vsizip/{}", dest.display()), shapefile_renames(&dest, &id)),
                // KML writes a "name" property as the placemark's <name>, which GDAL reads as "Name".
                ExportFormat::Kml => (dest.display().to_string(), BTreeMap::from([("Name".into(), "name".into())])),
                _ => (dest.display().to_string(), BTreeMap::new()),
            };
            // GeoJSON keeps 6 decimals (RFC 7946's advice, ~10 cm); the others the source's.
            let tolerance = if format == ExportFormat::GeoJson { 5.1e-7 } else { 1e-8 };
            let what = format!("{id} as {}", format.label());
            assert_same(&source, &read_back(&path, &renames), &what, tolerance);
        }
    }
}

#[tokio::test]
async fn shapefiles_map_long_names_and_split_mixed_geometries() {
    let env = Env::new().await;
    let cities =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/cities.geojson")).unwrap();
    env.store.upsert_cities(&nexus_core::CityCollection::from_geojson(&cities).unwrap().0).await.unwrap();
    let layer = load(&env, &export_fixture("works_polygons.geojson"), "works").await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("works.shp.zip");
    export(&env, &layer, ExportFormat::Shapefile, &dest).await;
    let mut z = zip::ZipArchive::new(std::fs::File::open(&dest).unwrap()).unwrap();
    let mut names: Vec<String> = z.file_names().map(str::to_owned).collect();
    names.sort_unstable();
    assert_eq!(names, ["works.cpg", "works.dbf", "works.fields.csv", "works.prj", "works.shp", "works.shx"]);
    let mut cpg = String::new();
    std::io::Read::read_to_string(&mut z.by_name("works.cpg").unwrap(), &mut cpg).unwrap();
    assert_eq!(cpg.trim(), "UTF-8");
    let mut prj = String::new();
    std::io::Read::read_to_string(&mut z.by_name("works.prj").unwrap(), &mut prj).unwrap();
    assert!(prj.contains("WGS_1984") || prj.contains("WGS 84"), "{prj}");
    let renames = shapefile_renames(&dest, "works");
    assert_eq!(renames.len(), 9, "every field is listed: {renames:?}");
    assert_eq!(
        renames.values().filter(|o| o.starts_with("population_")).count(),
        2,
        "both colliding population fields survive under distinct names: {renames:?}"
    );

    // Projects mix points, lines and polygons: one shapefile per kind.
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/projects.geojson")).unwrap();
    let mut projects = nexus_core::ProjectCollection::from_geojson(&text).unwrap().0;
    // A project not yet placed on the map keeps its attributes in a table of its own.
    let unplaced = r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,
        "properties":{"slug":"cm-unplaced","city":"chiang-mai","title":"Somewhere in the city","title_local":"ที่ใดที่หนึ่ง",
        "sectors":["water","food"],"status":"idea","visibility":"public"}}]}"#;
    projects.extend(nexus_core::ProjectCollection::from_geojson(unplaced).unwrap().0);
    env.store.upsert_projects(&projects).await.unwrap();
    let filter = FeatureFilter::default();
    let job = ExportJob { name: "projects", filter: &filter, precision: 6, format: ExportFormat::Shapefile };
    let dest = dir.path().join("projects.shp.zip");
    let all = Collection::Projects { drafts: &nexus_core::DraftScope::All };
    nexus_ingest::export(&env.store, all, &job, &dest, Arc::new(NoProgress)).await.unwrap();
    let z = zip::ZipArchive::new(std::fs::File::open(&dest).unwrap()).unwrap();
    let names: Vec<&str> = z.file_names().collect();
    for kind in ["points", "lines", "polygons"] {
        assert!(names.contains(&format!("projects_{kind}.shp").as_str()), "no {kind} shapefile in {names:?}");
    }
    assert!(names.contains(&"projects_no_geometry.dbf"), "{names:?}");
    let read = read_back(&format!("/vsizip/{}", dest.display()), &shapefile_renames(&dest, "projects"));
    assert_eq!(read.len(), projects.len(), "no project is lost");
    assert_eq!(read.iter().filter(|r| r.family == "none").count(), 1);
    let titles: Vec<&str> = read.iter().filter_map(|r| r.props.get("title_local")?.as_deref()).collect();
    for p in &projects {
        if let Some(local) = &p.meta.title_local {
            assert!(titles.contains(&local.as_str()), "{local} lost among {titles:?}");
        }
    }
}

#[tokio::test]
async fn a_bare_shp_destination_gets_its_parts_beside_it() {
    let env = Env::new().await;
    let places = load(&env, &crate::util::fixture("places.geojson"), "places").await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.shp");
    export(&env, &places, ExportFormat::Shapefile, &dest).await;
    for ext in ["shp", "shx", "dbf", "prj", "cpg", "fields.csv"] {
        assert!(dir.path().join(format!("out.{ext}")).exists(), "out.{ext} missing");
    }
    assert_eq!(read_back(&dest.display().to_string(), &BTreeMap::new()).len(), 6);
}

#[tokio::test]
async fn filters_and_progress_reach_the_file() {
    use std::sync::atomic::{AtomicU64, Ordering};
    #[derive(Default)]
    struct Seen {
        total: AtomicU64,
        last: AtomicU64,
        stages: std::sync::Mutex<Vec<String>>,
    }
    impl nexus_ingest::Progress for Seen {
        fn start(&self, total: Option<u64>) {
            self.total.store(total.unwrap(), Ordering::SeqCst);
        }
        fn update(&self, n: u64) {
            self.last.store(n, Ordering::SeqCst);
        }
        fn finish(&self) {}
        fn stage(&self, what: &str) {
            self.stages.lock().unwrap().push(what.to_owned());
        }
    }
    let env = Env::new().await;
    let places = load(&env, &crate::util::fixture("places.geojson"), "places").await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("th.gpkg");
    // Only the Thai places (Chiang Mai and its wastewater plant).
    let filter = FeatureFilter { equals: vec![("country".into(), "TH".into())], ..FeatureFilter::default() };
    let job = ExportJob { name: "places", filter: &filter, precision: 6, format: ExportFormat::GeoPackage };
    let seen = Arc::new(Seen::default());
    nexus_ingest::export(&env.store, Collection::Layer(&places), &job, &dest, seen.clone()).await.unwrap();
    let read = read_back(&dest.display().to_string(), &BTreeMap::new());
    assert_eq!(read.len(), 2);
    assert!(read.iter().all(|r| r.props["country"].as_deref() == Some("TH")));
    assert_eq!(seen.total.load(Ordering::SeqCst), 2);
    assert_eq!(*seen.stages.lock().unwrap(), vec!["writing GeoPackage".to_owned()]);
    assert!(seen.last.load(Ordering::SeqCst) <= 2);
}
