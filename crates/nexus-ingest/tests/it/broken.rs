//! The corpus of broken and hostile inputs: each gets its own clear error, and the database
//! is byte-for-byte what it was.

use std::io::Write;
use std::path::Path;

use gdal::spatial_ref::SpatialRef;
use gdal::vector::{Geometry, LayerAccess, LayerOptions};
use nexus_core::LayerId;
use nexus_ingest::{Action, IngestError, IngestOptions};

use crate::util::{copies, fixture, Env};

/// An environment holding one loaded layer, so "unchanged" means something.
async fn loaded() -> (Env, Vec<String>) {
    let env = Env::new().await;
    env.ingest_file(&fixture("places.geojson"), "places").await.unwrap();
    let before = env.fingerprint().await;
    (env, before)
}

async fn refused(env: &Env, before: &[String], path: &Path, layer: &str) -> IngestError {
    let err = env.ingest_file(path, layer).await.expect_err("must be refused");
    assert_eq!(env.fingerprint().await, before, "the database changed after: {err}");
    assert!(!err.to_string().contains('\n'), "one-line message: {err}");
    err
}

fn write(dir: &Path, name: &str, body: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[tokio::test]
async fn a_truncated_shapefile_names_the_damage() {
    let (env, before) = loaded().await;
    let dir = copies(&["wwtp_utm47.shp", "wwtp_utm47.shx", "wwtp_utm47.dbf", "wwtp_utm47.prj", "wwtp_utm47.cpg"]);
    let shp = dir.path().join("wwtp_utm47.shp");
    let len = std::fs::metadata(&shp).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&shp).unwrap().set_len(len - 20).unwrap();
    // Also over an existing layer: a replace that fails leaves the old data.
    let err = refused(&env, &before, &shp, "places").await;
    let text = err.to_string();
    assert!(matches!(err, IngestError::Read { feature: 2, .. } | IngestError::Refused(_)), "{text}");
    assert!(text.contains("wwtp_utm47.shp"), "{text}");
}

#[tokio::test]
async fn missing_shapefile_parts_are_named() {
    let (env, before) = loaded().await;
    for (missing, expect) in [("shx", "has no .shx file"), ("dbf", "has no .dbf file")] {
        let all = ["wwtp_utm47.shp", "wwtp_utm47.shx", "wwtp_utm47.dbf", "wwtp_utm47.prj"];
        let keep: Vec<&str> = all.iter().copied().filter(|n| !n.ends_with(missing)).collect();
        let dir = copies(&keep);
        let err = refused(&env, &before, &dir.path().join("wwtp_utm47.shp"), "wwtp").await;
        assert!(matches!(err, IngestError::ShapefilePart { .. }), "{err}");
        assert!(err.to_string().contains(expect), "{err}");
    }
    let dir = copies(&["wwtp_utm47.shp", "wwtp_utm47.shx", "wwtp_utm47.dbf"]);
    let err = refused(&env, &before, &dir.path().join("wwtp_utm47.shp"), "wwtp").await;
    assert!(matches!(err, IngestError::NoCrs { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "wwtp_utm47.shp has no coordinate system; name the one it uses with --source-crs (for example --source-crs EPSG:32647 for UTM zone 47N)"
    );
    // Naming it works.
    let mut o = IngestOptions::new(dir.path().join("wwtp_utm47.shp"), LayerId::new("wwtp").unwrap());
    o.source_crs = Some("EPSG:32647".into());
    o.encoding = Some("CP874".into());
    assert_eq!(env.ingest(o).await.unwrap().features.loaded, 2);
}

#[tokio::test]
async fn invalid_json_and_deep_nesting_are_unreadable_not_crashes() {
    let (env, before) = loaded().await;
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "broken.geojson", br#"{"type":"FeatureCollection","features":[{"type":"Feature","#);
    let err = refused(&env, &before, &p, "broken").await;
    assert!(matches!(err, IngestError::Unreadable { format: "GeoJSON", .. }), "{err}");
    assert!(err.to_string().starts_with("broken.geojson cannot be read as GeoJSON: "), "{err}");

    let depth = 100_000;
    let mut deep = String::from(
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":"#,
    );
    deep.push_str(&"[".repeat(depth));
    deep.push_str(&"]".repeat(depth));
    deep.push_str("}}]}");
    let p = write(dir.path(), "deep.geojson", deep.as_bytes());
    let err = refused(&env, &before, &p, "deep").await;
    assert!(matches!(err, IngestError::Unreadable { .. }), "{err}");
}

#[tokio::test]
async fn bad_coordinates_are_refused_with_the_feature_number() {
    let (env, before) = loaded().await;
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "far.geojson",
        br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[100,10]}},
          {"type":"Feature","properties":{"n":2},"geometry":{"type":"Point","coordinates":[500,10]}},
          {"type":"Feature","properties":{"n":3},"geometry":{"type":"Point","coordinates":[1e999,1]}}]}"#,
    );
    let err = refused(&env, &before, &p, "far").await;
    let IngestError::Refused(report) = &err else { panic!("{err}") };
    assert_eq!(report.features.refused, 2);
    assert_eq!(report.issues[0].feature, 2);
    assert_eq!(report.issues[0].reason, "coordinate 1 (500, 10) is outside longitude -180..180 / latitude -90..90");
    assert_eq!(report.issues[1].feature, 3);
    assert!(report.issues[1].reason.contains("is not a finite number (inf, 1)"), "{:?}", report.issues[1]);
    assert_eq!(err.to_string(), "2 of 3 features of far.geojson refused (first: feature 2, coordinate 1 (500, 10) is outside longitude -180..180 / latitude -90..90); nothing was written");

    // NaN cannot be written in JSON; a GeoPackage can hold it. The test writes it with GDAL
    // itself, so it opens GDAL first, as the library's door does.
    let gpkg = dir.path().join("nan.gpkg");
    nexus_ingest::load_gdal().unwrap();
    {
        let drv = gdal::DriverManager::get_driver_by_name("GPKG").unwrap();
        let mut ds = drv.create_vector_only(&gpkg).unwrap();
        let srs = SpatialRef::from_epsg(4326).unwrap();
        let mut layer = ds
            .create_layer(LayerOptions {
                name: "nan",
                srs: Some(&srs),
                ty: gdal_sys::OGRwkbGeometryType::wkbLineString,
                options: None,
            })
            .unwrap();
        let mut g = Geometry::from_wkt("LINESTRING (100 10, 101 11)").unwrap();
        g.set_point_2d(1, (f64::NAN, 11.0));
        layer.create_feature(g).unwrap();
    }
    let err = refused(&env, &before, &gpkg, "nan").await;
    let IngestError::Refused(report) = &err else { panic!("{err}") };
    assert_eq!(report.issues[0].feature, 1);
    assert!(
        report.issues[0].reason.starts_with("coordinate 2 is not a finite number (NaN, 11)"),
        "{:?}",
        report.issues
    );

    // Coordinates impossible for the named CRS.
    let p = write(dir.path(), "utm.csv", b"x,y,name\n500000,2000000,ok\n1e12,1e12,absurd\n");
    let mut o = IngestOptions::new(&p, LayerId::new("utm").unwrap());
    o.source_crs = Some("EPSG:32647".into());
    let err = env.ingest(o).await.expect_err("refused");
    assert_eq!(env.fingerprint().await, before);
    let IngestError::Refused(report) = &err else { panic!("{err}") };
    assert_eq!(report.issues[0].feature, 2, "{:?}", report.issues);
}

#[tokio::test]
async fn invalid_polygons_are_repaired_or_refused_and_reported() {
    let (env, before) = loaded().await;
    let dir = tempfile::tempdir().unwrap();
    // 1 a bowtie (self-intersection), 2 an unclosed ring, 3 a good square.
    let p = write(
        dir.path(),
        "shapes.geojson",
        br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"n":1},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,2],[2,0],[0,2],[0,0]]]}},
          {"type":"Feature","properties":{"n":2},"geometry":{"type":"Polygon","coordinates":[[[10,10],[11,10],[11,11],[10,11]]]}},
          {"type":"Feature","properties":{"n":3},"geometry":{"type":"Polygon","coordinates":[[[20,20],[21,20],[21,21],[20,21],[20,20]]]}}]}"#,
    );
    // A dry run reports the repairs and writes nothing.
    let mut o = IngestOptions::new(&p, LayerId::new("shapes").unwrap());
    o.dry_run = true;
    let r = env.ingest(o).await.unwrap();
    assert!(!r.committed);
    assert_eq!(env.fingerprint().await, before, "a dry run writes nothing");
    assert_eq!((r.features.read, r.features.loaded), (3, 3));
    let bowtie = r.issues.iter().find(|i| i.feature == 1).unwrap();
    assert_eq!(bowtie.action, Action::Repaired);
    assert!(bowtie.reason.contains("Self-intersection") && bowtie.reason.contains("ST_MakeValid"), "{bowtie:?}");
    let unclosed = r.issues.iter().find(|i| i.feature == 2).unwrap();
    assert_eq!((unclosed.action, unclosed.reason.as_str()), (Action::Repaired, "closed 1 unclosed ring"));
    assert!(!r.issues.iter().any(|i| i.feature == 3));

    // For real: stored valid, as polygons.
    let r = env.ingest_file(&p, "shapes").await.unwrap();
    assert!(r.committed);
    let valid: bool = env
        .sql
        .query_one("SELECT bool_and(ST_IsValid(geom)) AND bool_and(GeometryType(geom) IN ('POLYGON','MULTIPOLYGON')) FROM features WHERE layer_id = 'shapes'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(valid);
    let area: f64 = env
        .sql
        .query_one("SELECT ST_Area(geom) FROM features WHERE layer_id = 'shapes' AND fid = 1", &[])
        .await
        .unwrap()
        .get(0);
    assert!((area - 2.0).abs() < 1e-9, "the bowtie becomes two triangles: {area}");

    // A polygon that repairs to nothing (a zero-area spike) is refused.
    let before = env.fingerprint().await;
    let p = write(
        dir.path(),
        "spike.geojson",
        br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[2,2],[0,0]]]}}]}"#,
    );
    let err = refused(&env, &before, &p, "shapes").await;
    let IngestError::Refused(report) = &err else { panic!("{err}") };
    assert!(report.issues[0].reason.contains("leaves no polygon"), "{:?}", report.issues);
}

#[tokio::test]
async fn mixed_geometry_families_are_refused_feature_by_feature() {
    let (env, before) = loaded().await;
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "mixed.geojson",
        br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,1]}},
          {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[1,1],[2,2]]}},
          {"type":"Feature","properties":{},"geometry":null}]}"#,
    );
    let err = refused(&env, &before, &p, "mixed").await;
    let IngestError::Refused(report) = &err else { panic!("{err}") };
    assert_eq!(report.issues.len(), 2);
    assert_eq!(report.issues[0].feature, 2);
    assert_eq!(report.issues[0].reason, "it is a line in a point layer; a layer holds one geometry type");
    assert_eq!(report.issues[1].feature, 3);
    assert!(report.issues[1].reason.starts_with("the feature has no geometry"));

    // Dropping the empty one on request is explicit and listed; the line still refuses.
    let mut o = IngestOptions::new(&p, LayerId::new("mixed").unwrap());
    o.drop_empty = true;
    let IngestError::Refused(report) = env.ingest(o).await.unwrap_err() else { panic!() };
    assert_eq!(report.features.dropped, 1);
    assert_eq!(report.features.refused, 1);
}

fn zip_with(path: &Path, entries: &[(&str, &[u8])]) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in entries {
        z.start_file(*name, opts).unwrap();
        z.write_all(body).unwrap();
    }
    z.finish().unwrap();
}

#[tokio::test]
async fn hostile_archives_and_documents_are_refused() {
    let (env, before) = loaded().await;
    let dir = tempfile::tempdir().unwrap();
    let shp = std::fs::read(fixture("wwtp_utm47.shp")).unwrap();

    let slip = dir.path().join("slip.zip");
    zip_with(&slip, &[("../../../../tmp/evil.shp", &shp), ("ok.shx", b"x")]);
    let err = refused(&env, &before, &slip, "slip").await;
    assert!(matches!(err, IngestError::UnsafeArchive { .. }), "{err}");
    assert!(err.to_string().contains("points outside the archive (zip-slip)"), "{err}");

    let bomb = dir.path().join("bomb.zip");
    let zeros = vec![0u8; 64 << 20];
    zip_with(&bomb, &[("bomb.shp", &zeros), ("bomb.shx", b""), ("bomb.dbf", b"")]);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20, "the bomb is small on disk");
    let err = refused(&env, &before, &bomb, "bomb").await;
    assert!(matches!(err, IngestError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("looks like a zip bomb"), "{err}");

    let xxe = dir.path().join("xxe.kml");
    std::fs::write(
        &xxe,
        br#"<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&secret;</name>
<Point><coordinates>98.98,18.79</coordinates></Point></Placemark></Document></kml>"#,
    )
    .unwrap();
    let err = refused(&env, &before, &xxe, "xxe").await;
    assert!(matches!(err, IngestError::Hostile { .. }), "{err}");
    assert!(err.to_string().contains("XML external entity"), "{err}");

    // In a KMZ, GDAL follows links between documents: every document is checked, not only
    // the first.
    let kmz = dir.path().join("linked.kmz");
    let doc = br#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<NetworkLink><Link><href>layers/evil.kml</href></Link></NetworkLink></Document></kml>"#;
    zip_with(&kmz, &[("doc.kml", doc), ("layers/evil.kml", &std::fs::read(&xxe).unwrap())]);
    let err = refused(&env, &before, &kmz, "xxe").await;
    assert!(matches!(err, IngestError::Hostile { .. }), "{err}");
}
