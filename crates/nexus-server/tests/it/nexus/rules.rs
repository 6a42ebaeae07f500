//! The rules as data: replaced by planners, with their Thai texts and cited sources.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nexus_core::RuleSet;
use serde_json::json;

use super::*;
use crate::support::PLANNER_TOKEN;

#[tokio::test]
async fn rules_are_data_that_planners_replace() {
    let w = world().await;
    let (status, rules) = w.t.get_json("/api/nexus/rules").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rules["rule"].as_array().unwrap().len(), 15);
    let mut edited = rules.clone();
    edited["rule"][0]["distance_m"] = json!(700);
    let put = |token: Option<&str>, body: String| {
        let mut r = Request::put("/api/nexus/rules").header("content-type", "application/json");
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        r.body(Body::from(body)).unwrap()
    };
    let (status, _, _) = w.t.send(put(None, edited.to_string())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, answer) = w.t.send(put(Some(PLANNER_TOKEN), edited.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["refresh"]["full"].as_bool().unwrap());
    assert!(has(&w.links().await, "landfill-surface-water", "Dump 600 m", "Canal").is_some(), "700 m now reaches it");
    let mut broken = rules.clone();
    broken["rule"][1]["weight"] = json!(9);
    let (status, _, err) = w.t.send(put(Some(PLANNER_TOKEN), broken.to_string())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("weight"));
    assert!(has(&w.links().await, "landfill-surface-water", "Dump 600 m", "Canal").is_some(), "the rules stayed");
}

#[tokio::test]
async fn every_source_a_rule_cites_has_a_title_and_a_link() {
    let w = world().await;
    let (status, set) = w.t.get_json("/api/nexus/rules").await;
    assert_eq!(status, StatusCode::OK);
    let sources = set["sources"].as_object().unwrap();
    assert!(sources["S1"]["title"].as_str().unwrap().starts_with("SNI 03-3241-1994"), "{}", sources["S1"]);
    for rule in set["rule"].as_array().unwrap() {
        let text = rule["source"].as_str().unwrap();
        for mark in text.split('[').skip(1).filter_map(|s| s.split(']').next()) {
            let s = sources.get(mark).unwrap_or_else(|| panic!("{} cites {mark}, which is not listed", rule["id"]));
            assert!(s["url"].as_str().is_some_and(|u| u.starts_with("http")), "{mark}: {s}");
        }
        assert!(rule["title_th"].as_str().is_some_and(|t| !t.is_empty()), "{} has a Thai title", rule["id"]);
    }
    // A source that is not one is refused with the reason.
    let mut bad: RuleSet = serde_json::from_value(set).unwrap();
    bad.sources.get_mut("S1").unwrap().url = Some("javascript:alert(1)".into());
    let req = Request::put("/api/nexus/rules")
        .header("authorization", format!("Bearer {PLANNER_TOKEN}"))
        .body(Body::from(serde_json::to_string(&bad).unwrap()))
        .unwrap();
    let (status, _, err) = w.t.send(req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("sources.S1"), "{err}");
}
