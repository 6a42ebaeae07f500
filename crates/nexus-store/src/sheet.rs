//! What a project's printable sheet draws: the project and its surroundings as SVG path data,
//! made by PostGIS (`ST_AsSVG` in web mercator, clipped to the frame and simplified to what
//! a printed map can show), so the sheet needs no tiles and no script.

use nexus_core::DraftScope;

use crate::error::{StoreError, StoreResult};
use crate::nexus::{HEX, LINKS};
use crate::pool::Store;

/// The most features of the surroundings drawn: a printed map of a few centimetres shows no
/// more, and a national layer must not make the page heavy.
const MAX_FEATURES: i64 = 4000;

/// One shape of the map: its layer's kind (for its style) and the SVG it is.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetShape {
    /// The layer's kind (`waterway`, `boundary`, …); `project` for the project itself.
    pub kind: String,
    /// `path` data (`d`) for lines and areas; for a point, `x y`.
    pub svg: String,
    /// `point`, `line` or `area`.
    pub family: String,
}

/// The map of a project's sheet, in web mercator with y flipped as `ST_AsSVG` writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetMap {
    /// `min-x min-y width height` of the frame.
    pub view_box: [f64; 4],
    /// The surroundings, areas first, then lines, then points.
    pub shapes: Vec<SheetShape>,
    /// The project.
    pub project: Vec<SheetShape>,
}

impl Store {
    /// The map of project `slug`'s sheet in a frame of `aspect` (width over height), or `None`
    /// when the reader may not see it or it has no geometry.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn sheet_map(&self, slug: &str, drafts: &DraftScope, aspect: f64) -> StoreResult<Option<SheetMap>> {
        let db = self.read_client().await?;
        let frame = db
            .query_opt(
                "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (
                     SELECT ST_Expand(ST_Envelope(geom_3857),
                                      greatest(400, 0.35 * greatest(ST_XMax(geom_3857) - ST_XMin(geom_3857),
                                                                    ST_YMax(geom_3857) - ST_YMin(geom_3857)))) b
                     FROM projects WHERE slug = $1 AND geom IS NOT NULL AND nexus_may_see(visibility, city, $2)) x",
                &[&slug, &drafts.to_sql()],
            )
            .await
            .map_err(StoreError::query("sheet_frame"))?;
        let Some(f) = frame else { return Ok(None) };
        let (mut x0, mut y0, mut x1, mut y1): (f64, f64, f64, f64) = (f.get(0), f.get(1), f.get(2), f.get(3));
        // Widened to the page's shape, around the same middle.
        let (w, h) = (x1 - x0, y1 - y0);
        if w / h < aspect {
            let grow = (h * aspect - w) / 2.0;
            (x0, x1) = (x0 - grow, x1 + grow);
        } else {
            let grow = (w / aspect - h) / 2.0;
            (y0, y1) = (y0 - grow, y1 + grow);
        }
        let tolerance = (x1 - x0) / 1200.0;
        let rows = db
            .query(
                &format!(
                    "WITH frame AS (SELECT ST_MakeEnvelope($1, $2, $3, $4, 3857) AS b),
                     shapes AS (
                         SELECT 'project' AS kind, p.geom_3857 AS g, 0 AS layer_rank
                         FROM projects p WHERE p.slug = $5
                       UNION ALL
                         (SELECT l.kind, f.geom_3857, 1
                          FROM frame JOIN features f ON f.geom_3857 && frame.b
                          JOIN layers l ON l.id = f.layer_id
                          WHERE nexus_may_see(l.visibility, l.city, $6) AND NOT l.basemap
                            AND l.id NOT IN ('{LINKS}', '{HEX}')
                          LIMIT {MAX_FEATURES})
                     ),
                     drawn AS (
                         SELECT kind, layer_rank,
                                CASE WHEN GeometryType(g) LIKE '%POINT' THEN 'point'
                                     WHEN GeometryType(g) LIKE '%LINESTRING' THEN 'line' ELSE 'area' END AS family_word,
                                CASE WHEN GeometryType(g) LIKE '%POINT'
                                     THEN ST_X(ST_PointOnSurface(g))::text || ' ' || (-ST_Y(ST_PointOnSurface(g)))::text
                                     ELSE ST_AsSVG(ST_SimplifyPreserveTopology(ST_ClipByBox2D(g, frame.b), $7), 0, 1) END AS svg,
                                CASE WHEN GeometryType(g) LIKE '%POLYGON' THEN 0
                                     WHEN GeometryType(g) LIKE '%LINESTRING' THEN 1 ELSE 2 END AS family
                         FROM shapes, frame WHERE g && frame.b
                     )
                     SELECT kind, svg, family_word, layer_rank FROM drawn WHERE svg <> '' ORDER BY layer_rank DESC, family"
                ),
                &[&x0, &y0, &x1, &y1, &slug, &drafts.to_sql(), &tolerance],
            )
            .await
            .map_err(StoreError::query("sheet_shapes"))?;
        let (mut shapes, mut project) = (Vec::new(), Vec::new());
        for r in rows {
            let shape = SheetShape { kind: r.get(0), svg: r.get(1), family: r.get(2) };
            if r.get::<_, i32>(3) == 0 {
                project.push(shape);
            } else {
                shapes.push(shape);
            }
        }
        Ok(Some(SheetMap { view_box: [x0, -y1, x1 - x0, y1 - y0], shapes, project }))
    }
}

impl Store {
    /// Project `slug`'s facts for its sheet and share card, as the reader may see them: its
    /// columns (`title`, `status`, `budget`, …) and its city's names, as one JSON object.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn project_facts(&self, slug: &str, drafts: &DraftScope) -> StoreResult<Option<serde_json::Value>> {
        let db = self.read_client().await?;
        let row = db
            .query_opt(
                "SELECT (to_jsonb(p) - 'geom' - 'geom_3857' - 'id')
                        || jsonb_build_object('city_name', c.name, 'city_name_local', c.name_local,
                                              'budget', p.budget::float8)
                 FROM projects p JOIN cities c ON c.slug = p.city
                 WHERE p.slug = $1 AND nexus_may_see(p.visibility, p.city, $2)",
                &[&slug, &drafts.to_sql()],
            )
            .await
            .map_err(StoreError::query("project_facts"))?;
        Ok(row.map(|r| r.get(0)))
    }
}
