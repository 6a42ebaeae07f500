//! The what-if evaluation of a sketch: links, what was checked, rings; nothing stored.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};

use super::*;
use crate::support::PLANNER_TOKEN;

#[tokio::test]
async fn the_what_if_answers_without_storing_anything() {
    let w = world().await;
    w.t.store.refresh_nexus().await.unwrap();
    let before = w.links().await;
    let sketch = json!({
        "geometry": point(LON + 0.03, LAT + north(LAT, 300.0)),
        "kind": "waste_site", "sectors": ["waste"], "city": "chiang-mai"
    });
    let req = Request::post("/api/nexus/evaluate")
        .header("content-type", "application/json")
        .body(Body::from(sketch.to_string()))
        .unwrap();
    let (status, _, answer) = w.t.send(req).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let features = answer["features"].as_array().unwrap();
    assert_eq!(features.len(), 1, "{answer}");
    let p = &features[0]["properties"];
    assert_eq!(
        (p["rule"].as_str(), p["to_name"].as_str(), p["from_layer"].as_str()),
        (Some("landfill-surface-water"), Some("Canal"), Some("draft"))
    );
    assert!((p["distance_m"].as_f64().unwrap() - 300.0).abs() < 2.0, "{p}");
    assert_eq!(answer["summary"]["conflicts"], 1);
    assert_eq!(w.links().await, before, "nothing was stored");
    // It says what it checked: the waste site's rules (the airport's 3 km the farthest in
    // Thailand), run against the canal among others.
    let checked = &answer["checked"];
    assert_eq!(checked["rules_total"], 15, "{checked}");
    let ids: Vec<&str> = checked["rules"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    for id in ["landfill-surface-water", "landfill-airport", "waste-energy", "heritage"] {
        assert!(ids.contains(&id), "{id}: {checked}");
    }
    assert!(!ids.contains(&"wwtp-biogas"), "{checked}");
    assert_eq!(checked["within_m"], 3000.0, "{checked}");
    assert!(checked["layers"].as_array().unwrap().contains(&json!("canal")), "{checked}");
    assert_eq!(checked["projects"], true, "{checked}");
    // How far each applicable rule looks, nearest first, and a ring on the ground for each.
    let reach: Vec<f64> =
        checked["reach"].as_array().unwrap().iter().map(|r| r["distance_m"].as_f64().unwrap()).collect();
    assert_eq!(reach, [0.0, 500.0, 1000.0, 3000.0], "{checked}");
    assert!(checked["reach"][3]["rules"].as_array().unwrap().contains(&json!("Landfill near an airport")));
    let rings = answer["rings"]["features"].as_array().unwrap();
    assert_eq!(rings.len(), 3, "no ring for 'must touch': {}", answer["rings"]);
    for ring in rings {
        let d = ring["properties"]["distance_m"].as_f64().unwrap();
        let xs: Vec<f64> =
            ring["geometry"]["coordinates"][0].as_array().unwrap().iter().map(|p| p[0].as_f64().unwrap()).collect();
        let width = xs.iter().copied().fold(f64::MIN, f64::max) - xs.iter().copied().fold(f64::MAX, f64::min);
        let want = 2.0 * east(LAT + north(LAT, 300.0), d);
        assert!((width - want).abs() < want * 0.02, "ring of {d} m is {width}° wide, not {want}°");
    }
    // The same place said only to be "waste", with no kind: no landfill rule fits it, and
    // the answer says so rather than giving a bare all-clear.
    let vague =
        json!({ "geometry": point(LON + 0.03, LAT + north(LAT, 300.0)), "sectors": ["waste"], "city": "chiang-mai" });
    let (_, _, answer) =
        w.t.send(Request::post("/api/nexus/evaluate").body(Body::from(vague.to_string())).unwrap()).await;
    assert_eq!(answer["summary"]["conflicts"], 0, "{answer}");
    assert_eq!(answer["checked"]["rules"], json!(["heritage"]), "{answer}");
    assert_eq!(answer["checked"]["within_m"], 0.0, "{answer}");

    // The same sketch as a biogas plant beside the treatment plant is a synergy.
    let (wx, wy) = (LON + 0.03, LAT - north(LAT, 5_000.0));
    let sketch = json!({ "geometry": point(wx - east(wy, 300.0), wy), "kind": "biogas_plant", "sectors": ["energy"], "city": "chiang-mai" });
    let req = Request::post("/api/nexus/evaluate").body(Body::from(sketch.to_string())).unwrap();
    let (_, _, answer) = w.t.send(req).await;
    let rules: Vec<&str> =
        answer["features"].as_array().unwrap().iter().map(|f| f["properties"]["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"wwtp-biogas"), "{answer}");
    assert_eq!(answer["summary"]["synergies"], rules.iter().filter(|r| **r == "wwtp-biogas").count());

    drafts_count_for_planners_only(&w).await;
    bad_sketches_are_refused_saying_why(&w).await;
}

/// Drafts count for planners only: the secret dump is 50 m from the canal.
async fn drafts_count_for_planners_only(w: &World) {
    let sketch = json!({ "geometry": point(LON, LAT + north(LAT, 60.0)), "kind": "settlement", "sectors": ["land"], "city": "chiang-mai" });
    let ask = |token: Option<&str>| {
        let mut r = Request::post("/api/nexus/evaluate");
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        r.body(Body::from(sketch.to_string())).unwrap()
    };
    let (_, _, public) = w.t.send(ask(None)).await;
    let (_, _, planner) = w.t.send(ask(Some(PLANNER_TOKEN))).await;
    let names = |a: &Value| -> Vec<String> {
        a["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["from_name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!names(&public).contains(&"Secret dump".to_owned()), "{public}");
    assert!(names(&planner).contains(&"Secret dump".to_owned()), "{planner}");
}

/// Bad sketches get a 4xx that says what is wrong.
async fn bad_sketches_are_refused_saying_why(w: &World) {
    for (body, says) in [
        (
            json!({ "geometry": { "type": "Point", "coordinates": [1] }, "sectors": ["water"] }).to_string(),
            "not usable GeoJSON",
        ),
        (json!({ "geometry": { "type": "Feature" }, "sectors": ["water"] }).to_string(), "must be a GeoJSON Point"),
        (json!({ "geometry": point(LON, LAT) }).to_string(), "its sectors, its kind"),
        (json!({ "geometry": point(LON, LAT), "sectors": ["air"] }).to_string(), "unknown variant `air`"),
        ("not json".to_owned(), "not what this endpoint takes"),
        // A sketch is drawn by hand; an outline of thousands of points would tie up the server.
        (
            json!({ "geometry": { "type": "LineString", "coordinates": (0..6000).map(|i| [LON + f64::from(i) * 1e-5, LAT]).collect::<Vec<_>>() },
                    "sectors": ["water"] })
            .to_string(),
            "at most 5000",
        ),
    ] {
        let (status, _, err) =
            w.t.send(Request::post("/api/nexus/evaluate").body(Body::from(body.clone())).unwrap()).await;
        assert!(status.is_client_error(), "{body}: {status} {err}");
        let msg = err["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(says), "{body}: '{msg}' should say '{says}'");
    }
}
