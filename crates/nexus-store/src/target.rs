//! Where the database is and how to reach it: a URL read with its TLS options, and single
//! connections outside the pool (migrations, the test harness, backups, the embedded cluster).

use std::time::Duration;

use tokio_postgres::{Client, NoTls};

use crate::error::{describe, StoreError, StoreResult};
use crate::tls::Tls;

/// A database to connect to.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Host, port, user, database and the rest.
    pub pg: tokio_postgres::Config,
    /// How connections are encrypted.
    pub tls: Tls,
}

/// Reads a URL; a connect timeout and the application name are set when it gives none.
pub(crate) fn parse_url(url: &str, timeout: Duration) -> StoreResult<Target> {
    let (mut pg, tls) = crate::tls::parse(url)?;
    if pg.get_connect_timeout().is_none() {
        pg.connect_timeout(timeout);
    }
    if pg.get_application_name().is_none() {
        pg.application_name("nexus-atlas");
    }
    Ok(Target { pg, tls })
}

/// `host:port/database`, without credentials (for logs and messages).
pub(crate) fn describe_target(pg: &tokio_postgres::Config) -> String {
    let host = pg
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = pg.get_ports().first().copied().unwrap_or(5432);
    let db = pg.get_dbname().or(pg.get_user()).unwrap_or("postgres");
    format!("{host}:{port}/{db}")
}

/// One connection, its I/O driven by a task of its own.
pub(crate) async fn connect_one(t: &Target) -> StoreResult<Client> {
    let failed =
        |e: tokio_postgres::Error| StoreError::Connect { target: describe_target(&t.pg), reason: describe(&e) };
    let client = match &t.tls.connector {
        Some(tls) => {
            let (client, connection) = t.pg.connect(tls.clone()).await.map_err(failed)?;
            tokio::spawn(drive(connection));
            client
        }
        None => {
            let (client, connection) = t.pg.connect(NoTls).await.map_err(failed)?;
            tokio::spawn(drive(connection));
            client
        }
    };
    Ok(client)
}

async fn drive<F: std::future::Future<Output = Result<(), tokio_postgres::Error>>>(connection: F) {
    if let Err(e) = connection.await {
        tracing::debug!(error = %e, "database connection closed with an error");
    }
}
