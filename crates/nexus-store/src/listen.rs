//! Change notifications: every commit that changes a layer or the projects sends a
//! `NOTIFY nexus_changes` (triggers in migration 0004); each server instance listens on a
//! dedicated connection and drops what went stale, so no instance waits for a timer.

use std::time::Duration;

use futures_util::future::poll_fn;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::pool::Store;

/// Something that changed in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A layer's catalog entry or data changed; `revision` is -1 when it was deleted.
    Layer {
        /// Layer id.
        id: String,
        /// Its revision now.
        revision: i64,
    },
    /// One or more projects changed.
    Projects,
    /// The Nexus rules changed.
    Rules,
    /// A user, role, session or token changed (cached sign-ins must be looked up again).
    Accounts,
    /// The listener is (again) following changes: anything may have changed before, so what
    /// was read earlier must be read again. Sent after every successful `LISTEN`, the first
    /// included (changes made between a service's first read and its `LISTEN` are not lost).
    Resync,
    /// The listener lost its connection (or cannot make one): changes may be missed until the
    /// next [`Change::Resync`], so nothing read before may be trusted as current.
    Lost,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Payload {
    Layer { id: String, revision: i64 },
    Projects,
    Rules,
    Accounts,
}

const CHANNEL: &str = "nexus_changes";

impl Store {
    /// Starts listening for changes on a connection of its own: [`Change::Resync`] once it
    /// listens, [`Change::Lost`] when it cannot, reconnecting until it can. The task ends when
    /// the receiver is dropped.
    pub fn listen(&self) -> mpsc::Receiver<Change> {
        let (tx, rx) = mpsc::channel(1024);
        let mut config = self.pg_config().clone();
        // A connection that dies silently (a NAT forgetting it, a failover without a reset)
        // must be noticed in seconds, not after the system's two-hour keepalive: until then
        // changes are missed while the catalog is still trusted.
        config
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(10))
            .keepalives_interval(Duration::from_secs(5))
            .keepalives_retries(3);
        let tls = self.tls().connector.clone();
        let replicas = std::sync::Arc::clone(&self.replicas);
        tokio::spawn(async move {
            // Whether the receiver was told the listener is down (once per outage).
            let mut told_lost = false;
            let mut backoff = Duration::from_millis(200);
            while !tx.is_closed() {
                let connected = match &tls {
                    Some(tls) => config.connect(tls.clone()).await.map(|(client, conn)| (client, pump(conn))),
                    None => config.connect(NoTls).await.map(|(client, conn)| (client, pump(conn))),
                };
                match connected {
                    Ok((client, (pump, mut notes))) => {
                        if client.batch_execute(&format!("LISTEN {CHANNEL}")).await.is_ok() {
                            backoff = Duration::from_millis(200);
                            raise_floor(&client, &replicas).await;
                            if tx.send(Change::Resync).await.is_err() {
                                return;
                            }
                            told_lost = false;
                            while let Some(payload) = notes.recv().await {
                                let change = match serde_json::from_str::<Payload>(&payload) {
                                    Ok(Payload::Layer { id, revision }) => Change::Layer { id, revision },
                                    Ok(Payload::Projects) => Change::Projects,
                                    Ok(Payload::Rules) => Change::Rules,
                                    Ok(Payload::Accounts) => Change::Accounts,
                                    Err(e) => {
                                        tracing::warn!(error = %e, payload, "unreadable change notification");
                                        continue;
                                    }
                                };
                                raise_floor(&client, &replicas).await;
                                if tx.send(change).await.is_err() {
                                    pump.abort();
                                    return;
                                }
                            }
                        }
                        pump.abort();
                        tracing::warn!("change listener lost its connection; reconnecting");
                    }
                    Err(e) => tracing::warn!(error = %e, "change listener cannot connect; retrying"),
                }
                if !told_lost {
                    if tx.send(Change::Lost).await.is_err() {
                        return;
                    }
                    told_lost = true;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        });
        rx
    }
}

/// Before a change is handed on: replicas must have replayed what the primary holds now (the
/// change included) before requests read from them, or a tile of the new revision could be
/// drawn from the old data and cached.
async fn raise_floor(client: &tokio_postgres::Client, replicas: &crate::replicas::Replicas) {
    if !replicas.any() {
        return;
    }
    // A failure here is a lost connection: the listener reconnects and raises the floor again
    // on its `Resync`, before which the catalog trusts nothing anyway.
    if let Ok(row) = client.query_one(crate::replicas::FLUSHED_WAL_SQL, &[]).await {
        replicas.raise_floor(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0));
    }
}

/// Reads a connection's messages on a task of its own and hands on the notifications' payloads;
/// the channel closes when the connection does.
fn pump<S, T>(
    mut connection: tokio_postgres::Connection<S, T>,
) -> (tokio::task::JoinHandle<()>, mpsc::UnboundedReceiver<String>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (note_tx, notes) = mpsc::unbounded_channel::<String>();
    let task = tokio::spawn(async move {
        while let Some(Ok(msg)) = poll_fn(|cx| connection.poll_message(cx)).await {
            if let AsyncMessage::Notification(n) = msg {
                if note_tx.send(n.payload().to_owned()).is_err() {
                    return;
                }
            }
        }
    });
    (task, notes)
}
