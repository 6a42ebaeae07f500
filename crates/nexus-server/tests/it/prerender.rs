//! Pre-render planning: the tile budget counts the tiles a layer's features occupy, not the
//! tiles of its box, so a layer scattered over the world is pre-rendered as deep as a compact one.

use nexus_core::{LayerId, TileCoord, Visibility};

use crate::support::TestApp;

/// A small square around the middle of the zoom-10 tile at `lon`, `lat`.
fn square(lon: f64, lat: f64) -> serde_json::Value {
    let [w, s, e, n] = TileCoord::containing(lon, lat, 10).bounds_3857();
    let (x, y, half) = ((w + e) / 2.0, (s + n) / 2.0, (e - w) / 50.0);
    let lonlat = |x: f64, y: f64| {
        [
            (x / 6_378_137.0).to_degrees(),
            (2.0 * (y / 6_378_137.0).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees(),
        ]
    };
    let ring: Vec<[f64; 2]> = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0)]
        .iter()
        .map(|(dx, dy)| lonlat(x + dx * half, y + dy * half))
        .collect();
    serde_json::json!({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}})
}

#[tokio::test]
async fn a_layer_scattered_over_the_world_is_prerendered_to_the_deepest_zoom() {
    let t = TestApp::new().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("far.geojson");
    let features = [square(-170.0, -50.0), square(170.0, 60.0)];
    std::fs::write(&path, serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()).unwrap();
    let id = LayerId::new("far").unwrap();
    let mut o = nexus_ingest::IngestOptions::new(path, id.clone());
    o.meta.visibility = Some(Visibility::Public);
    nexus_ingest::ingest(&t.store, o, std::sync::Arc::new(nexus_ingest::NoProgress)).await.unwrap();

    let layer = t.store.layer(&id).await.unwrap().unwrap();
    let by_box = nexus_service::tiles::prerender::plan(&layer, 10);
    assert!(by_box.is_some_and(|z| z < 10), "the box alone would stop at {by_box:?}");
    let mut reader = t.store.prerender_reader(&id).await.unwrap();
    let occupied = reader.occupied_tiles(10, nexus_service::tiles::prerender::TOLERANCE).await.unwrap();
    assert_eq!(occupied, [1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    drop(reader);

    let stored = nexus_service::tiles::prerender::prerender(&t.store, &id, 10).await.unwrap();
    let layer = t.store.layer(&id).await.unwrap().unwrap();
    assert_eq!(layer.prerendered_maxzoom, Some(10), "{stored} tiles");
    // The squares are too small to draw below zoom 4 (under a pixel); from there, one tile each.
    let (c, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let rows =
        c.query("SELECT z, count(*) FROM tile_store WHERE layer_id = 'far' GROUP BY z ORDER BY z", &[]).await.unwrap();
    let per_zoom: Vec<(i16, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(per_zoom, (4..=10).map(|z| (z, 2)).collect::<Vec<_>>());
}

/// The feature ids of a tile.
fn ids(mvt: &[u8]) -> std::collections::BTreeSet<u64> {
    if mvt.is_empty() {
        return std::collections::BTreeSet::new();
    }
    let reader = mvt_reader::Reader::new(mvt.to_vec()).unwrap();
    reader.get_features(0).unwrap().into_iter().map(|f| f.id.unwrap()).collect()
}

#[tokio::test]
async fn a_zoom_drawn_in_strips_is_the_tiles_drawn_one_by_one() {
    let t = TestApp::new().await;
    // 12,500 small squares over four zoom-8 tile columns: more than one strip at every zoom
    // from 8 up, squares on the strips' edges, inside two tiles' buffers, and 150 long ones
    // across two to six columns (wide: found by their own index, past each strip's reach).
    let square = |lon: f64, lat: f64, w: f64| {
        serde_json::json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + w, lat], [lon + w, lat + 0.004],
            [lon, lat + 0.004], [lon, lat]]]})
    };
    let features: Vec<serde_json::Value> = (0..12_650)
        .map(|i| {
            let geometry = if i < 12_500 {
                square(97.0 + f64::from(i % 250) * 0.022, 17.0 + f64::from(i / 250) * 0.04, 0.004)
            } else {
                let k = f64::from(i - 12_500);
                square(96.0 + (k * 0.37) % 2.0, 17.01 + k * 0.013, 2.8 + (k * 0.61) % 5.6)
            };
            serde_json::json!({"type": "Feature", "properties": {"n": i}, "geometry": geometry})
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("squares.geojson");
    std::fs::write(&path, serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()).unwrap();
    let id = LayerId::new("squares").unwrap();
    let mut o = nexus_ingest::IngestOptions::new(path, id.clone());
    o.meta.visibility = Some(Visibility::Public);
    nexus_ingest::ingest(&t.store, o, std::sync::Arc::new(nexus_ingest::NoProgress)).await.unwrap();

    let stored = nexus_service::tiles::prerender::prerender(&t.store, &id, 8).await.unwrap();
    let (c, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let rows = c.query("SELECT z, x, y, mvt FROM tile_store WHERE layer_id = 'squares'", &[]).await.unwrap();
    assert_eq!(u64::try_from(rows.len()).unwrap(), stored);
    let deepest = rows.iter().filter(|r| r.get::<_, i16>(0) == 8).count();
    assert!(deepest >= 4, "{deepest} tiles at zoom 8");
    let mut at_8 = std::collections::BTreeSet::new();
    for r in &rows {
        let (z, x, y): (i16, i32, i32) = (r.get(0), r.get(1), r.get(2));
        let tile =
            TileCoord::new(u32::try_from(z).unwrap(), u64::try_from(x).unwrap(), u64::try_from(y).unwrap()).unwrap();
        let one = t.store.render_simplified_tile(&id, tile, nexus_service::tiles::prerender::TOLERANCE).await.unwrap();
        let pre = ids(&r.get::<_, Vec<u8>>(3));
        assert_eq!(pre, ids(&one), "tile {z}/{x}/{y}");
        if z == 8 {
            at_8.extend(pre);
        }
    }
    assert_eq!(at_8.len(), 12_650, "every square is in a zoom-8 tile");
}
