//! Accounts: users and their roles per city (`users.rs`), sign-in sessions (`sessions.rs`),
//! personal API tokens (`tokens.rs`) and the append-only audit trail (`audit.rs`). Secrets
//! arrive here already hashed; deciding who may do what is `nexus_core::Principal`'s.

mod audit;
mod sessions;
mod tokens;
mod users;

pub(crate) use audit::{append_on, set_actor};
pub use audit::{AuditEntry, AuditFilter, AuditRow, Via};
pub use tokens::{TokenLookup, TokenRow};
pub use users::{NewUser, SignInRecord, UserRow};
