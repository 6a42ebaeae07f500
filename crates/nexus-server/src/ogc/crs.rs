//! Coordinate systems over HTTP (OGC API - Features Part 2): the `Content-Crs` a body's
//! geometry comes in, and the one a response's geometries are in.

use axum::http::{HeaderMap, HeaderValue};
use nexus_core::Crs;

use crate::error::ApiError;

/// The coordinate system of a body's geometry (`Content-Crs`; CRS84 without one).
pub(super) fn content_crs(headers: &HeaderMap) -> Result<Crs, ApiError> {
    let Some(v) = headers.get("content-crs") else { return Ok(Crs::CRS84) };
    let text = v.to_str().unwrap_or_default();
    Crs::parse(text).ok_or_else(|| ApiError::bad_request(Crs::unsupported("Content-Crs", text)))
}

/// `Content-Crs: <uri>`, as a response says which coordinate system its geometries are in.
pub(super) fn content_crs_header(crs: Crs) -> (&'static str, HeaderValue) {
    ("content-crs", HeaderValue::from_str(&format!("<{}>", crs.uri())).unwrap_or(HeaderValue::from_static("")))
}
