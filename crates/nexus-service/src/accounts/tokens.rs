//! Bearer tokens: the legacy `planner_token` and personal API tokens.

use nexus_core::{Action, Principal};
use nexus_store::{TokenLookup, TokenRow, Via};
use time::OffsetDateTime;

use super::{secrets, AccountError, Accounts, Actor};

/// The longest a personal token may live, in days.
pub const MAX_TOKEN_DAYS: u32 = 3650;

impl Accounts {
    /// Who a bearer token speaks for. A wrong token is an error, not the public: a script
    /// whose token was revoked must hear so rather than quietly see less.
    ///
    /// # Errors
    /// [`AccountError::Unauthorized`] for a wrong, revoked or expired token (audited as
    /// `token.rejected`), [`AccountError::Throttled`] while this address is slowed down.
    pub async fn bearer(&self, token: &str, from: &Actor) -> Result<(Principal, Via), AccountError> {
        if let Some(legacy) = &self.legacy_token {
            if secrets::same(legacy.as_bytes(), token.as_bytes()) {
                return Ok((Principal::Legacy, Via::Legacy));
            }
        }
        let key = secrets::digest(token);
        if let Some(owner) = self.tokens.get(&key).await {
            return Ok((Principal::User(owner), Via::Token));
        }
        let anonymous = Actor { principal: Principal::Anonymous, via: Via::Anonymous, ..from.clone() };
        // One database lookup at a time per address, so a burst of guesses meets the throttle.
        let address = self.attempt_lock(format!("client:{}", from.client.as_deref().unwrap_or(""))).await;
        let _address = address.lock().await;
        if let Some(owner) = self.tokens.get(&key).await {
            return Ok((Principal::User(owner), Via::Token));
        }
        if let Some(wait) = self.throttled(None, from.client.as_deref()).await? {
            let mut row = anonymous.audit("token.throttled", "token", None);
            row.summary = format!("token refused for {wait} s more after repeated failures from this address");
            self.store.append_audit(&row).await?;
            return Err(AccountError::Throttled(wait));
        }
        let (target, why) = match self.store.token(&key).await? {
            TokenLookup::Valid { owner, .. } => {
                if self.caching() {
                    self.tokens.insert(key, owner.clone()).await;
                }
                return Ok((Principal::User(owner), Via::Token));
            }
            TokenLookup::Dead { id, why } => (Some(id.to_string()), why),
            TokenLookup::Unknown => (None, "the token is not valid"),
        };
        let mut row = anonymous.audit("token.rejected", "token", target);
        row.summary = why.to_owned();
        self.store.append_audit(&row).await?;
        Err(AccountError::Unauthorized(why.to_owned()))
    }

    /// Makes a personal token for the user with `owner_email`, valid for `days` (or until
    /// revoked); returns its id and the token, which is shown this once and stored hashed.
    ///
    /// # Errors
    /// [`AccountError::Forbidden`] unless `actor` is that user or a site admin;
    /// [`AccountError::Invalid`] for an unknown user or a bad name or lifetime.
    pub async fn create_token(
        &self,
        actor: &Actor,
        owner_email: &str,
        name: &str,
        days: Option<u32>,
    ) -> Result<(i64, String), AccountError> {
        let owner = self
            .store
            .sign_in_record(owner_email)
            .await?
            .ok_or_else(|| AccountError::Invalid(format!("there is no user '{}'", owner_email.escape_default())))?;
        let own = actor.user().is_some_and(|u| u.id == owner.access.id);
        if !own && !actor.principal.may(Action::ManageUsers, None) {
            return Err(AccountError::Forbidden("only site admins make tokens for other people".into()));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AccountError::Invalid("a token needs a name of 1 to 100 characters".into()));
        }
        if days.is_some_and(|d| d == 0 || d > MAX_TOKEN_DAYS) {
            return Err(AccountError::Invalid(format!("a token lives 1 to {MAX_TOKEN_DAYS} days")));
        }
        let expires = days.map(|d| OffsetDateTime::now_utc() + time::Duration::days(i64::from(d)));
        let token = secrets::new_token();
        let mut row = actor.audit("token.create", "token", None);
        row.summary = format!("token '{name}' for {}", owner.access.email);
        let id = self.store.create_token(owner.access.id, name, &secrets::digest(&token), expires, &row).await?;
        Ok((id, token))
    }

    /// Revokes token `id` (the actor's own, or anyone's for a site admin).
    ///
    /// # Errors
    /// [`AccountError::Invalid`] when there is no such live token of theirs.
    pub async fn revoke_token(&self, actor: &Actor, id: i64) -> Result<(), AccountError> {
        let owner = if actor.principal.may(Action::ManageUsers, None) {
            None
        } else {
            Some(actor.user().ok_or_else(|| AccountError::Unauthorized("sign in first".into()))?.id)
        };
        let mut row = actor.audit("token.revoke", "token", Some(id.to_string()));
        row.summary = "revoked".into();
        if self.store.revoke_token(id, owner, &row).await?.is_none() {
            return Err(AccountError::Invalid(format!("you have no live token {id}")));
        }
        self.tokens.invalidate_all();
        Ok(())
    }

    /// The actor's tokens, or everyone's for a site admin with `all`.
    ///
    /// # Errors
    /// [`AccountError::Unauthorized`] for the anonymous.
    pub async fn tokens(&self, actor: &Actor, all: bool) -> Result<Vec<TokenRow>, AccountError> {
        if all && actor.principal.may(Action::ManageUsers, None) {
            return Ok(self.store.tokens(None).await?);
        }
        let user = actor.user().ok_or_else(|| AccountError::Unauthorized("sign in first".into()))?;
        Ok(self.store.tokens(Some(user.id)).await?)
    }
}
