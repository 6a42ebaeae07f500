//! OGC validity straight from GEOS's C API, reading the WKB the checker already has. Going
//! through GDAL (`OGR_G_IsValid`) built an OGR geometry and then a GEOS copy of it for every
//! feature; this builds the GEOS one only, needs no GDAL set-up, and keeps GEOS's messages to
//! itself (the reason for a repair comes from PostGIS).
#![allow(unsafe_code, reason = "GEOS has only a C API; see the SAFETY notes")]

use std::ffi::c_void;

#[allow(non_camel_case_types, reason = "the C API's names")]
type GEOSContextHandle_t = *mut c_void;

// Resolved by the trampolines of `libs::geos`, not by the linker.
extern "C" {
    fn GEOS_init_r() -> GEOSContextHandle_t;
    fn GEOS_finish_r(handle: GEOSContextHandle_t);
    fn GEOSWKBReader_create_r(handle: GEOSContextHandle_t) -> *mut c_void;
    fn GEOSWKBReader_destroy_r(handle: GEOSContextHandle_t, reader: *mut c_void);
    fn GEOSWKBReader_read_r(
        handle: GEOSContextHandle_t,
        reader: *mut c_void,
        wkb: *const u8,
        size: usize,
    ) -> *mut c_void;
    fn GEOSisValid_r(handle: GEOSContextHandle_t, geom: *const c_void) -> std::ffi::c_char;
    fn GEOSGeom_destroy_r(handle: GEOSContextHandle_t, geom: *mut c_void);
}

/// A GEOS context and WKB reader for one thread (GEOS contexts are not shared).
pub struct Validity {
    ctx: GEOSContextHandle_t,
    reader: *mut c_void,
}

impl Validity {
    /// A fresh context; `None` if GEOS is not loaded or cannot make one (out of memory).
    pub fn new() -> Option<Self> {
        // An ingest loads GEOS before it reads (`libs::load_geos`); this only guards the door.
        crate::libs::geos::load().ok()?;
        // SAFETY: GEOS_init_r has no preconditions; a null result is checked. The reader is
        // made in that context and checked likewise (the context is finished if it fails).
        unsafe {
            let ctx = GEOS_init_r();
            if ctx.is_null() {
                return None;
            }
            let reader = GEOSWKBReader_create_r(ctx);
            if reader.is_null() {
                GEOS_finish_r(ctx);
                return None;
            }
            Some(Validity { ctx, reader })
        }
    }

    /// Whether the geometry in `wkb` is valid in the OGC sense; false when GEOS cannot read
    /// it either (PostGIS then repairs it or says why not).
    pub fn is_valid(&self, wkb: &[u8]) -> bool {
        // SAFETY: `wkb` is a live slice for the call; GEOS copies what it reads. The geometry
        // returned is owned by us and destroyed in the same context before returning.
        unsafe {
            let g = GEOSWKBReader_read_r(self.ctx, self.reader, wkb.as_ptr(), wkb.len());
            if g.is_null() {
                return false;
            }
            let valid = GEOSisValid_r(self.ctx, g) == 1;
            GEOSGeom_destroy_r(self.ctx, g);
            valid
        }
    }
}

impl Drop for Validity {
    fn drop(&mut self) {
        // SAFETY: both were made by `new` in this context and are destroyed once, reader first.
        unsafe {
            GEOSWKBReader_destroy_r(self.ctx, self.reader);
            GEOS_finish_r(self.ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Validity;

    fn wkb(wkt: &str) -> Vec<u8> {
        crate::libs::load_gdal().unwrap();
        gdal::vector::Geometry::from_wkt(wkt).unwrap().wkb().unwrap()
    }

    #[test]
    fn validity_is_what_gdal_and_geos_say() {
        let v = Validity::new().unwrap();
        for (wkt, valid) in [
            ("POLYGON ((0 0, 1 0, 1 1, 0 0))", true),
            ("POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))", false),
            ("POLYGON ((0 0, 1 1, 2 2, 0 0))", false),
            ("MULTIPOLYGON (((0 0, 2 0, 2 2, 0 0)), ((1 0, 3 0, 3 2, 1 0)))", false),
            ("LINESTRING (0 0, 1 1)", true),
        ] {
            let ours = v.is_valid(&wkb(wkt));
            let gdal = gdal::vector::Geometry::from_wkt(wkt).unwrap().is_valid();
            assert_eq!((ours, gdal), (valid, valid), "{wkt}");
        }
        assert!(!v.is_valid(b"not wkb"));
    }
}
