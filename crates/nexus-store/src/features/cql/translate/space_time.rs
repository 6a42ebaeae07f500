//! The spatial and temporal operators of a CQL2 filter.

use cql2::Expr;

use super::{err, CqlError, Kind, Sql, Translator};

impl Translator<'_, '_> {
    pub(super) fn spatial(&mut self, op: &str, args: &[Box<Expr>]) -> Result<Sql, CqlError> {
        let f = match op {
            "s_intersects" => "ST_Intersects",
            "s_within" => "ST_Within",
            "s_contains" => "ST_Contains",
            "s_disjoint" => "ST_Disjoint",
            "s_equals" => "ST_Equals",
            "s_touches" => "ST_Touches",
            "s_overlaps" => "ST_Overlaps",
            "s_crosses" => "ST_Crosses",
            "s_dwithin" => {
                let [a, b, d] = args else { return err("S_DWITHIN takes two geometries and a distance in metres") };
                let (a, b) = (self.geometry(a)?, self.geometry(b)?);
                let d = match d.as_ref() {
                    Expr::Float(x) if *x >= 0.0 => self.param(*x),
                    _ => return err("S_DWITHIN's distance is a number of metres"),
                };
                // On the spheroid: metres whatever the latitude.
                return Ok(Sql::new(format!("ST_DWithin({a}::geography, {b}::geography, {d}::float8)"), Kind::Bool));
            }
            _ => return err(format!("spatial operator '{op}' is not one this server evaluates")),
        };
        let [a, b] = args else { return err(format!("{op} takes two geometries")) };
        let (a, b) = (self.geometry(a)?, self.geometry(b)?);
        Ok(Sql::new(format!("{f}({a}, {b})"), Kind::Bool))
    }

    fn geometry(&mut self, e: &Expr) -> Result<String, CqlError> {
        let s = self.expr(e)?;
        if s.kind != Kind::Geometry {
            return err("a spatial operator takes the geometry property and a geometry (POINT(…), BBOX(…), …)");
        }
        Ok(s.text)
    }

    /// An instant or interval as its first and last moments (open ends are infinite).
    fn moments(&mut self, e: &Expr) -> Result<(String, String), CqlError> {
        if let Expr::Interval { interval } = e {
            let [a, b] = interval.as_slice() else { return err("an INTERVAL has a start and an end") };
            let mut end = |x: &Expr, inf: &str| -> Result<String, CqlError> {
                match x {
                    Expr::Literal(t) if t == ".." => Ok(format!("'{inf}'::timestamptz")),
                    other => {
                        let s = self.expr(other)?;
                        Ok(self.bind(s, Kind::Instant)?.text)
                    }
                }
            };
            return Ok((end(a, "-infinity")?, end(b, "infinity")?));
        }
        let s = self.expr(e)?;
        let s = self.bind(s, Kind::Instant)?;
        if s.kind != Kind::Instant {
            return err("a temporal operator takes a date or time property, DATE(…), TIMESTAMP(…) or INTERVAL(…)");
        }
        Ok((s.text.clone(), s.text))
    }

    pub(super) fn temporal(&mut self, op: &str, args: &[Box<Expr>]) -> Result<Sql, CqlError> {
        let [a, b] = args else { return err(format!("{op} takes two times")) };
        let ((a0, a1), (b0, b1)) = (self.moments(a)?, self.moments(b)?);
        let cond = match op {
            "t_before" => format!("{a1} < {b0}"),
            "t_after" => format!("{a0} > {b1}"),
            "t_during" => format!("{a0} > {b0} AND {a1} < {b1}"),
            "t_equals" => format!("{a0} = {b0} AND {a1} = {b1}"),
            "t_intersects" => format!("{a0} <= {b1} AND {a1} >= {b0}"),
            _ => return err(format!("temporal operator '{op}' is not one this server evaluates")),
        };
        Ok(Sql::new(format!("({cond})"), Kind::Bool))
    }
}
