//! Thread B of an ingest: checks what the reader read, in order (finite, in range, one
//! geometry family, rings closed; GEOS validity), and forwards the rows that can be loaded.

use gdal::vector::Geometry;
use nexus_core::GeometryFamily;
use nexus_service::gis::Action;
use tokio::sync::mpsc;

use crate::gdal_errors;
use crate::geos::Validity;
use crate::rows::{Msg, Raw, RawMsg, ReadOptions, ReadOutcome, Row};
use crate::wkb;

/// Thread B: checks what thread A read (in order), forwarding loadable rows to the writer.
/// Once a feature is refused nothing more is forwarded, but checking goes on so the report
/// lists every problem.
pub fn check_all(mut rx: mpsc::Receiver<RawMsg>, tx: &mpsc::Sender<Msg>, opts: &ReadOptions) -> ReadOutcome {
    let mut out = ReadOutcome { family: opts.family, ..ReadOutcome::default() };
    let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    let mut writer_gone = false;
    let geos = Validity::new();
    let mut crs: Option<String> = None;
    while let Some(msg) = rx.blocking_recv() {
        let raws = match msg {
            RawMsg::Opened(o) => {
                out.family = out.family.or(o.declared);
                crs.clone_from(&o.source_crs);
                writer_gone |= tx.blocking_send(Msg::Opened(o)).is_err();
                continue;
            }
            RawMsg::Rows(r) => r,
        };
        let mut rows = Vec::with_capacity(raws.len());
        for raw in raws {
            out.counts.read += 1;
            if let Some(row) = check(raw, opts, crs.as_deref(), geos.as_ref(), &mut out) {
                if out.counts.refused == 0 {
                    if let Some(b) = row.1 {
                        bbox = [bbox[0].min(b[0]), bbox[1].min(b[1]), bbox[2].max(b[2]), bbox[3].max(b[3])];
                    }
                    rows.push(row.0);
                }
            }
        }
        if out.counts.refused == 0 && !rows.is_empty() && !writer_gone {
            writer_gone |= tx.blocking_send(Msg::Rows(rows)).is_err();
        }
    }
    out.bbox = (bbox[0] <= bbox[2]).then_some(bbox);
    out
}

fn check(
    raw: Raw,
    opts: &ReadOptions,
    crs: Option<&str>,
    geos: Option<&Validity>,
    out: &mut ReadOutcome,
) -> Option<(Row, Option<[f64; 4]>)> {
    let n = raw.n;
    let Some(bytes) = raw.wkb else {
        if opts.drop_empty {
            out.push(n, "the feature has no geometry".into(), Action::Dropped);
        } else {
            out.push(
                n,
                "the feature has no geometry (use --drop-empty to leave such features out)".into(),
                Action::Refused,
            );
        }
        return None;
    };
    if raw.transform_failed {
        out.push(
            n,
            format!(
                "its coordinates cannot be converted from {} to longitude/latitude (are they in that coordinate system?)",
                crs.unwrap_or("the source coordinate system")
            ),
            Action::Refused,
        );
        return None;
    }
    let scan = match wkb::scan(&bytes, true) {
        Ok(s) => s,
        Err(e) => {
            out.push(n, e.to_string(), Action::Refused);
            return None;
        }
    };
    let Some(family) = scan.family else {
        out.push(n, "the feature has no geometry".into(), Action::Refused);
        return None;
    };
    match out.family {
        Some(f) if f != family => {
            out.push(n, format!("it is a {family} in a {f} layer; a layer holds one geometry type"), Action::Refused);
            return None;
        }
        _ => out.family = Some(family),
    }
    for fix in &scan.fixes {
        out.push(n, fix.clone(), Action::Repaired);
    }
    let bytes = scan.fixed.unwrap_or(bytes);
    let valid = family == GeometryFamily::Point
        || match geos {
            Some(v) => v.is_valid(&bytes),
            // No GEOS context of our own (out of memory): ask through GDAL.
            None => {
                let valid =
                    gdal_errors::install().is_ok() && Geometry::from_wkb(&bytes).map(|g| g.is_valid()).unwrap_or(false);
                gdal_errors::clear();
                valid
            }
        };
    Some((Row { n, wkb: bytes, props: raw.props, valid }, scan.bbox))
}
