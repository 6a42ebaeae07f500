//! The native GeoJSON reader (issue 11): it stores what GDAL's reader stores, streams gzip
//! files, hands files that need a coordinate transformation to GDAL, and says where a broken
//! file breaks.

use std::io::Write;
use std::path::Path;

use nexus_core::LayerId;
use nexus_ingest::{IngestError, IngestOptions};

use crate::util::{fixture, Env};

/// Every stored row of `layer`: fid, geometry as WKB hex, properties.
async fn rows(env: &Env, layer: &str) -> Vec<(i64, String, serde_json::Value)> {
    env.sql
        .query(
            "SELECT fid, encode(ST_AsBinary(geom), 'hex'), properties FROM features WHERE layer_id = $1 ORDER BY fid",
            &[&layer],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// `file` read by GDAL: naming the coordinate system sends a GeoJSON file to GDAL's reader.
fn through_gdal(file: &Path, layer: &str) -> IngestOptions {
    let mut o = IngestOptions::new(file, LayerId::new(layer).unwrap());
    o.source_crs = Some("EPSG:4326".into());
    o
}

/// `file` ingested twice: by the native reader into layer `native`, by GDAL's into `gdal`.
async fn both(env: &Env, file: &Path) -> (nexus_ingest::IngestReport, nexus_ingest::IngestReport) {
    let native = env.ingest_file(file, "native").await.unwrap();
    let gdal = env.ingest(through_gdal(file, "gdal")).await.unwrap();
    (native, gdal)
}

#[tokio::test]
async fn the_native_reader_stores_what_gdal_stores() {
    let env = Env::new().await;
    for file in ["places.geojson", "zones.geojson", "places.geojsonl"] {
        let (native, gdal) = both(&env, &fixture(file)).await;
        assert_eq!(native.fields, gdal.fields, "{file}");
        assert_eq!((native.features, native.geometry_type), (gdal.features, gdal.geometry_type), "{file}");
        assert_eq!(native.bounds, gdal.bounds, "{file}");
        // jsonb compares numbers by value: GDAL's 40.0 equals the file's 40.
        assert_eq!(rows(&env, "native").await, rows(&env, "gdal").await, "{file}");
    }
}

#[tokio::test]
async fn nested_values_ids_multi_parts_and_heights_are_read_as_gdal_reads_them() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rich.geojson");
    std::fs::write(
        &file,
        r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","id":"wwtp-1","properties":{"name":"Kh\u00e2m \"A\"\n","meta":{"built":1996,"tags":["a","b"]},"levels":[1,2,3],"share":0.25,"when":"2021-03-01T10:00:00+07:00"},
  "geometry":{"type":"MultiPolygon","coordinates":[[[[98,18,300],[99,18,300],[99,19,300],[98,18,300]],[[98.5,18.2,1],[98.8,18.2,1],[98.8,18.4,1],[98.5,18.2,1]]],[[[100,18],[101,18],[101,19],[100,18]]]]}},
 {"geometry":{"type":"GeometryCollection","geometries":[{"type":"Polygon","coordinates":[[[102,18],[103,18],[103,19],[102,18]]]}]},"type":"Feature","id":"wwtp-2","properties":{"name":"日照","meta":null,"levels":[],"share":1.5,"when":"2022-12-31T00:00:00Z"}}
]}"#,
    )
    .unwrap();
    let (native, gdal) = both(&env, &file).await;
    assert_eq!(native.fields, gdal.fields);
    assert_eq!((native.features, &native.warnings), (gdal.features, &gdal.warnings));
    assert_eq!(native.issues, gdal.issues);
    assert_eq!(rows(&env, "native").await, rows(&env, "gdal").await);
}

#[tokio::test]
async fn gzip_files_are_read_as_they_expand_and_files_needing_a_transformation_go_to_gdal() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("places.geojson.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    enc.write_all(&std::fs::read(fixture("places.geojson")).unwrap()).unwrap();
    enc.finish().unwrap();
    let r = env.ingest_file(&gz, "gz").await.unwrap();
    assert_eq!(r.features.loaded, 6);
    assert_eq!(r.source_layer.as_deref(), Some("places"));
    assert_eq!(rows(&env, "gz").await.len(), 6);

    // A named UTM system before the features: GDAL's reader transforms it.
    let utm = dir.path().join("utm.geojson");
    std::fs::write(
        &utm,
        br#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32647"}},
           "features":[{"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[500000,2000000]}}]}"#,
    )
    .unwrap();
    let r = env.ingest_file(&utm, "utm").await.unwrap();
    assert_eq!(r.source_crs.as_deref(), Some("EPSG:32647"));
    let (_, wkb, _) = rows(&env, "utm").await.remove(0);
    let x: f64 = env.sql.query_one("SELECT ST_X(ST_GeomFromWKB(decode($1, 'hex')))", &[&wkb]).await.unwrap().get(0);
    assert!((x - 99.0).abs() < 1e-6, "the central meridian of zone 47: {x}");

    // The same member after the features cannot be honoured by a one-pass reader: refused,
    // with the way out.
    let before = env.fingerprint().await;
    let late = dir.path().join("late.geojson");
    std::fs::write(
        &late,
        br#"{"type":"FeatureCollection",
           "features":[{"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[500000,2000000]}}],
           "crs":{"type":"name","properties":{"name":"EPSG:32647"}}}"#,
    )
    .unwrap();
    let err = env.ingest_file(&late, "late").await.unwrap_err();
    assert!(matches!(err, IngestError::BadCrs { .. }), "{err}");
    assert!(err.to_string().contains("after its features"), "{err}");
    assert_eq!(env.fingerprint().await, before, "nothing stored");
    // WGS 84 said in any of its spellings is read natively.
    let wgs = dir.path().join("wgs.geojson");
    std::fs::write(
        &wgs,
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[99,18]}}],
           "crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}}}"#,
    )
    .unwrap();
    assert_eq!(env.ingest_file(&wgs, "wgs").await.unwrap().features.loaded, 1);
}

#[tokio::test]
async fn a_lone_feature_sequences_with_separators_and_broken_files_say_where() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().unwrap();
    let lone = dir.path().join("lone.geojson");
    std::fs::write(
        &lone,
        br#"{"properties":{"name":"Mae Kha"},"geometry":{"type":"LineString","coordinates":[[98.98,18.79],[98.99,18.78]]},"type":"Feature"}"#,
    )
    .unwrap();
    let r = env.ingest_file(&lone, "lone").await.unwrap();
    assert_eq!((r.features.loaded, r.fields.len()), (1, 1));

    let seq = dir.path().join("rs.geojsons");
    std::fs::write(
        &seq,
        "\u{1e}{\"type\":\"Feature\",\"properties\":{\"n\":1},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}\n\
         \u{1e}{\"type\":\"Feature\",\"properties\":{\"n\":2},\n  \"geometry\":{\"type\":\"Point\",\"coordinates\":[3,4]}}\n",
    )
    .unwrap();
    assert_eq!(env.ingest_file(&seq, "rs").await.unwrap().features.loaded, 2);

    let before = env.fingerprint().await;
    for (name, body, says) in [
        (
            "third.geojson",
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}},
              {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}},
              {"type":"Feature","properties":{},"geometry":{"type":"Pointy","coordinates":[1,2]}}]}"#,
            "third.geojson is damaged at feature 3: its geometry has an unknown type \"Pointy\"",
        ),
        (
            "comma.geojson",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null} {"type":"Feature"}]}"#,
            "comma.geojson cannot be read as GeoJSON: at byte 91: expected ',' or ']' but found '{'",
        ),
        ("array.geojson", "[1, 2]", "it is not a JSON object"),
        (
            "member.geojson",
            r#"{"type":"FeatureCollection","bbox":[1,},"features":[]}"#,
            "its \"bbox\" member is not valid JSON",
        ),
        ("empty.geojson", r#"{"x":,"features":[]}"#, "at byte 5: expected a value but found ','"),
        ("twice.geojson", r#"{"features":[],"features":[]}"#, "it has two \"features\" members"),
        (
            "tail.geojson",
            r#"{"type":"FeatureCollection","features":[]} x"#,
            "there is more after the end of the JSON object",
        ),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        let err = env.ingest_file(&p, "broken").await.unwrap_err();
        assert!(err.to_string().contains(says), "{name}: {err}");
        assert_eq!(env.fingerprint().await, before, "{name}: nothing stored");
    }
}

#[tokio::test]
async fn flatgeobuf_is_read_natively_as_gdal_reads_it_and_damage_is_refused() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().unwrap();
    // Every column type GDAL writes, multi-parts with holes, a null geometry, no spatial index
    // and with one.
    let rich = dir.path().join("rich.geojson");
    std::fs::write(
        &rich,
        r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"Kh\u00e2m","n":3,"big":12345678901,"share":0.25,"ok":true,"meta":{"a":[1,2]},"when":"2021-03-01"},
  "geometry":{"type":"MultiPolygon","coordinates":[[[[98,18],[99,18],[99,19],[98,18]],[[98.5,18.2],[98.8,18.2],[98.8,18.4],[98.5,18.2]]],[[[100,18],[101,18],[101,19],[100,18]]]]}},
 {"type":"Feature","properties":{"name":"日照","n":null,"big":1,"share":1.5,"ok":false,"meta":null,"when":"2022-12-31"},
  "geometry":{"type":"Polygon","coordinates":[[[102,18],[103,18],[103,19],[102,18]]]}}
]}"#,
    )
    .unwrap();
    let mut files = vec![crate::util::fixture("places.fgb")];
    for (name, index) in [("rich.fgb", "YES"), ("rich_noindex.fgb", "NO")] {
        let fgb = dir.path().join(name);
        let status = std::process::Command::new("ogr2ogr")
            .args(["-f", "FlatGeobuf", "-lco", &format!("SPATIAL_INDEX={index}")])
            .arg(&fgb)
            .arg(&rich)
            .status()
            .unwrap();
        assert!(status.success());
        files.push(fgb);
    }
    for file in &files {
        let (native, gdal) = both(&env, file).await;
        assert_eq!(native.fields, gdal.fields, "{}", file.display());
        assert_eq!((native.features, native.bounds), (gdal.features, gdal.bounds), "{}", file.display());
        let (ours, theirs) = (rows(&env, "native").await, rows(&env, "gdal").await);
        assert_eq!(ours.len(), theirs.len());
        for ((fid, wkb, props), (g_fid, g_wkb, g_props)) in ours.iter().zip(&theirs) {
            assert_eq!((fid, wkb), (g_fid, g_wkb), "{}", file.display());
            for (k, v) in g_props.as_object().unwrap() {
                let mine = &props[k];
                // One deliberate difference: GDAL gives a date-time without a zone "+00:00",
                // where this reader keeps it as written.
                let same = mine == v || v.as_str().zip(mine.as_str()).is_some_and(|(g, m)| g == format!("{m}+00:00"));
                assert!(same, "{} feature {fid} {k}: {mine} against GDAL's {v}", file.display());
            }
            assert_eq!(props.as_object().unwrap().len(), g_props.as_object().unwrap().len());
        }
    }
    let places = rows(&env, "native").await;
    assert_eq!(places.len(), 2, "the last file read was rich_noindex.fgb");
    assert_eq!(env.ingest_file(&files[0], "native").await.unwrap().features.loaded, 6);
    let first = &rows(&env, "native").await[0].2;
    assert_eq!(
        (&first["note"], &first["since"]),
        (&serde_json::Value::Null, &serde_json::json!("2013-11-01T00:00:00"))
    );

    // Damage: cut short, a feature claiming more bytes than the file holds, not FlatGeobuf.
    let before = env.fingerprint().await;
    let whole = std::fs::read(&files[1]).unwrap();
    let cut = dir.path().join("cut.fgb");
    std::fs::write(&cut, &whole[..whole.len() - 10]).unwrap();
    let err = env.ingest_file(&cut, "broken").await.unwrap_err();
    assert!(err.to_string().contains("more than the file holds"), "{err}");
    let mut huge = std::fs::read(&files[2]).unwrap();
    let header = u32::from_le_bytes(huge[8..12].try_into().unwrap()) as usize;
    huge[12 + header..16 + header].copy_from_slice(&u32::MAX.to_le_bytes());
    let huge_file = dir.path().join("huge.fgb");
    std::fs::write(&huge_file, &huge).unwrap();
    let err = env.ingest_file(&huge_file, "broken").await.unwrap_err();
    assert!(matches!(err, IngestError::Read { feature: 1, .. }), "{err}");
    assert!(err.to_string().contains("4294967295 bytes long, more than the file holds"), "{err}");
    let fake = dir.path().join("fake.fgb");
    std::fs::write(&fake, b"PK\x03\x04 not flatgeobuf at all").unwrap();
    let err = env.ingest_file(&fake, "broken").await.unwrap_err();
    assert!(err.to_string().contains("FlatGeobuf's magic bytes"), "{err}");
    assert_eq!(env.fingerprint().await, before, "nothing stored");
}
