//! What the OGC handlers share: media types, format negotiation, links, streamed bodies.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{json, Value};

use nexus_service::tiles::encoding::{self, Encoding};

use crate::error::ApiError;
use crate::links::{negotiate, Format};

/// The coordinate system of every geometry served (longitude, latitude).
pub(super) const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// GeoJSON's media type.
pub(super) const GEOJSON: &str = "application/geo+json";
/// JSON Schema's media type.
pub(super) const SCHEMA: &str = "application/schema+json";

pub(super) fn format(query: &HashMap<String, String>, headers: &HeaderMap) -> Result<Format, ApiError> {
    negotiate(query.get("f").map(String::as_str), headers).map_err(ApiError::bad_request)
}

pub(super) fn json_with_type(content_type: &'static str, body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Pages below this are sent as they are: compressing them saves less than it costs.
const COMPRESS_FROM: usize = 1400;

/// How a JSON body of `len` bytes goes to this client (`Accept-Encoding`), as items pages and
/// items do: a page of 100 villages is 275 KB of JSON and 62 KB gzipped. Gzip whenever it is
/// taken: libdeflate's gzip at level 5 is both smaller and faster on GeoJSON than brotli at the
/// levels a body made for one request can afford; brotli for clients that take nothing else.
pub(super) fn json_encoding(headers: &HeaderMap, len: usize) -> Encoding {
    let accept = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok());
    match encoding::negotiate(accept) {
        _ if len < COMPRESS_FROM => Encoding::Identity,
        Encoding::Brotli if encoding::accepts_gzip(accept) => Encoding::Gzip,
        e => e,
    }
}

/// `body` compressed as `chosen` says.
pub(super) fn encode(chosen: Encoding, body: Vec<u8>) -> Vec<u8> {
    match chosen {
        Encoding::Brotli => encoding::brotli_fast(&body),
        Encoding::Gzip => encoding::gzip_json(&body),
        Encoding::Identity => body,
    }
}

/// A body already encoded (`Content-Encoding: coding`), with `Vary`.
pub(super) fn encoded_response(content_type: &'static str, coding: Option<&'static str>, body: Bytes) -> Response {
    let mut res = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Some(word) = coding {
        res.headers_mut().insert(header::CONTENT_ENCODING, header::HeaderValue::from_static(word));
    }
    res.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept, Accept-Encoding"));
    res
}

/// A JSON body, compressed as [`json_encoding`] chooses.
pub(super) fn json_encoded(headers: &HeaderMap, content_type: &'static str, body: Vec<u8>) -> Response {
    let chosen = json_encoding(headers, body.len());
    encoded_response(content_type, chosen.header(), Bytes::from(encode(chosen, body)))
}

pub(super) fn link(href: impl Into<String>, rel: &str, ty: &str, title: &str) -> Value {
    let href: String = href.into();
    json!({ "href": href, "rel": rel, "type": ty, "title": title })
}

/// A streamed body.
pub fn stream_body(
    stream: impl futures_util::Stream<Item = Result<Bytes, nexus_store::StoreError>> + Send + 'static,
) -> Body {
    Body::from_stream(futures_util::StreamExt::map(stream, |r| r.map_err(std::io::Error::other)))
}
