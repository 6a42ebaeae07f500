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
        field("features", Integer),
        field("projects", Integer),
        field("synergies", Integer),
        field("conflicts", Integer),
        field("constraints", Integer),
    ]
}

/// Makes sure both overlay layers and their partitions exist.
pub(crate) async fn ensure(tx: &Transaction<'_>) -> StoreResult<()> {
    let q = |what: &'static str| StoreError::query(what);
    for (id, title, description, fields) in [
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
    ] {
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
        .map_err(q("nexus_overlay_layer"))?;
        tx.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS \"f_{id}\" PARTITION OF features FOR VALUES IN ('{id}')"
        ))
        .await
        .map_err(q("nexus_overlay_partition"))?;
    }
    // An incremental update deletes the links of the sources that changed: by reference.
    tx.batch_execute(&format!(
        "CREATE INDEX IF NOT EXISTS \"f_{LINKS}_from\" ON \"f_{LINKS}\" ((properties->>'from_ref'));
         CREATE INDEX IF NOT EXISTS \"f_{LINKS}_to\" ON \"f_{LINKS}\" ((properties->>'to_ref'));
         CREATE INDEX IF NOT EXISTS \"f_{HEX}_city\" ON \"f_{HEX}\" ((properties->>'city'));"
    ))
    .await
    .map_err(q("nexus_overlay_indexes"))?;
    Ok(())
}

/// After a change: a new revision (tiles and caches follow it), count, bounds and geometry type.
pub(crate) async fn touch(tx: &Transaction<'_>, id: &str) -> StoreResult<()> {
    tx.execute(
        &format!(
            "UPDATE layers SET revision = revision + 1, updated_at = now(),
                 feature_count = (SELECT count(*) FROM \"f_{id}\"),
                 bounds = (SELECT ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)]
                           FROM (SELECT ST_Extent(geom) AS e FROM \"f_{id}\") x WHERE e IS NOT NULL),
                 geometry_type = (SELECT CASE WHEN count(DISTINCT ST_Dimension(geom)) = 1
                                   THEN (ARRAY['point', 'line', 'polygon'])[min(ST_Dimension(geom)) + 1] END
                                  FROM \"f_{id}\")
             WHERE id = $1"
        ),
        &[&id],
    )
    .await
    .map_err(StoreError::query("nexus_overlay_touch"))?;
    Ok(())
}
