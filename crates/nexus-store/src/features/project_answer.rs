//! A project as the API answers it: the properties of its GeoJSON Feature in the items of
//! `projects` and in `/api/projects`. The SQL writes them as JSON itself (one column each,
//! [`PROJECT_PROPERTIES`]); this type names them for the web map's generated types, a unit
//! test keeps the two lists equal, and a server test reads real answers back into it.

use serde::{Deserialize, Serialize};

/// Projects' properties as items serve them, in order: each is the column of its name.
pub(super) const PROJECT_PROPERTIES: &[&str] = &[
    "slug",
    "city",
    "title",
    "title_local",
    "description",
    "description_local",
    "sectors",
    "dimensions",
    "kind",
    "status",
    "budget",
    "currency",
    "start_date",
    "end_date",
    "partners",
    "source",
    "approximate",
    "visibility",
    "revision",
    "updated_at",
];

/// The properties of a project's Feature, as read (a save sends them without `revision` and
/// `updated_at`, which the server keeps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ProjectAnswer {
    /// Its id in URLs.
    pub slug: String,
    /// The city it belongs to.
    pub city: String,
    /// Title in English.
    pub title: String,
    /// Title in the city's language.
    pub title_local: Option<String>,
    /// What it does.
    pub description: Option<String>,
    /// The description in the city's language.
    pub description_local: Option<String>,
    /// Sectors it touches.
    #[ts(type = "Sector[]")]
    pub sectors: Vec<String>,
    /// Nexus dimensions it works on.
    #[ts(type = "Dimension[]")]
    pub dimensions: Vec<String>,
    /// The kind of facility it builds, if the Nexus rules know it.
    #[ts(type = "ProjectKind | null")]
    pub kind: Option<String>,
    /// Where it is in its life.
    #[ts(type = "ProjectStatus")]
    pub status: String,
    /// Money, when known, in `currency`.
    pub budget: Option<f64>,
    /// ISO 4217 code of the budget.
    pub currency: Option<String>,
    /// Start date (`YYYY-MM-DD`).
    pub start_date: Option<String>,
    /// End date (`YYYY-MM-DD`).
    pub end_date: Option<String>,
    /// Partner organisations.
    pub partners: Vec<String>,
    /// Where the facts come from.
    pub source: Option<String>,
    /// True when its position is illustrative rather than surveyed.
    pub approximate: bool,
    /// Who may see it.
    #[ts(type = "Visibility")]
    pub visibility: String,
    /// Bumped by every save; an edit sends the one it started from (`If-Match`).
    pub revision: i64,
    /// When it was last saved (RFC 3339).
    pub updated_at: String,
}

impl ProjectAnswer {
    /// Its fields, in the order the SQL writes them.
    pub const FIELDS: &'static [&'static str] = PROJECT_PROPERTIES;
}

#[cfg(test)]
mod tests {
    use serde::de::{self, Deserializer, Visitor};

    /// The field names a `Deserialize` type asks for, in declaration order.
    fn field_names<T: for<'de> serde::Deserialize<'de>>() -> &'static [&'static str] {
        struct Grab(Option<&'static [&'static str]>);
        impl<'de> Deserializer<'de> for &mut Grab {
            type Error = de::value::Error;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
                Err(de::Error::custom("not a struct"))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Self::Error> {
                self.0 = Some(fields);
                Err(de::Error::custom("names taken"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 char str string bytes byte_buf option unit
                unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
            }
        }
        let mut grab = Grab(None);
        let _ = T::deserialize(&mut grab);
        grab.0.unwrap_or_default()
    }

    #[test]
    fn the_answer_type_names_what_the_sql_writes() {
        assert_eq!(field_names::<super::ProjectAnswer>(), super::PROJECT_PROPERTIES);
    }
}
