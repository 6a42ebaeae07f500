//! Crowded tiles: a tile whose features would pass the byte budget keeps the largest of them,
//! the same ones whether drawn on request or pre-rendered, and a tile under the budget keeps
//! every feature.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use mvt_reader::feature::Value;
use nexus_core::{LayerId, TileCoord, Visibility};

use crate::support::TestApp;

/// Squares in one zoom-12 tile near Chiang Mai, each larger than the one before, each with a
/// 400-character note: together over the budget, about 1.3 MB.
const N: usize = 3000;

fn crowded_layer(dir: &std::path::Path, tile: TileCoord) -> std::path::PathBuf {
    let [w, s, e, n] = tile.bounds_3857();
    let to_lonlat = |x: f64, y: f64| {
        let lon = (x / 6_378_137.0).to_degrees();
        let lat = (2.0 * (y / 6_378_137.0).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
        [lon, lat]
    };
    let side = 55;
    let step = (e - w) / f64::from(side + 1);
    let features: Vec<serde_json::Value> = (0..N)
        .map(|i| {
            let (col, row) = (i % 55, i / 55);
            let x = w + step * (1.0 + col as f64);
            let y = s + step * (1.0 + row as f64);
            let half = step * (0.1 + 0.3 * i as f64 / N as f64);
            let ring: Vec<[f64; 2]> = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0)]
                .iter()
                .map(|(dx, dy)| to_lonlat(x + dx * half, y + dy * half))
                .collect();
            serde_json::json!({"type": "Feature",
                "properties": {"n": i, "note": format!("{i:05}{}", "x".repeat(395))},
                "geometry": {"type": "Polygon", "coordinates": [ring]}})
        })
        .collect();
    assert!(s + step * 56.0 < n, "the squares fit in the tile");
    let path = dir.join("crowded.geojson");
    std::fs::write(&path, serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()).unwrap();
    path
}

/// The `n` of each feature of the tile's layer.
fn numbers(mvt: &[u8]) -> BTreeSet<i64> {
    let reader = mvt_reader::Reader::new(mvt.to_vec()).unwrap();
    reader
        .get_features(0)
        .unwrap()
        .into_iter()
        .map(|f| match f.properties.unwrap()["n"] {
            Value::Int(v) | Value::SInt(v) => v,
            Value::UInt(v) => i64::try_from(v).unwrap(),
            ref other => panic!("n is {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn a_crowded_tile_keeps_its_largest_features_however_it_is_drawn() {
    let t = TestApp::new().await;
    let tile = TileCoord::containing(98.987, 18.788, 12);
    let dir = tempfile::tempdir().unwrap();
    let id = LayerId::new("crowded").unwrap();
    let mut o = nexus_ingest::IngestOptions::new(crowded_layer(dir.path(), tile), id.clone());
    o.meta.visibility = Some(Visibility::Public);
    nexus_ingest::ingest(&t.store, o, std::sync::Arc::new(nexus_ingest::NoProgress)).await.unwrap();

    let (status, _, live) = t.get(&format!("/tiles/crowded/12/{}/{}.mvt", tile.x, tile.y)).await;
    assert_eq!(status, StatusCode::OK);
    let kept = numbers(&live);
    let budget = usize::try_from(nexus_store::TILE_BUDGET).unwrap();
    assert!(live.len() <= budget && live.len() > budget * 3 / 4, "{} bytes for a budget of {budget}", live.len());
    assert!(kept.len() > N / 2 && kept.len() < N, "{} of {N} kept", kept.len());
    let largest: BTreeSet<i64> = (i64::try_from(N - kept.len()).unwrap()..i64::try_from(N).unwrap()).collect();
    assert_eq!(kept, largest, "the largest squares are kept");

    // The south-west quarter of the tile (the smallest squares) is under the budget: every
    // square in it is there.
    let child = TileCoord::new(13, u64::from(tile.x) * 2, u64::from(tile.y) * 2 + 1).unwrap();
    let (_, _, quarter) = t.get(&format!("/tiles/crowded/13/{}/{}.mvt", child.x, child.y)).await;
    let small = numbers(&quarter);
    assert!(small.len() > N / 5 && small.iter().any(|n| !kept.contains(n)), "{} squares", small.len());

    // The pre-render draws the same tile with the same features.
    let stored = nexus_service::tiles::prerender::prerender(&t.store, &id, 12).await.unwrap();
    assert!(stored >= 13, "{stored} tiles");
    let (c, conn) = tokio_postgres::connect(&t.db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let row = c
        .query_one(
            "SELECT mvt FROM tile_store WHERE layer_id = 'crowded' AND z = 12 AND x = $1 AND y = $2",
            &[&i32::try_from(tile.x).unwrap(), &i32::try_from(tile.y).unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(numbers(&row.get::<_, Vec<u8>>(0)), kept, "pre-rendered as drawn on request");
}
