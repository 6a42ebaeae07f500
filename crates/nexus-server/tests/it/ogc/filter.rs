//! Part 3: CQL2 filters on items, text and JSON, on the queryables, with every value bound.

use axum::http::StatusCode;
use serde_json::Value;

use super::{atlas, ids};

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn filtered(t: &crate::support::TestApp, collection: &str, filter: &str, extra: &str) -> (StatusCode, Value) {
    t.get_json(&format!("/collections/{collection}/items?filter={}{extra}", encode(filter))).await
}

/// The ids of the places whose properties satisfy `keep`, read straight from the fixture.
fn places_where(keep: impl Fn(&Value) -> bool) -> Vec<i64> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/ingest/places.geojson"))
            .unwrap();
    let fc: Value = serde_json::from_str(&text).unwrap();
    fc["features"].as_array().unwrap().iter().enumerate().filter(|(_, f)| keep(f)).map(|(i, _)| i as i64 + 1).collect()
}

#[tokio::test]
async fn cql2_filters_select_what_they_say_and_nothing_else() {
    let t = atlas().await;
    let (_, all) = t.get_json("/collections/places/items").await;
    assert_eq!(ids(&all), places_where(|_| true), "ids follow the fixture's order");
    let cases: Vec<(&str, Vec<i64>)> = vec![
        ("name = 'Chiang Mai'", places_where(|f| f["properties"]["name"] == "Chiang Mai")),
        (
            "population > 1000000 AND country IN ('MN', 'VN', 'TH')",
            places_where(|f| {
                f["properties"]["population"].as_f64().unwrap() > 1e6
                    && ["MN", "VN", "TH"].contains(&f["properties"]["country"].as_str().unwrap())
            }),
        ),
        (
            "name LIKE 'Chiang%' AND NOT partner",
            places_where(|f| {
                f["properties"]["name"].as_str().unwrap().starts_with("Chiang") && f["properties"]["partner"] == false
            }),
        ),
        (
            "area_km2 BETWEEN 1 AND 300",
            places_where(|f| (1.0..=300.0).contains(&f["properties"]["area_km2"].as_f64().unwrap())),
        ),
        (
            "note IS NULL OR CASEI(name) = 'rizhao'",
            places_where(|f| f["properties"]["note"].is_null() || f["properties"]["name"] == "Rizhao"),
        ),
        ("S_INTERSECTS(geometry, BBOX(98.9, 18.7, 99.1, 18.9))", places_where(|f| f["properties"]["country"] == "TH")),
        // 5 km from the old city's centre reaches the treatment plant 3.6 km away, and nothing else.
        ("S_DWITHIN(geometry, POINT(98.987 18.788), 5000)", places_where(|f| f["properties"]["country"] == "TH")),
        ("S_DWITHIN(geometry, POINT(98.987 18.788), 100)", places_where(|f| f["properties"]["name"] == "Chiang Mai")),
        (
            "T_AFTER(since, DATE('2013-12-31'))",
            places_where(|f| f["properties"]["since"].as_str().unwrap() > "2013-12-31"),
        ),
        (
            "T_DURING(since, INTERVAL('1990-01-01', '2000-01-01'))",
            places_where(|f| f["properties"]["since"].as_str().unwrap() < "2000"),
        ),
        ("ACCENTI(name_local) LIKE '%Da Nang%'", places_where(|f| f["properties"]["name"] == "Da Nang")),
        // Values are bound: a quote in one is part of the value, never SQL.
        ("name = 'x'' OR 1=1 --'", vec![]),
        ("name = 'Chiang Mai'' OR ''1''=''1'", vec![]),
    ];
    for (filter, want) in cases {
        let (s, fc) = filtered(&t, "places", filter, "").await;
        assert_eq!(s, StatusCode::OK, "{filter}: {fc}");
        assert_eq!(ids(&fc), want, "{filter}");
        assert_eq!(fc["numberMatched"], want.len(), "{filter}");
    }
    // The same in cql2-json.
    let json = r#"{"op": "and", "args": [{"op": ">", "args": [{"property": "population"}, 1000000]},
                                          {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [100, 0, 120, 50]}]}]}"#;
    let (s, fc) = filtered(&t, "places", json, "&filter-lang=cql2-json").await;
    assert_eq!(s, StatusCode::OK, "{fc}");
    assert_eq!(
        ids(&fc),
        places_where(|f| {
            let c = &f["geometry"]["coordinates"];
            f["properties"]["population"].as_f64().unwrap() > 1e6 && (100.0..=120.0).contains(&c[0].as_f64().unwrap())
        })
    );
    // A geometry in UTM zone 47N (filter-crs): the old city's centre.
    let (s, fc) =
        filtered(&t, "places", "S_DWITHIN(geometry, POINT(498630 2077370), 100)", "&filter-crs=EPSG:32647").await;
    assert_eq!((s, ids(&fc)), (StatusCode::OK, places_where(|f| f["properties"]["name"] == "Chiang Mai")), "{fc}");
    // Projects filter on their own columns.
    let (s, fc) = filtered(&t, "projects", "city = 'chiang-mai' AND status <> 'idea'", "").await;
    assert_eq!(s, StatusCode::OK, "{fc}");
    assert!(fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["properties"]["city"] == "chiang-mai" && f["properties"]["status"] != "idea"));
    assert!(!fc["features"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_filter_that_cannot_be_evaluated_is_a_400_that_says_why() {
    let t = atlas().await;
    for (filter, says) in [
        ("name = = 'x'", "not valid CQL2 text"),
        ("altitude > 3", "'altitude' is not a queryable"),
        ("population > 'many'", "not one"),
        ("name", "not a condition"),
        ("FOO(name) = 1", "not one this server evaluates"),
        ("S_INTERSECTS(name, POINT(1 2))", "spatial operator takes the geometry"),
        ("name = population", "a text cannot be compared with a number"),
        ("population LIKE '1%'", "LIKE compares text"),
        ("since > DATE('2021-13-45')", "not a date"),
        ("partner = 'maybe'", "true/false"),
    ] {
        let (s, body) = filtered(&t, "places", filter, "").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{filter}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(says), "{filter}: {body}");
    }
    let (s, body) = filtered(&t, "places", "name = 'x'", "&filter-lang=sql").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (_, q) = t.get_json("/collections/places/queryables").await;
    assert_eq!(q["properties"]["geometry"]["format"], "geometry-any");
    let (_, c) = t.get_json("/conformance").await;
    for cls in ["ogcapi-features-3/1.0/conf/filter", "cql2/1.0/conf/cql2-text", "cql2/1.0/conf/basic-spatial-functions"]
    {
        assert!(c["conformsTo"].to_string().contains(cls), "{cls}");
    }
}

#[tokio::test]
async fn sortby_orders_pages_and_properties_picks_what_each_feature_carries() {
    let t = atlas().await;
    // By population, largest first, in pages of two that follow on.
    let mut by_population = Vec::new();
    for offset in [0, 2, 4] {
        let (s, fc) =
            t.get_json(&format!("/collections/places/items?sortby=-population&limit=2&offset={offset}")).await;
        assert_eq!(s, StatusCode::OK, "{fc}");
        by_population
            .extend(fc["features"].as_array().unwrap().iter().map(|f| f["properties"]["population"].as_f64().unwrap()));
    }
    let mut want = by_population.clone();
    want.sort_by(|a, b| b.total_cmp(a));
    assert_eq!((by_population.len(), &by_population), (6, &want));
    // Text ascending, `+` written out or sent unencoded (a space).
    for sortby in ["%2Bname", "+name", "name"] {
        let (_, fc) = t.get_json(&format!("/collections/places/items?sortby={sortby}")).await;
        let names: Vec<&str> =
            fc["features"].as_array().unwrap().iter().map(|f| f["properties"]["name"].as_str().unwrap()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "{sortby}");
    }
    // Only the properties asked for, in the layer's order; projects too.
    let (_, fc) = t.get_json("/collections/places/items?properties=population,name&limit=1").await;
    let keys: Vec<&String> = fc["features"][0]["properties"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["name", "population"]);
    let (_, p) = t.get_json("/collections/projects/items?properties=title,city&sortby=-title&limit=3").await;
    let f = &p["features"][0]["properties"];
    assert_eq!(f.as_object().unwrap().len(), 2, "{f}");
    let titles: Vec<&str> =
        p["features"].as_array().unwrap().iter().map(|f| f["properties"]["title"].as_str().unwrap()).collect();
    assert!(titles.windows(2).all(|w| w[0] >= w[1]), "{titles:?}");
    for (query, says) in [
        ("sortby=altitude", "sortby: 'altitude'"),
        ("properties=altitude", "properties: 'altitude'"),
        ("sortby=geometry", "geometry"),
    ] {
        let (s, body) = t.get_json(&format!("/collections/places/items?{query}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(says), "{query}: {body}");
    }
}
