//! The embedded PostGIS: a private PostgreSQL cluster that Nexus Atlas creates, starts and
//! stops itself, so `nexus serve` works on a machine where nobody set up a database.
//!
//! Layout under the home folder (`.nexus/` by default):
//! - `cluster.json`: port, login and where the cluster lives (mode 0600);
//! - `cluster/`: `pgdata/` and `postgres.log`, owned by the user that runs PostgreSQL, and
//!   `replica/` (the same two) once `nexus db replica start` made a streaming replica.
//!
//! PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` OS
//! user that Debian's package creates. That user must be able to enter every parent
//! folder; when it cannot (a checkout under `/root`), the cluster goes to
//! `/var/tmp/nexus-<hash>/` instead and `cluster` becomes a symlink to it.
//!
//! The server listens on 127.0.0.1 only, on a free port chosen at first start and kept
//! while it stays free, with password authentication.

pub(crate) mod binaries;
mod embedded;
mod error;
pub mod os;
mod replica;
mod roles;
mod state;

pub use embedded::{Cluster, ClusterStatus};
pub use error::ClusterError;
pub use roles::{RoleUrls, APP, OWNER};
pub use state::{ClusterState, RolePasswords};
