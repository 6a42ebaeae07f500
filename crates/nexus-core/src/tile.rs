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
