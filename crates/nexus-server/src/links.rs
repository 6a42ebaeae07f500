//! Absolute links: the service's public base URL and content negotiation.

use axum::http::{header, HeaderMap};

use crate::state::AppState;

/// The public base URL: the configured one, else what the request (or a proxy) says.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.config.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let get = |name: &str| {
        headers.get(name).and_then(|v| v.to_str().ok()).map(|s| s.split(',').next().unwrap_or(s).trim().to_owned())
    };
    // Only the two schemes a link may carry: anything else in the header is ignored.
    let proto = get("x-forwarded-proto")
        .filter(|p| p.eq_ignore_ascii_case("http") || p.eq_ignore_ascii_case("https"))
        .map_or_else(|| "http".to_owned(), |p| p.to_ascii_lowercase());
    let host =
        get("x-forwarded-host").or_else(|| get(header::HOST.as_str())).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let prefix = get("x-forwarded-prefix").unwrap_or_default();
    format!("{proto}://{host}{}", prefix.trim_end_matches('/'))
}

/// What the client wants back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON (GeoJSON for features).
    Json,
    /// A readable HTML page.
    Html,
}

/// `?f=` wins; otherwise `Accept` (HTML only when the client prefers it over JSON).
pub fn negotiate(f: Option<&str>, headers: &HeaderMap) -> Result<Format, String> {
    match f {
        Some("json" | "geojson") => return Ok(Format::Json),
        Some("html") => return Ok(Format::Html),
        Some(other) => return Err(format!("f must be json or html, not '{}'", other.escape_default())),
        None => {}
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let html = accept.find("text/html");
    let json = accept.find("json");
    Ok(match (html, json) {
        (Some(h), Some(j)) if h < j => Format::Html,
        (Some(_), None) => Format::Html,
        _ => Format::Json,
    })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn browsers_get_html_clients_get_json() {
        let mut h = HeaderMap::new();
        assert_eq!(negotiate(None, &h), Ok(Format::Json));
        h.insert(header::ACCEPT, HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"));
        assert_eq!(negotiate(None, &h), Ok(Format::Html));
        h.insert(header::ACCEPT, HeaderValue::from_static("application/geo+json, application/json, text/html"));
        assert_eq!(negotiate(None, &h), Ok(Format::Json));
        assert_eq!(negotiate(Some("html"), &h), Ok(Format::Html));
        assert!(negotiate(Some("xml"), &h).is_err());
    }
}
