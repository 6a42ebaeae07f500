//! Reading features: counts, pages for OGC API - Features and single features, as GeoJSON
//! text written straight from the rows.

use bytes::{BufMut, Bytes, BytesMut};
use nexus_core::{Crs, FeatureFilter};

use super::geojson::{Ewkb, GeometryText};
use super::query::{Collection, Query};
use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// Writes one GeoJSON Feature from a row: id, geometry, then the properties (one column
/// per key, or one object).
///
/// # Errors
/// [`StoreError::Geometry`] when the geometry has no GeoJSON form.
pub(super) fn feature_json(
    out: &mut BytesMut,
    row: &tokio_postgres::Row,
    keys: Option<&[String]>,
    geometry: GeometryText,
) -> StoreResult<()> {
    out.put_slice(b"{\"type\":\"Feature\",\"id\":");
    out.put_slice(itoa::Buffer::new().format(row.get::<_, i64>(0)).as_bytes());
    out.put_slice(b",\"geometry\":");
    match row.get::<_, Option<Ewkb<'_>>>(1) {
        Some(g) => {
            // Room for the text at once: about one and a half times the EWKB.
            out.reserve(g.0.len() + g.0.len() / 2 + 128);
            geometry.write(out, g.0).map_err(|e| StoreError::Geometry(e.to_string()))?;
        }
        None => out.put_slice(b"null"),
    }
    out.put_slice(b",\"properties\":");
    match keys {
        None => out.put_slice(row.get::<_, Option<&str>>(2).unwrap_or("{}").as_bytes()),
        Some(keys) => {
            out.put_u8(b'{');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    out.put_u8(b',');
                }
                out.put_slice(key.as_bytes());
                out.put_u8(b':');
                out.put_slice(row.get::<_, Option<&str>>(i + 2).unwrap_or("null").as_bytes());
            }
            out.put_u8(b'}');
        }
    }
    out.put_u8(b'}');
    Ok(())
}

/// How a page of features is returned.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// Most features.
    pub limit: i64,
    /// Features skipped.
    pub offset: i64,
    /// Decimals of coordinates.
    pub precision: u8,
    /// The coordinate system of the geometries.
    pub crs: Crs,
    /// Only these properties (all when `None`).
    pub properties: Option<&'a [String]>,
    /// Sorted by these properties (descending when `true`), then by id.
    pub sortby: &'a [(String, bool)],
}

impl Store {
    /// How many features match.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn count_features(&self, c: Collection<'_>, f: &FeatureFilter) -> StoreResult<i64> {
        if let Collection::Layer(l) = c {
            // The catalog keeps the count of every revision; paging clients ask on every page.
            let unfiltered = f.bbox.is_empty()
                && f.projected_bbox.is_none()
                && f.cql.is_none()
                && f.equals.is_empty()
                && f.time.is_none();
            if l.feature_count == 0 || unfiltered {
                return Ok(l.feature_count);
            }
        }
        let query = Query::build(c, f, 6, Crs::CRS84, None)?;
        let sql = format!("SELECT count(*) FROM {} {}", query.from, query.where_sql());
        let client = self.read_client().await?;
        let row = client.query_one(&sql, &query.refs()).await.map_err(StoreError::layer_query("count_features"))?;
        Ok(row.get(0))
    }

    /// One page of features, each a complete GeoJSON Feature text, in id order.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn features_page(
        &self,
        c: Collection<'_>,
        f: &FeatureFilter,
        page: &Page<'_>,
    ) -> StoreResult<Vec<Bytes>> {
        let Page { limit, offset, precision, crs, properties, sortby } = *page;
        if let Collection::Layer(l) = c {
            if l.feature_count == 0 {
                return Ok(Vec::new());
            }
        }
        let mut query = Query::build(c, f, precision, crs, properties)?;
        query.sort(c, sortby)?;
        let (lim, off) = (query.param(limit), query.param(offset));
        // The page's ids come from the primary key alone; only those rows are turned into
        // GeoJSON, so a deep offset skips index entries rather than rendering geometries.
        let (key, order, from) = (query.key, query.order, &query.from);
        let sql = if query.order_by.is_empty() {
            format!(
                "SELECT {sel} FROM {from} WHERE {prefix}{key} = ANY(ARRAY(
                 SELECT {key} FROM {from} {wheres} ORDER BY {order} LIMIT {lim} OFFSET {off}))
             ORDER BY {order}",
                sel = query.select,
                prefix = query.key_prefix,
                wheres = query.where_sql(),
            )
        } else {
            // Sorted by properties: the rows are ordered as a whole, ties by the primary key.
            format!(
                "SELECT {sel} FROM {from} {wheres} ORDER BY {sort}, {order} LIMIT {lim} OFFSET {off}",
                sel = query.select,
                wheres = query.where_sql(),
                sort = query.order_by.join(", "),
            )
        };
        let client = self.read_client().await?;
        let rows = client.query(&sql, &query.refs()).await.map_err(StoreError::layer_query("features_page"))?;
        rows.iter()
            .map(|r| {
                let mut b = BytesMut::with_capacity(256);
                feature_json(&mut b, r, query.keys.as_deref(), query.geometry)?;
                Ok(b.freeze())
            })
            .collect()
    }

    /// One feature by id, and a layer feature's version.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn feature(
        &self,
        c: Collection<'_>,
        id: i64,
        page: &Page<'_>,
    ) -> StoreResult<Option<(Bytes, Option<String>)>> {
        let Page { precision, crs, properties, .. } = *page;
        if let Collection::Layer(l) = c {
            if l.feature_count == 0 {
                return Ok(None);
            }
        }
        let mut query = Query::build(c, &FeatureFilter::default(), precision, crs, properties)?;
        let p = query.param(id);
        query.wheres.push(format!("{} = {p}", query.key));
        // A feature comes with its version (`ETag`), read in the same statement: a layer's is a
        // digest of what it holds, a project's its revision (what `/api/projects` edits send).
        let etag = if matches!(c, Collection::Layer(_)) {
            ", nexus_feature_etag(geom, properties)"
        } else {
            ", revision::text"
        };
        let sql = format!("SELECT {}{etag} FROM {} {}", query.select, query.from, query.where_sql());
        let client = self.read_client().await?;
        let row = client.query_opt(&sql, &query.refs()).await.map_err(StoreError::layer_query("feature"))?;
        row.map(|r| {
            let mut b = BytesMut::with_capacity(256);
            feature_json(&mut b, &r, query.keys.as_deref(), query.geometry)?;
            Ok((b.freeze(), Some(r.get(r.len() - 1))))
        })
        .transpose()
    }
}
