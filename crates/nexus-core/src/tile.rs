//! Web-mercator tile coordinates (the XYZ scheme of OSM, MapLibre and MVT).

use std::fmt;

use serde::Serialize;

/// The deepest zoom level served. Beyond it a tile covers less than a centimetre.
pub const MAX_ZOOM: u8 = 24;

/// A z/x/y triple outside the tile pyramid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// Zoom above [`MAX_ZOOM`].
    #[error("zoom {z} is out of range 0..={MAX_ZOOM}")]
    Zoom {
        /// Requested zoom.
        z: u32,
    },
    /// Column or row not inside `0..2^z`.
    #[error("tile {x}/{y} does not exist at zoom {z} (x and y must be below {limit})")]
    Index {
        /// Zoom.
        z: u8,
        /// Column.
        x: u64,
        /// Row.
        y: u64,
        /// `2^z`.
        limit: u64,
    },
}

/// A tile that exists: `x` and `y` are below `2^z` and `z` is at most [`MAX_ZOOM`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct TileCoord {
    /// Zoom level.
    pub z: u8,
    /// Column, from the antimeridian eastwards.
    pub x: u32,
    /// Row, from the north downwards.
    pub y: u32,
}

impl TileCoord {
    /// Validates a z/x/y triple as it arrives from a URL.
    ///
    /// # Errors
    /// When the zoom is too deep or x/y fall outside the zoom's grid.
    pub fn new(z: u32, x: u64, y: u64) -> Result<Self, TileError> {
        let z8 = u8::try_from(z).ok().filter(|z| *z <= MAX_ZOOM).ok_or(TileError::Zoom { z })?;
        let limit = 1u64 << z8;
        if x >= limit || y >= limit {
            return Err(TileError::Index { z: z8, x, y, limit });
        }
        // Both fit: limit is at most 2^24.
        Ok(TileCoord { z: z8, x: u32::try_from(x).unwrap_or(u32::MAX), y: u32::try_from(y).unwrap_or(u32::MAX) })
    }
}

/// Half the width of the web-mercator world, in metres (EPSG:3857).
pub const WEB_MERCATOR_HALF: f64 = 20_037_508.342_789_244;

impl TileCoord {
    /// The tile's square in EPSG:3857 metres: `[west, south, east, north]`.
    pub fn bounds_3857(self) -> [f64; 4] {
        let size = 2.0 * WEB_MERCATOR_HALF / f64::from(1u32 << self.z);
        let west = -WEB_MERCATOR_HALF + f64::from(self.x) * size;
        let north = WEB_MERCATOR_HALF - f64::from(self.y) * size;
        [west, north - size, west + size, north]
    }

    /// The tile at zoom `z` that contains a longitude/latitude (latitudes are clamped to
    /// web mercator's ±85.0511°).
    pub fn containing(lon: f64, lat: f64, z: u8) -> TileCoord {
        let z = z.min(MAX_ZOOM);
        let n = f64::from(1u32 << z);
        let lat = lat.clamp(-85.051_128_779_806_59, 85.051_128_779_806_59).to_radians();
        let x = ((lon + 180.0) / 360.0 * n).floor();
        let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
        let clamp = |v: f64| {
            // In range by construction after clamping; the casts cannot truncate.
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped to 0..2^24")]
            let c = v.clamp(0.0, n - 1.0) as u32;
            c
        };
        TileCoord { z, x: clamp(x), y: clamp(y) }
    }
}

impl TileCoord {
    /// Whether a web-mercator box `[xmin, ymin, xmax, ymax]` meets the tile grown by `margin`
    /// (a fraction of its side: what a tile draws beyond its edge, its MVT buffer).
    pub fn touches(self, b: [f64; 4], margin: f64) -> bool {
        let t = self.bounds_3857();
        let m = (t[2] - t[0]) * margin;
        b[0] <= t[2] + m && b[2] >= t[0] - m && b[1] <= t[3] + m && b[3] >= t[1] - m
    }

    /// Every tile of zoom `z` that a web-mercator box meets with `margin` (see
    /// [`TileCoord::touches`]), row by row.
    pub fn covering(b: [f64; 4], z: u8, margin: f64) -> impl Iterator<Item = TileCoord> {
        let z = z.min(MAX_ZOOM);
        let n = 1u32 << z;
        let size = 2.0 * WEB_MERCATOR_HALF / f64::from(n);
        let m = size * margin;
        let index = |v: f64| {
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped to 0..2^24")]
            let i = (v / size).floor().clamp(0.0, f64::from(n - 1)) as u32;
            i
        };
        let (x0, x1) = (index(b[0] - m + WEB_MERCATOR_HALF), index(b[2] + m + WEB_MERCATOR_HALF));
        let (y0, y1) = (index(WEB_MERCATOR_HALF - b[3] - m), index(WEB_MERCATOR_HALF - b[1] + m));
        (y0..=y1).flat_map(move |y| (x0..=x1).map(move |x| TileCoord { z, x, y }))
    }
}

impl fmt::Display for TileCoord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_tiles_inside_the_pyramid() {
        assert_eq!(TileCoord::new(0, 0, 0).unwrap().to_string(), "0/0/0");
        assert!(TileCoord::new(12, 3174, 1830).is_ok());
        assert!(TileCoord::new(24, (1 << 24) - 1, 0).is_ok());
    }

    #[test]
    fn chiang_mai_is_in_the_documented_tile() {
        assert_eq!(TileCoord::containing(98.99, 18.79, 12), TileCoord { z: 12, x: 3174, y: 1830 });
        assert_eq!(TileCoord::containing(-180.0, 85.06, 0), TileCoord { z: 0, x: 0, y: 0 });
        assert_eq!(TileCoord::containing(180.0, -90.0, 1), TileCoord { z: 1, x: 1, y: 1 });
    }

    #[test]
    fn bounds_tile_the_world() {
        let w = TileCoord::new(0, 0, 0).unwrap().bounds_3857();
        assert_eq!(w, [-WEB_MERCATOR_HALF, -WEB_MERCATOR_HALF, WEB_MERCATOR_HALF, WEB_MERCATOR_HALF]);
        let t = TileCoord::new(1, 1, 0).unwrap().bounds_3857();
        assert_eq!(t, [0.0, 0.0, WEB_MERCATOR_HALF, WEB_MERCATOR_HALF]);
        let cm = TileCoord::new(12, 3174, 1830).unwrap().bounds_3857();
        let x = 98.99_f64.to_radians() * 6_378_137.0;
        assert!(cm[0] <= x && x < cm[2]);
    }

    #[test]
    fn a_box_touches_the_tiles_that_cover_it_and_no_others() {
        let cm = TileCoord::new(12, 3174, 1830).unwrap().bounds_3857();
        // A point well inside the tile: that tile alone, and its parent at every zoom above.
        let mid = [(cm[0] + cm[2]) / 2.0, (cm[1] + cm[3]) / 2.0];
        let dot = [mid[0], mid[1], mid[0], mid[1]];
        for z in 0..=12u8 {
            let got: Vec<TileCoord> = TileCoord::covering(dot, z, 1.0 / 64.0).collect();
            let shift = 12 - z;
            assert_eq!(got, vec![TileCoord { z, x: 3174 >> shift, y: 1830 >> shift }]);
            assert!(got[0].touches(dot, 1.0 / 64.0));
        }
        // At the edge, the margin brings in the neighbour, which `touches` agrees with.
        let edge = [cm[2] - 1.0, mid[1], cm[2] - 1.0, mid[1]];
        let got: Vec<TileCoord> = TileCoord::covering(edge, 12, 1.0 / 64.0).collect();
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|t| t.touches(edge, 1.0 / 64.0)));
        assert!(!TileCoord { z: 12, x: 3176, y: 1830 }.touches(edge, 1.0 / 64.0));
        assert_eq!(TileCoord::covering(edge, 12, 0.0).count(), 1);
    }

    #[test]
    fn refuses_tiles_outside_it() {
        assert_eq!(TileCoord::new(25, 0, 0), Err(TileError::Zoom { z: 25 }));
        assert!(matches!(TileCoord::new(1, 2, 0), Err(TileError::Index { limit: 2, .. })));
        assert!(matches!(TileCoord::new(0, 0, 1), Err(TileError::Index { .. })));
        assert_eq!(
            TileCoord::new(3, 8, 1).unwrap_err().to_string(),
            "tile 8/1 does not exist at zoom 3 (x and y must be below 8)"
        );
    }
}
