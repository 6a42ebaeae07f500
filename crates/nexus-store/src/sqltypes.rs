//! Values written in PostgreSQL's binary format without an intermediate copy: geometry from
//! WKB (given an SRID) and JSONB from JSON text.

use bytes::{BufMut, BytesMut};
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// ISO/OGC WKB (2D) sent as PostGIS EWKB with an SRID, which is what `geometry_recv` reads.
#[derive(Debug)]
pub struct WkbGeometry<'a> {
    /// The WKB bytes (either byte order).
    pub wkb: &'a [u8],
    /// The SRID to stamp on it.
    pub srid: u32,
}

const EWKB_SRID_FLAG: u32 = 0x2000_0000;

impl ToSql for WkbGeometry<'_> {
    fn to_sql(&self, _ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let wkb = self.wkb;
        if wkb.len() < 5 {
            return Err("WKB shorter than its header".into());
        }
        let little = wkb[0] == 1;
        let raw_type = [wkb[1], wkb[2], wkb[3], wkb[4]];
        let ty = if little { u32::from_le_bytes(raw_type) } else { u32::from_be_bytes(raw_type) };
        out.put_u8(wkb[0]);
        let (ty, srid) = (ty | EWKB_SRID_FLAG, self.srid);
        if little {
            out.put_u32_le(ty);
            out.put_u32_le(srid);
        } else {
            out.put_u32(ty);
            out.put_u32(srid);
        }
        out.put_slice(&wkb[5..]);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        ty.name() == "geometry"
    }

    to_sql_checked!();
}

/// JSON text sent as JSONB (version byte 1, then the text); the server validates it.
#[derive(Debug)]
pub struct JsonbText<'a>(pub &'a str);

impl ToSql for JsonbText<'_> {
    fn to_sql(&self, _ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.put_u8(1);
        out.put_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkb_gets_an_srid_in_either_byte_order() {
        // POINT(1 2), little endian
        let mut le = vec![1, 1, 0, 0, 0];
        le.extend(1f64.to_le_bytes());
        le.extend(2f64.to_le_bytes());
        let mut out = BytesMut::new();
        WkbGeometry { wkb: &le, srid: 4326 }.to_sql(&Type::BYTEA, &mut out).unwrap();
        assert_eq!(&out[..9], &[1, 1, 0, 0, 0x20, 0xE6, 0x10, 0, 0]);
        assert_eq!(&out[9..], &le[5..]);

        let mut be = vec![0, 0, 0, 0, 1];
        be.extend(1f64.to_be_bytes());
        be.extend(2f64.to_be_bytes());
        let mut out = BytesMut::new();
        WkbGeometry { wkb: &be, srid: 4326 }.to_sql(&Type::BYTEA, &mut out).unwrap();
        assert_eq!(&out[..9], &[0, 0x20, 0, 0, 1, 0, 0, 0x10, 0xE6]);
    }
}
