//! Errors of the store. Each says what failed and what to do, in one sentence, because
//! the CLI prints them as they are.

use crate::cluster::ClusterError;

/// Result alias for the store.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything that can go wrong between Nexus Atlas and PostgreSQL.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The connection string could not be parsed.
    #[error("the database URL is not valid ({0}); expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")]
    BadUrl(String),
    /// The server could not be reached or refused the login.
    #[error("cannot connect to PostgreSQL at {target} ({reason})")]
    Connect {
        /// `host:port/database`, without credentials.
        target: String,
        /// The innermost cause, e.g. "connection refused".
        reason: String,
    },
    /// The server has no PostGIS extension available at all.
    #[error(
        "the PostgreSQL server at {target} has no PostGIS installed; install PostGIS 3 for it \
         (Debian: apt-get install postgresql-15-postgis-3) or use the postgis/postgis image"
    )]
    PostgisMissing {
        /// `host:port/database`.
        target: String,
    },
    /// PostGIS is installed but this user may not enable it in this database.
    #[error(
        "PostGIS is not enabled in database {database} and user {user} may not enable it ({reason}); \
         run CREATE EXTENSION postgis there as a superuser"
    )]
    PostgisNotEnabled {
        /// Database name.
        database: String,
        /// Login role.
        user: String,
        /// What the server said.
        reason: String,
    },
    /// A migration failed to apply; nothing of it was kept.
    #[error("migration {version} ({name}) failed: {reason}")]
    Migration {
        /// Migration number.
        version: i32,
        /// File name.
        name: &'static str,
        /// What the server said.
        reason: String,
    },
    /// A migration file differs from the one applied to this database.
    #[error(
        "migration {version} ({name}) was changed after it was applied to this database; restore the original file"
    )]
    MigrationChanged {
        /// Migration number.
        version: i32,
        /// File name.
        name: &'static str,
    },
    /// The database was migrated by a newer Nexus Atlas.
    #[error("the database schema is at version {found}, newer than this build knows ({known}); upgrade nexus")]
    SchemaTooNew {
        /// Highest applied version.
        found: i32,
        /// Highest version this build has.
        known: i32,
    },
    /// No pooled connection could be had in time.
    #[error("no database connection available: {0}")]
    Pool(String),
    /// A query failed.
    #[error("database query '{what}' failed: {reason}")]
    Query {
        /// Which query (a stable name, for logs).
        what: &'static str,
        /// What the server said.
        reason: String,
    },
    /// A statement ran past its time budget, or waited too long for a lock: the database is
    /// busy, not broken (an HTTP 503 with `Retry-After`).
    #[error("database query '{what}' gave up: {reason}")]
    Busy {
        /// Which query.
        what: &'static str,
        /// What the server said.
        reason: String,
    },
    /// The data or metadata given breaks a rule of the schema (a client error).
    #[error("{0}")]
    Invalid(String),
    /// The caller's roles do not allow the change, judged under its lock (a client error).
    #[error("{0}")]
    Forbidden(String),
    /// A filter the collection cannot evaluate (an unknown property, a value of the wrong
    /// type): a client error that says which.
    #[error("{0}")]
    Filter(String),
    /// A stored geometry GeoJSON cannot hold (a curve, say), met while writing features.
    #[error("a stored geometry has no GeoJSON form: {0}")]
    Geometry(String),
    /// The id belongs to something deleted, which must be restored or purged first.
    #[error("{0}")]
    Deleted(String),
    /// The embedded cluster could not be managed.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// A backup or restore failed (in the words of `pg_dump`, `pg_restore` or `psql`).
    #[error("{0}")]
    Backup(String),
    /// An export file could not be written.
    #[error("cannot write {path}: {reason}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// What the system said.
        reason: String,
    },
}

impl StoreError {
    /// Wraps a query failure with the query's name.
    pub(crate) fn query(what: &'static str) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
        move |e| StoreError::failed(what, &e)
    }

    /// A failed query, told apart by what the server said: out of time or lock budget is
    /// [`StoreError::Busy`], anything else [`StoreError::Query`].
    pub(crate) fn failed(what: &'static str, e: &tokio_postgres::Error) -> StoreError {
        use tokio_postgres::error::SqlState;
        match e.code() {
            Some(c) if c == &SqlState::QUERY_CANCELED || c == &SqlState::LOCK_NOT_AVAILABLE => {
                StoreError::Busy { what, reason: describe(e) }
            }
            // The server went away (stopped, restarted, the connection cut): unavailable, not
            // a fault of the query.
            Some(c)
                if c == &SqlState::ADMIN_SHUTDOWN
                    || c == &SqlState::CRASH_SHUTDOWN
                    || c == &SqlState::CANNOT_CONNECT_NOW =>
            {
                StoreError::Pool(format!("'{what}': {}", describe(e)))
            }
            None if e.is_closed() || e.as_db_error().is_none() && is_io(e) => {
                StoreError::Pool(format!("'{what}': {}", describe(e)))
            }
            _ => StoreError::Query { what, reason: describe(e) },
        }
    }

    /// Wraps a failure of a query on a layer's features: a layer whose partition does not
    /// exist yet has no data, which is the caller's to hear, not a server failure.
    pub(crate) fn layer_query(what: &'static str) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
        move |e| match e.code() {
            Some(c) if c == &tokio_postgres::error::SqlState::UNDEFINED_TABLE => {
                StoreError::Invalid("the layer has no data yet".into())
            }
            _ => StoreError::failed(what, &e),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::Pool(e.to_string())
    }
}

/// Whether the failure was the connection's (an I/O error underneath).
fn is_io(e: &tokio_postgres::Error) -> bool {
    let mut inner: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(cause) = inner {
        if cause.is::<std::io::Error>() {
            return true;
        }
        inner = cause.source();
    }
    false
}

/// The most telling message of a PostgreSQL client error: the server's own message when
/// there is one, otherwise the innermost cause ("Connection refused (os error 111)").
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_owned();
    }
    let mut inner: &dyn std::error::Error = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    let text = inner.to_string();
    if text.is_empty() {
        e.to_string()
    } else {
        text
    }
}
