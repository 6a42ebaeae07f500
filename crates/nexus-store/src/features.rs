//! Features as GeoJSON: pages for OGC API - Features, single features, and whole-layer
//! exports streamed with constant memory.
//!
//! Geometry leaves PostGIS as RFC 7946 GeoJSON: longitude/latitude (CRS84), exterior rings
//! counter-clockwise and holes clockwise (`ST_ForcePolygonCCW`), a fixed number of decimals,
//! no `crs` member. Every request value is a bound parameter; table and column names are
//! constants or come from a validated layer id.

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use nexus_core::{FeatureFilter, FieldType, Layer};
use tokio_postgres::types::ToSql;

use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// A set of features that can be listed.
#[derive(Debug, Clone, Copy)]
pub enum Collection<'a> {
    /// A layer's features.
    Layer(&'a Layer),
    /// The projects (`include_drafts` for planners).
    Projects {
        /// Whether draft projects are included.
        include_drafts: bool,
    },
}

/// Projects' queryable properties, and how each is filtered.
pub const PROJECT_QUERYABLES: &[&str] = &["city", "status", "sector", "dimension", "kind", "slug"];

/// Filters every layer accepts besides its own properties: the layer's city and sectors.
pub const LAYER_QUERYABLES: &[&str] = &["city", "sector"];

/// The first date or date-time field of a layer: its time, for `datetime` filters.
pub fn time_field(layer: &Layer) -> Option<&str> {
    layer
        .fields
        .iter()
        .find(|f| matches!(f.ty, nexus_core::FieldType::Date | nexus_core::FieldType::DateTime))
        .map(|f| f.name.as_str())
}

type Params = Vec<Box<dyn ToSql + Sync + Send>>;

/// The FROM/WHERE part of a query, its parameters, and the feature-building select list.
struct Query {
    from: String,
    select: String,
    wheres: Vec<String>,
    params: Params,
    /// The feature id column.
    key: &'static str,
    /// The primary-key order, so pages and exports read the index instead of sorting rows.
    order: &'static str,
    /// Restricts the outer query of a page to the primary key's leading column.
    key_prefix: String,
    /// JSON-quoted property names, one per select column after the geometry; `None` when
    /// the third column is the whole properties object.
    keys: Option<Vec<String>>,
}

impl Query {
    fn param(&mut self, v: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(v));
        format!("${}", self.params.len())
    }

    fn build(c: Collection<'_>, f: &FeatureFilter, precision: u8) -> Query {
        let prec = i32::from(precision.min(15));
        let mut q = Query {
            from: String::new(),
            select: String::new(),
            wheres: Vec::new(),
            params: Vec::new(),
            key: "",
            order: "",
            key_prefix: String::new(),
            keys: None,
        };
        match c {
            Collection::Layer(l) => {
                q.from = format!("\"f_{}\"", l.id.as_str());
                // One column per field, so properties leave in the layer's field order (jsonb
                // keeps its own) without parsing them again here.
                let mut select = format!("fid, ST_AsGeoJSON(ST_ForcePolygonCCW(geom), {prec})");
                for field in &l.fields {
                    select.push_str(&format!(", (properties->{})::text", sql_literal(&field.name)));
                }
                q.select = select;
                q.keys = Some(l.fields.iter().map(|f| serde_json::Value::from(f.name.as_str()).to_string()).collect());
                q.key = "fid";
                q.order = "layer_id, fid";
                // A literal, not a parameter: queries that do not use it must not carry it,
                // and a LayerId's alphabet cannot leave the quotes.
                q.key_prefix = format!("layer_id = '{}' AND ", l.id.as_str());
                for (k, v) in &f.equals {
                    if !l.fields.iter().any(|field| field.name == *k) && LAYER_QUERYABLES.contains(&k.as_str()) {
                        // `city` and `sector` name the layer's own metadata when its features
                        // have no such property: all of the layer, or none of it.
                        let matches = match k.as_str() {
                            "city" => l.city.as_ref().is_some_and(|c| c.as_str() == v),
                            _ => l.sectors.iter().any(|s| s.as_str() == v),
                        };
                        if !matches {
                            q.wheres.push("false".into());
                        }
                        continue;
                    }
                    let ty = l.fields.iter().find(|field| field.name == *k).map(|field| field.ty);
                    match ty {
                        // Numbers compare as numbers (`?population=1000.0` finds 1000).
                        Some(FieldType::Integer | FieldType::Number) => match v.trim().parse::<f64>() {
                            Ok(x) if x.is_finite() => {
                                let (key, x) = (q.param(k.clone()), q.param(x));
                                q.wheres.push(format!(
                                    "jsonb_typeof(properties->{key}) = 'number' AND (properties->>{key})::float8 = {x}::float8"
                                ));
                            }
                            _ => q.wheres.push("false".into()),
                        },
                        _ => {
                            let (key, v) = (q.param(k.clone()), q.param(v.clone()));
                            q.wheres.push(format!("properties->>{key} = {v}"));
                        }
                    }
                }
                if let (Some(t), Some(field)) = (&f.time, time_field(l)) {
                    let field = q.param(field.to_owned());
                    let value = format!("nexus_try_timestamptz(properties->>{field})");
                    if let Some(s) = &t.start {
                        let s = q.param(s.clone());
                        q.wheres.push(format!("{value} >= nexus_try_timestamptz({s})"));
                    }
                    if let Some(e) = &t.end {
                        let e = q.param(e.clone());
                        q.wheres.push(format!("{value} <= nexus_try_timestamptz({e})"));
                    }
                    q.wheres.push(format!("{value} IS NOT NULL"));
                }
            }
            Collection::Projects { include_drafts } => {
                q.from = "projects".into();
                q.select = format!(
                    "id, ST_AsGeoJSON(ST_ForcePolygonCCW(geom), {prec}), json_build_object(
                        'slug', slug, 'city', city, 'title', title, 'title_local', title_local,
                        'description', description, 'description_local', description_local,
                        'sectors', sectors, 'dimensions', dimensions, 'kind', kind, 'status', status,
                        'budget', budget, 'currency', currency, 'start_date', start_date, 'end_date', end_date,
                        'partners', partners, 'source', source, 'approximate', approximate,
                        'visibility', visibility, 'revision', revision, 'updated_at', updated_at)::text"
                );
                q.key = "id";
                q.order = "id";
                if !include_drafts {
                    q.wheres.push("visibility = 'public'".into());
                }
                for (k, v) in &f.equals {
                    let p = q.param(v.clone());
                    match k.as_str() {
                        "city" => q.wheres.push(format!("city = {p}")),
                        "status" => q.wheres.push(format!("status = {p}")),
                        "slug" => q.wheres.push(format!("slug = {p}")),
                        "kind" => q.wheres.push(format!("kind = {p}")),
                        "sector" => q.wheres.push(format!("{p} = ANY(sectors)")),
                        "dimension" => q.wheres.push(format!("{p} = ANY(dimensions)")),
                        _ => q.wheres.push("false".into()),
                    }
                }
                if let Some(t) = &f.time {
                    // A project spans its start to its end date; a missing end means it is still
                    // running, a missing start that it began before anyone recorded.
                    q.wheres.push("(start_date IS NOT NULL OR end_date IS NOT NULL)".into());
                    if let Some(s) = &t.start {
                        let s = q.param(s.clone());
                        q.wheres.push(format!(
                            "(coalesce(end_date, 'infinity'::date)::timestamp + interval '1 day') AT TIME ZONE 'UTC'
                               > nexus_try_timestamptz({s})"
                        ));
                    }
                    if let Some(e) = &t.end {
                        let e = q.param(e.clone());
                        q.wheres.push(format!(
                            "coalesce(start_date, '-infinity'::date)::timestamp AT TIME ZONE 'UTC' <= nexus_try_timestamptz({e})"
                        ));
                    }
                }
            }
        }
        if !f.bbox.is_empty() {
            // Search the (indexed) web-mercator copy with each box clipped to mercator's
            // latitudes, then test the exact geometry against the box in CRS84. Features wholly
            // beyond mercator's latitudes have an empty copy; a box reaching there looks at
            // those too.
            let lat = 85.051_128_779_806_59;
            let mut any = Vec::new();
            for b in &f.bbox {
                // A box of no width (a point query) would be a degenerate polygon that meets
                // nothing: give it a hair's breadth.
                let (max_lon, max_lat) = (b.max_lon.max(b.min_lon + 1e-9), b.max_lat.max(b.min_lat + 1e-9));
                let (x0, y0, x1, y1) = (q.param(b.min_lon), q.param(b.min_lat), q.param(max_lon), q.param(max_lat));
                let (x0, y0, x1, y1) = (
                    format!("{x0}::float8"),
                    format!("{y0}::float8"),
                    format!("{x1}::float8"),
                    format!("{y1}::float8"),
                );
                let exact = format!("ST_Intersects(geom, ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, 4326))");
                let indexed = format!(
                    "geom_3857 && ST_Transform(ST_MakeEnvelope({x0}, greatest({y0}, -{lat}), {x1}, least({y1}, {lat}), 4326), 3857)"
                );
                if b.min_lat < -lat || b.max_lat > lat {
                    any.push(format!("(({indexed} OR ST_IsEmpty(geom_3857)) AND {exact})"));
                } else {
                    any.push(format!("({indexed} AND {exact})"));
                }
            }
            q.wheres.push(format!("({})", any.join(" OR ")));
        }
        q
    }

    fn where_sql(&self) -> String {
        if self.wheres.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.wheres.join(" AND "))
        }
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect()
    }
}

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

/// A SQL string literal that means the same whatever `standard_conforming_strings` says:
/// an `E''` string, with backslashes and quotes doubled. (PostgreSQL text cannot hold NUL.)
pub(crate) fn sql_literal(s: &str) -> String {
    format!("E'{}'", s.replace('\0', "").replace('\\', "\\\\").replace('\'', "''"))
}

/// Writes one GeoJSON Feature from a row: id, geometry, then the properties (one column
/// per key, or one object).
fn feature_json(out: &mut BytesMut, row: &tokio_postgres::Row, keys: Option<&[String]>) {
    out.put_slice(b"{\"type\":\"Feature\",\"id\":");
    out.put_slice(row.get::<_, i64>(0).to_string().as_bytes());
    out.put_slice(b",\"geometry\":");
    out.put_slice(row.get::<_, Option<&str>>(1).unwrap_or("null").as_bytes());
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
}

impl Store {
    /// How many features match.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn count_features(&self, c: Collection<'_>, f: &FeatureFilter) -> StoreResult<i64> {
        if let Collection::Layer(l) = c {
            // The catalog keeps the count of every revision; paging clients ask on every page.
            if l.feature_count == 0 || (f.bbox.is_empty() && f.equals.is_empty() && f.time.is_none()) {
                return Ok(l.feature_count);
            }
        }
        let query = Query::build(c, f, 6);
        let sql = format!("SELECT count(*) FROM {} {}", query.from, query.where_sql());
        let client = self.client().await?;
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
        limit: i64,
        offset: i64,
        precision: u8,
    ) -> StoreResult<Vec<Bytes>> {
        if let Collection::Layer(l) = c {
            if l.feature_count == 0 {
                return Ok(Vec::new());
            }
        }
        let mut query = Query::build(c, f, precision);
        let (lim, off) = (query.param(limit), query.param(offset));
        // The page's ids come from the primary key alone; only those rows are turned into
        // GeoJSON, so a deep offset skips index entries rather than rendering geometries.
        let (key, order, from) = (query.key, query.order, &query.from);
        let sql = format!(
            "SELECT {sel} FROM {from} WHERE {prefix}{key} = ANY(ARRAY(
                 SELECT {key} FROM {from} {wheres} ORDER BY {order} LIMIT {lim} OFFSET {off}))
             ORDER BY {order}",
            sel = query.select,
            prefix = query.key_prefix,
            wheres = query.where_sql(),
        );
        let client = self.client().await?;
        let rows = client.query(&sql, &query.refs()).await.map_err(StoreError::layer_query("features_page"))?;
        Ok(rows
            .iter()
            .map(|r| {
                let mut b = BytesMut::with_capacity(256);
                feature_json(&mut b, r, query.keys.as_deref());
                b.freeze()
            })
            .collect())
    }

    /// One feature by id.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn feature(&self, c: Collection<'_>, id: i64, precision: u8) -> StoreResult<Option<Bytes>> {
        if let Collection::Layer(l) = c {
            if l.feature_count == 0 {
                return Ok(None);
            }
        }
        let mut query = Query::build(c, &FeatureFilter::default(), precision);
        let p = query.param(id);
        query.wheres.push(format!("{} = {p}", query.key));
        let sql = format!("SELECT {} FROM {} {}", query.select, query.from, query.where_sql());
        let client = self.client().await?;
        let row = client.query_opt(&sql, &query.refs()).await.map_err(StoreError::layer_query("feature"))?;
        Ok(row.map(|r| {
            let mut b = BytesMut::with_capacity(256);
            feature_json(&mut b, &r, query.keys.as_deref());
            b.freeze()
        }))
    }

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
        let mut query = Query::build(c, f, precision);
        let keys = query.keys.take();
        let empty = matches!(c, Collection::Layer(l) if l.feature_count == 0);
        // Without a box the primary key gives the order for free; the planner would rather
        // sort every (wide) row, spilling the whole layer to disk before the first byte.
        let walk_index = f.bbox.is_empty();
        let sql = format!("SELECT {} FROM {} {} ORDER BY {}", query.select, query.from, query.where_sql(), query.order);
        let client = self.client().await?;
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
                            feature_json(&mut buf, &row, keys.as_deref());
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
