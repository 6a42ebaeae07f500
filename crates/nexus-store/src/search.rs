//! Search by name over cities, projects (both titles), the programme's showcased solutions,
//! layers and the named features of layers: the chosen city's results first, then the best
//! matches (the whole name, its start, a word's start, anywhere in it).

use nexus_core::DraftScope;
use serde::Serialize;

use crate::error::{StoreError, StoreResult};
use crate::pool::Store;

/// One thing a search found.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SearchHit {
    /// `city`, `project`, `solution` (a showcased solution), `layer` or `feature`.
    #[serde(rename = "type")]
    #[ts(type = "'city' | 'project' | 'solution' | 'layer' | 'feature'")]
    pub kind: String,
    /// The name that matched best (for a feature, its name field that matched).
    pub title: String,
    /// The other name (a city's or project's local name, a feature's other name field).
    pub title_local: Option<String>,
    /// The city it belongs to, when it belongs to one.
    pub city: Option<String>,
    /// The city slug, project slug, layer id, or `layer/fid` of a feature.
    pub id: String,
    /// The layer (of a feature, or the layer found).
    pub layer: Option<String>,
    /// That layer's title.
    pub layer_title: Option<String>,
    /// Where it is: west, south, east, north.
    pub bbox: Option<[f64; 4]>,
    /// How well it matched: 0 the whole name, 1 its start, 2 a word's start, 3 inside a word.
    pub rank: i32,
}

/// Property names that hold a feature's name (`name`, `name_th`, `nama`, `title_en`…).
const NAME_KEYS: &str = "^(name|nama|nom|title|label)(_[a-z]+)?$";

impl Store {
    /// Things whose names hold `q` (at least one letter or digit), the ones of `city` first,
    /// at most `limit`. Drafts only those `drafts` sees.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn search(
        &self,
        q: &str,
        city: Option<&str>,
        drafts: &DraftScope,
        limit: i64,
    ) -> StoreResult<Vec<SearchHit>> {
        let client = self.read_client().await?;
        let rows = client
            .query(
                "WITH q AS (SELECT btrim(nexus_words($1)) AS w),
                 named AS (
                     SELECT 'city' AS kind, c.name AS title, c.name_local AS title_local, c.slug AS city, c.slug AS id,
                            NULL::text AS layer, NULL::text AS layer_title,
                            ARRAY[ST_X(c.centre), ST_Y(c.centre), ST_X(c.centre), ST_Y(c.centre)] AS bbox,
                            ARRAY[c.name, c.name_local, replace(c.slug, '-', ' ')] AS names, 0 AS kind_rank
                     FROM cities c
                   UNION ALL
                     SELECT 'project', p.title, p.title_local, p.city, p.slug, NULL, NULL,
                            CASE WHEN p.geom IS NOT NULL THEN ARRAY[ST_XMin(p.geom), ST_YMin(p.geom), ST_XMax(p.geom), ST_YMax(p.geom)] END,
                            ARRAY[p.title, p.title_local], 1
                     FROM projects p
                     WHERE nexus_may_see(p.visibility, p.city, $3)
                   UNION ALL
                     SELECT 'solution', s.title, s.title_local, NULL, s.slug, NULL, NULL, NULL,
                            ARRAY[s.title, s.title_local], 1
                     FROM showcased_solutions s
                   UNION ALL
                     SELECT 'layer', l.title, NULL, l.city, l.id, l.id, l.title, l.bounds, ARRAY[l.title, l.id], 2
                     FROM layers l
                     WHERE nexus_may_see(l.visibility, l.city, $3) AND l.feature_count > 0
                   UNION ALL
                     SELECT 'feature', n.value, o.value, l.city, l.id || '/' || f.fid, l.id, l.title,
                            ARRAY[ST_XMin(f.geom), ST_YMin(f.geom), ST_XMax(f.geom), ST_YMax(f.geom)],
                            ARRAY[n.value], 3
                     FROM layers l
                     JOIN features f ON f.layer_id = l.id
                     CROSS JOIN LATERAL (
                         SELECT kv.key, kv.value FROM jsonb_each_text(f.properties) kv
                         WHERE lower(kv.key) ~ $5 AND kv.value <> ''
                     ) n
                     LEFT JOIN LATERAL (
                         SELECT kv.value FROM jsonb_each_text(f.properties) kv
                         WHERE lower(kv.key) ~ $5 AND kv.key <> n.key AND kv.value <> '' LIMIT 1
                     ) o ON true
                     WHERE nexus_may_see(l.visibility, l.city, $3) AND l.id NOT IN ('nexus-links', 'nexus-hex')
                 ),
                 scored AS (
                     SELECT named.*,
                            (SELECT min(CASE WHEN n.w = ' ' || q.w || ' ' THEN 0
                                             WHEN n.w LIKE ' ' || q.w || '%' THEN 1
                                             WHEN n.w LIKE '% ' || q.w || '%' THEN 2
                                             WHEN n.w LIKE '%' || q.w || '%' THEN 3 END)
                             FROM unnest(named.names) x, LATERAL (SELECT nexus_words(x) AS w) n) AS rank
                     FROM named, q
                 ),
                 best AS (
                     -- A feature found by two of its names is listed once, by the better.
                     SELECT DISTINCT ON (kind, id) * FROM scored WHERE rank IS NOT NULL ORDER BY kind, id, rank
                 )
                 SELECT kind, title, title_local, city, id, layer, layer_title, bbox, rank
                 FROM best
                 ORDER BY (city = $2) IS TRUE DESC, rank, kind_rank, length(title), title
                 LIMIT $4",
                &[&q, &city, &drafts.to_sql(), &limit, &NAME_KEYS],
            )
            .await
            .map_err(StoreError::query("search"))?;
        Ok(rows
            .iter()
            .map(|r| SearchHit {
                kind: r.get(0),
                title: r.get(1),
                title_local: r.get(2),
                city: r.get(3),
                id: r.get(4),
                layer: r.get(5),
                layer_title: r.get(6),
                bbox: r.get::<_, Option<Vec<f64>>>(7).and_then(|b| <[f64; 4]>::try_from(b).ok()),
                rank: r.get(8),
            })
            .collect())
    }
}
