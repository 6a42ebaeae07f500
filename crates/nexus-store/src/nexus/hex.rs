//! The Nexus intensity grid: hexagons per city (their side is `hex_size_m` on the ground,
//! anchored at web mercator's origin so a cell is the same cell whichever area is recomputed),
//! each counting the distinct sectors present, the features and projects, and the synergies,
//! conflicts and constraints whose link has its middle there. Only cells with something in
//! them are stored.

use nexus_core::nexus_plan::Box3857;
use tokio_postgres::Transaction;

use super::overlay::{HEX, LINKS};
use crate::error::{StoreError, StoreResult};
use crate::features::sql_literal;

/// The cells of `city` inside `area` as rows of (`geom`, `properties`), from the public layers
/// of that city (`layers`: their ids; boundaries left out by the caller), its public projects
/// and its links, read from table `links` (the live partition, or a rebuild's new one).
pub(crate) fn cells_sql(
    city: &str,
    side_m: f64,
    layers: &[String],
    area: Box3857,
    part: Option<(usize, usize)>,
    links: &str,
) -> String {
    // A share of the cells, by column, for one of several helpers.
    let part_sql = part.map_or_else(String::new, |(n, k)| format!(" WHERE ((h.i % {n}) + {n}) % {n} = {k}"));
    let city_sql = sql_literal(city);
    let layer_list: Vec<String> = layers.iter().map(|l| format!("'{l}'")).collect();
    let layer_array = format!("ARRAY[{}]::text[]", layer_list.join(", "));
    let [x0, y0, x1, y1] = area;
    format!(
        "WITH size AS (SELECT {side_m} / cos(radians(ST_Y(centre))) AS s FROM cities WHERE slug = {city_sql}),
         grid AS (SELECT h.i, h.j, h.geom FROM size, ST_HexagonGrid(size.s, ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, 3857)) h{part_sql}),
         per_layer AS (
             SELECT g.i, g.j, f.layer_id, count(*) AS n
             FROM grid g
             JOIN features f ON f.layer_id = ANY({layer_array}) AND f.geom_3857 && g.geom AND ST_Intersects(f.geom_3857, g.geom)
             GROUP BY g.i, g.j, f.layer_id),
         feats AS (
             SELECT p.i, p.j, sum(p.n)::int8 AS n FROM per_layer p GROUP BY p.i, p.j),
         feat_secs AS (
             SELECT p.i, p.j, array_agg(DISTINCT s) AS secs
             FROM per_layer p JOIN layers l ON l.id = p.layer_id CROSS JOIN LATERAL unnest(l.sectors) s
             GROUP BY p.i, p.j),
         projs AS (
             SELECT g.i, g.j, count(DISTINCT p.id) AS n, array_agg(DISTINCT s) AS secs
             FROM grid g
             JOIN projects p ON p.city = {city_sql} AND p.visibility = 'public' AND p.geom IS NOT NULL
                            AND p.geom_3857 && g.geom AND ST_Intersects(p.geom_3857, g.geom)
             CROSS JOIN LATERAL unnest(p.sectors) s
             GROUP BY g.i, g.j),
         links AS (
             SELECT g.i, g.j,
                    count(*) FILTER (WHERE k.properties->>'effect' = 'synergy') AS synergies,
                    count(*) FILTER (WHERE k.properties->>'effect' = 'conflict') AS conflicts,
                    count(*) FILTER (WHERE k.properties->>'effect' = 'constraint') AS constraints
             FROM grid g
             JOIN \"{links}\" k ON k.properties->>'city' = {city_sql} AND k.geom_3857 && g.geom
                  AND ST_Intersects(g.geom, CASE WHEN ST_Dimension(k.geom_3857) = 0 THEN k.geom_3857
                                                 ELSE ST_LineInterpolatePoint(k.geom_3857, 0.5) END)
             GROUP BY g.i, g.j)
         SELECT ST_Transform(g.geom, 4326) AS geom, jsonb_build_object(
                    'city', {city_sql},
                    'sectors', cardinality(x.secs),
                    'sector_list', to_jsonb(x.secs),
                    'sector_words', array_to_string(x.secs, ' '),
                    'features', coalesce(f.n, 0),
                    'projects', coalesce(p.n, 0),
                    'synergies', coalesce(k.synergies, 0),
                    'conflicts', coalesce(k.conflicts, 0),
                    'constraints', coalesce(k.constraints, 0)) AS properties
         FROM grid g
         LEFT JOIN feats f ON f.i = g.i AND f.j = g.j
         LEFT JOIN feat_secs fs ON fs.i = g.i AND fs.j = g.j
         LEFT JOIN projs p ON p.i = g.i AND p.j = g.j
         LEFT JOIN links k ON k.i = g.i AND k.j = g.j
         CROSS JOIN LATERAL (SELECT ARRAY(SELECT DISTINCT u FROM unnest(coalesce(fs.secs, '{{}}') || coalesce(p.secs, '{{}}')) u
                                          ORDER BY u) AS secs) x
         WHERE f.n IS NOT NULL OR p.n IS NOT NULL OR k.i IS NOT NULL"
    )
}

/// Recomputes, in the stored grid, the cells of `city` that meet `area`. Returns the cells
/// removed and those written (a cell that only disappears is a change too).
pub(crate) async fn recompute_area(
    tx: &Transaction<'_>,
    city: &str,
    side_m: f64,
    layers: &[String],
    area: Box3857,
) -> StoreResult<(u64, u64)> {
    // A lone point's box has no area, and would meet no cell: a metre around it does.
    let [x0, y0, x1, y1] = [area[0] - 1.0, area[1] - 1.0, area[2] + 1.0, area[3] + 1.0];
    // The cells forgotten are exactly those the grid below writes again: the stored ones whose
    // middle lies in one of them (stored cells went through WGS 84 and back, so they are
    // matched by their middle, not compared as shapes).
    let removed = tx
        .execute(
            &format!(
                "DELETE FROM \"f_{HEX}\" c
             USING (SELECT h.geom FROM cities,
                           ST_HexagonGrid({side_m} / cos(radians(ST_Y(cities.centre))),
                                          ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, 3857)) h
                    WHERE cities.slug = {city_sql}) g
             WHERE c.properties->>'city' = {city_sql} AND c.geom_3857 && g.geom
               AND ST_Intersects(g.geom, ST_PointOnSurface(c.geom_3857))",
                city_sql = sql_literal(city)
            ),
            &[],
        )
        .await
        .map_err(StoreError::query("nexus_hex_forget"))?;
    let written = tx
        .execute(
            &format!(
                "INSERT INTO \"f_{HEX}\" (layer_id, fid, geom, properties)
             SELECT '{HEX}', nextval('nexus_link_fid'), c.geom, c.properties FROM ({cells}) c",
                cells = cells_sql(city, side_m, layers, [x0, y0, x1, y1], None, &format!("f_{LINKS}"))
            ),
            &[],
        )
        .await
        .map_err(StoreError::query("nexus_hex"))?;
    Ok((removed, written))
}
