//! Crowded tiles: where a layer is so dense that a tile would pass [`TILE_BUDGET`] bytes (a
//! national layer at zoom 3 holds every feature), the tile keeps its largest features and
//! leaves the smallest out, as tippecanoe does with its 500 KB limit. A 30 MB tile helps no
//! one: a browser stalls on it and a server holds it several times over while sending it.
//! Tiles under the budget are drawn whole; every renderer (on request, pre-rendered, redrawn
//! after an edit) applies the same rule, so a tile does not change with the path that drew it.

/// Most bytes a tile may hold, as estimated by [`WEIGHT`] (about 1 MiB of MVT, 350 KB gzip).
pub const TILE_BUDGET: i64 = 1 << 20;

/// What a clipped feature adds to its tile: two bytes a vertex (MVT deltas at extent 4096
/// are mostly one-byte varints) and its properties as stored.
pub(super) const WEIGHT: &str = "2 * ST_NPoints(geom) + pg_column_size(properties)";

/// A feature's size, by which the largest are kept first: area for polygons, length for lines
/// (each is 0 for the other), 0 for points, which then keep their oldest first.
pub(super) const SIZE: &str = "ST_Area(geom_3857) + ST_Length(geom_3857)";

/// CTEs `o` (the tiles over budget) and `kept` (the features each tile keeps, with the
/// columns `by`, then `fid, properties, geom`), read from a CTE `q` of clipped features with
/// the columns `by`, `fid`, `properties`, `geom` (not NULL) and `w` ([`WEIGHT`]). `by` names the
/// tile (e.g. `["tx", "ty"]`), or is empty for a query of one tile. A tile over budget keeps
/// features, largest by `size` (an expression over a row of `q`) first, while those before it
/// weigh less than the budget; `size` is worked out only for the rows of such tiles.
pub(super) fn kept(by: &[&str], size: &str) -> String {
    let group = if by.is_empty() { String::new() } else { format!("GROUP BY {}", by.join(", ")) };
    let cols = if by.is_empty() { "1".to_owned() } else { by.join(", ") };
    let same = if by.is_empty() {
        "true".to_owned()
    } else {
        by.iter().map(|c| format!("o.{c} = q.{c}")).collect::<Vec<_>>().join(" AND ")
    };
    let partition = if by.is_empty() { String::new() } else { format!("PARTITION BY {}", by.join(", ")) };
    let lead = by.iter().map(|c| format!("{c}, ")).collect::<String>();
    format!(
        "o AS (SELECT {cols} FROM q {group} HAVING sum(w) > {TILE_BUDGET}),
         kept AS (
             SELECT {lead}fid, properties, geom FROM q WHERE NOT EXISTS (SELECT 1 FROM o WHERE {same})
             UNION ALL
             SELECT {lead}fid, properties, geom FROM (
                 SELECT c.*, sum(w) OVER ({partition} ORDER BY size DESC, fid ROWS UNBOUNDED PRECEDING) - w AS before
                 FROM (SELECT q.*, {size} AS size FROM q WHERE EXISTS (SELECT 1 FROM o WHERE {same})) c
             ) s
             WHERE before < {TILE_BUDGET}
         )"
    )
}
