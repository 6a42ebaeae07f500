//! The scan on hand-built WKB: what it refuses, fixes and leaves alone.

use nexus_core::GeometryFamily;

use super::scan::*;

fn head(ty: u32) -> Vec<u8> {
    let mut v = vec![1];
    v.extend(ty.to_le_bytes());
    v
}
fn pts(v: &mut Vec<u8>, coords: &[(f64, f64)]) {
    v.extend(u32::try_from(coords.len()).unwrap().to_le_bytes());
    for (x, y) in coords {
        v.extend(x.to_le_bytes());
        v.extend(y.to_le_bytes());
    }
}
fn polygon(ring: &[(f64, f64)]) -> Vec<u8> {
    let mut v = head(3);
    v.extend(1u32.to_le_bytes());
    pts(&mut v, ring);
    v
}

#[test]
fn a_closed_polygon_passes_untouched() {
    let p = polygon(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]);
    let s = scan(&p, true).unwrap();
    assert_eq!(s.family, Some(GeometryFamily::Polygon));
    assert_eq!(s.points, 4);
    assert_eq!(s.bbox, Some([0.0, 0.0, 1.0, 1.0]));
    assert!(s.fixed.is_none() && s.fixes.is_empty());
}

#[test]
fn an_unclosed_ring_is_closed() {
    let p = polygon(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]);
    let s = scan(&p, true).unwrap();
    assert_eq!(s.fixes, vec!["closed 1 unclosed ring"]);
    let fixed = s.fixed.unwrap();
    let again = scan(&fixed, true).unwrap();
    assert_eq!(again.points, 4);
    assert!(again.fixed.is_none(), "the fix is complete");
    assert_eq!(fixed, polygon(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]));
}

#[test]
fn non_finite_and_out_of_range_coordinates_are_named() {
    let mut l = head(2);
    pts(&mut l, &[(1.0, 1.0), (f64::NAN, 2.0)]);
    assert!(matches!(scan(&l, true), Err(WkbError::NonFinite { index: 2, .. })));
    let mut l = head(2);
    pts(&mut l, &[(1.0, 1.0), (500.0, 2.0)]);
    let e = scan(&l, true).unwrap_err();
    assert_eq!(e.to_string(), "coordinate 2 (500, 2) is outside longitude -180..180 / latitude -90..90");
    assert!(scan(&l, false).is_ok(), "projected data is not range-checked here");
    let mut l = head(2);
    pts(&mut l, &[(1.0, 1.0), (f64::INFINITY, 2.0)]);
    assert!(matches!(scan(&l, false), Err(WkbError::NonFinite { .. })));
}

#[test]
fn empties_are_recognised() {
    let mut p = head(1);
    p.extend(f64::NAN.to_le_bytes());
    p.extend(f64::NAN.to_le_bytes());
    assert_eq!(scan(&p, true).unwrap().family, None);
    let mut m = head(6);
    m.extend(0u32.to_le_bytes());
    assert_eq!(scan(&m, true).unwrap().family, None);
}

#[test]
fn collections_of_one_family_become_multis_and_mixed_ones_are_refused() {
    let mut gc = head(7);
    gc.extend(2u32.to_le_bytes());
    let mut a = head(1);
    a.extend(1f64.to_le_bytes());
    a.extend(2f64.to_le_bytes());
    gc.extend(&a);
    gc.extend(&a);
    let s = scan(&gc, true).unwrap();
    assert_eq!(s.family, Some(GeometryFamily::Point));
    let fixed = s.fixed.unwrap();
    assert_eq!(&fixed[1..5], &4u32.to_le_bytes(), "now a MultiPoint");

    let mut mixed = head(7);
    mixed.extend(2u32.to_le_bytes());
    mixed.extend(&a);
    mixed.extend(polygon(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]));
    assert_eq!(scan(&mixed, true), Err(WkbError::Mixed(GeometryFamily::Point, GeometryFamily::Polygon)));
}

#[test]
fn truncated_and_unknown_input_is_refused() {
    let p = polygon(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]);
    assert_eq!(scan(&p[..p.len() - 3], true), Err(WkbError::Truncated));
    assert!(matches!(scan(&head(8), true), Err(WkbError::Unsupported(_))));
    assert_eq!(scan(&[], true), Err(WkbError::Truncated));
}

#[test]
fn big_endian_input_is_read() {
    let mut p = vec![0];
    p.extend(1u32.to_be_bytes());
    p.extend(98.5f64.to_be_bytes());
    p.extend(18.7f64.to_be_bytes());
    let s = scan(&p, true).unwrap();
    assert_eq!(s.bbox, Some([98.5, 18.7, 98.5, 18.7]));
}
