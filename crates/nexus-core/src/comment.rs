//! The public's voice on a published project: a comment as sent, checked before anything
//! is stored. What a comment may hold is decided here, once, for the API and its tests.
//!
//! Comments are text: they are stored as written and always shown as text, never as HTML,
//! so a `<script>` in one is only characters. The checks below refuse what a person would not
//! send by hand — a filled-in honeypot field, a page of links — and say why.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::enums::ParseEnumError;

/// The longest comment, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// The most web addresses one comment may hold.
pub const MAX_LINKS: usize = 2;

word_enum! {
    /// What a commenter says of the project.
    Stance, "stance" {
        /// "I support this".
        Support => "support",
        /// "I have concerns".
        Concern => "concern",
    }
}

word_enum! {
    /// Where a comment stands in moderation.
    CommentStatus, "comment status" {
        /// Waiting for a publisher of the project's city.
        Pending => "pending",
        /// Shown on the project's card.
        Approved => "approved",
        /// Never shown.
        Rejected => "rejected",
    }
}

/// A comment as posted: `POST /api/projects/{slug}/comments`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// What the person says.
    pub text: String,
    /// Their name, if they give one.
    #[serde(default)]
    pub name: Option<String>,
    /// Support or concerns, if they say.
    #[serde(default)]
    pub stance: Option<Stance>,
    /// A place on the map, as a GeoJSON Point.
    #[serde(default)]
    pub point: Option<serde_json::Value>,
    /// The honeypot: a field the form hides from people, so only a robot fills it in.
    #[serde(default)]
    pub website: Option<String>,
}

/// A comment that passed every check, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewComment {
    /// The text, trimmed.
    pub text: String,
    /// The name, trimmed; `None` when empty.
    pub name: Option<String>,
    /// The stance.
    pub stance: Option<Stance>,
    /// Longitude and latitude of the point, in WGS 84.
    pub point: Option<(f64, f64)>,
}

/// Why a comment is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommentError {
    /// The body is not a comment.
    #[error("the body is not a comment: {0}")]
    Body(String),
    /// A rule a comment must keep.
    #[error("{0}")]
    Invalid(String),
    /// The honeypot was filled in.
    #[error("this comment was sent by a program, not through the form; it was not stored")]
    Robot,
}

impl NewComment {
    /// Parses and checks a posted body.
    ///
    /// # Errors
    /// [`CommentError`] saying what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<NewComment, CommentError> {
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        let body: CommentBody = serde_path_to_error::deserialize(de).map_err(|e| match e.path().to_string() {
            p if p == "." => CommentError::Body(e.inner().to_string()),
            p => CommentError::Body(format!("{p}: {}", e.inner())),
        })?;
        NewComment::check(body)
    }

    /// Checks a body's fields.
    ///
    /// # Errors
    /// [`CommentError`] saying what is wrong.
    pub fn check(body: CommentBody) -> Result<NewComment, CommentError> {
        if body.website.as_deref().is_some_and(|w| !w.trim().is_empty()) {
            return Err(CommentError::Robot);
        }
        let text = body.text.trim().to_owned();
        if text.is_empty() {
            return Err(CommentError::Invalid("Comment: write something".into()));
        }
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(CommentError::Invalid(format!(
                "Comment: {chars} characters, at most {MAX_TEXT_CHARS} are taken"
            )));
        }
        printable("Comment", &text)?;
        let links = links(&text);
        if links > MAX_LINKS {
            return Err(CommentError::Invalid(format!(
                "Comment: {links} web addresses, at most {MAX_LINKS} are taken"
            )));
        }
        let name = body.name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if let Some(n) = &name {
            if n.chars().count() > MAX_NAME_CHARS {
                return Err(CommentError::Invalid(format!("Name: at most {MAX_NAME_CHARS} characters")));
            }
            if n.contains('\n') {
                return Err(CommentError::Invalid("Name: one line only".into()));
            }
            printable("Name", n)?;
        }
        let point = body.point.map(|p| point(&p)).transpose()?;
        Ok(NewComment { text, name, stance: body.stance, point })
    }
}

/// Refuses control characters other than line breaks and tabs (and NUL, which PostgreSQL
/// text cannot hold).
fn printable(field: &str, s: &str) -> Result<(), CommentError> {
    match s.chars().position(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        Some(at) => Err(CommentError::Invalid(format!("{field}: a control character at character {}", at + 1))),
        None => Ok(()),
    }
}

/// How many web addresses `text` holds (`http://`, `https://` or `www.`).
pub fn links(text: &str) -> usize {
    let lower = text.to_lowercase();
    lower
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | '"' | '\''))
        .filter(|w| w.contains("http://") || w.contains("https://") || w.starts_with("www."))
        .count()
}

fn point(p: &serde_json::Value) -> Result<(f64, f64), CommentError> {
    let bad = || CommentError::Invalid("Point: a GeoJSON Point with longitude and latitude".into());
    if p.get("type").and_then(serde_json::Value::as_str) != Some("Point") {
        return Err(bad());
    }
    let c = p.get("coordinates").and_then(serde_json::Value::as_array).ok_or_else(bad)?;
    let (Some(lon), Some(lat)) =
        (c.first().and_then(serde_json::Value::as_f64), c.get(1).and_then(serde_json::Value::as_f64))
    else {
        return Err(bad());
    };
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(CommentError::Invalid(format!("Point: {lon}, {lat} is not a longitude and latitude in degrees")));
    }
    Ok((lon, lat))
}

/// What a moderator does to a comment: `POST /api/comments/{id}/approve|reject|reply`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moderation {
    /// Show it.
    Approve,
    /// Never show it.
    Reject,
    /// Answer it in the city's name (shown beneath it once approved).
    Reply(String),
}

impl Moderation {
    /// The audit trail's word for it.
    pub fn action(&self) -> &'static str {
        match self {
            Moderation::Approve => "comment.approve",
            Moderation::Reject => "comment.reject",
            Moderation::Reply(_) => "comment.reply",
        }
    }

    /// A reply's text, checked as a comment's is.
    ///
    /// # Errors
    /// [`CommentError::Invalid`] saying what is wrong.
    pub fn reply(text: &str) -> Result<Moderation, CommentError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CommentError::Invalid("Reply: write something".into()));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(CommentError::Invalid(format!("Reply: at most {MAX_TEXT_CHARS} characters")));
        }
        printable("Reply", text)?;
        Ok(Moderation::Reply(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &serde_json::Value) -> Result<NewComment, CommentError> {
        NewComment::parse(v.to_string().as_bytes())
    }

    #[test]
    fn a_plain_comment_is_taken_and_trimmed() {
        let c = parse(&serde_json::json!({"text": "  Good for the canal. ", "name": " Somchai ", "stance": "support",
            "point": {"type": "Point", "coordinates": [98.99, 18.79]}}))
        .unwrap();
        assert_eq!(c.text, "Good for the canal.");
        assert_eq!(c.name.as_deref(), Some("Somchai"));
        assert_eq!(c.stance, Some(Stance::Support));
        assert_eq!(c.point, Some((98.99, 18.79)));
        let c = parse(&serde_json::json!({"text": "ok", "name": "  "})).unwrap();
        assert_eq!(c.name, None);
    }

    #[test]
    fn text_is_kept_as_written_markup_included() {
        let c = parse(&serde_json::json!({"text": "<script>alert(1)</script>"})).unwrap();
        assert_eq!(c.text, "<script>alert(1)</script>");
    }

    #[test]
    fn what_a_person_would_not_send_is_refused_saying_why() {
        let long = "ก".repeat(MAX_TEXT_CHARS + 1);
        let cases = [
            (serde_json::json!({"text": ""}), "write something"),
            (serde_json::json!({"text": long}), "2001 characters"),
            (serde_json::json!({"text": "see http://a.example https://b.example www.c.example"}), "3 web addresses"),
            (serde_json::json!({"text": "ok", "name": "x".repeat(81)}), "Name: at most 80"),
            (serde_json::json!({"text": "a\u{0}b"}), "control character at character 2"),
            (serde_json::json!({"text": "ok", "stance": "maybe"}), "stance"),
            (serde_json::json!({"text": "ok", "point": {"type": "Point", "coordinates": [200, 10]}}), "200, 10"),
            (serde_json::json!({"text": "ok", "point": [1, 2]}), "GeoJSON Point"),
            (serde_json::json!({"text": "ok", "html": "<b>"}), "unknown field"),
        ];
        for (body, want) in cases {
            let e = parse(&body).unwrap_err().to_string();
            assert!(e.contains(want), "{body}: {e}");
        }
        assert!(parse(&serde_json::json!({"text": "two links http://a.example and http://b.example"})).is_ok());
    }

    #[test]
    fn the_honeypot_refuses() {
        assert_eq!(parse(&serde_json::json!({"text": "hi", "website": "http://spam"})), Err(CommentError::Robot));
        assert!(parse(&serde_json::json!({"text": "hi", "website": ""})).is_ok());
    }

    #[test]
    fn replies_are_checked() {
        assert_eq!(Moderation::reply(" Thanks "), Ok(Moderation::Reply("Thanks".into())));
        assert!(Moderation::reply(" ").is_err());
        assert_eq!(Moderation::Approve.action(), "comment.approve");
    }
}
