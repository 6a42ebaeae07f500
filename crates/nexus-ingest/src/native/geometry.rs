//! GeoJSON geometry objects to WKB, written directly from the text: coordinates are parsed
//! by hand in one pass (nesting checked against the type, numbers read as Rust reads them, so
//! `1e999` is infinity for the checks to refuse rather than a parse error), and no
//! intermediate geometry is built.

use serde::Deserialize;
use serde_json::value::RawValue;

/// Deepest nesting of GeoJSON collections inside one another.
const MAX_COLLECTION_DEPTH: u8 = 8;

/// One feature's geometry as WKB (`None`: null or empty), and whether positions carried more
/// than two numbers (Z or M, dropped).
#[derive(Debug, Default)]
pub struct Converted {
    pub wkb: Option<Vec<u8>>,
    pub z_dropped: bool,
}

#[derive(Deserialize)]
struct GeometryIn<'a> {
    #[serde(rename = "type")]
    ty: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    coordinates: Option<&'a RawValue>,
    #[serde(borrow, default)]
    geometries: Option<Vec<&'a RawValue>>,
}

/// Converts the `geometry` member of a feature (`null` allowed).
///
/// # Errors
/// A message saying what is wrong with the geometry object.
pub fn to_wkb(geometry: &RawValue) -> Result<Converted, String> {
    let mut out = Converted::default();
    if geometry.get() == "null" {
        return Ok(out);
    }
    let mut w = Wkb { buf: Vec::with_capacity(64), points: 0, z_dropped: false };
    w.geometry(geometry, 0)?;
    out.z_dropped = w.z_dropped;
    // A geometry without a single position is empty: GDAL's reader gives none for it too.
    out.wkb = (w.points > 0).then_some(w.buf);
    Ok(out)
}

struct Wkb {
    buf: Vec<u8>,
    points: u64,
    z_dropped: bool,
}

impl Wkb {
    fn header(&mut self, ty: u32) {
        self.buf.push(1);
        self.buf.extend_from_slice(&ty.to_le_bytes());
    }

    /// Reserves a count to be filled in once known.
    fn count_slot(&mut self) -> usize {
        self.buf.extend_from_slice(&[0; 4]);
        self.buf.len() - 4
    }

    fn fill(&mut self, slot: usize, n: u32) {
        self.buf[slot..slot + 4].copy_from_slice(&n.to_le_bytes());
    }

    fn geometry(&mut self, raw: &RawValue, depth: u8) -> Result<(), String> {
        let g: GeometryIn<'_> =
            serde_json::from_str(raw.get()).map_err(|e| format!("its geometry is not a GeoJSON geometry: {e}"))?;
        let (code, nesting) = match &*g.ty {
            "Point" => (1, 1),
            "LineString" => (2, 2),
            "Polygon" => (3, 3),
            "MultiPoint" => (4, 2),
            "MultiLineString" => (5, 3),
            "MultiPolygon" => (6, 4),
            "GeometryCollection" => return self.collection(g.geometries, depth),
            other => return Err(format!("its geometry has an unknown type \"{other}\"")),
        };
        let coords = g.coordinates.ok_or_else(|| format!("its {} has no coordinates", g.ty))?;
        let mut p = Coords { s: coords.get().as_bytes(), at: 0 };
        self.header(code);
        match code {
            1 => self.point_body(&mut p),
            2 => self.positions(&mut p),
            3 => self.rings(&mut p),
            4 => self.multi(&mut p, 1),
            5 => self.multi(&mut p, 2),
            _ => self.multi(&mut p, 3),
        }
        .and_then(|()| p.end())
        .map_err(|e| format!("its {} coordinates {e} (arrays nested {nesting} deep)", g.ty))
    }

    fn collection(&mut self, members: Option<Vec<&RawValue>>, depth: u8) -> Result<(), String> {
        if depth >= MAX_COLLECTION_DEPTH {
            return Err("its geometry collections are nested too deep".into());
        }
        let members = members.ok_or("its GeometryCollection has no geometries")?;
        self.header(7);
        let slot = self.count_slot();
        for m in &members {
            self.geometry(m, depth + 1)?;
        }
        self.fill(slot, count(members.len())?);
        Ok(())
    }

    /// A point's coordinates: one position, or `[]` for an empty point.
    fn point_body(&mut self, p: &mut Coords<'_>) -> Result<(), String> {
        p.open()?;
        if p.close_if_empty() {
            // POINT EMPTY in WKB.
            self.buf.extend_from_slice(&f64::NAN.to_le_bytes());
            self.buf.extend_from_slice(&f64::NAN.to_le_bytes());
            return Ok(());
        }
        self.position_rest(p)
    }

    /// The numbers of a position whose `[` was read.
    fn position_rest(&mut self, p: &mut Coords<'_>) -> Result<(), String> {
        let x = p.number()?;
        p.comma()?;
        let y = p.number()?;
        while p.more()? {
            p.number()?;
            self.z_dropped = true;
        }
        self.buf.extend_from_slice(&x.to_le_bytes());
        self.buf.extend_from_slice(&y.to_le_bytes());
        self.points += 1;
        Ok(())
    }

    /// `[[x, y], …]` as a count and points.
    fn positions(&mut self, p: &mut Coords<'_>) -> Result<(), String> {
        let slot = self.count_slot();
        let mut n = 0usize;
        p.list(|p| {
            p.open()?;
            n += 1;
            self.position_rest(p)
        })?;
        self.fill(slot, count(n)?);
        Ok(())
    }

    fn rings(&mut self, p: &mut Coords<'_>) -> Result<(), String> {
        let slot = self.count_slot();
        let mut n = 0usize;
        p.list(|p| {
            n += 1;
            self.positions(p)
        })?;
        self.fill(slot, count(n)?);
        Ok(())
    }

    /// The parts of a multi-geometry, each written as a whole WKB geometry of `part` type.
    fn multi(&mut self, p: &mut Coords<'_>, part: u32) -> Result<(), String> {
        let slot = self.count_slot();
        let mut n = 0usize;
        p.list(|p| {
            n += 1;
            self.header(part);
            match part {
                1 => self.point_body(p),
                2 => self.positions(p),
                _ => self.rings(p),
            }
        })?;
        self.fill(slot, count(n)?);
        Ok(())
    }
}

fn count(n: usize) -> Result<u32, String> {
    u32::try_from(n).map_err(|_| "its geometry has too many parts".to_owned())
}

/// A cursor over the text of a `coordinates` member.
struct Coords<'a> {
    s: &'a [u8],
    at: usize,
}

impl Coords<'_> {
    fn ws(&mut self) {
        while self.at < self.s.len() && matches!(self.s[self.at], b' ' | b'\n' | b'\r' | b'\t') {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.at).copied()
    }

    fn fail<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("are not nested as the type says: {what} at character {}", self.at + 1))
    }

    fn open(&mut self) -> Result<(), String> {
        if self.peek() == Some(b'[') {
            self.at += 1;
            Ok(())
        } else {
            self.fail("expected '['")
        }
    }

    fn close_if_empty(&mut self) -> bool {
        if self.peek() == Some(b']') {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn comma(&mut self) -> Result<(), String> {
        if self.peek() == Some(b',') {
            self.at += 1;
            Ok(())
        } else {
            self.fail("a position needs two numbers")
        }
    }

    /// After an element: true when another follows (`,` read), false at `]` (read).
    fn more(&mut self) -> Result<bool, String> {
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                Ok(true)
            }
            Some(b']') => {
                self.at += 1;
                Ok(false)
            }
            _ => self.fail("expected ',' or ']'"),
        }
    }

    /// `[ item, item, … ]`, each item read by `item`.
    fn list(&mut self, mut item: impl FnMut(&mut Self) -> Result<(), String>) -> Result<(), String> {
        self.open()?;
        if self.close_if_empty() {
            return Ok(());
        }
        loop {
            item(self)?;
            if !self.more()? {
                return Ok(());
            }
        }
    }

    fn number(&mut self) -> Result<f64, String> {
        self.ws();
        let start = self.at;
        while self.at < self.s.len() && matches!(self.s[self.at], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
            self.at += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.at]).unwrap_or_default();
        // JSON's number grammar is a subset of what Rust parses, less a few spellings.
        let json = !text.is_empty() && !text.starts_with('+') && !text.starts_with('.');
        match text.parse::<f64>() {
            Ok(x) if json => Ok(x),
            _ => self.fail("expected a number"),
        }
    }

    fn end(&mut self) -> Result<(), String> {
        if self.peek().is_none() {
            Ok(())
        } else {
            self.fail("unexpected text")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wkb(json: &str) -> Result<Converted, String> {
        to_wkb(&RawValue::from_string(json.to_owned()).map_err(|e| e.to_string())?)
    }

    fn same_as_gdal(json: &str) {
        crate::libs::load_gdal().unwrap();
        let ours = wkb(json).unwrap().wkb.unwrap();
        let gdal = gdal::vector::Geometry::from_geojson(json).unwrap().wkb().unwrap();
        assert_eq!(ours, gdal, "{json}");
    }

    #[test]
    fn every_geometry_type_writes_the_wkb_gdal_writes() {
        for json in [
            r#"{"type":"Point","coordinates":[100.5,13.75]}"#,
            r#"{"coordinates":[[1,2],[3,4.5]],"type":"LineString"}"#,
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0.1,0.1],[0.2,0.1],[0.2,0.2],[0.1,0.1]]]}"#,
            r#"{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}"#,
            r#"{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[[5,6],[7,8]]]}"#,
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}"#,
            r#"{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},{"type":"LineString","coordinates":[[1,2],[3,4]]}]}"#,
            r#"{ "type" : "Point" , "coordinates" : [ -1.5e2 , 1E1 ] }"#,
        ] {
            same_as_gdal(json);
        }
    }

    #[test]
    fn extra_dimensions_are_dropped_and_empty_geometries_are_none() {
        crate::libs::load_gdal().unwrap();
        let c = wkb(r#"{"type":"Point","coordinates":[1,2,3]}"#).unwrap();
        assert!(c.z_dropped);
        assert_eq!(c.wkb.unwrap(), gdal::vector::Geometry::from_wkt("POINT (1 2)").unwrap().wkb().unwrap());
        for empty in [
            "null",
            r#"{"type":"Point","coordinates":[]}"#,
            r#"{"type":"MultiPolygon","coordinates":[[]]}"#,
            r#"{"type":"GeometryCollection","geometries":[]}"#,
        ] {
            assert!(wkb(empty).unwrap().wkb.is_none(), "{empty}");
        }
        let inf = wkb(r#"{"type":"Point","coordinates":[1e999,1]}"#).unwrap().wkb.unwrap();
        assert_eq!(f64::from_le_bytes(inf[5..13].try_into().unwrap()), f64::INFINITY);
    }

    #[test]
    fn malformed_geometries_say_what_is_wrong() {
        for (json, says) in [
            (r#"{"type":"Pointy","coordinates":[1,2]}"#, "unknown type \"Pointy\""),
            (r#"{"type":"Point"}"#, "has no coordinates"),
            (r#"{"type":"Point","coordinates":[1]}"#, "a position needs two numbers"),
            (r#"{"type":"LineString","coordinates":[1,2]}"#, "expected '['"),
            (r#"{"type":"Point","coordinates":["1",2]}"#, "expected a number"),
            (r#"{"type":"Point","coordinates":[[1,2]]}"#, "expected a number"),
            (r#""Point""#, "not a GeoJSON geometry"),
        ] {
            let err = wkb(json).unwrap_err();
            assert!(err.contains(says), "{json}: {err}");
        }
        let mut deep = String::from(r#"{"type":"Point","coordinates":"#);
        deep.push_str(&"[".repeat(100_000));
        deep.push_str(&"]".repeat(100_000));
        deep.push('}');
        assert!(wkb(&deep).is_err());
    }
}
