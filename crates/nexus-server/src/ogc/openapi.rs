//! The OpenAPI 3.0 description of the OGC API - Features endpoints, self-contained (every
//! `$ref` points inside the document) so that offline clients can read it.

use serde_json::{json, Value};

use super::schema;
use super::source::Source;
use nexus_core::query::{DEFAULT_LIMIT, MAX_LIMIT};

/// The document, with `base` as the server URL. Besides the generic paths, each collection
/// gets its own `items` path listing its queryable properties as parameters, which is where
/// clients such as GDAL learn which filters the server evaluates.
pub fn document(base: &str, sources: &[Source]) -> Value {
    let mut doc = generic(base);
    writes(&mut doc);
    for s in sources {
        let id = s.id();
        let mut parameters = vec![
            json!({ "$ref": "#/components/parameters/limit" }),
            json!({ "$ref": "#/components/parameters/offset" }),
            json!({ "$ref": "#/components/parameters/bbox" }),
            json!({ "$ref": "#/components/parameters/datetime" }),
            json!({ "$ref": "#/components/parameters/precision" }),
            json!({ "$ref": "#/components/parameters/crs" }),
            json!({ "$ref": "#/components/parameters/bbox-crs" }),
            json!({ "$ref": "#/components/parameters/filter" }),
            json!({ "$ref": "#/components/parameters/filter-lang" }),
            json!({ "$ref": "#/components/parameters/filter-crs" }),
            json!({ "$ref": "#/components/parameters/sortby" }),
            json!({ "$ref": "#/components/parameters/properties" }),
            json!({ "$ref": "#/components/parameters/f" }),
        ];
        for (name, schema) in schema::queryables(s) {
            parameters.push(json!({ "name": name, "in": "query", "required": false, "style": "form", "explode": false,
                                    "description": format!("Only features whose {name} equals this value."), "schema": schema }));
        }
        doc["paths"][format!("/collections/{id}/items")] = json!({ "get": {
            "summary": format!("Features of {id}"), "operationId": format!("getFeatures-{id}"), "tags": ["Data"],
            "parameters": parameters,
            "responses": doc["paths"]["/collections/{collectionId}/items"]["get"]["responses"].clone(),
        }});
    }
    doc
}

/// Part 4: writing a layer's features (editors of its city; publishers for public layers),
/// and each feature's history.
fn writes(doc: &mut Value) {
    let err = |d: &str| json!({ "description": d, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/exception" } } } });
    let feature = |media: &str| json!({ "required": true, "content": { media: { "schema": { "$ref": "#/components/schemas/featureGeoJSON" } } } });
    let header = |name: &str, d: &str| json!({ "name": name, "in": "header", "required": false, "description": d, "schema": { "type": "string" } });
    let if_match =
        header("If-Match", "The ETag of the version the edit started from: 412 when the feature changed since.");
    let crs =
        header("Content-Crs", "The body's coordinate system (CRS84 when absent; EPSG 4326, 3857 and UTM zones too).");
    let ids = [
        json!({ "$ref": "#/components/parameters/collectionId" }),
        json!({ "$ref": "#/components/parameters/featureId" }),
    ];
    let refused = || {
        json!({ "400": err("The body is not a GeoJSON Feature, or its Content-Crs is unknown"),
        "401": err("Not signed in"), "403": err("Your roles do not allow editing this layer"),
        "404": err("No such collection or feature"), "412": err("The feature changed since the If-Match version"),
        "422": err("The feature breaks the layer's rules (geometry family, validity, property types)") })
    };
    let done = |code: &str, d: &str| {
        let mut r = refused();
        r[code] = json!({ "description": d, "headers": { "ETag": { "schema": { "type": "string" } } } });
        r
    };
    doc["paths"]["/collections/{collectionId}/items"]["post"] = json!({ "summary": "Add a feature", "operationId": "createFeature",
        "tags": ["Data"], "parameters": [ids[0], crs], "requestBody": feature("application/geo+json"),
        "responses": done("201", "Created; Location names the new feature") });
    let item = &mut doc["paths"]["/collections/{collectionId}/items/{featureId}"];
    item["put"] = json!({ "summary": "Replace a feature", "operationId": "replaceFeature", "tags": ["Data"],
        "parameters": [ids[0], ids[1], if_match, crs], "requestBody": feature("application/geo+json"), "responses": done("200", "Replaced") });
    item["patch"] = json!({ "summary": "Change part of a feature (JSON Merge Patch)", "operationId": "updateFeature", "tags": ["Data"],
        "parameters": [ids[0], ids[1], if_match, crs], "requestBody": feature("application/merge-patch+json"), "responses": done("200", "Updated") });
    item["delete"] = json!({ "summary": "Delete a feature", "operationId": "deleteFeature", "tags": ["Data"],
        "parameters": [ids[0], ids[1], if_match], "responses": done("204", "Deleted") });
    doc["paths"]["/collections/{collectionId}/items/{featureId}/history"] = json!({ "get": { "summary": "The feature's edits, newest first, each with the feature before and after",
        "operationId": "getFeatureHistory", "tags": ["Data"], "parameters": [ids[0], ids[1]],
        "responses": { "200": { "description": "Success", "content": { "application/json": { "schema": { "type": "object" } } } }, "404": err("No such collection") } } });
}

/// The parts of the document every collection shares: paths, parameters and schemas.
fn generic(base: &str) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Nexus Atlas",
            "description": "Layers and projects of the Urban Nexus cities as OGC API - Features (Part 1: Core, GeoJSON, HTML).",
            "version": env!("CARGO_PKG_VERSION"),
            "license": { "name": "MIT OR Apache-2.0" }
        },
        "servers": [{ "url": base }],
        "paths": paths(),
        "components": { "parameters": parameters(), "schemas": schemas() }
    })
}

/// The operations of OGC API - Features Part 1 this service offers.
fn paths() -> Value {
    let geojson = "application/geo+json";
    let ok = |schema: &str, types: &[&str]| {
        let content: serde_json::Map<String, Value> =
            types.iter().map(|t| ((*t).to_owned(), json!({ "schema": { "$ref": schema } }))).collect();
        json!({ "description": "Success", "content": content })
    };
    let err = |d: &str| json!({ "description": d, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/exception" } } } });
    json!({
        "/": { "get": { "summary": "Landing page", "operationId": "getLandingPage", "tags": ["Capabilities"],
            "parameters": [{ "$ref": "#/components/parameters/f" }],
            "responses": { "200": ok("#/components/schemas/landingPage", &["application/json", "text/html"]) } } },
        "/conformance": { "get": { "summary": "Conformance classes", "operationId": "getConformanceDeclaration", "tags": ["Capabilities"],
            "parameters": [{ "$ref": "#/components/parameters/f" }],
            "responses": { "200": ok("#/components/schemas/confClasses", &["application/json", "text/html"]) } } },
        "/api": { "get": { "summary": "This document", "operationId": "getApi", "tags": ["Capabilities"],
            "responses": { "200": { "description": "The OpenAPI document", "content": { "application/vnd.oai.openapi+json;version=3.0": { "schema": { "type": "object" } } } } } } },
        "/collections": { "get": { "summary": "The feature collections", "operationId": "getCollections", "tags": ["Data"],
            "parameters": [{ "$ref": "#/components/parameters/f" }],
            "responses": { "200": ok("#/components/schemas/collections", &["application/json", "text/html"]) } } },
        "/collections/{collectionId}": { "get": { "summary": "One collection", "operationId": "describeCollection", "tags": ["Data"],
            "parameters": [{ "$ref": "#/components/parameters/collectionId" }, { "$ref": "#/components/parameters/f" }],
            "responses": { "200": ok("#/components/schemas/collection", &["application/json", "text/html"]), "404": err("No such collection") } } },
        "/collections/{collectionId}/items": { "get": { "summary": "Features of a collection", "operationId": "getFeatures", "tags": ["Data"],
            "description": "Besides the parameters listed, any queryable property of the collection (its field names; for projects: city, status, sector, dimension, slug) filters by equality, e.g. ?city=chiang-mai.",
            "parameters": [
                { "$ref": "#/components/parameters/collectionId" }, { "$ref": "#/components/parameters/limit" },
                { "$ref": "#/components/parameters/offset" }, { "$ref": "#/components/parameters/bbox" },
                { "$ref": "#/components/parameters/datetime" }, { "$ref": "#/components/parameters/precision" },
                { "$ref": "#/components/parameters/crs" }, { "$ref": "#/components/parameters/bbox-crs" },
                { "$ref": "#/components/parameters/filter" }, { "$ref": "#/components/parameters/filter-lang" },
                { "$ref": "#/components/parameters/filter-crs" }, { "$ref": "#/components/parameters/sortby" },
                { "$ref": "#/components/parameters/properties" }, { "$ref": "#/components/parameters/f" }
            ],
            "responses": { "200": ok("#/components/schemas/featureCollectionGeoJSON", &[geojson, "text/html"]),
                           "400": err("A parameter is unknown or malformed"), "404": err("No such collection") } } },
        "/collections/{collectionId}/queryables": { "get": { "summary": "The properties items filter on, as JSON Schema", "operationId": "getQueryables", "tags": ["Data"],
            "parameters": [{ "$ref": "#/components/parameters/collectionId" }, { "$ref": "#/components/parameters/f" }],
            "responses": { "200": { "description": "Success", "content": { "application/schema+json": { "schema": { "type": "object" } }, "text/html": { "schema": { "type": "string" } } } },
                           "404": err("No such collection") } } },
        "/collections/{collectionId}/schema": { "get": { "summary": "The JSON Schema of a feature (GeoJSON)", "operationId": "getSchema", "tags": ["Data"],
            "parameters": [{ "$ref": "#/components/parameters/collectionId" }, { "$ref": "#/components/parameters/f" }],
            "responses": { "200": { "description": "Success", "content": { "application/schema+json": { "schema": { "type": "object" } }, "text/html": { "schema": { "type": "string" } } } },
                           "404": err("No such collection") } } },
        "/collections/{collectionId}/items/{featureId}": { "get": { "summary": "One feature", "operationId": "getFeature", "tags": ["Data"],
            "parameters": [{ "$ref": "#/components/parameters/collectionId" }, { "$ref": "#/components/parameters/featureId" },
                           { "$ref": "#/components/parameters/precision" }, { "$ref": "#/components/parameters/crs" },
                           { "$ref": "#/components/parameters/f" }],
            "responses": { "200": ok("#/components/schemas/featureGeoJSON", &[geojson, "text/html"]), "404": err("No such feature") } } }
    })
}

/// The query and path parameters the paths refer to.
fn parameters() -> Value {
    json!({
        "f": { "name": "f", "in": "query", "required": false, "description": "The response format (default: by Accept header, else json).",
               "schema": { "type": "string", "enum": ["json", "html"] }, "style": "form", "explode": false },
        "collectionId": { "name": "collectionId", "in": "path", "required": true, "schema": { "type": "string" } },
        "featureId": { "name": "featureId", "in": "path", "required": true, "schema": { "type": "integer" } },
        "limit": { "name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
                   "description": format!("Most features returned (default {DEFAULT_LIMIT}; larger values are capped at {MAX_LIMIT})."),
                   "schema": { "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT } },
        "offset": { "name": "offset", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "Features skipped, for paging (the next link carries it).",
                    "schema": { "type": "integer", "minimum": 0, "default": 0 } },
        "bbox": { "name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                  "description": "minLon,minLat,maxLon,maxLat in CRS84 (or six numbers with heights, ignored).",
                  "schema": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } } },
        "datetime": { "name": "datetime", "in": "query", "required": false, "style": "form", "explode": false,
                      "description": "An RFC 3339 instant or date, or an interval start/end with '..' for an open end; applies to collections with a date field (projects: their start and end dates).",
                      "schema": { "type": "string" } },
        "precision": { "name": "precision", "in": "query", "required": false, "style": "form", "explode": false,
                       "description": "Decimals of coordinates (default 6, about 10 cm).",
                       "schema": { "type": "integer", "minimum": 0, "maximum": 15, "default": 6 } },
        "crs": { "name": "crs", "in": "query", "required": false, "style": "form", "explode": false,
                 "description": "The coordinate system of the geometries returned (a URI of the collection's crs list; default CRS84). The response's Content-Crs names it.",
                 "schema": { "type": "string", "format": "uri" } },
        "filter": { "name": "filter", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "A CQL2 condition on the collection's queryables (see /collections/{collectionId}/queryables), e.g. name = 'Hai Ya' AND S_INTERSECTS(geometry, BBOX(98.9,18.7,99.1,18.9)); S_DWITHIN's distance is in metres. Every value is bound, never run as SQL.",
                    "schema": { "type": "string" } },
        "sortby": { "name": "sortby", "in": "query", "required": false, "style": "form", "explode": false,
                    "description": "Properties to order by, comma-separated; '-' before one for descending (sortby=-population,name).",
                    "schema": { "type": "array", "items": { "type": "string" } } },
        "properties": { "name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
                        "description": "Only these properties in each feature, comma-separated.",
                        "schema": { "type": "array", "items": { "type": "string" } } },
        "filter-lang": { "name": "filter-lang", "in": "query", "required": false, "style": "form", "explode": false,
                         "schema": { "type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text" } },
        "filter-crs": { "name": "filter-crs", "in": "query", "required": false, "style": "form", "explode": false,
                        "description": "The coordinate system of the filter's geometries (default CRS84).",
                        "schema": { "type": "string", "format": "uri" } },
        "bbox-crs": { "name": "bbox-crs", "in": "query", "required": false, "style": "form", "explode": false,
                      "description": "The coordinate system of bbox (default CRS84; EPSG:4326 is latitude first).",
                      "schema": { "type": "string", "format": "uri" } }
    })
}

/// The response schemas the paths refer to.
fn schemas() -> Value {
    json!({
        "exception": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object",
            "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } } },
        "link": { "type": "object", "required": ["href", "rel"], "properties": {
            "href": { "type": "string" }, "rel": { "type": "string" }, "type": { "type": "string" }, "title": { "type": "string" } } },
        "landingPage": { "type": "object", "required": ["links"], "properties": {
            "title": { "type": "string" }, "description": { "type": "string" },
            "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } } } },
        "confClasses": { "type": "object", "required": ["conformsTo"], "properties": {
            "conformsTo": { "type": "array", "items": { "type": "string" } } } },
        "extent": { "type": "object", "properties": { "spatial": { "type": "object", "properties": {
            "bbox": { "type": "array", "items": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } } },
            "crs": { "type": "string" } } } } },
        "collection": { "type": "object", "required": ["id", "links"], "properties": {
            "id": { "type": "string" }, "title": { "type": "string" }, "description": { "type": "string" },
            "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } },
            "extent": { "$ref": "#/components/schemas/extent" }, "itemType": { "type": "string" },
            "crs": { "type": "array", "items": { "type": "string" } } } },
        "collections": { "type": "object", "required": ["links", "collections"], "properties": {
            "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } },
            "collections": { "type": "array", "items": { "$ref": "#/components/schemas/collection" } } } },
        "geometryGeoJSON": { "type": "object", "nullable": true, "required": ["type"], "properties": { "type": { "type": "string",
            "enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"] } } },
        "featureGeoJSON": { "type": "object", "required": ["type", "geometry", "properties"], "properties": {
            "type": { "type": "string", "enum": ["Feature"] }, "id": { "type": "integer" },
            "geometry": { "$ref": "#/components/schemas/geometryGeoJSON" },
            "properties": { "type": "object", "nullable": true },
            "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } } } },
        "featureCollectionGeoJSON": { "type": "object", "required": ["type", "features"], "properties": {
            "type": { "type": "string", "enum": ["FeatureCollection"] },
            "features": { "type": "array", "items": { "$ref": "#/components/schemas/featureGeoJSON" } },
            "links": { "type": "array", "items": { "$ref": "#/components/schemas/link" } },
            "timeStamp": { "type": "string", "format": "date-time" },
            "numberMatched": { "type": "integer", "minimum": 0 }, "numberReturned": { "type": "integer", "minimum": 0 } } }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` resolves inside the document.
    #[test]
    fn the_document_is_self_contained() {
        let doc = document("http://example", &[Source::Projects { drafts: nexus_core::DraftScope::None }]);
        let mut refs = Vec::new();
        fn walk(v: &Value, refs: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        if k == "$ref" {
                            refs.push(v.as_str().unwrap().to_owned());
                        } else {
                            walk(v, refs);
                        }
                    }
                }
                Value::Array(a) => a.iter().for_each(|v| walk(v, refs)),
                _ => {}
            }
        }
        walk(&doc, &mut refs);
        assert!(refs.len() > 10);
        for r in refs {
            let path = r.strip_prefix("#/").unwrap_or_else(|| panic!("remote ref {r}"));
            let mut at = &doc;
            for part in path.split('/') {
                at = at.get(part).unwrap_or_else(|| panic!("dangling ref {r}"));
            }
        }
        assert_eq!(doc["components"]["parameters"]["limit"]["schema"]["maximum"], MAX_LIMIT);
        let names: Vec<&str> = doc["paths"]["/collections/projects/items"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert!(names.contains(&"city") && names.contains(&"sector"), "{names:?}");
    }
}
