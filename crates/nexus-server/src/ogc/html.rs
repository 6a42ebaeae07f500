//! Plain, readable HTML views of the OGC API resources, for people who open the API in a
//! browser. No script, no external assets; every value is escaped.

use std::fmt::Write;

use serde_json::Value;

pub use nexus_core::html::esc;

/// A complete page.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} · Nexus Atlas</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>body{{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;line-height:1.45;color:#1f2933}}\
         table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #d9e2ec;padding:.3rem .5rem;text-align:left;vertical-align:top}}\
         th{{background:#f0f4f8}}a{{color:#0b5cad}}nav a{{margin-right:1rem}}</style></head>\
         <body><nav><a href=\"/?f=html\">Nexus Atlas API</a><a href=\"/collections?f=html\">Collections</a>\
         <a href=\"/\">Map</a></nav><h1>{t}</h1>{body}</body></html>",
        t = esc(title)
    )
}

/// The `links` of a JSON document as a list.
pub fn links(links: &Value) -> String {
    let mut out = String::from("<ul>");
    for l in links.as_array().into_iter().flatten() {
        let href = l["href"].as_str().unwrap_or_default();
        let title = l["title"].as_str().or(l["rel"].as_str()).unwrap_or_default();
        let _ = write!(
            out,
            "<li><a href=\"{}\">{}</a> <small>({}, {})</small></li>",
            esc(href),
            esc(title),
            esc(l["rel"].as_str().unwrap_or_default()),
            esc(l["type"].as_str().unwrap_or_default())
        );
    }
    out.push_str("</ul>");
    out
}

/// A value as readable text.
pub fn value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => esc(s),
        other => esc(&other.to_string()),
    }
}

/// Key/value rows of a JSON object.
pub fn properties(props: &Value) -> String {
    let mut out = String::from("<table><tr><th>property</th><th>value</th></tr>");
    for (k, v) in props.as_object().into_iter().flatten() {
        let _ = write!(out, "<tr><td>{}</td><td>{}</td></tr>", esc(k), value(v));
    }
    out.push_str("</table>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_escaped() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        let p = page("<b>", &properties(&serde_json::json!({"<k>": "<v>"})));
        assert!(!p.contains("<b>") && !p.contains("<k>") && !p.contains("<v>"));
        assert!(p.contains("&lt;v&gt;"));
    }
}
