//! Who may do what: the one policy every route and every command asks.
//!
//! A caller is a [`Principal`]: the anonymous public, a signed-in user (with a site-admin
//! flag and roles per city), the legacy planner token (a site admin), or the command line (a
//! site admin too: it holds the database's credentials anyway). An [`Action`] is asked for a
//! city (`None` for things without one: layers without a city, the Nexus rules). Roles per
//! city are cumulative: a publisher may do all an editor may, a city admin all a publisher may.
//!
//! Keeping the decision here, pure and table-tested, is what keeps permission logic out of
//! handlers: they name the action and the city and obey the answer.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::enums::{ParseEnumError, Visibility};
use crate::ids::CitySlug;

word_enum! {
    /// A person's role in one city, weakest first.
    Role, "role" {
        /// Sees the city's drafts.
        Viewer => "viewer",
        /// Creates and edits drafts: projects, layer uploads.
        Editor => "editor",
        /// Publishes and unpublishes, replaces public layers, deletes and restores.
        Publisher => "publisher",
        /// Manages the city's members.
        Admin => "admin",
    }
}

impl Role {
    /// How the role reads to people ("City admin" rather than "admin").
    pub const fn label(self) -> &'static str {
        match self {
            Role::Viewer => "Viewer",
            Role::Editor => "Editor",
            Role::Publisher => "Publisher",
            Role::Admin => "City admin",
        }
    }
}

/// A role held in one city.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    /// The city.
    pub city: CitySlug,
    /// The role there.
    pub role: Role,
}

/// A signed-in person (or the owner of a personal token) as the policy sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserAccess {
    /// The user's id.
    pub id: i64,
    /// Their email, which they sign in with.
    pub email: String,
    /// The name shown to others.
    pub name: String,
    /// May do everything everywhere.
    pub site_admin: bool,
    /// Roles per city.
    pub roles: Vec<Membership>,
}

impl UserAccess {
    /// The user's strongest role in `city`.
    pub fn role_in(&self, city: &str) -> Option<Role> {
        self.roles.iter().filter(|m| m.city.as_str() == city).map(|m| m.role).max()
    }
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Nobody signed in: public data only, no writes.
    Anonymous,
    /// A person, by session or personal token.
    User(UserAccess),
    /// The configuration's `planner_token`, kept working as a site admin.
    Legacy,
    /// `nexus …` on the command line.
    Cli,
}

/// Everything that needs permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See drafts (layers, projects, their tiles, items, exports and links).
    ReadDrafts,
    /// Create a draft project or a new draft layer; edit or replace a draft.
    EditDraft,
    /// Make a draft public or a public thing a draft again.
    Publish,
    /// Change or replace something the public sees.
    EditPublic,
    /// Delete a project or layer, or restore a deleted one or an old revision.
    DeleteRestore,
    /// Add, change and remove a city's members.
    ManageMembers,
    /// Read the audit trail.
    ReadAudit,
    /// Change the Nexus rules (they hold for every city).
    EditRules,
    /// Recompute the Nexus overlays now.
    RefreshOverlays,
    /// Create users, make site admins, disable accounts.
    ManageUsers,
    /// Comment on a published project (anyone, signed in or not).
    Comment,
    /// Approve, reject and reply to the public's comments on a city's projects.
    ModerateComments,
}

/// Who may do an action.
enum Needs {
    /// Everybody, the anonymous public included.
    Anyone,
    /// A role in the city at least this strong.
    Role(Role),
    /// Site admins only.
    SiteAdmin,
}

impl Action {
    /// Who may do the action: anyone, the weakest city role that allows it, or site admins.
    const fn needs(self) -> Needs {
        match self {
            Action::Comment => Needs::Anyone,
            Action::ReadDrafts => Needs::Role(Role::Viewer),
            Action::EditDraft | Action::RefreshOverlays => Needs::Role(Role::Editor),
            Action::Publish | Action::EditPublic | Action::DeleteRestore | Action::ModerateComments => {
                Needs::Role(Role::Publisher)
            }
            Action::ManageMembers | Action::ReadAudit => Needs::Role(Role::Admin),
            Action::EditRules | Action::ManageUsers => Needs::SiteAdmin,
        }
    }

    /// What a save asks for, from the visibility before (`None`: it is new) and after.
    pub fn for_save(before: Option<Visibility>, after: Visibility) -> Action {
        match (before, after) {
            (None | Some(Visibility::Draft), Visibility::Draft) => Action::EditDraft,
            (Some(Visibility::Public), Visibility::Public) => Action::EditPublic,
            _ => Action::Publish,
        }
    }
}

impl Principal {
    /// Whether this caller may do everything.
    pub fn is_site_admin(&self) -> bool {
        match self {
            Principal::Legacy | Principal::Cli => true,
            Principal::User(u) => u.site_admin,
            Principal::Anonymous => false,
        }
    }

    /// Whether the caller may do `action` in `city` (`None`: a thing without a city, which
    /// only site admins manage). [`Action::RefreshOverlays`] asked without a city means "in
    /// any city".
    pub fn may(&self, action: Action, city: Option<&str>) -> bool {
        let needs = match action.needs() {
            _ if self.is_site_admin() => return true,
            Needs::Anyone => return true,
            Needs::SiteAdmin => return false,
            Needs::Role(r) => r,
        };
        let Principal::User(user) = self else { return false };
        match city {
            Some(city) => user.role_in(city).is_some_and(|r| r >= needs),
            None if action == Action::RefreshOverlays => self.may_somewhere(action),
            None => false,
        }
    }

    /// Whether the caller may do `action` in some city (what a form asks before it knows
    /// which city the thing will be in).
    pub fn may_somewhere(&self, action: Action) -> bool {
        self.is_site_admin()
            || match (self, action.needs()) {
                (_, Needs::Anyone) => true,
                (Principal::User(u), Needs::Role(needs)) => u.roles.iter().any(|m| m.role >= needs),
                _ => false,
            }
    }

    /// Whose drafts this caller sees.
    pub fn drafts(&self) -> DraftScope {
        match self {
            _ if self.is_site_admin() => DraftScope::All,
            Principal::User(u) => DraftScope::Cities(u.roles.iter().map(|m| m.city.as_str().to_owned()).collect()),
            _ => DraftScope::None,
        }
    }
}

/// Whose drafts a reader sees, besides everything public.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DraftScope {
    /// None: the public.
    None,
    /// Drafts of these cities (a member of them).
    Cities(Vec<String>),
    /// Every draft (site admins).
    All,
}

impl DraftScope {
    /// Whether a thing of `city` with `visibility` is visible.
    pub fn sees(&self, visibility: Visibility, city: Option<&str>) -> bool {
        visibility == Visibility::Public
            || match self {
                DraftScope::None => false,
                DraftScope::All => true,
                DraftScope::Cities(cities) => city.is_some_and(|c| cities.iter().any(|x| x == c)),
            }
    }

    /// Whether layer `l` is visible.
    pub fn sees_layer(&self, l: &crate::Layer) -> bool {
        self.sees(l.visibility, l.city.as_ref().map(CitySlug::as_str))
    }

    /// The scope as one SQL array for `nexus_may_see(visibility, city, scope)` (migration
    /// 0011): the cities, or `*` for all.
    pub fn to_sql(&self) -> Vec<String> {
        match self {
            DraftScope::None => Vec::new(),
            DraftScope::All => vec!["*".to_owned()],
            DraftScope::Cities(c) => c.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(site_admin: bool, roles: &[(&str, Role)]) -> Principal {
        Principal::User(UserAccess {
            id: 1,
            email: "a@b.org".into(),
            name: "A".into(),
            site_admin,
            roles: roles.iter().map(|(c, r)| Membership { city: CitySlug::new(*c).unwrap(), role: *r }).collect(),
        })
    }

    const ALL: [Action; 12] = [
        Action::ReadDrafts,
        Action::EditDraft,
        Action::Publish,
        Action::EditPublic,
        Action::DeleteRestore,
        Action::ManageMembers,
        Action::ReadAudit,
        Action::EditRules,
        Action::RefreshOverlays,
        Action::ManageUsers,
        Action::Comment,
        Action::ModerateComments,
    ];

    /// The role × action table of the README, in its order; `true` where the role of Chiang
    /// Mai may act in Chiang Mai.
    #[test]
    fn the_role_table() {
        let f = false;
        let rows: [(Option<Role>, [bool; 12]); 5] = [
            (None, [f, f, f, f, f, f, f, f, f, f, true, f]),
            (Some(Role::Viewer), [true, f, f, f, f, f, f, f, f, f, true, f]),
            (Some(Role::Editor), [true, true, f, f, f, f, f, f, true, f, true, f]),
            (Some(Role::Publisher), [true, true, true, true, true, f, f, f, true, f, true, true]),
            (Some(Role::Admin), [true, true, true, true, true, true, true, f, true, f, true, true]),
        ];
        for (role, allowed) in rows {
            let p = role.map_or(Principal::Anonymous, |r| user(false, &[("chiang-mai", r)]));
            for (action, want) in ALL.iter().zip(allowed) {
                assert_eq!(p.may(*action, Some("chiang-mai")), want, "{role:?} {action:?} in own city");
                let anyone = *action == Action::Comment;
                assert_eq!(p.may(*action, Some("naga")), anyone, "{role:?} {action:?} in another city");
                let without_city = anyone || (want && *action == Action::RefreshOverlays);
                assert_eq!(p.may(*action, None), without_city, "{role:?} {action:?} without a city");
            }
        }
    }

    #[test]
    fn site_admins_legacy_token_and_cli_may_do_everything() {
        for p in [user(true, &[]), Principal::Legacy, Principal::Cli] {
            for action in ALL {
                assert!(p.may(action, Some("naga")) && p.may(action, None), "{p:?} {action:?}");
            }
            assert_eq!(p.drafts(), DraftScope::All);
        }
    }

    #[test]
    fn somewhere_means_in_any_city() {
        let p = user(false, &[("naga", Role::Editor)]);
        assert!(p.may_somewhere(Action::EditDraft));
        assert!(!p.may_somewhere(Action::Publish));
        assert!(!Principal::Anonymous.may_somewhere(Action::ReadDrafts));
    }

    #[test]
    fn the_strongest_role_counts() {
        let p = user(false, &[("naga", Role::Viewer), ("naga", Role::Publisher)]);
        assert!(p.may(Action::Publish, Some("naga")));
    }

    #[test]
    fn saves_ask_by_visibility_before_and_after() {
        use Visibility::{Draft, Public};
        assert_eq!(Action::for_save(None, Draft), Action::EditDraft);
        assert_eq!(Action::for_save(Some(Draft), Draft), Action::EditDraft);
        assert_eq!(Action::for_save(None, Public), Action::Publish);
        assert_eq!(Action::for_save(Some(Draft), Public), Action::Publish);
        assert_eq!(Action::for_save(Some(Public), Draft), Action::Publish);
        assert_eq!(Action::for_save(Some(Public), Public), Action::EditPublic);
    }

    #[test]
    fn drafts_are_seen_by_members_of_their_city() {
        let scope = user(false, &[("chiang-mai", Role::Viewer)]).drafts();
        assert!(scope.sees(Visibility::Draft, Some("chiang-mai")));
        assert!(!scope.sees(Visibility::Draft, Some("naga")));
        assert!(!scope.sees(Visibility::Draft, None));
        assert!(scope.sees(Visibility::Public, Some("naga")));
        assert!(!Principal::Anonymous.drafts().sees(Visibility::Draft, Some("chiang-mai")));
        assert_eq!(DraftScope::All.to_sql(), ["*"]);
    }
}
