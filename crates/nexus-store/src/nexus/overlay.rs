//! The overlay layers (`nexus-links`, `nexus-hex`) are ordinary catalog layers with their own
//! partitions, so tiles, OGC API and downloads serve them like any other; only nexus-store
//! writes them.

use nexus_core::{FieldDef, FieldType};
use tokio_postgres::Transaction;

use crate::error::{StoreError, StoreResult};

/// The links layer.
pub const LINKS: &str = "nexus-links";
/// The intensity-grid layer.
pub const HEX: &str = "nexus-hex";

fn field(name: &str, ty: FieldType) -> FieldDef {
    FieldDef { name: name.to_owned(), ty }
}

fn link_fields() -> Vec<FieldDef> {
    use FieldType::{Array, Integer, Number, String as Text};
    vec![
        field("rule", Text),
        field("title", Text),
        field("effect", Text),
        field("weight", Integer),
        field("distance_m", Number),
        field("city", Text),
        field("from_layer", Text),
        field("from_id", Integer),
        field("from_name", Text),
        field("from_kind", Text),
        field("from_sectors", Array),
        field("to_layer", Text),
        field("to_id", Integer),
        field("to_name", Text),
        field("to_kind", Text),
        field("to_sectors", Array),
        // The same sectors as words, for clients that cannot read arrays (vector tiles).
        field("from_sector_list", Text),
        field("to_sector_list", Text),
        field("rationale", Text),
        field("source", Text),
        field("from_ref", Text),
        field("to_ref", Text),
    ]
}

fn hex_fields() -> Vec<FieldDef> {
    use FieldType::{Array, Integer, String as Text};
    vec![
        field("city", Text),
        field("sectors", Integer),
        field("sector_list", Array),
        field("sector_words", Text),
        field("features", Integer),
        field("projects", Integer),
        field("synergies", Integer),
        field("conflicts", Integer),
        field("constraints", Integer),
    ]
}

/// The overlay layers: id, title, description, fields.
fn overlays() -> [(&'static str, &'static str, &'static str, Vec<FieldDef>); 2] {
    [
        (
            LINKS,
            "Nexus links",
            "Where sectors meet: one feature per match of a Nexus rule (synergy, conflict or constraint), \
             between the two features, with the rule, its distance, rationale and source. Public data only.",
            link_fields(),
        ),
        (
            HEX,
            "Nexus intensity",
            "A hexagon grid per city: the distinct sectors present in each cell, and the synergies, conflicts \
             and constraints whose link falls in it. Public data only.",
            hex_fields(),
        ),
    ]
}

/// Whether both overlay layers, their partitions and indexes are there as [`ensure`] makes
/// them. Checked first, so a refresh takes no table lock for DDL that has nothing to do (such
/// a lock would wait for autovacuum on the overlays after every edit).
pub(crate) async fn ready(client: &impl deadpool_postgres::GenericClient) -> StoreResult<bool> {
    let mut relations: Vec<String> = Vec::new();
    for (id, indexes) in [(LINKS, LINK_INDEXES), (HEX, HEX_INDEXES)] {
        relations.push(format!("f_{id}"));
        relations.extend(indexes.iter().map(|(suffix, _)| format!("f_{id}_{suffix}")));
    }
    let (mut ids, mut descriptions, mut fields) = (Vec::new(), Vec::new(), Vec::new());
    for (id, _, description, f) in overlays() {
        ids.push(id);
        descriptions.push(description);
        fields.push(serde_json::to_value(&f).map_err(|e| StoreError::Invalid(e.to_string()))?);
    }
    // One round trip: it runs before every refresh.
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM pg_class WHERE relname = ANY($1)) = cardinality($1)
                AND (SELECT count(*) FROM unnest($2::text[], $3::jsonb[], $4::text[]) AS x(id, f, d)
                     JOIN layers l ON l.id = x.id AND l.fields = x.f AND l.description = x.d) = cardinality($2)",
            &[&relations, &ids, &fields, &descriptions],
        )
        .await
        .map_err(StoreError::query("nexus_overlay_ready"))?;
    Ok(row.get(0))
}

/// Makes sure both overlay layers and their partitions exist.
pub(crate) async fn ensure(tx: &Transaction<'_>) -> StoreResult<()> {
    for (id, title, description, fields) in overlays() {
        let fields = serde_json::to_value(&fields).map_err(|e| StoreError::Invalid(e.to_string()))?;
        tx.execute(
            "INSERT INTO layers (id, title, description, kind, sectors, visibility, fields, source, licence)
             VALUES ($1, $2, $3, 'other', ARRAY['water', 'energy', 'food', 'waste', 'land'], 'public', $4,
                     'Computed by Nexus Atlas from its layers, projects and Nexus rules', 'as its inputs')
             ON CONFLICT (id) DO UPDATE SET fields = EXCLUDED.fields, description = EXCLUDED.description
             WHERE (layers.fields, layers.description) IS DISTINCT FROM (EXCLUDED.fields, EXCLUDED.description)",
            &[&id, &title, &description, &fields],
        )
        .await
        .map_err(StoreError::query("nexus_overlay_layer"))?;
        tx.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS \"f_{id}\" PARTITION OF features FOR VALUES IN ('{id}')"
        ))
        .await
        .map_err(StoreError::query("nexus_overlay_partition"))?;
    }
    for (id, indexes) in [(LINKS, LINK_INDEXES), (HEX, HEX_INDEXES)] {
        for (suffix, expr) in indexes {
            tx.batch_execute(&format!("CREATE INDEX IF NOT EXISTS \"f_{id}_{suffix}\" ON \"f_{id}\" ({expr})"))
                .await
                .map_err(StoreError::query("nexus_overlay_indexes"))?;
        }
    }
    Ok(())
}

/// After an incremental change: a new revision (tiles and caches follow it), the count moved
/// by `delta`, and the bounds grown to hold the features written since id `since` (bounds
/// may stay a little wide after removals until the next rebuild; they must never be narrow,
/// or maps would not ask for tiles where new features are).
pub(crate) async fn touch_since(tx: &Transaction<'_>, id: &str, delta: i64, since: i64) -> StoreResult<()> {
    tx.execute(
        &format!(
            "UPDATE layers SET revision = revision + 1, updated_at = now(),
                 feature_count = greatest(feature_count + $2, 0),
                 bounds = coalesce((SELECT CASE WHEN layers.bounds IS NULL
                                          THEN ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)]
                                          ELSE ARRAY[least(layers.bounds[1], ST_XMin(e)), least(layers.bounds[2], ST_YMin(e)),
                                                     greatest(layers.bounds[3], ST_XMax(e)), greatest(layers.bounds[4], ST_YMax(e))] END
                                    FROM (SELECT ST_Extent(geom) AS e FROM \"f_{id}\" WHERE layer_id = $1 AND fid > $3) x
                                    WHERE e IS NOT NULL), bounds)
             WHERE id = $1"
        ),
        &[&id, &delta, &since],
    )
    .await
    .map_err(StoreError::query("nexus_overlay_touch"))?;
    Ok(())
}

/// After a rebuild: a new revision, and count, bounds and geometry type measured afresh.
pub(crate) async fn touch(tx: &Transaction<'_>, id: &str) -> StoreResult<()> {
    tx.execute(
        &format!(
            // One pass over the rebuilt table gives all three.
            "UPDATE layers SET revision = revision + 1, updated_at = now(),
                 feature_count = m.n,
                 bounds = CASE WHEN m.e IS NOT NULL THEN ARRAY[ST_XMin(m.e), ST_YMin(m.e), ST_XMax(m.e), ST_YMax(m.e)] END,
                 geometry_type = CASE WHEN m.dims = 1 THEN (ARRAY['point', 'line', 'polygon'])[m.low + 1] END
             FROM (SELECT count(*) AS n, ST_Extent(geom) AS e, count(DISTINCT ST_Dimension(geom)) AS dims,
                          min(ST_Dimension(geom)) AS low
                   FROM \"f_{id}\") m
             WHERE id = $1"
        ),
        &[&id],
    )
    .await
    .map_err(StoreError::query("nexus_overlay_touch"))?;
    Ok(())
}

/// The scratch table a rebuild of overlay `id` is written into: emptied, without indexes
/// (built once it is full, which is several times cheaper than upkeep row by row).
pub(crate) fn scratch_sql(id: &str) -> String {
    let next = format!("f_{id}__next");
    format!(
        "DROP TABLE IF EXISTS \"{next}\";
         CREATE TABLE \"{next}\" (LIKE features INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS);
         ALTER TABLE \"{next}\" ADD CHECK (layer_id = '{id}');"
    )
}

/// The spatial index of overlay `id`'s scratch table (which the grid's rebuild reads before
/// the swap).
pub(crate) fn scratch_index_sql(id: &str) -> String {
    format!("CREATE INDEX IF NOT EXISTS \"f_{id}__next_m\" ON \"f_{id}__next\" USING gist (geom_3857);")
}

/// Indexes the full scratch table of overlay `id` and swaps it in for its partition. `extra`
/// are `(suffix, expression)` indexes besides the spatial one and the key.
pub(crate) async fn swap(tx: &Transaction<'_>, id: &str, extra: &[(&str, &str)]) -> StoreResult<()> {
    let live = format!("f_{id}");
    let next = format!("f_{id}__next");
    let mut sql = format!(
        "{spatial}
         ALTER TABLE \"{next}\" ADD CONSTRAINT \"{next}_pk\" PRIMARY KEY (layer_id, fid);",
        spatial = scratch_index_sql(id)
    );
    for (suffix, expr) in extra {
        sql.push_str(&format!("CREATE INDEX \"{next}_{suffix}\" ON \"{next}\" ({expr});"));
    }
    tx.batch_execute(&sql).await.map_err(StoreError::query("nexus_overlay_index"))?;
    let mut sql = format!(
        "DROP TABLE IF EXISTS \"{live}\";
         ALTER TABLE \"{next}\" RENAME TO \"{live}\";
         ALTER INDEX \"{next}_m\" RENAME TO \"{live}_m\";
         ALTER INDEX \"{next}_pk\" RENAME TO \"{live}_pk\";"
    );
    for (suffix, _) in extra {
        sql.push_str(&format!("ALTER INDEX \"{next}_{suffix}\" RENAME TO \"{live}_{suffix}\";"));
    }
    sql.push_str(&format!("ALTER TABLE features ATTACH PARTITION \"{live}\" FOR VALUES IN ('{id}');"));
    crate::budget::ddl(tx, "nexus_overlay_swap", &sql).await
}

/// The indexes of the links beside the spatial one: incremental updates delete by reference.
pub(crate) const LINK_INDEXES: &[(&str, &str)] = &[
    ("from", "(properties->>'from_ref')"),
    ("to", "(properties->>'to_ref')"),
    // City summaries read one city's links.
    ("city", "(properties->>'city')"),
];
/// The index of the grid beside the spatial one: cells are replaced city by city.
pub(crate) const HEX_INDEXES: &[(&str, &str)] = &[("city", "(properties->>'city')")];
