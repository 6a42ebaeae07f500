//! What the session routes answer: who is signed in, with their roles in words. Typed, so the
//! web map's types are generated from these (`web/src/api-session.gen.ts`).

use nexus_core::{CitySlug, Role, UserAccess};
use nexus_store::Via;
use serde::Serialize;

/// A person as the API shows them.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SessionUser {
    /// Their id.
    pub id: i64,
    /// Their email, which they sign in with.
    pub email: String,
    /// The name shown to others.
    pub name: String,
    /// May do everything everywhere.
    pub site_admin: bool,
    /// Their roles, one per city.
    pub roles: Vec<SessionRole>,
}

/// A role held in one city, with how it reads to people.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SessionRole {
    /// The city.
    #[ts(type = "string")]
    pub city: CitySlug,
    /// The role there.
    #[ts(type = "Role")]
    pub role: Role,
    /// "City admin" rather than "admin".
    pub label: String,
}

impl From<&UserAccess> for SessionUser {
    fn from(u: &UserAccess) -> Self {
        SessionUser {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            site_admin: u.site_admin,
            roles: u
                .roles
                .iter()
                .map(|m| SessionRole { city: m.city.clone(), role: m.role, label: m.role.label().to_owned() })
                .collect(),
        }
    }
}

/// The answer of `GET /api/session` and of a sign-in: the person (none for the anonymous and
/// the legacy token), how they proved it, and the CSRF token their writes echo.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct SessionAnswer {
    /// Who is signed in.
    pub user: Option<SessionUser>,
    /// How: `session`, `token` or `legacy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub via: Option<Via>,
    /// The token a cookie session's writes send back in `X-CSRF-Token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub csrf: Option<String>,
    /// The legacy token acts as a site admin.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub site_admin: Option<bool>,
    /// When a new session ends (RFC 3339), on sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub expires_at: Option<String>,
}
