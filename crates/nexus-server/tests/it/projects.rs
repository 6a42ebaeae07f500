//! Planners save, edit and publish projects; the public sees only what is published, and a
//! refused save leaves every stored byte as it was.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use nexus_core::CityCollection;
use serde_json::{json, Value};

use crate::support::{TestApp, PLANNER_TOKEN};

fn feature(slug: Option<&str>, title: &str, geometry: &Value, extra: &Value) -> Value {
    let mut props = json!({ "city": "chiang-mai", "title": title, "sectors": ["waste"], "status": "idea" });
    if let Some(s) = slug {
        props["slug"] = json!(s);
    }
    for (k, v) in extra.as_object().unwrap() {
        props[k] = v.clone();
    }
    json!({ "type": "Feature", "geometry": geometry, "properties": props })
}

fn send(method: &str, uri: &str, token: Option<&str>, body: &Value) -> Request<Body> {
    let mut r = Request::builder().method(method).uri(uri).header("content-type", "application/json");
    if let Some(t) = token {
        r = r.header("authorization", format!("Bearer {t}"));
    }
    r.body(Body::from(body.to_string())).unwrap()
}

/// A test app whose cities are the sample atlas's (a project names its city).
async fn with_cities() -> TestApp {
    let t = TestApp::new().await;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cities.geojson")).unwrap();
    t.store.upsert_cities(&CityCollection::from_geojson(&text).unwrap().0).await.unwrap();
    t
}

async fn titles(t: &TestApp, token: Option<&str>) -> Vec<String> {
    let mut r = Request::get("/collections/projects/items?limit=1000");
    if let Some(tok) = token {
        r = r.header("authorization", format!("Bearer {tok}"));
    }
    let (status, _, page) = t.send(r.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut out: Vec<String> = page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["title"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn planners_save_edit_and_publish_projects_the_public_sees_only_published_ones() {
    let t = with_cities().await;
    let site = json!({ "type": "Point", "coordinates": [98.99, 18.79] });
    let draft = feature(Some("cm-new-site"), "New waste site", &site, &json!({ "kind": "waste_site" }));

    let (status, _, _) = t.send(send("POST", "/api/projects", None, &draft)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, answer) = t.send(send("POST", "/api/projects", Some(PLANNER_TOKEN), &draft)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["visibility"], "draft", "a new project is a draft unless it says otherwise");
    assert!(titles(&t, None).await.is_empty(), "the public never sees a draft");
    assert_eq!(titles(&t, Some(PLANNER_TOKEN)).await, ["New waste site"]);
    let (status, _, err) = t.send(send("POST", "/api/projects", Some(PLANNER_TOKEN), &draft)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("PUT /api/projects/cm-new-site"));

    // Refusals say what is wrong and change nothing.
    let bowtie = json!({ "type": "Polygon", "coordinates": [[[98.99, 18.79], [99.0, 18.8], [99.0, 18.79], [98.99, 18.8], [98.99, 18.79]]] });
    for (body, status, says) in [
        (feature(None, "Bowtie", &bowtie, &json!({})), StatusCode::UNPROCESSABLE_ENTITY, "Self-intersection"),
        (feature(None, "Nowhere", &site, &json!({ "city": "atlantis" })), StatusCode::UNPROCESSABLE_ENTITY, "atlantis"),
        (feature(None, "No sector", &site, &json!({ "sectors": [] })), StatusCode::UNPROCESSABLE_ENTITY, "sector"),
        (feature(Some("other-slug"), "Renamed", &site, &json!({})), StatusCode::BAD_REQUEST, "path names"),
        (json!({ "type": "FeatureCollection" }), StatusCode::BAD_REQUEST, "GeoJSON Feature"),
    ] {
        let (got, _, err) = t.send(send("PUT", "/api/projects/cm-new-site", Some(PLANNER_TOKEN), &body)).await;
        assert_eq!(got, status, "{body}: {err}");
        let msg = err["error"]["message"].as_str().unwrap();
        assert!(msg.contains(says), "'{msg}' should say '{says}'");
    }
    assert_eq!(titles(&t, Some(PLANNER_TOKEN)).await, ["New waste site"], "the refusals stored nothing");
    let (status, _, _) = t.send(send("PUT", "/api/projects/no-such", Some(PLANNER_TOKEN), &draft)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Edit (a new title), then publish.
    let edited = feature(None, "Sorting station", &site, &json!({ "kind": "waste_site" }));
    let (status, _, answer) = t.send(send("PUT", "/api/projects/cm-new-site", Some(PLANNER_TOKEN), &edited)).await;
    assert_eq!((status, answer["changed"].as_bool()), (StatusCode::OK, Some(true)), "{answer}");
    assert!(titles(&t, None).await.is_empty());
    let published = feature(None, "Sorting station", &site, &json!({ "kind": "waste_site", "visibility": "public" }));
    let (status, _, answer) = t.send(send("PUT", "/api/projects/cm-new-site", Some(PLANNER_TOKEN), &published)).await;
    assert_eq!((status, answer["visibility"].as_str()), (StatusCode::OK, Some("public")), "{answer}");
    assert_eq!(titles(&t, None).await, ["Sorting station"]);
    let (status, _, again) = t.send(send("PUT", "/api/projects/cm-new-site", Some(PLANNER_TOKEN), &published)).await;
    assert_eq!((status, again["changed"].as_bool()), (StatusCode::OK, Some(false)), "saving the same is no change");
    // Two planners edit at once: the second save, from an older revision, is refused.
    let (_, _, current) =
        t.send(Request::get("/collections/projects/items?slug=cm-new-site").body(Body::empty()).unwrap()).await;
    let revision = current["features"][0]["properties"]["revision"].as_i64().unwrap();
    let mut first = send("PUT", "/api/projects/cm-new-site", Some(PLANNER_TOKEN), &published);
    first.headers_mut().insert("if-match", format!("\"{revision}\"").parse().unwrap());
    let (status, _, _) = t.send(first).await;
    assert_eq!(status, StatusCode::OK, "saving from the current revision works");
    let stale_edit = feature(None, "Older idea", &site, &json!({ "kind": "waste_site", "visibility": "public" }));
    let mut second = send("PUT", "/api/projects/cm-new-site", Some(PLANNER_TOKEN), &stale_edit);
    second.headers_mut().insert("if-match", format!("\"{}\"", revision - 1).parse().unwrap());
    let (status, _, err) = t.send(second).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("reload"), "{err}");
    assert_eq!(titles(&t, None).await, ["Sorting station"], "the stale edit wrote nothing");

    // An edit that does not say its visibility keeps it: leaving it out does not unpublish.
    let renamed = feature(None, "Sorting and transfer station", &site, &json!({ "kind": "waste_site" }));
    let (status, _, answer) = t.send(send("PUT", "/api/projects/cm-new-site", Some(PLANNER_TOKEN), &renamed)).await;
    assert_eq!((status, answer["visibility"].as_str()), (StatusCode::OK, Some("public")), "{answer}");
    assert_eq!(titles(&t, None).await, ["Sorting and transfer station"]);
}

#[tokio::test]
async fn a_sketch_saved_without_a_slug_gets_a_readable_one_whatever_its_title() {
    let t = with_cities().await;
    let site = json!({ "type": "Point", "coordinates": [98.99, 18.79] });
    let save =
        |title: &str| send("POST", "/api/projects", Some(PLANNER_TOKEN), &feature(None, title, &site, &json!({})));

    // The title that used to fail ("longer than 48 characters … at line 1 column 231").
    let (status, _, first) = t.send(save("New transfer station near Mae Kha")).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["slug"], "chiang-mai-new-transfer-station-near-mae-kha");
    // The same title again is another project, not a conflict.
    let (status, _, second) = t.send(save("New transfer station near Mae Kha")).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["slug"], "chiang-mai-new-transfer-station-near-mae-kha-2");

    // A 120-character Thai title.
    let thai: String = "สถานีขนถ่ายขยะแห่งใหม่ใกล้คลองแม่ข่า ".chars().cycle().take(120).collect();
    let (status, _, answer) = t.send(save(&thai)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let slug = answer["slug"].as_str().unwrap();
    assert!(slug.starts_with("chiang-mai-") && slug.len() <= 48, "{slug}");
    assert!(titles(&t, Some(PLANNER_TOKEN)).await.contains(&thai));

    // Refusals name the field as the form does, never a file, a line or a column.
    for (extra, says) in [
        (json!({ "sectors": ["air"] }), "Sectors: unknown variant `air`"),
        (json!({ "status": "dreaming" }), "Status: unknown variant `dreaming`"),
        (json!({ "start_date": "next year" }), "Start date: 'next year' is not a date"),
        (json!({ "slug": "x".repeat(60) }), "Slug: project slug"),
        (json!({ "kind": "boundary" }), "Kind: a project is not a boundary"),
    ] {
        let (status, _, err) = t
            .send(send("POST", "/api/projects", Some(PLANNER_TOKEN), &feature(None, "Some title", &site, &extra)))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        let msg = err["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with(says), "'{msg}' should start with '{says}'");
        assert!(!msg.contains("file") && !msg.contains("column"), "{msg}");
    }
}

#[tokio::test]
async fn a_project_answer_has_exactly_the_fields_of_its_generated_type() {
    // The web map's `ProjectAnswer` type is generated from the Rust type; the SQL writes the
    // JSON itself. Every field set, read back through both answers, must fit it exactly.
    let t = with_cities().await;
    let site = json!({ "type": "Point", "coordinates": [98.99, 18.79] });
    let full = json!({
        "kind": "biogas_plant", "title_local": "ไบโอแก๊ส", "description": "Digesters", "description_local": "ถัง",
        "dimensions": ["governance"], "budget": 1250000.5, "currency": "THB", "start_date": "2025-01-02",
        "end_date": "2027-12-31", "partners": ["GIZ"], "source": "a report", "approximate": true,
    });
    let (status, _, answer) = t
        .send(send("POST", "/api/projects", Some(PLANNER_TOKEN), &feature(Some("cm-full"), "Full", &site, &full)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let fields = nexus_store::ProjectAnswer::FIELDS;
    let mut uris = vec!["/collections/projects/items?slug=cm-full".to_owned()];
    while let Some(uri) = uris.pop() {
        let r = Request::get(&uri).header("authorization", format!("Bearer {PLANNER_TOKEN}"));
        let (status, _, got) = t.send(r.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {got}");
        let props = if let Some(page) = got["features"].as_array() {
            uris.push(format!("/collections/projects/items/{}", page[0]["id"]));
            &page[0]["properties"]
        } else {
            &got["properties"]
        };
        let keys: Vec<&str> = props.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), fields.len(), "{uri}: {keys:?} against {fields:?}");
        let read: nexus_store::ProjectAnswer =
            serde_json::from_value(props.clone()).unwrap_or_else(|e| panic!("{uri}: {e}"));
        assert_eq!(
            (read.budget, read.end_date.as_deref(), read.kind.as_deref(), read.revision),
            (Some(1_250_000.5), Some("2027-12-31"), Some("biogas_plant"), 0),
            "{uri}"
        );
    }
}
