//! The scan itself: one pass over the bytes, a rewrite only when something was fixed.

use nexus_core::GeometryFamily;

/// Why a geometry cannot be stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WkbError {
    /// The bytes end before the geometry does.
    #[error("the geometry is truncated")]
    Truncated,
    /// A type Nexus Atlas does not store.
    #[error("{0} geometries are not supported (use points, lines or polygons)")]
    Unsupported(&'static str),
    /// NaN or infinite coordinate.
    #[error("coordinate {index} is not a finite number ({x}, {y})")]
    NonFinite {
        /// 1-based coordinate number within the geometry.
        index: usize,
        /// X as read.
        x: f64,
        /// Y as read.
        y: f64,
    },
    /// Outside -180..180 / -90..90 after reprojection.
    #[error("coordinate {index} ({x}, {y}) is outside longitude -180..180 / latitude -90..90")]
    OutOfRange {
        /// 1-based coordinate number within the geometry.
        index: usize,
        /// Longitude.
        x: f64,
        /// Latitude.
        y: f64,
    },
    /// A collection mixing points, lines and polygons.
    #[error("the geometry mixes {0} and {1}")]
    Mixed(GeometryFamily, GeometryFamily),
}

/// What a scan found.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    /// The family, or `None` for an empty geometry.
    pub family: Option<GeometryFamily>,
    /// Number of coordinates.
    pub points: usize,
    /// `[west, south, east, north]`, when not empty.
    pub bbox: Option<[f64; 4]>,
    /// A corrected copy, when something was fixed.
    pub fixed: Option<Vec<u8>>,
    /// What was fixed, for the report.
    pub fixes: Vec<String>,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> Result<u8, WkbError> {
        let b = *self.buf.get(self.pos).ok_or(WkbError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }
    fn u32(&mut self, le: bool) -> Result<u32, WkbError> {
        let b: [u8; 4] = self
            .buf
            .get(self.pos..self.pos + 4)
            .ok_or(WkbError::Truncated)?
            .try_into()
            .map_err(|_| WkbError::Truncated)?;
        self.pos += 4;
        Ok(if le { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    }
    fn f64(&mut self, le: bool) -> Result<f64, WkbError> {
        let b: [u8; 8] = self
            .buf
            .get(self.pos..self.pos + 8)
            .ok_or(WkbError::Truncated)?
            .try_into()
            .map_err(|_| WkbError::Truncated)?;
        self.pos += 8;
        Ok(if le { f64::from_le_bytes(b) } else { f64::from_be_bytes(b) })
    }
}

struct State {
    check_range: bool,
    points: usize,
    bbox: [f64; 4],
    unclosed: usize,
    retyped: bool,
}

fn family_of(ty: u32) -> Result<GeometryFamily, WkbError> {
    match ty {
        1 | 4 => Ok(GeometryFamily::Point),
        2 | 5 => Ok(GeometryFamily::Line),
        3 | 6 => Ok(GeometryFamily::Polygon),
        7 => Err(WkbError::Unsupported("nested collection")),
        8..=17 => Err(WkbError::Unsupported("curved, surface or TIN")),
        _ => Err(WkbError::Unsupported("unknown")),
    }
}

fn coord(r: &mut Reader<'_>, le: bool, st: &mut State) -> Result<(f64, f64), WkbError> {
    let (x, y) = (r.f64(le)?, r.f64(le)?);
    st.points += 1;
    let index = st.points;
    if !(x.is_finite() && y.is_finite()) {
        return Err(WkbError::NonFinite { index, x, y });
    }
    if st.check_range && !((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)) {
        return Err(WkbError::OutOfRange { index, x, y });
    }
    st.bbox = [st.bbox[0].min(x), st.bbox[1].min(y), st.bbox[2].max(x), st.bbox[3].max(y)];
    Ok((x, y))
}

/// Scans one geometry (header included); returns its family (`None` when empty).
fn scan_geom(r: &mut Reader<'_>, st: &mut State, depth: u8) -> Result<Option<GeometryFamily>, WkbError> {
    let le = r.u8()? == 1;
    let ty = r.u32(le)?;
    match ty {
        1 => {
            let (x, y) = (r.f64(le)?, r.f64(le)?);
            if x.is_nan() && y.is_nan() {
                return Ok(None); // GDAL's empty point
            }
            r.pos -= 16;
            coord(r, le, st)?;
            Ok(Some(GeometryFamily::Point))
        }
        2 => {
            let n = r.u32(le)?;
            for _ in 0..n {
                coord(r, le, st)?;
            }
            Ok((n > 0).then_some(GeometryFamily::Line))
        }
        3 => {
            let rings = r.u32(le)?;
            for _ in 0..rings {
                let n = r.u32(le)?;
                let mut first = (0.0, 0.0);
                let mut last = (0.0, 0.0);
                for i in 0..n {
                    let c = coord(r, le, st)?;
                    if i == 0 {
                        first = c;
                    }
                    last = c;
                }
                if n > 0 && first != last {
                    st.unclosed += 1;
                }
            }
            Ok((rings > 0).then_some(GeometryFamily::Polygon))
        }
        4..=7 => {
            if depth > 0 && ty == 7 {
                return Err(WkbError::Unsupported("nested collection"));
            }
            let n = r.u32(le)?;
            let mut family: Option<GeometryFamily> = if ty == 7 { None } else { Some(family_of(ty)?) };
            let mut any = false;
            for _ in 0..n {
                let part_start = r.pos;
                let part = scan_geom(r, st, depth + 1)?;
                let part_le = r.buf[part_start] == 1;
                let part_ty = Reader { buf: r.buf, pos: part_start + 1 }.u32(part_le)?;
                if ty == 7 && (4..=6).contains(&part_ty) {
                    return Err(WkbError::Unsupported("collection of multi-geometries"));
                }
                let part_family = family_of(part_ty)?;
                match family {
                    Some(f) if f != part_family => return Err(WkbError::Mixed(f, part_family)),
                    _ => family = Some(part_family),
                }
                any |= part.is_some();
            }
            if ty == 7 {
                st.retyped = n > 0;
            }
            Ok(if any { family } else { None })
        }
        other => {
            family_of(other)?;
            Err(WkbError::Unsupported("unknown"))
        }
    }
}

/// Copies `r`'s geometry into `out`, closing rings and retyping a top-level collection.
fn rewrite(r: &mut Reader<'_>, out: &mut Vec<u8>, family: Option<GeometryFamily>, top: bool) -> Result<(), WkbError> {
    let order = r.u8()?;
    let le = order == 1;
    let ty = r.u32(le)?;
    // Everything we write is little-endian.
    out.push(1);
    let new_ty = if top && ty == 7 {
        match family {
            Some(GeometryFamily::Point) => 4,
            Some(GeometryFamily::Line) => 5,
            _ => 6,
        }
    } else {
        ty
    };
    out.extend(new_ty.to_le_bytes());
    let copy_xy = |r: &mut Reader<'_>, out: &mut Vec<u8>| -> Result<(f64, f64), WkbError> {
        let (x, y) = (r.f64(le)?, r.f64(le)?);
        out.extend(x.to_le_bytes());
        out.extend(y.to_le_bytes());
        Ok((x, y))
    };
    match ty {
        1 => {
            copy_xy(r, out)?;
        }
        2 => {
            let n = r.u32(le)?;
            out.extend(n.to_le_bytes());
            for _ in 0..n {
                copy_xy(r, out)?;
            }
        }
        3 => {
            let rings = r.u32(le)?;
            out.extend(rings.to_le_bytes());
            for _ in 0..rings {
                let n = r.u32(le)?;
                let count_at = out.len();
                out.extend(n.to_le_bytes());
                let mut first = (0.0, 0.0);
                let mut last = (0.0, 0.0);
                for i in 0..n {
                    let c = copy_xy(r, out)?;
                    if i == 0 {
                        first = c;
                    }
                    last = c;
                }
                if n > 0 && first != last {
                    out.extend(first.0.to_le_bytes());
                    out.extend(first.1.to_le_bytes());
                    out[count_at..count_at + 4].copy_from_slice(&(n + 1).to_le_bytes());
                }
            }
        }
        _ => {
            let n = r.u32(le)?;
            out.extend(n.to_le_bytes());
            for _ in 0..n {
                rewrite(r, out, family, false)?;
            }
        }
    }
    Ok(())
}

/// Checks `wkb` (2D, ISO or OGC) and returns what it found, with a fixed copy when needed.
/// `check_range` enforces longitude/latitude bounds (for EPSG:4326 data).
///
/// # Errors
/// The first problem that makes the geometry unstorable.
pub fn scan(wkb: &[u8], check_range: bool) -> Result<Scan, WkbError> {
    let mut st = State {
        check_range,
        points: 0,
        bbox: [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY],
        unclosed: 0,
        retyped: false,
    };
    let mut r = Reader { buf: wkb, pos: 0 };
    let family = scan_geom(&mut r, &mut st, 0)?;
    let mut fixes = Vec::new();
    let fixed = if st.unclosed > 0 || st.retyped {
        if st.unclosed > 0 {
            fixes.push(format!("closed {} unclosed ring{}", st.unclosed, if st.unclosed == 1 { "" } else { "s" }));
        }
        if st.retyped {
            fixes.push("turned a geometry collection into a multi-geometry".to_owned());
        }
        let mut out = Vec::with_capacity(wkb.len() + 16 * st.unclosed);
        rewrite(&mut Reader { buf: wkb, pos: 0 }, &mut out, family, true)?;
        Some(out)
    } else {
        None
    };
    let bbox = family.map(|_| st.bbox);
    Ok(Scan { family, points: st.points, bbox, fixed, fixes })
}
