//! The GeoJSON text written here against what PostGIS writes, on a real PostGIS.

use std::time::Duration;

use bytes::BytesMut;

use super::{Ewkb, GeometryText};
use crate::pool::{connect_one, parse_url};
use crate::testing::TestDb;

/// Geometries of every kind and the numbers that are hard to print: halves that are exact in
/// binary (1/128), values a hair either side of a half, magnitudes around 1e-8, negative
/// zero, both windings of exteriors and holes, flat rings, Z and M, empties and collections.
const CASES: &[&str] = &[
    "POINT(101.08012 0.280851)",
    "POINT(0.0078125 -0.0234375)",
    "POINT(1.0000005 -1.00000049999)",
    "POINT(1e-8 -1.1e-8)",
    "POINT(-0.0000001 0.0000005000001)",
    "POINT(-0 5e-324)",
    "POINT EMPTY",
    "POINT Z (1.1234567 2 3.0000004)",
    "POINT M (1 2 3)",
    "POINT ZM (1 2 3 4)",
    "LINESTRING(0 0, 1 1, 2 0)",
    "LINESTRING EMPTY",
    "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))",
    "POLYGON((0 0, 0 1, 1 1, 1 0, 0 0))",
    "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2), (5 5, 6 5, 6 6, 5 6, 5 5))",
    "POLYGON((0 0, 0 10, 10 10, 10 0, 0 0), (2 2, 4 2, 4 4, 2 4, 2 2))",
    "POLYGON((0 0, 1 1, 2 2, 0 0))",
    "POLYGON((0 0, 1 1, 2 2, 0 0), (0 0, 1 1, 2 2, 0 0))",
    "POLYGON EMPTY",
    "MULTIPOINT(1 2, 3.33333333 4)",
    "MULTILINESTRING((0 0, 1 1), (2 2, 3 3.5))",
    "MULTIPOLYGON(((0 0, 0 1, 1 1, 1 0, 0 0)), ((5 5, 6 5, 6 6, 5 5), (5.2 5.1, 5.8 5.7, 5.8 5.1, 5.2 5.1)))",
    "MULTIPOLYGON EMPTY",
    "GEOMETRYCOLLECTION(POINT(1 2), POLYGON((0 0, 0 1, 1 1, 0 0)))",
    "GEOMETRYCOLLECTION EMPTY",
];

async fn check(precision: u8, flip: bool, sql: &str) -> usize {
    let db = TestDb::new().await.expect("test database");
    let client = connect_one(&parse_url(&db.url, Duration::from_secs(10)).expect("url")).await.expect("connect");
    let rows = client.query(sql, &[&i32::from(precision)]).await.expect("query");
    assert!(!rows.is_empty(), "no geometries from {sql}");
    for row in &rows {
        let mut out = BytesMut::new();
        let text = GeometryText { precision, flip };
        text.write(&mut out, row.get::<_, Ewkb<'_>>(0).0).expect("write");
        let want: &str = row.get(1);
        let wkt: &str = row.get(2);
        assert_eq!(std::str::from_utf8(&out).expect("utf-8"), want, "{wkt} at {precision} decimals, flip {flip}");
    }
    rows.len()
}

/// PostGIS's text, with ST_ForcePolygonCCW's winding for what has area (PostGIS 3.3 also
/// reverses lines there; lines keep their direction here).
fn reference(flip: bool) -> String {
    let ccw = "CASE WHEN ST_Dimension(g) = 2 THEN ST_ForcePolygonCCW(g) ELSE g END";
    let g = if flip { format!("ST_FlipCoordinates({ccw})") } else { ccw.to_owned() };
    format!("ST_AsGeoJSON({g}, $1::int, 0)")
}

#[tokio::test]
async fn geometry_text_is_what_postgis_writes() {
    let cases: Vec<String> = CASES.iter().map(|w| format!("'{w}'")).collect();
    for precision in [0u8, 3, 6, 9] {
        for flip in [false, true] {
            let sql = format!(
                "SELECT ST_SetSRID(g, 4326), {}, ST_AsText(g) FROM unnest(ARRAY[{}]::geometry[]) g",
                reference(flip),
                cases.join(",")
            );
            check(precision, flip, &sql).await;
        }
    }
}

#[tokio::test]
async fn many_polygons_with_holes_read_the_same() {
    // Villages-like shapes at places spread by the fractional parts of multiples of
    // irrational numbers (the same every run), each number with all its binary digits, holes
    // cut in half of them; and lines through exact halves (multiples of 1/2^27 and 1/128).
    let frac = |k: &str| format!("(i * {k} - floor(i * {k}))");
    let shapes = format!(
        "SELECT CASE WHEN i % 2 = 0 THEN s ELSE ST_Difference(s, ST_Buffer(ST_Centroid(s), r / 3, 5)) END g
           FROM (SELECT i, r, ST_Buffer(ST_MakePoint(95 + 46 * {a}, -11 + 17 * {b}), r, 7) s
                   FROM (SELECT i, 0.001 + 0.05 * {c} r FROM generate_series(1, 1500) i) p) q
         UNION ALL
         SELECT ST_MakeLine(ST_MakePoint(i / 134217728.0, -i / 134217728.0), ST_MakePoint(i / 128.0, i / 64.0))
           FROM generate_series(1, 500) i",
        a = frac("0.7548776662"),
        b = frac("0.5698402910"),
        c = frac("0.4142135624"),
    );
    let mut n = 0;
    for (precision, flip) in [(6u8, false), (6, true), (9, false)] {
        let sql = format!("SELECT ST_SetSRID(g, 4326), {}, ST_AsText(g) FROM ({shapes}) t", reference(flip));
        n += check(precision, flip, &sql).await;
    }
    assert_eq!(n, 3 * 2000);
}
