//! The account service: sessions, tokens and people, each change with its audit row.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use nexus_core::{Principal, UserAccess};
use nexus_store::{AuditEntry, Change, Store, StoreError, Via};

use super::{secrets, Throttle};

/// How long an instance trusts a session or token it looked up.
pub const CACHE_TTL: Duration = Duration::from_secs(30);

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, used or not.
    pub absolute: Duration,
}

impl Default for SessionSettings {
    /// A working day idle, a week at most.
    fn default() -> Self {
        SessionSettings { idle: Duration::from_secs(8 * 3600), absolute: Duration::from_secs(7 * 24 * 3600) }
    }
}

/// Locks live while in use and a minute after (an idle one is made again when needed).
fn attempt_locks() -> Cache<String, Arc<tokio::sync::Mutex<()>>> {
    Cache::builder().max_capacity(100_000).time_to_idle(Duration::from_secs(60)).build()
}

/// Someone acting, as the audit trail records them.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Who, for the policy.
    pub principal: Principal,
    /// How they proved it.
    pub via: Via,
    /// Their address.
    pub client: Option<String>,
    /// The request's id.
    pub request_id: Option<String>,
}

impl Actor {
    /// The command line.
    pub fn cli() -> Self {
        Actor { principal: Principal::Cli, via: Via::Cli, client: None, request_id: None }
    }

    /// The signed-in user, when it is one.
    pub fn user(&self) -> Option<&UserAccess> {
        match &self.principal {
            Principal::User(u) => Some(u),
            _ => None,
        }
    }

    /// The name the audit trail (and a moderator's reply) gives this actor.
    pub fn name(&self) -> String {
        match &self.principal {
            Principal::User(u) => u.name.clone(),
            Principal::Legacy => "legacy token".to_owned(),
            Principal::Cli => "cli".to_owned(),
            Principal::Anonymous => "anonymous".to_owned(),
        }
    }

    /// An audit row of this actor doing `action` to a `target_type` `target_id`.
    pub fn audit(&self, action: &'static str, target_type: &'static str, target_id: Option<String>) -> AuditEntry {
        AuditEntry {
            actor_id: self.user().map(|u| u.id),
            actor_name: self.name(),
            via: self.via,
            action,
            target_type,
            target_id,
            city: None,
            revision_before: None,
            revision_after: None,
            client: self.client.clone(),
            request_id: self.request_id.clone(),
            summary: String::new(),
        }
    }
}

/// What went wrong with an account operation, for the edges to turn into a status.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Not signed in, or the credentials are wrong, revoked or expired.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Too many failures: wait this many seconds.
    #[error("too many failed attempts; try again in {0} s")]
    Throttled(u64),
    /// The request itself is wrong (a weak password, an unknown user).
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The account service of one instance.
#[derive(Debug)]
pub struct Accounts {
    pub(super) store: Store,
    pub(super) legacy_token: Option<String>,
    pub(super) settings: SessionSettings,
    pub(super) throttle: Throttle,
    /// Session-id digest → its user and CSRF token (`None`: no live session).
    pub(super) sessions: Cache<[u8; 32], Option<(UserAccess, String)>>,
    /// Token digest → its owner.
    pub(super) tokens: Cache<[u8; 32], UserAccess>,
    /// One lock per account and per client address: an account's guesses (and an address's)
    /// are checked, verified and recorded one at a time, so parallel requests cannot all pass
    /// the throttle before the first failure is recorded.
    pub(super) attempts: Cache<String, Arc<tokio::sync::Mutex<()>>>,
    /// Whether account changes are being heard; while they are not (the listener is down),
    /// nothing is cached, so a disabled account or revoked token is never let in from memory.
    pub(super) following: std::sync::atomic::AtomicBool,
}

impl Accounts {
    /// The service, following account changes from every instance.
    pub fn start(store: &Store, legacy_token: Option<String>, settings: SessionSettings) -> Arc<Self> {
        let accounts = Arc::new(Accounts {
            store: store.clone(),
            legacy_token,
            settings,
            throttle: Throttle::default(),
            sessions: Cache::builder().max_capacity(100_000).time_to_live(CACHE_TTL).build(),
            tokens: Cache::builder().max_capacity(10_000).time_to_live(CACHE_TTL).build(),
            attempts: attempt_locks(),
            following: std::sync::atomic::AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&accounts);
        let mut changes = store.listen();
        tokio::spawn(async move {
            while let Some(change) = changes.recv().await {
                let Some(accounts) = weak.upgrade() else { return };
                match change {
                    Change::Accounts => accounts.forget(),
                    Change::Resync | Change::Lost => {
                        accounts.following.store(change == Change::Resync, std::sync::atomic::Ordering::SeqCst);
                        accounts.forget();
                    }
                    _ => {}
                }
            }
        });
        accounts
    }

    /// The service for one command: nothing cached, nothing followed.
    pub fn without_cache(store: Store) -> Arc<Self> {
        Arc::new(Accounts {
            store,
            legacy_token: None,
            settings: SessionSettings::default(),
            throttle: Throttle::default(),
            sessions: Cache::builder().max_capacity(0).build(),
            tokens: Cache::builder().max_capacity(0).build(),
            attempts: attempt_locks(),
            following: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Whether account changes are being heard, so that what is looked up may be cached.
    pub fn caching(&self) -> bool {
        self.following.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The lock of attempts keyed `key` (`email:…`, `client:…`).
    pub(crate) async fn attempt_lock(&self, key: String) -> Arc<tokio::sync::Mutex<()>> {
        self.attempts.get_with(key, async { Arc::new(tokio::sync::Mutex::new(())) }).await
    }

    /// Drops every cached session and token (an account changed somewhere).
    pub fn forget(&self) {
        self.sessions.invalidate_all();
        self.tokens.invalidate_all();
    }

    /// The user and CSRF token of the session with id `id`, if it is live.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn session(&self, id: &str) -> Result<Option<(UserAccess, String)>, StoreError> {
        let key = secrets::digest(id);
        if let Some(hit) = self.sessions.get(&key).await {
            return Ok(hit);
        }
        let found = self.store.session(&key, self.settings.idle).await?;
        if self.caching() {
            self.sessions.insert(key, found.clone()).await;
        }
        Ok(found)
    }
}
