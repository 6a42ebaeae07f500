//! Coordinates as PostGIS 3.3 prints them in GeoJSON.

use bytes::{BufMut, BytesMut};

/// Numbers printed with at most `precision` decimals.
#[derive(Debug, Clone, Copy)]
pub(super) struct Numbers {
    precision: usize,
    scale: f64,
}

impl Numbers {
    pub(super) fn new(precision: u8) -> Numbers {
        let precision = precision.min(15);
        Numbers { precision: usize::from(precision), scale: 10f64.powi(i32::from(precision)) }
    }

    /// A coordinate as PostGIS 3.3 prints it: rounded to `precision` decimals, without
    /// trailing zeros, never `-0`; a magnitude of 1e-8 or less (or 1e15 and more) as a
    /// mantissa to `precision` decimals and an exponent.
    pub(super) fn write(self, out: &mut BytesMut, v: f64) {
        let a = v.abs();
        if a == 0.0 {
            out.put_u8(b'0');
            return;
        }
        if a > 1e-8 && a < 1e15 {
            let y = a * self.scale;
            if y < 9.0e15 {
                // Far from a half, rounding the product rounds the number the same way: the
                // product and the shortest decimal of `v` are each within y * 2^-53 of the
                // exact value times the scale. Near a half, `slow` decides.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "0 <= y < 2^53")]
                let whole = y as u64;
                #[allow(clippy::cast_precision_loss, reason = "whole < 2^53")]
                let frac = y - whole as f64;
                if (frac - 0.5).abs() > y * 1e-15 {
                    self.fixed(out, whole + u64::from(frac > 0.5), v < 0.0);
                    return;
                }
            }
        }
        self.slow(out, v);
    }

    /// `r` with `precision` of its digits after the point, trailing zeros dropped.
    fn fixed(self, out: &mut BytesMut, r: u64, negative: bool) {
        if r == 0 {
            out.put_u8(b'0');
            return;
        }
        // Its digits, the units first; places past the last digit are zeros.
        let (mut digits, mut n, mut rest) = ([0u8; 20], 0, r);
        while rest > 0 {
            #[allow(clippy::cast_possible_truncation, reason = "a digit")]
            let d = (rest % 10) as u8;
            digits[n] = d;
            (rest, n) = (rest / 10, n + 1);
        }
        let p = self.precision;
        let digit = |i: usize| if i < n { b'0' + digits[i] } else { b'0' };
        let mut text = [0u8; 40];
        let mut len = 0;
        let mut push = |b: u8| {
            text[len] = b;
            len += 1;
        };
        if negative {
            push(b'-');
        }
        if n > p {
            (p..n).rev().for_each(|i| push(digit(i)));
        } else {
            push(b'0');
        }
        if let Some(lowest) = (0..p.min(n)).find(|&i| digits[i] != 0) {
            push(b'.');
            (lowest..p).rev().for_each(|i| push(digit(i)));
        }
        out.put_slice(&text[..len]);
    }

    /// The slow way, for numbers near a half and for the magnitudes PostGIS writes with an
    /// exponent: PostGIS 3.3 rounds the shortest decimal that reads back as `v` (not its exact
    /// binary value), ties to even, so 1.0000005 is written 1 and 1.0000015 is 1.000002.
    fn slow(self, out: &mut BytesMut, v: f64) {
        let shortest = format!("{:e}", v.abs());
        let (mantissa, exp) = shortest.split_once('e').unwrap_or((&shortest, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).map(|d| d - b'0').collect();
        let a = v.abs();
        let p = i32::try_from(self.precision).unwrap_or(15);
        let text = if a <= 1e-8 || a >= 1e15 {
            // d.ddd to `precision` decimals, then the exponent; a mantissa rounded up to 10
            // stays 10 (PostGIS writes 9.9999995e-9 as 10e-9).
            let m = rounded(&digits, 0, p);
            let sign = if exp < 0 { "-" } else { "+" };
            format!("{m}e{sign}{}", exp.unsigned_abs())
        } else {
            rounded(&digits, exp, p)
        };
        if v < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
            out.put_u8(b'-');
        }
        out.put_slice(text.as_bytes());
    }
}

/// The decimal `0.d1d2d3… × 10^(exp + 1)` (`d1` in the place of `10^exp`) rounded to
/// `precision` decimals, ties to even, without trailing zeros.
fn rounded(digits: &[u8], exp: i32, precision: i32) -> String {
    // How many of the digits stay: from d1's place down to 10^-precision.
    let Ok(keep) = usize::try_from(exp + precision + 1) else { return "0".into() };
    let mut kept: Vec<u8> = (0..keep).map(|i| digits.get(i).copied().unwrap_or(0)).collect();
    if let Some(&first) = digits.get(keep) {
        let beyond = digits.get(keep + 1..).is_some_and(|t| t.iter().any(|&d| d != 0));
        let odd = keep > 0 && kept[keep - 1] % 2 == 1;
        if first > 5 || (first == 5 && (beyond || odd)) {
            let mut i = kept.len();
            loop {
                if i == 0 {
                    kept.insert(0, 1);
                    break;
                }
                i -= 1;
                if kept[i] == 9 {
                    kept[i] = 0;
                } else {
                    kept[i] += 1;
                    break;
                }
            }
        }
    }
    let p = usize::try_from(precision).unwrap_or(0);
    while kept.len() < p + 1 {
        kept.insert(0, 0);
    }
    let (int, frac) = kept.split_at(kept.len() - p);
    let frac_len = frac.iter().rposition(|&d| d != 0).map_or(0, |i| i + 1);
    let mut s: String = int.iter().skip_while(|&&d| d == 0).map(|d| char::from(b'0' + d)).collect();
    if s.is_empty() {
        s.push('0');
    }
    if frac_len > 0 {
        s.push('.');
        s.extend(frac[..frac_len].iter().map(|d| char::from(b'0' + d)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: f64, precision: u8) -> String {
        let mut out = BytesMut::new();
        Numbers::new(precision).write(&mut out, v);
        String::from_utf8(out.to_vec()).unwrap_or_default()
    }

    #[test]
    fn numbers_are_written_as_postgis_writes_them() {
        // Each pair was printed by ST_AsGeoJSON(ST_MakePoint(v, 0), 6) on PostGIS 3.3.2.
        for (v, want) in [
            (101.08012, "101.08012"),
            (101.999_999_9, "102"),
            (-0.000_000_1, "0"),
            (1e-13, "1e-13"),
            (1e-9, "1e-9"),
            (1.5e-8, "0"),
            (5.1e-7, "0.000001"),
            (-5.1e-7, "-0.000001"),
            (0.007_812_5, "0.007812"),
            (0.023_437_5, "0.023438"),
            (1.000_000_5, "1"),
            (1.000_001_5, "1.000002"),
            (1.000_002_5, "1.000002"),
            (0.999_999_5, "1"),
            (0.000_000_5, "0"),
            (0.000_001_5, "0.000002"),
            (9.999_999_5e-9, "10e-9"),
            (7.450_580_596_923_828e-9, "7.450581e-9"),
            (2.5, "2.5"),
            (-0.0, "0"),
            (-6.123_456_4, "-6.123456"),
        ] {
            assert_eq!(text(v, 6), want, "{v}");
        }
        assert_eq!(text(2.5, 0), "2");
        assert_eq!(text(99.5, 0), "100");
        assert_eq!(text(100.5, 0), "100");
        assert_eq!(text(2.675, 2), "2.68");
        assert_eq!(text(1.25e-9, 1), "1.2e-9");
        assert_eq!(text(12_345_678_901_234_567.0, 6), "1.234568e+16");
    }
}
