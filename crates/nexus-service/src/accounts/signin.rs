//! Signing in and out, with failures slowed down per account and per client address.
//!
//! Failures are counted from the audit trail, which every instance shares, so a client
//! cannot spread its guesses across instances; the trail is also where admins read them.

use std::time::Duration;

use nexus_core::{Principal, UserAccess};
use nexus_store::Via;
use time::OffsetDateTime;

use super::{passwords, secrets, AccountError, Accounts, Actor};

/// What a successful sign-in gives.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The new session's id (the cookie's value; stored only as a digest).
    pub session_id: String,
    /// The token cookie-authenticated writes must echo in `X-CSRF-Token`.
    pub csrf: String,
    /// Who signed in.
    pub user: UserAccess,
    /// When the session ends at the latest.
    pub expires_at: OffsetDateTime,
}

/// How failures are slowed down: after `per_account` failures for one account (or
/// `per_client` from one address) within `window`, every attempt is refused for
/// `first_wait`, doubling with each further failure up to `longest_wait`. A success resets.
#[derive(Debug, Clone)]
pub struct Throttle {
    /// Failures one account may have.
    pub per_account: i64,
    /// Failures one client address may have (several people may share one).
    pub per_client: i64,
    /// How far back failures count.
    pub window: Duration,
    /// The first wait.
    pub first_wait: Duration,
    /// The longest wait.
    pub longest_wait: Duration,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            per_account: 5,
            per_client: 20,
            window: Duration::from_secs(15 * 60),
            first_wait: Duration::from_secs(30),
            longest_wait: Duration::from_secs(15 * 60),
        }
    }
}

/// The audit actions that count as failures.
pub(super) const FAILURES: &[&str] = &["session.failed", "token.rejected"];

impl Throttle {
    /// How long to wait after `failures` failures against a limit of `limit`.
    fn wait(&self, failures: i64, limit: i64) -> Option<Duration> {
        let over = u32::try_from(failures - limit).ok()?;
        Some(self.first_wait.saturating_mul(2u32.saturating_pow(over)).min(self.longest_wait))
    }
}

impl Accounts {
    /// How long `email` (and `client`) must still wait before another attempt, if at all.
    pub(super) async fn throttled(
        &self,
        email: Option<&str>,
        client: Option<&str>,
    ) -> Result<Option<u64>, AccountError> {
        let t = &self.throttle;
        let keys = [(email, None, t.per_account), (None, client, t.per_client)];
        let mut longest = 0;
        for (target, addr, limit) in keys {
            if target.is_none() && addr.is_none() {
                continue;
            }
            let (n, last) = self.store.recent_failures(FAILURES, "session.create", target, addr, t.window).await?;
            if let (Some(wait), Some(last)) = (t.wait(n, limit), last) {
                let until = last + wait;
                let left = (until - OffsetDateTime::now_utc()).whole_seconds() + 1;
                longest = longest.max(left);
            }
        }
        Ok((longest > 0).then(|| u64::try_from(longest).unwrap_or(1)))
    }

    /// Signs `email` in with `password`; `replaces` is the session the client had before,
    /// ended here so the id always changes at sign-in. The same message answers a wrong
    /// password, an unknown email and a disabled account, after the same work.
    ///
    /// # Errors
    /// [`AccountError::Throttled`] while failures are being slowed down (even for the right
    /// password), [`AccountError::Unauthorized`] for wrong credentials.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        from: &Actor,
        replaces: Option<&str>,
    ) -> Result<SignedIn, AccountError> {
        let email = email.trim().to_lowercase();
        let anonymous = Actor { principal: Principal::Anonymous, via: Via::Anonymous, ..from.clone() };
        // Always the account's lock first, then the address's: no two attempts wait on each other crosswise.
        let account = self.attempt_lock(format!("email:{email}")).await;
        let _account = account.lock().await;
        let address = self.attempt_lock(format!("client:{}", from.client.as_deref().unwrap_or(""))).await;
        let _address = address.lock().await;
        if let Some(wait) = self.throttled(Some(&email), from.client.as_deref()).await? {
            let mut row = anonymous.audit("session.throttled", "user", Some(email));
            row.summary = format!("sign-in refused for {wait} s more after repeated failures");
            self.store.append_audit(&row).await?;
            return Err(AccountError::Throttled(wait));
        }
        let record = self.store.sign_in_record(&email).await?;
        let phc =
            record.as_ref().and_then(|r| r.password_hash.clone()).unwrap_or_else(|| passwords::decoy().to_owned());
        let given = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || passwords::verify(&given, &phc)).await.unwrap_or(false);
        let user = match record {
            // An account without a password (tokens only) never signs in, whatever is typed.
            Some(r) if matches && r.password_hash.is_some() && !r.disabled => r.access,
            other => {
                let why = match other {
                    None => "no account has this email",
                    Some(r) if r.disabled => "the account is disabled",
                    Some(r) if r.password_hash.is_none() => "the account has no password (tokens only)",
                    Some(_) => "wrong password",
                };
                let mut row = anonymous.audit("session.failed", "user", Some(email));
                row.summary = why.to_owned();
                self.store.append_audit(&row).await?;
                return Err(AccountError::Unauthorized("the email or password is wrong".into()));
            }
        };
        if let Some(old) = replaces {
            self.end_session(old).await?;
        }
        let session_id = secrets::random();
        let csrf = secrets::random();
        let expires_at = OffsetDateTime::now_utc() + self.settings.absolute;
        let actor = Actor { principal: Principal::User(user.clone()), via: Via::Session, ..from.clone() };
        let mut row = actor.audit("session.create", "user", Some(user.email.clone()));
        row.summary = "signed in".into();
        let digest = secrets::digest(&session_id);
        self.store.create_session(&digest, user.id, &csrf, expires_at, from.client.as_deref(), &row).await?;
        Ok(SignedIn { session_id, csrf, user, expires_at })
    }

    async fn end_session(&self, id: &str) -> Result<bool, AccountError> {
        let key = secrets::digest(id);
        self.sessions.invalidate(&key).await;
        Ok(self.store.delete_session(&key).await?)
    }

    /// Ends the session `id` of `actor`.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn sign_out(&self, actor: &Actor, id: &str) -> Result<(), AccountError> {
        if self.end_session(id).await? {
            let email = actor.user().map(|u| u.email.clone());
            let mut row = actor.audit("session.delete", "user", email);
            row.summary = "signed out".into();
            self.store.append_audit(&row).await?;
        }
        Ok(())
    }

    /// Ends every session of the signed-in `actor`; returns how many.
    ///
    /// # Errors
    /// [`AccountError::Unauthorized`] when nobody is signed in.
    pub async fn sign_out_everywhere(&self, actor: &Actor) -> Result<u64, AccountError> {
        let user = actor.user().ok_or_else(|| AccountError::Unauthorized("sign in first".into()))?;
        let n = self.store.delete_sessions(user.id).await?;
        self.sessions.invalidate_all();
        let mut row = actor.audit("session.delete_all", "user", Some(user.email.clone()));
        row.summary = format!("signed out everywhere ({n} sessions)");
        self.store.append_audit(&row).await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_start_at_the_limit_and_double() {
        let t = Throttle::default();
        assert_eq!(t.wait(4, 5), None);
        assert_eq!(t.wait(5, 5), Some(Duration::from_secs(30)));
        assert_eq!(t.wait(6, 5), Some(Duration::from_secs(60)));
        assert_eq!(t.wait(7, 5), Some(Duration::from_secs(120)));
        assert_eq!(t.wait(60, 5), Some(Duration::from_secs(900)));
    }
}
