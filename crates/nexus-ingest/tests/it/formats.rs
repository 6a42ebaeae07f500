//! Every supported format ingests, with counts, types, coordinate systems and text in five
//! scripts checked against what PostGIS holds.

use nexus_core::{FieldType, GeometryFamily, LayerId};
use nexus_ingest::{Format, IngestError, IngestOptions};
use serde_json::json;

use crate::util::{fixture, Env};

const LOCAL_NAMES: [&str; 6] = [
    "เชียงใหม่ นครพิงค์",
    "โรงบำบัดน้ำเสียเทศบาลนครเชียงใหม่",
    "Kota Tanjungpinang, Kepulauan Riau",
    "Thành phố Đà Nẵng",
    "日照市",
    "Улаанбаатар хот",
];

async fn assert_places(env: &Env, layer: &str, with_types: bool) {
    assert_eq!(env.count(layer).await, 6);
    for (i, name) in LOCAL_NAMES.iter().enumerate() {
        let fid = i64::try_from(i).unwrap() + 1;
        assert_eq!(env.prop(layer, fid, "name_local").await, json!(name), "{layer} feature {fid}");
    }
    if with_types {
        assert_eq!(env.prop(layer, 1, "population").await, json!(127_240));
        assert_eq!(env.prop(layer, 1, "area_km2").await, json!(40.22));
    }
    let (x, y): (f64, f64) = {
        let r = env
            .sql
            .query_one("SELECT ST_X(geom), ST_Y(geom) FROM features WHERE layer_id = $1 AND fid = 2", &[&layer])
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert!((x - 99.0).abs() < 1e-6 && (y - 18.758).abs() < 1e-6, "{layer}: ({x}, {y})");
    let srid: i32 = env
        .sql
        .query_one("SELECT DISTINCT ST_SRID(geom) FROM features WHERE layer_id = $1", &[&layer])
        .await
        .unwrap()
        .get(0);
    assert_eq!(srid, 4326);
}

#[tokio::test]
async fn geojson_keeps_every_type_and_script() {
    let env = Env::new().await;
    let r = env.ingest_file(&fixture("places.geojson"), "places").await.unwrap();
    assert_eq!((r.features.read, r.features.loaded, r.features.refused), (6, 6, 0));
    assert_eq!(r.geometry_type, Some(GeometryFamily::Point));
    assert_eq!(r.source_crs.as_deref(), Some("EPSG:4326"));
    assert!(r.committed);
    assert_eq!(r.revision, Some(1));
    assert_places(&env, "places", true).await;
    assert_eq!(env.prop("places", 1, "partner").await, json!(true));
    assert_eq!(env.prop("places", 2, "partner").await, json!(false));
    assert_eq!(env.prop("places", 1, "since").await, json!("2013-11-01"), "dates stay as written");
    assert_eq!(env.prop("places", 1, "note").await, json!(null));
    assert_eq!(env.prop("places", 2, "note").await, json!("aerated lagoons"));
    let ty = |name: &str| r.fields.iter().find(|f| f.name == name).map(|f| f.ty);
    assert_eq!(ty("population"), Some(FieldType::Integer));
    assert_eq!(ty("area_km2"), Some(FieldType::Number));
    assert_eq!(ty("partner"), Some(FieldType::Boolean));
    assert_eq!(ty("since"), Some(FieldType::Date), "text that is always a date makes a date field");
    assert_eq!(ty("name"), Some(FieldType::String));

    let layer = env.store.layer(&LayerId::new("places").unwrap()).await.unwrap().unwrap();
    assert_eq!(layer.feature_count, 6);
    assert_eq!(layer.geometry_type, Some(GeometryFamily::Point));
    let b = layer.bounds.unwrap();
    assert!((b[0] - 98.987).abs() < 1e-9 && (b[3] - 47.919).abs() < 1e-9, "{b:?}");
    assert!(layer.fields.iter().any(|f| f.name == "partner" && f.ty == FieldType::Boolean));
    // The web-mercator copy exists for tiles.
    let y3857: f64 = env
        .sql
        .query_one("SELECT ST_Y(geom_3857) FROM features WHERE layer_id = 'places' AND fid = 1", &[])
        .await
        .unwrap()
        .get(0);
    assert!((y3857 - 2_129_992.18).abs() < 0.01, "{y3857}");
}

#[tokio::test]
async fn geojson_sequences_flatgeobuf_and_kml_ingest() {
    let env = Env::new().await;
    for (file, layer, typed) in [
        ("places.geojsonl", "seq", true),
        ("places.fgb", "fgb", true),
        ("places.kml", "kml", false),
        ("places.kmz", "kmz", false),
    ] {
        let r = env.ingest_file(&fixture(file), layer).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(r.features.loaded, 6, "{file}");
        assert_places(&env, layer, typed).await;
    }
}

#[tokio::test]
async fn geopackages_give_one_layer_or_list_them_all() {
    let env = Env::new().await;
    let err = env.ingest_file(&fixture("atlas.gpkg"), "atlas").await.unwrap_err();
    assert!(matches!(err, IngestError::Layer { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "atlas.gpkg has 2 layers; its layers are: places, zones. Choose one with --source-layer"
    );
    let opts = IngestOptions::new(fixture("atlas.gpkg"), LayerId::new("atlas").unwrap());
    assert_eq!(nexus_ingest::layer_names(&opts).await.unwrap(), vec!["places", "zones"]);

    let mut zones = opts.clone();
    zones.layer = LayerId::new("zones").unwrap();
    zones.source_layer = Some("zones".into());
    let r = env.ingest(zones).await.unwrap();
    assert_eq!((r.features.loaded, r.geometry_type), (2, Some(GeometryFamily::Polygon)));
    assert_eq!(env.prop("zones", 1, "name_local").await, json!("เมืองเก่าเชียงใหม่"));
    let mut places = opts;
    places.layer = LayerId::new("gpkg-places").unwrap();
    places.source_layer = Some("places".into());
    env.ingest(places).await.unwrap();
    assert_places(&env, "gpkg-places", true).await;
}

#[tokio::test]
async fn csv_with_lon_lat_or_wkt_columns_needs_a_named_crs() {
    let env = Env::new().await;
    let err = env.ingest_file(&fixture("places_lonlat.csv"), "csv").await.unwrap_err();
    assert!(matches!(err, IngestError::NoCrs { .. }), "{err}");
    assert!(err.to_string().contains("--source-crs"), "{err}");

    let mut o = IngestOptions::new(fixture("places_lonlat.csv"), LayerId::new("csv").unwrap());
    o.source_crs = Some("EPSG:4326".into());
    let r = env.ingest(o).await.unwrap();
    assert_eq!(r.features.loaded, 6);
    assert_places(&env, "csv", true).await;

    let mut o = IngestOptions::new(fixture("zones_wkt.csv"), LayerId::new("wkt").unwrap());
    o.source_crs = Some("EPSG:4326".into());
    let r = env.ingest(o).await.unwrap();
    assert_eq!((r.features.loaded, r.geometry_type), (2, Some(GeometryFamily::Polygon)));
    assert_eq!(env.prop("wkt", 2, "name_local").await, json!("Pulau Penyengat"));
}

#[tokio::test]
async fn thai_shapefiles_in_utm_are_reprojected_and_decoded() {
    let env = Env::new().await;
    for (file, layer) in [("wwtp_utm47.shp", "shp"), ("wwtp_utm47.zip", "shpzip")] {
        let r = env.ingest_file(&fixture(file), layer).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(r.source_crs.as_deref(), Some("EPSG:32647"), "{file}");
        assert_eq!(r.features.loaded, 2, "{file}");
        assert_eq!(env.prop(layer, 1, "name_local").await, json!(LOCAL_NAMES[0]), "{file}");
        assert_eq!(env.prop(layer, 2, "name_local").await, json!(LOCAL_NAMES[1]), "{file}");
        let (x, y): (f64, f64) = {
            let r = env
                .sql
                .query_one("SELECT ST_X(geom), ST_Y(geom) FROM features WHERE layer_id = $1 AND fid = 2", &[&layer])
                .await
                .unwrap();
            (r.get(0), r.get(1))
        };
        assert!((x - 99.0).abs() < 1e-6 && (y - 18.758).abs() < 1e-6, "{file}: ({x}, {y})");
    }
    // Without a .cpg only the named encoding decodes the Thai text.
    let mut o = IngestOptions::new(fixture("thai_nocpg.shp"), LayerId::new("nocpg").unwrap());
    o.encoding = Some("TIS-620".into());
    env.ingest(o).await.unwrap();
    assert_eq!(env.prop("nocpg", 1, "name_local").await, json!(LOCAL_NAMES[0]));
}

#[tokio::test]
async fn metadata_reaches_the_catalog() {
    let env = Env::new().await;
    let mut o = IngestOptions::new(fixture("zones.geojson"), LayerId::new("heritage").unwrap());
    o.meta.title = Some("Heritage zones".into());
    o.meta.kind = Some(nexus_core::LayerKind::HeritageZone);
    o.meta.sectors = Some(vec![nexus_core::Sector::Land]);
    o.meta.city = Some("chiang-mai".parse().unwrap());
    o.meta.visibility = Some(nexus_core::Visibility::Public);
    o.meta.licence = Some("CC0-1.0".into());
    o.meta.approximate = Some(true);
    env.ingest(o).await.unwrap();
    let l = env.store.layer(&LayerId::new("heritage").unwrap()).await.unwrap().unwrap();
    assert_eq!(l.title, "Heritage zones");
    assert_eq!(l.kind, nexus_core::LayerKind::HeritageZone);
    assert_eq!(l.sectors, vec![nexus_core::Sector::Land]);
    assert_eq!(l.city.unwrap().as_str(), "chiang-mai");
    assert_eq!(l.visibility, nexus_core::Visibility::Public);
    assert!(l.approximate);

    let mut bad_city = IngestOptions::new(fixture("zones.geojson"), LayerId::new("elsewhere").unwrap());
    bad_city.meta.city = Some("atlantis".parse().unwrap());
    let err = env.ingest(bad_city).await.unwrap_err();
    assert!(err.to_string().contains("city 'atlantis' is not in the atlas"), "{err}");
}

#[tokio::test]
async fn unsupported_formats_are_named() {
    let env = Env::new().await;
    let dir = tempfile::tempdir().unwrap();
    let dwg = dir.path().join("plan.dwg");
    std::fs::write(&dwg, b"AC1027").unwrap();
    let err = env.ingest_file(&dwg, "plan").await.unwrap_err();
    assert!(matches!(err, IngestError::Unsupported(_)));
    let text = err.to_string();
    assert!(text.starts_with("unsupported format for 'plan.dwg': Nexus Atlas reads GeoJSON"), "{text}");
    for f in Format::ALL {
        assert!(text.contains(f.name().split(' ').next().unwrap()), "{text} lacks {}", f.name());
    }
}
