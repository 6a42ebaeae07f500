//! Integration tests of the HTTP application, driven through `tower::ServiceExt::oneshot`

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly on purpose")]
//! against a real PostGIS database per test.

mod accounts;
mod api;
mod comments;
mod crowded;
mod edge;
mod edit;
mod edit_projects;
mod edit_tiles;
mod export;
mod history;
mod limits;
mod listener;
mod nexus;
mod ogc;
mod prerender;
mod privilege;
mod projects;
mod search;
mod sheet;
mod support;
mod tiles;
mod upload;
mod web;
