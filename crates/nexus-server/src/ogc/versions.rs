//! What the edits of every collection share: an `ETag` as a header value, and JSON Merge
//! Patch (RFC 7396), which `PATCH` applies to the feature as stored.

use axum::http::HeaderValue;
use serde_json::{json, Value};

/// A version as an `ETag` header value.
pub(crate) fn quoted(etag: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{etag}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

/// RFC 7396: `patch` merged into `target`.
pub(super) fn merge_patch(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch) {
        (Some(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (_, p) if p.is_object() => {
            *target = json!({});
            merge_patch(target, p);
        }
        _ => *target = patch.clone(),
    }
}
