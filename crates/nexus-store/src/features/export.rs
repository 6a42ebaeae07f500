//! Whole-collection GeoJSON exports streamed from a portal with constant memory.

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use nexus_core::FeatureFilter;

use super::query::{Collection, Query};
use super::reads::feature_json;
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// Rows fetched from the export's portal at a time.
const EXPORT_FETCH_ROWS: i32 = 500;
/// Bytes of GeoJSON per chunk handed on.
const EXPORT_CHUNK_BYTES: usize = 128 << 10;
/// Chunks waiting for the reader: with the fetch and the chunk being filled, the export's
/// memory, whatever the layer's size.
const EXPORT_CHUNKS_IN_FLIGHT: usize = 2;

/// A piece of a streamed export.
#[derive(Debug, Clone)]
pub struct ExportChunk {
    /// The next bytes of the FeatureCollection.
    pub bytes: Bytes,
    /// Features written so far, this chunk included.
    pub features: u64,
}

impl Store {
    /// Every matching feature as one RFC 7946 FeatureCollection, streamed in chunks of
    /// about 256 KiB through a server-side cursor, so memory does not grow with the layer.
    ///
    /// # Errors
    /// When the query cannot start; errors during the stream end it with an `Err` item.
    pub async fn export_geojson(
        &self,
        c: Collection<'_>,
        f: &FeatureFilter,
        precision: u8,
    ) -> StoreResult<impl Stream<Item = StoreResult<ExportChunk>> + Send + 'static> {
        let mut query = Query::build(c, f, precision, nexus_core::Crs::CRS84, None)?;
        let keys = query.keys.take();
        let geometry = query.geometry;
        let empty = matches!(c, Collection::Layer(l) if l.feature_count == 0);
        // Without a box the primary key gives the order for free; the planner would rather
        // sort every (wide) row, spilling the whole layer to disk before the first byte.
        let walk_index = f.bbox.is_empty();
        let sql = format!("SELECT {} FROM {} {} ORDER BY {}", query.select, query.from, query.where_sql(), query.order);
        let client = self.read_client().await?;
        let (tx, rx) = tokio::sync::mpsc::channel::<StoreResult<ExportChunk>>(EXPORT_CHUNKS_IN_FLIGHT);
        tokio::spawn(async move {
            let head = Bytes::from_static(b"{\"type\":\"FeatureCollection\",\"features\":[");
            if tx.send(Ok(ExportChunk { bytes: head, features: 0 })).await.is_err() {
                return;
            }
            let mut written = 0u64;
            if !empty {
                let mut client = client;
                let result: StoreResult<()> = async {
                    let txn = client
                        .build_transaction()
                        .read_only(true)
                        .start()
                        .await
                        .map_err(StoreError::layer_query("export_begin"))?;
                    if walk_index {
                        txn.batch_execute("SET LOCAL enable_sort = off")
                            .await
                            .map_err(StoreError::layer_query("export_begin"))?;
                    }
                    let stmt = txn.prepare(&sql).await.map_err(StoreError::layer_query("export_prepare"))?;
                    let portal =
                        txn.bind_raw(&stmt, query.refs()).await.map_err(StoreError::layer_query("export_bind"))?;
                    let mut first = true;
                    let mut buf = BytesMut::with_capacity(EXPORT_CHUNK_BYTES + (EXPORT_CHUNK_BYTES >> 3));
                    loop {
                        let rows = txn
                            .query_portal_raw(&portal, EXPORT_FETCH_ROWS)
                            .await
                            .map_err(StoreError::layer_query("export_fetch"))?;
                        let mut rows = std::pin::pin!(rows);
                        let mut n = 0;
                        while let Some(row) = rows.next().await {
                            let row = row.map_err(StoreError::layer_query("export_row"))?;
                            n += 1;
                            if !first {
                                buf.put_u8(b',');
                            }
                            first = false;
                            feature_json(&mut buf, &row, keys.as_deref(), geometry)?;
                            written += 1;
                            if buf.len() >= EXPORT_CHUNK_BYTES
                                && !hand_on(&tx, ExportChunk { bytes: buf.split().freeze(), features: written }).await
                            {
                                return Ok(());
                            }
                        }
                        if n < EXPORT_FETCH_ROWS {
                            break;
                        }
                    }
                    if !buf.is_empty()
                        && !hand_on(&tx, ExportChunk { bytes: buf.split().freeze(), features: written }).await
                    {
                        return Ok(());
                    }
                    txn.commit().await.map_err(StoreError::layer_query("export_commit"))?;
                    Ok(())
                }
                .await;
                if let Err(e) = result {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            }
            let _ = tx.send(Ok(ExportChunk { bytes: Bytes::from_static(b"]}\n"), features: written })).await;
        });
        Ok(tokio_stream_from(rx))
    }
}

/// How long an export waits for its reader to take the next chunk before it gives up, so a
/// client that stops reading cannot hold a database connection and a transaction for ever.
const EXPORT_READER_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// Hands a chunk to the reader; false when the reader has gone or stalled.
async fn hand_on(tx: &tokio::sync::mpsc::Sender<StoreResult<ExportChunk>>, chunk: ExportChunk) -> bool {
    matches!(tokio::time::timeout(EXPORT_READER_PATIENCE, tx.send(Ok(chunk))).await, Ok(Ok(())))
}

/// A receiver as a stream.
fn tokio_stream_from<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl Stream<Item = T> + Send + 'static {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
