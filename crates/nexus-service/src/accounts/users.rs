//! People and roles: creating users, giving and taking roles per city, disabling accounts.

use nexus_core::{Action, CitySlug, Role};
use nexus_store::{NewUser, UserRow};

use super::{passwords, AccountError, Accounts, Actor};

/// A user to create.
#[derive(Debug, Clone)]
pub struct UserSpec {
    /// Email (the sign-in name).
    pub email: String,
    /// Shown name (the email's local part when none is given).
    pub name: Option<String>,
    /// A password to set now (checked against the rules), or none: sign-in waits for one.
    pub password: Option<String>,
    /// Make a site admin.
    pub site_admin: bool,
    /// Roles per city.
    pub roles: Vec<(CitySlug, Role)>,
}

/// The refusal of `actor`: 401 for the anonymous (they may just need to sign in), 403 else.
fn forbidden(actor: &Actor, what: &str) -> AccountError {
    if actor.principal == nexus_core::Principal::Anonymous {
        AccountError::Unauthorized(format!("sign in first: {what}"))
    } else {
        AccountError::Forbidden(what.to_owned())
    }
}

impl Accounts {
    /// The argon2id hash of a new password, after the rules for new passwords.
    async fn new_hash(password: &str, email: &str) -> Result<String, AccountError> {
        if let Some(p) = passwords::problem(password, email) {
            return Err(AccountError::Invalid(p));
        }
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || passwords::hash(&password))
            .await
            .map_err(|e| AccountError::Invalid(e.to_string()))?
            .map_err(AccountError::Invalid)
    }

    /// Creates a user with their roles. Site admins create anyone; a city admin creates
    /// people whose roles are all in cities they administer.
    ///
    /// # Errors
    /// [`AccountError::Forbidden`] beyond the actor's rights, [`AccountError::Invalid`] for
    /// a taken email, a weak password or an unknown city.
    pub async fn create_user(&self, actor: &Actor, spec: &UserSpec) -> Result<i64, AccountError> {
        let p = &actor.principal;
        let allowed = p.may(Action::ManageUsers, None)
            || (!spec.site_admin
                && !spec.roles.is_empty()
                && spec.roles.iter().all(|(c, _)| p.may(Action::ManageMembers, Some(c.as_str()))));
        if !allowed {
            return Err(forbidden(actor, "only site admins, or city admins for their own city, add people"));
        }
        let email = spec.email.trim().to_lowercase();
        let password_hash = match &spec.password {
            Some(pw) => Some(Self::new_hash(pw, &email).await?),
            None => None,
        };
        let name = spec.name.clone().filter(|n| !n.trim().is_empty());
        let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
        let mut row = actor.audit("user.create", "user", Some(email.clone()));
        row.summary = if spec.site_admin { "site admin".into() } else { "user".into() };
        let user = NewUser { email: email.clone(), name, password_hash, site_admin: spec.site_admin };
        let id = self.store.create_user(&user, &row).await.map_err(invalid)?;
        for (city, role) in &spec.roles {
            self.set_role(actor, &email, city, Some(*role)).await?;
        }
        Ok(id)
    }

    /// Gives the user with `email` `role` in `city`, or takes their role there (`None`).
    ///
    /// # Errors
    /// [`AccountError::Forbidden`] unless the actor administers the city;
    /// [`AccountError::Invalid`] for an unknown user or city.
    pub async fn set_role(
        &self,
        actor: &Actor,
        email: &str,
        city: &CitySlug,
        role: Option<Role>,
    ) -> Result<(), AccountError> {
        if !actor.principal.may(Action::ManageMembers, Some(city.as_str())) {
            return Err(forbidden(actor, &format!("only city admins of {city} and site admins manage its members")));
        }
        let user = self.user(email).await?;
        let action = if role.is_some() { "member.set" } else { "member.remove" };
        let mut row = actor.audit(action, "user", Some(email.trim().to_lowercase()));
        row.city = Some(city.to_string());
        self.store.set_role(user, city.as_str(), role, &row).await.map_err(invalid)?;
        self.forget();
        Ok(())
    }

    /// Disables (or enables) the user with `email`; disabling ends their sessions.
    ///
    /// # Errors
    /// [`AccountError::Forbidden`] unless a site admin; [`AccountError::Invalid`] for an
    /// unknown user.
    pub async fn set_disabled(&self, actor: &Actor, email: &str, disabled: bool) -> Result<(), AccountError> {
        if !actor.principal.may(Action::ManageUsers, None) {
            return Err(forbidden(actor, "only site admins disable accounts"));
        }
        let action = if disabled { "user.disable" } else { "user.enable" };
        let row = actor.audit(action, "user", Some(email.trim().to_lowercase()));
        self.store
            .set_disabled(email, disabled, &row)
            .await?
            .ok_or_else(|| AccountError::Invalid(format!("there is no user '{}'", email.escape_default())))?;
        self.forget();
        Ok(())
    }

    /// Every user (site admins), or the members of `city` (its city admins).
    ///
    /// # Errors
    /// [`AccountError::Forbidden`] beyond the actor's rights.
    pub async fn users(&self, actor: &Actor, city: Option<&CitySlug>) -> Result<Vec<UserRow>, AccountError> {
        let allowed = match city {
            None => actor.principal.may(Action::ManageUsers, None),
            Some(c) => actor.principal.may(Action::ManageMembers, Some(c.as_str())),
        };
        if !allowed {
            return Err(forbidden(actor, "only site admins list every user; city admins list their city's members"));
        }
        Ok(self.store.users(city.map(CitySlug::as_str)).await?)
    }

    async fn user(&self, email: &str) -> Result<i64, AccountError> {
        let record = self.store.sign_in_record(email).await?;
        record
            .map(|r| r.access.id)
            .ok_or_else(|| AccountError::Invalid(format!("there is no user '{}'", email.escape_default())))
    }
}

/// A store refusal (taken email, unknown city) is the request's fault.
fn invalid(e: nexus_store::StoreError) -> AccountError {
    match e {
        nexus_store::StoreError::Invalid(m) => AccountError::Invalid(m),
        other => AccountError::Store(other),
    }
}
