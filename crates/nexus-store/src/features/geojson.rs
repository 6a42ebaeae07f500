//! A geometry's GeoJSON text, written here from the EWKB PostGIS sends rather than by
//! `ST_AsGeoJSON` in the database. PostgreSQL is the one part every request and every server
//! shares; on an items page of village polygons writing the text was a fifth of its work
//! (measured 2026-12-01, docs/BENCHMARKS.md), and each server has cores of its own.
//!
//! The text is what `ST_AsGeoJSON(geom, precision)` writes (numbers rounded, trailing zeros
//! dropped; magnitudes of 1e-8 and less in exponent form), with RFC
//! 7946's winding: exterior rings counter-clockwise, holes clockwise, decided as
//! `ST_ForcePolygonCCW` decides. Lines keep their direction (`ST_ForcePolygonCCW` in PostGIS
//! 3.3 reverses them: a canal would flow backwards). The test
//! `features::geojson::postgis_tests` holds the two side by side.

use bytes::{BufMut, BytesMut};
use tokio_postgres::types::{FromSql, Type};

use numbers::Numbers;

mod numbers;
#[cfg(test)]
mod postgis_tests;

/// A geometry column as the EWKB bytes PostGIS sends.
pub(crate) struct Ewkb<'a>(pub &'a [u8]);

impl<'a> FromSql<'a> for Ewkb<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Ewkb(raw))
    }

    fn accepts(ty: &Type) -> bool {
        ty.name() == "geometry"
    }
}

/// How geometries are written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GeometryText {
    /// Decimals kept.
    pub precision: u8,
    /// Latitude first (EPSG:4326's axis order) instead of longitude first.
    pub flip: bool,
}

/// Why EWKB could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Malformed {
    #[error("the geometry ends before its last coordinate")]
    Truncated,
    #[error("geometry type {0} has no GeoJSON form")]
    Type(u32),
    #[error("collections nested deeper than 16")]
    TooDeep,
}

impl GeometryText {
    /// Appends the GeoJSON geometry object of `ewkb` to `out`.
    ///
    /// # Errors
    /// [`Malformed`] when the bytes are not a geometry GeoJSON can hold.
    pub(crate) fn write(self, out: &mut BytesMut, ewkb: &[u8]) -> Result<(), Malformed> {
        let mut w = Writer { out, numbers: Numbers::new(self.precision), flip: self.flip };
        let mut r = Reader { buf: ewkb, pos: 0 };
        w.geometry(&mut r, 0)
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], Malformed> {
        let b = self.buf.get(self.pos..self.pos + N).ok_or(Malformed::Truncated)?;
        self.pos += N;
        b.try_into().map_err(|_| Malformed::Truncated)
    }

    fn u32(&mut self, le: bool) -> Result<u32, Malformed> {
        let b = self.take::<4>()?;
        Ok(if le { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    }

    /// A geometry's header: byte order, type (1 to 7) and its coordinates' dimensions.
    fn header(&mut self) -> Result<Header, Malformed> {
        let le = self.take::<1>()?[0] == 1;
        let raw = self.u32(le)?;
        if raw & 0x2000_0000 != 0 {
            self.u32(le)?; // the SRID
        }
        let (mut z, mut m) = (raw & 0x8000_0000 != 0, raw & 0x4000_0000 != 0);
        let iso = raw & 0x0FFF_FFFF;
        match iso / 1000 {
            1 => z = true,
            2 => m = true,
            3 => (z, m) = (true, true),
            _ => {}
        }
        Ok(Header { le, ty: iso % 1000, z, dims: 2 + usize::from(z) + usize::from(m) })
    }

    /// A counted run of coordinates, left where they are: a ring's winding is decided before
    /// it is written.
    fn points(&mut self, h: &Header) -> Result<Points<'_>, Malformed> {
        let n = self.u32(h.le)? as usize;
        self.points_fixed(h, n)
    }

    /// `n` coordinates with no count before them (a point's).
    fn points_fixed(&mut self, h: &Header, n: usize) -> Result<Points<'_>, Malformed> {
        let stride = 8 * h.dims;
        let len = n.checked_mul(stride).ok_or(Malformed::Truncated)?;
        let bytes = self.buf.get(self.pos..self.pos + len).ok_or(Malformed::Truncated)?;
        self.pos += len;
        Ok(Points { bytes, stride, le: h.le, n })
    }
}

struct Header {
    le: bool,
    ty: u32,
    z: bool,
    dims: usize,
}

struct Points<'a> {
    bytes: &'a [u8],
    stride: usize,
    le: bool,
    n: usize,
}

impl Points<'_> {
    fn at(&self, i: usize, k: usize) -> f64 {
        let s = i * self.stride + 8 * k;
        let b: [u8; 8] = self.bytes[s..s + 8].try_into().unwrap_or([0; 8]);
        if self.le {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        }
    }

    /// Twice the signed area as PostGIS's `ptarray_signed_area` sums it: positive when the
    /// ring runs clockwise, zero or negative when it runs counter-clockwise or is flat.
    fn clockwise(&self) -> bool {
        if self.n < 3 {
            return false;
        }
        let x0 = self.at(0, 0);
        let mut sum = 0.0;
        for i in 2..self.n {
            sum += (self.at(i - 1, 0) - x0) * (self.at(i - 2, 1) - self.at(i, 1));
        }
        sum > 0.0
    }
}

/// What a polygon ring is, for its winding.
#[derive(Clone, Copy)]
enum Ring {
    Exterior,
    Hole,
}

struct Writer<'o> {
    out: &'o mut BytesMut,
    numbers: Numbers,
    flip: bool,
}

impl Writer<'_> {
    fn geometry(&mut self, r: &mut Reader<'_>, depth: u8) -> Result<(), Malformed> {
        if depth > 16 {
            return Err(Malformed::TooDeep);
        }
        let h = r.header()?;
        let name: &[u8] = match h.ty {
            1 => b"Point",
            2 => b"LineString",
            3 => b"Polygon",
            4 => b"MultiPoint",
            5 => b"MultiLineString",
            6 => b"MultiPolygon",
            7 => b"GeometryCollection",
            other => return Err(Malformed::Type(other)),
        };
        self.out.put_slice(b"{\"type\":\"");
        self.out.put_slice(name);
        if h.ty == 7 {
            self.out.put_slice(b"\",\"geometries\":[");
            let n = r.u32(h.le)?;
            for i in 0..n {
                if i > 0 {
                    self.out.put_u8(b',');
                }
                self.geometry(r, depth + 1)?;
            }
            self.out.put_slice(b"]}");
            return Ok(());
        }
        self.out.put_slice(b"\",\"coordinates\":");
        match h.ty {
            1 => {
                let p = r.points_fixed(&h, 1)?;
                // An empty point is NaN, NaN in WKB.
                if p.at(0, 0).is_nan() {
                    self.out.put_slice(b"[]");
                } else {
                    self.position(&p, 0, h.z);
                }
            }
            2 => self.line(&r.points(&h)?, h.z, None),
            3 => self.polygon(r, &h)?,
            _ => {
                // The parts of a multi-geometry, each with a header of its own.
                self.out.put_u8(b'[');
                let n = r.u32(h.le)?;
                let mut first = true;
                for _ in 0..n {
                    let part = r.header()?;
                    if part.ty != h.ty - 3 {
                        return Err(Malformed::Type(part.ty));
                    }
                    match part.ty {
                        1 => {
                            let p = r.points_fixed(&part, 1)?;
                            // ST_AsGeoJSON leaves a hole in the array here (invalid JSON);
                            // an empty point is left out instead.
                            if p.at(0, 0).is_nan() {
                                continue;
                            }
                            self.comma(&mut first);
                            self.position(&p, 0, part.z);
                        }
                        2 => {
                            self.comma(&mut first);
                            self.line(&r.points(&part)?, part.z, None);
                        }
                        _ => {
                            self.comma(&mut first);
                            self.polygon(r, &part)?;
                        }
                    }
                }
                self.out.put_u8(b']');
            }
        }
        self.out.put_u8(b'}');
        Ok(())
    }

    fn comma(&mut self, first: &mut bool) {
        if !*first {
            self.out.put_u8(b',');
        }
        *first = false;
    }

    fn polygon(&mut self, r: &mut Reader<'_>, h: &Header) -> Result<(), Malformed> {
        let rings = r.u32(h.le)?;
        self.out.put_u8(b'[');
        for i in 0..rings {
            if i > 0 {
                self.out.put_u8(b',');
            }
            let ring = if i == 0 { Ring::Exterior } else { Ring::Hole };
            self.line(&r.points(h)?, h.z, Some(ring));
        }
        self.out.put_u8(b']');
        Ok(())
    }

    /// A line's or a ring's positions; a ring is turned to RFC 7946's winding.
    fn line(&mut self, p: &Points<'_>, z: bool, ring: Option<Ring>) {
        // As ST_ForcePolygonCCW: an exterior ring that runs clockwise is reversed, and a
        // hole that does not.
        let reverse = match ring {
            None => false,
            Some(Ring::Exterior) => p.clockwise(),
            Some(Ring::Hole) => !p.clockwise(),
        };
        self.out.put_u8(b'[');
        for k in 0..p.n {
            if k > 0 {
                self.out.put_u8(b',');
            }
            self.position(p, if reverse { p.n - 1 - k } else { k }, z);
        }
        self.out.put_u8(b']');
    }

    fn position(&mut self, p: &Points<'_>, i: usize, z: bool) {
        let (x, y) = (p.at(i, 0), p.at(i, 1));
        let (a, b) = if self.flip { (y, x) } else { (x, y) };
        self.out.put_u8(b'[');
        self.numbers.write(self.out, a);
        self.out.put_u8(b',');
        self.numbers.write(self.out, b);
        if z {
            self.out.put_u8(b',');
            self.numbers.write(self.out, p.at(i, 2));
        }
        self.out.put_u8(b']');
    }
}
