//! Accounts: who a request comes from, and the changes to people, roles and tokens.
//!
//! [`Accounts`] turns a session cookie or a bearer token into a [`Principal`](nexus_core::Principal) (the policy in
//! `nexus_core::access` then decides what it may do), signs people in and out with throttling
//! of failures, and manages users, roles and personal tokens, each change with its audit row.
//! Sessions and tokens live in the database so any instance serves any of them; each instance
//! caches what it looked up for [`CACHE_TTL`] so that tiles and items do not pay a query each,
//! and drops the cache when the database says an account changed (NOTIFY).

pub mod passwords;
pub mod secrets;
mod service;
mod signin;
mod tokens;
mod users;

pub use service::{AccountError, Accounts, Actor, SessionSettings, CACHE_TTL};
pub use signin::{SignedIn, Throttle};
pub use users::UserSpec;
