//! A full rebuild's heavy lifting: statements shared among helper connections that fill an
//! overlay's scratch table at once, each reading as of one snapshot when asked.

use tokio_postgres::Transaction;

use super::ends::End;
use super::inputs::LayerEnd;
use super::overlay;
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// Connections a rebuild spreads over (the machines this runs on have two cores or more).
pub(super) const HELPERS: usize = 2;

/// A rough cost of joining two ends, to share the work evenly: the features on each side.
pub(super) fn cost(from: &End, to: &End, layers: &[LayerEnd]) -> u64 {
    let size = |e: &End| match e {
        End::Layer { id, .. } => layers.iter().find(|l| &l.id == id).map_or(1, |l| l.features.max(1)),
        End::Projects { .. } | End::Draft { .. } => 100,
    };
    size(from).saturating_mul(size(to))
}

impl Store {
    /// Fills the scratch table of overlay `id` (emptied first) with the rows of every group
    /// of statements, one helper connection per group, all at once; with `snapshot`, each
    /// reads as of it. Returns the rows written.
    pub(super) async fn fill(&self, id: &str, snapshot: Option<&str>, groups: Vec<Vec<String>>) -> StoreResult<u64> {
        let client = self.job_client().await?;
        client
            .batch_execute(&crate::budget::as_job(&overlay::scratch_sql(id)))
            .await
            .map_err(StoreError::query("nexus_scratch"))?;
        drop(client);
        let work = groups.into_iter().filter(|g| !g.is_empty()).map(|group| async move {
            let mut client = self.job_client().await?;
            let mut begin = client.build_transaction();
            if snapshot.is_some() {
                begin = begin.isolation_level(tokio_postgres::IsolationLevel::RepeatableRead);
            }
            let tx = begin.start().await.map_err(StoreError::query("nexus_fill_begin"))?;
            tx.batch_execute(crate::budget::JOB).await.map_err(StoreError::query("nexus_fill_begin"))?;
            if let Some(s) = snapshot {
                tx.batch_execute(&format!("SET TRANSACTION SNAPSHOT {}", crate::features::sql_literal(s)))
                    .await
                    .map_err(StoreError::query("nexus_fill_snapshot"))?;
            }
            let n = tx
                .execute(
                    &format!(
                        "INSERT INTO \"f_{id}__next\" (layer_id, fid, geom, properties)
                         SELECT '{id}', nextval('nexus_link_fid'), r.geom, r.properties FROM ({}) r",
                        group.join(" UNION ALL ")
                    ),
                    &[],
                )
                .await
                .map_err(StoreError::query("nexus_fill"))?;
            tx.commit().await.map_err(StoreError::query("nexus_fill_commit"))?;
            Ok::<u64, StoreError>(n)
        });
        Ok(futures_util::future::try_join_all(work).await?.into_iter().sum())
    }
}

/// Rows in overlay `id`'s partition.
pub(super) async fn count_of(tx: &Transaction<'_>, id: &str) -> StoreResult<i64> {
    Ok(tx
        .query_one(&format!("SELECT count(*) FROM \"f_{id}\""), &[])
        .await
        .map_err(StoreError::query("nexus_count"))?
        .get(0))
}
