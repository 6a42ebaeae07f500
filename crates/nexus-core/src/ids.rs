//! Identifiers that reach SQL, URLs and file names, validated once at the edge.
//!
//! A [`LayerId`] becomes part of table names and URLs, so it is kept to a small,
//! boring alphabet; a [`CitySlug`] is a readable URL word such as `chiang-mai`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// Longest identifier accepted (PostgreSQL truncates identifiers at 63 bytes).
const MAX_LEN: usize = 48;

/// An identifier that breaks the rules, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Empty input.
    #[error("{what} is empty")]
    Empty {
        /// "layer id" or "city slug".
        what: &'static str,
    },
    /// Longer than [`MAX_LEN`] characters.
    #[error("{what} '{value}' is longer than {MAX_LEN} characters")]
    TooLong {
        /// "layer id" or "city slug".
        what: &'static str,
        /// The rejected input.
        value: String,
    },
    /// Holds a character outside the alphabet, or starts/ends badly.
    #[error("{what} '{value}' is not allowed: {rule}")]
    Invalid {
        /// "layer id" or "city slug".
        what: &'static str,
        /// The rejected input (control characters escaped).
        value: String,
        /// The rule it breaks.
        rule: &'static str,
    },
}

fn check(value: &str, what: &'static str, allowed: fn(u8) -> bool, rule: &'static str) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::Empty { what });
    }
    if value.len() > MAX_LEN {
        return Err(IdError::TooLong { what, value: value.escape_default().to_string() });
    }
    let bytes = value.as_bytes();
    let first_ok = bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit();
    let last_ok = bytes[bytes.len() - 1].is_ascii_lowercase() || bytes[bytes.len() - 1].is_ascii_digit();
    if !first_ok || !last_ok || !bytes.iter().all(|b| allowed(*b)) {
        return Err(IdError::Invalid { what, value: value.escape_default().to_string(), rule });
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $what:literal, $allowed:expr, $rule:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates `value`.
            ///
            /// # Errors
            /// When the value is empty, too long, or breaks the alphabet rule.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                check(&value, $what, $allowed, $rule)?;
                if let Some(rule) = Self::extra_rule(&value) {
                    return Err(IdError::Invalid { what: $what, value: value.escape_default().to_string(), rule });
                }
                Ok(Self(value))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A layer identifier: lower-case ASCII letters, digits, `_` and `-`, starting and
    /// ending with a letter or digit, at most 48 characters (`mae-kha-canal`, `wwtp_2024`).
    LayerId,
    "layer id",
    |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-',
    "use lower-case letters, digits, '_' and '-', starting and ending with a letter or digit"
);

impl LayerId {
    /// A layer's tables are `f_<id>`, and a replace builds `f_<id>__new` beside it: an id with
    /// `__` could name another layer's table in the making (issue 14, finding 10).
    fn extra_rule(value: &str) -> Option<&'static str> {
        value.contains("__").then_some("'__' is kept for the atlas's own tables; use a single '_'")
    }

    /// Ids of collections Nexus Atlas makes itself (the projects, the Nexus overlays): no
    /// uploaded layer may take them, or it would shadow them in tiles and the feature API.
    pub const RESERVED: &'static [&'static str] = &["projects", "nexus-links", "nexus-hex"];

    /// Whether the id belongs to a collection Nexus Atlas makes itself.
    pub fn is_reserved(&self) -> bool {
        Self::RESERVED.contains(&self.0.as_str())
    }
}

impl CitySlug {
    fn extra_rule(_: &str) -> Option<&'static str> {
        None
    }
}

impl ProjectSlug {
    fn extra_rule(_: &str) -> Option<&'static str> {
        None
    }
}

id_type!(
    /// A city slug: lower-case ASCII words joined by `-` (`chiang-mai`, `tanjungpinang`).
    CitySlug,
    "city slug",
    |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-',
    "use lower-case letters and digits joined by '-'"
);

id_type!(
    /// A project slug: lower-case ASCII words joined by `-` (`cm-mae-kha-canal`).
    ProjectSlug,
    "project slug",
    |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-',
    "use lower-case letters and digits joined by '-'"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_ids_accept_the_documented_alphabet() {
        for ok in ["canals", "mae-kha-canal", "wwtp_2024", "a", "9"] {
            assert_eq!(LayerId::new(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn hostile_layer_ids_are_refused_with_the_rule() {
        for bad in ["Canals", "canals;drop table x", "../etc", "ca nal", "-x", "x_", "é", "a\"b", "a\u{0}b"] {
            let err = LayerId::new(bad).unwrap_err();
            assert!(matches!(err, IdError::Invalid { .. }), "{bad}: {err}");
        }
        assert_eq!(LayerId::new("").unwrap_err(), IdError::Empty { what: "layer id" });
        assert!(matches!(LayerId::new("a".repeat(49)).unwrap_err(), IdError::TooLong { .. }));
    }

    #[test]
    fn the_atlas_own_collection_ids_are_reserved() {
        assert!(LayerId::new("projects").unwrap().is_reserved());
        assert!(LayerId::new("nexus-hex").unwrap().is_reserved());
        assert!(!LayerId::new("projects-2024").unwrap().is_reserved());
        for internal in ["x__new", "nexus-links__next", "a__b"] {
            let e = LayerId::new(internal).unwrap_err().to_string();
            assert!(e.contains("'__' is kept"), "{internal}: {e}");
        }
        assert!(LayerId::new("wwtp_2024").is_ok());
    }

    #[test]
    fn city_slugs_are_dash_words() {
        assert!(CitySlug::new("chiang-mai").is_ok());
        assert!(CitySlug::new("chiang_mai").is_err());
        let err = CitySlug::new("Chiang Mai").unwrap_err().to_string();
        assert_eq!(err, "city slug 'Chiang Mai' is not allowed: use lower-case letters and digits joined by '-'");
    }

    #[test]
    fn deserializing_validates() {
        assert!(serde_json::from_str::<LayerId>("\"ok-id\"").is_ok());
        let err = serde_json::from_str::<LayerId>("\"NOT OK\"").unwrap_err().to_string();
        assert!(err.contains("layer id 'NOT OK' is not allowed"), "{err}");
    }
}
