//! The SQL that finds the features of one end within a rule's distance of the other's: a
//! web-mercator prefilter that the GiST index answers, then the exact test on the ground
//! (geography, on the spheroid), boundary to boundary.

use nexus_core::Rule;

use super::ends::End;
use crate::features::sql_literal;

/// Metres per degree of latitude, rounded down so the prefilter errs wide.
const METRES_PER_DEGREE: f64 = 110_000.0;

/// Every match of `rule` from `from` to `to`, one row each: both ends' reference, layer, id,
/// name, kind and sectors, the city, the distance in metres and a geometry between them.
pub(crate) fn match_sql(rule: &Rule, from: &End, to: &End) -> String {
    let a = from.sql("a", &rule.from);
    let b = to.sql("b", &rule.to);
    let max = rule.max_distance();
    // The distance on the ground is computed once per candidate and both filters and reports;
    // "intersects" rules need no distance at all.
    let (prefilter, distance, exact) = if max <= 0.0 {
        ("a.geom_3857 && b.geom_3857".to_owned(), "0::float8".to_owned(), "ST_Intersects(a.geom, b.geom)".to_owned())
    } else {
        // A ground distance d is at most d / cos(latitude) in web mercator, and the far end
        // lies at most d further from the equator than the near one; 1% covers the spheroid.
        let prefilter = format!(
            "ST_DWithin(a.geom_3857, b.geom_3857, {max} * 1.01 / cos(radians(least(89.0, \
             greatest(abs(ST_YMin(a.geom)), abs(ST_YMax(a.geom))) + {slack}))))",
            slack = max / METRES_PER_DEGREE + 0.01
        );
        let limit = if rule.overrides.is_empty() {
            format!("{}", rule.distance_m)
        } else {
            let countries: Vec<String> = rule.overrides.iter().map(|o| sql_literal(&o.country)).collect();
            let metres: Vec<String> = rule.overrides.iter().map(|o| format!("{}", o.distance_m)).collect();
            format!(
                "coalesce((SELECT o.d FROM unnest(ARRAY[{}]::text[], ARRAY[{}]::float8[]) AS o(c, d) \
                 WHERE o.c = coalesce({}, {})), {})",
                countries.join(", "),
                metres.join(", "),
                a.country,
                b.country,
                rule.distance_m
            )
        };
        (prefilter, "ST_Distance(a.geom::geography, b.geom::geography)".to_owned(), format!("d.distance <= {limit}"))
    };
    // A feature never links to itself; two features of one layer that fits both ends of the
    // rule link once, not once each way.
    let mut not_self = match (from, to) {
        (End::Layer { .. }, End::Layer { .. }) if from.overlaps(to) => format!(" AND {} < {}", a.id, b.id),
        _ if from.overlaps(to) => format!(" AND {} <> {}", a.id, b.id),
        _ => String::new(),
    };
    // Two things that each fit both ends of the rule match both ways round; one link is kept.
    // Between projects: the smaller id first. Between a project and a layer: the layer first
    // (the pair with the layer at the `from` end is written by its own statement).
    match (from, to) {
        (End::Projects { .. }, End::Projects { .. }) => not_self.push_str(&format!(
            " AND (NOT ({} AND {}) OR {} < {})",
            to.sql("b", &rule.from).filter,
            from.sql("a", &rule.to).filter,
            a.id,
            b.id
        )),
        (End::Projects { .. }, End::Layer { kind, sectors, .. }) if rule.from.matches(&[*kind], sectors) => {
            not_self.push_str(&format!(" AND NOT ({})", from.sql("a", &rule.to).filter));
        }
        _ => {}
    }
    format!(
        "SELECT {ar} AS from_ref, {al} AS from_layer, {ai} AS from_id, {an} AS from_name, {ak} AS from_kind,
                {asec} AS from_sectors,
                {br} AS to_ref, {bl} AS to_layer, {bi} AS to_id, {bn} AS to_name, {bk} AS to_kind, {bsec} AS to_sectors,
                coalesce({ac}, {bc}) AS city,
                d.distance,
                -- Things that meet are marked in the middle of where they meet (a project
                -- along a canal, halfway along it, not at the canal's far end); things apart
                -- are joined by their nearest points.
                CASE WHEN ST_Intersects(a.geom, b.geom)
                         THEN (SELECT ST_ClosestPoint(i, ST_Centroid(i)) FROM (SELECT ST_Intersection(a.geom, b.geom) AS i) x)
                     WHEN d.distance > 0 THEN ST_ShortestLine(a.geom, b.geom)
                     ELSE ST_ClosestPoint(a.geom, b.geom) END AS link_geom
         FROM {afrom} CROSS JOIN {bfrom} CROSS JOIN LATERAL (SELECT {distance} AS distance) d
         WHERE {afilter} AND {bfilter} AND {prefilter} AND {exact}
           AND ({ac} IS NULL OR {bc} IS NULL OR {ac} = {bc}){not_self}",
        ar = a.reference,
        al = a.layer,
        ai = a.id,
        an = a.name,
        ak = a.kind,
        asec = a.sectors,
        br = b.reference,
        bl = b.layer,
        bi = b.id,
        bn = b.name,
        bk = b.kind,
        bsec = b.sectors,
        ac = a.city,
        bc = b.city,
        afrom = a.from,
        bfrom = b.from,
        afilter = a.filter,
        bfilter = b.filter,
    )
}

/// The properties of a stored link from a row of [`match_sql`]: the rule, its effect and
/// weight, the distance, and both ends. The rule's title, rationale and source stay with the
/// rule (`GET /api/nexus/rules`): repeated in every one of tens of thousands of links they
/// doubled the cost of a recompute. The rule's part is a constant, built once per statement.
pub(crate) fn stored_link_properties(rule: &Rule) -> String {
    let constant = serde_json::json!({ "rule": rule.id, "effect": rule.effect.as_str(), "weight": rule.weight });
    format!(
        "{constant}::jsonb || jsonb_build_object(
            'distance_m', round(m.distance::numeric, 1), 'city', m.city,
            'from_layer', m.from_layer, 'from_id', m.from_id, 'from_name', m.from_name, 'from_kind', m.from_kind,
            'from_sectors', to_jsonb(m.from_sectors),
            'to_layer', m.to_layer, 'to_id', m.to_id, 'to_name', m.to_name, 'to_kind', m.to_kind,
            'to_sectors', to_jsonb(m.to_sectors),
            'from_sector_list', array_to_string(m.from_sectors, ' '),
            'to_sector_list', array_to_string(m.to_sectors, ' '),
            'from_ref', m.from_ref, 'to_ref', m.to_ref)",
        constant = sql_literal(&constant.to_string()),
    )
}

/// The properties of a link computed on request (a what-if, a profile): the stored ones and
/// the rule's title, rationale and source, so each answer explains itself.
pub(crate) fn link_properties(rule: &Rule) -> String {
    let explained = serde_json::json!({
        "title": rule.title, "title_th": rule.title_th, "rationale": rule.rationale, "rationale_th": rule.rationale_th,
        "source": rule.source,
    });
    format!("{} || {}::jsonb", stored_link_properties(rule), sql_literal(&explained.to_string()))
}
