//! The two GDAL facts the safe `gdal` crate does not expose: a field's subtype (GDAL keeps
//! booleans as integers and JSON objects as strings, told apart only by subtype).
#![allow(unsafe_code, reason = "reads field subtypes through gdal-sys; see the SAFETY notes")]

use gdal::vector::Defn;
use gdal_sys::OGRFieldSubType;

/// How GDAL marks a field beyond its base type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubType {
    /// No subtype.
    None,
    /// An integer that is really true/false.
    Boolean,
    /// A string holding JSON.
    Json,
}

/// The subtypes of every field of `defn`, by index.
pub fn field_subtypes(defn: &Defn) -> Vec<SubType> {
    // SAFETY: `defn` borrows a live layer definition for the duration of this call, and the
    // field definitions it returns are owned by it; indices stay below its field count.
    unsafe {
        let h = defn.c_defn();
        let n = gdal_sys::OGR_FD_GetFieldCount(h).max(0);
        (0..n)
            .map(|i| {
                let f = gdal_sys::OGR_FD_GetFieldDefn(h, i);
                if f.is_null() {
                    return SubType::None;
                }
                match gdal_sys::OGR_Fld_GetSubType(f) {
                    OGRFieldSubType::OFSTBoolean => SubType::Boolean,
                    OGRFieldSubType::OFSTJSON => SubType::Json,
                    _ => SubType::None,
                }
            })
            .collect()
    }
}
