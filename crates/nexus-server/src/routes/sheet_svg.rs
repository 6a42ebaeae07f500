//! The printable sheet's pictures as inline SVG: the project's map (from the store's path data,
//! styled by layer kind as the web map styles them) and the sector chart. Text in them is
//! escaped; shapes are numbers PostGIS wrote.

use std::fmt::Write;

use nexus_store::SheetMap;
use serde_json::Value;

use super::sheet_words::Lang;
use crate::ogc::html::esc;

const SECTORS: [(&str, &str); 5] =
    [("water", "#0072B2"), ("energy", "#E69F00"), ("food", "#009E73"), ("waste", "#CC79A7"), ("land", "#8C6D31")];
const EFFECTS: [(&str, &str); 3] = [("synergy", "#009E73"), ("conflict", "#D55E00"), ("constraint", "#E69F00")];

/// Stroke and fill of a layer kind.
fn style(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "waterway" | "water_body" | "water_intake" | "outfall" => ("#0072B2", "#cfe3f3"),
        "boundary" => ("#9aa5b1", "none"),
        "heritage_zone" => ("#8C6D31", "#efe4cc"),
        "road" => ("#b8c0c8", "none"),
        "waste_site" => ("#CC79A7", "#f3dcea"),
        "energy_facility" | "solar_farm" | "biogas_plant" => ("#E69F00", "#fbecc9"),
        "farmland" => ("#009E73", "#d5efe6"),
        _ => ("#7b8794", "#e8ecf0"),
    }
}

/// How a map's lines keep their width: in the browser, `vector-effect` holds them at screen
/// pixels; a picture rendered at `pixels` wide gets widths in map units instead (the
/// rasteriser does not know `vector-effect`).
#[derive(Debug, Clone, Copy)]
pub enum Strokes {
    /// For the page.
    Screen,
    /// For a picture this many pixels wide.
    Picture(u32),
}

/// The map: surroundings, links (dashed, by effect) and the project on top, in `colour`.
pub fn map(m: &SheetMap, links: &[Value], colour: &str, strokes: Strokes) -> String {
    let [x, y, w, h] = m.view_box;
    let r = w / 140.0;
    let (unit, fixed, size) = match strokes {
        Strokes::Screen => (1.0, " vector-effect=\"non-scaling-stroke\"", String::new()),
        Strokes::Picture(px) => {
            (w / f64::from(px), "", format!(" width=\"{px}\" height=\"{:.0}\"", f64::from(px) * h / w))
        }
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\"{size} viewBox=\"{x} {y} {w} {h}\" \
         preserveAspectRatio=\"xMidYMid meet\" role=\"img\">\
         <rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"#f7f7f4\"/>"
    );
    for s in &m.shapes {
        let (stroke, area_fill) = style(&s.kind);
        let fill = if s.family == "area" { area_fill } else { "none" };
        if s.family == "point" {
            let (px, py) = s.svg.split_once(' ').unwrap_or(("0", "0"));
            let _ = write!(out, "<circle cx=\"{px}\" cy=\"{py}\" r=\"{r}\" fill=\"{stroke}\" fill-opacity=\".8\"/>");
        } else {
            let _ = write!(
                out,
                "<path d=\"{}\" fill=\"{fill}\" fill-opacity=\".6\" stroke=\"{stroke}\" stroke-width=\"{}\"{fixed} \
                 fill-rule=\"evenodd\"/>",
                s.svg, unit
            );
        }
    }
    for l in links {
        let effect = l["properties"]["effect"].as_str().unwrap_or_default();
        let c = EFFECTS.iter().find(|(e, _)| *e == effect).map_or("#555", |(_, c)| c);
        if let Some(line) = l["geometry"]["coordinates"].as_array().filter(|_| l["geometry"]["type"] == "LineString") {
            let pts: Vec<String> = line
                .iter()
                .filter_map(|p| Some(mercator(p[0].as_f64()?, p[1].as_f64()?)))
                .map(|(px, py)| format!("{px},{}", -py))
                .collect();
            let _ = write!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"{}\" \
                 stroke-dasharray=\"{} {}\"{fixed}/>",
                pts.join(" "),
                2.0 * unit,
                5.0 * unit,
                3.0 * unit
            );
        }
    }
    for s in &m.project {
        let fill = if s.family == "area" { colour } else { "none" };
        if s.family == "point" {
            let (px, py) = s.svg.split_once(' ').unwrap_or(("0", "0"));
            let _ = write!(
                out,
                "<circle cx=\"{px}\" cy=\"{py}\" r=\"{}\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"{}\"{fixed}/>",
                r * 2.0,
                2.0 * unit
            );
        } else {
            let _ = write!(
                out,
                "<path d=\"{}\" fill=\"{fill}\" fill-opacity=\".25\" stroke=\"{colour}\" stroke-width=\"{}\"{fixed} \
                 fill-rule=\"evenodd\"/>",
                s.svg,
                4.0 * unit
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// Web mercator metres of a longitude and latitude (the links come as WGS 84).
fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    const R: f64 = 6_378_137.0;
    let y = (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln() * R;
    (lon.to_radians() * R, y)
}

/// The project's colour: its first sector's.
pub fn colour(sectors: &[String]) -> &'static str {
    sectors.first().and_then(|s| SECTORS.iter().find(|(k, _)| k == s)).map_or("#555", |(_, c)| c)
}

/// One bar per sector: the project's links whose other end is in it, stacked by effect.
pub fn chart(slug: &str, links: &[Value], lang: Lang) -> String {
    let me = format!("project:{slug}");
    let mut counts = [[0usize; 3]; 5];
    for l in links {
        let p = &l["properties"];
        let other = if p["from_ref"] == me.as_str() { &p["to_sectors"] } else { &p["from_sectors"] };
        let effect = EFFECTS.iter().position(|(e, _)| p["effect"] == *e).unwrap_or(0);
        for (i, (sector, _)) in SECTORS.iter().enumerate() {
            if other.as_array().is_some_and(|a| a.iter().any(|s| s == sector)) {
                counts[i][effect] += 1;
            }
        }
    }
    let most = counts.iter().map(|c| c.iter().sum::<usize>()).max().unwrap_or(0).max(1);
    let mut out = String::from("<svg class=\"chart\" viewBox=\"0 0 300 110\" role=\"img\">");
    for (i, (sector, colour)) in SECTORS.iter().enumerate() {
        let y = 4 + i * 21;
        let _ = write!(
            out,
            "<rect x=\"0\" y=\"{y}\" width=\"6\" height=\"16\" fill=\"{colour}\"/>\
             <text x=\"10\" y=\"{}\" font-size=\"10\">{}</text>",
            y + 12,
            esc(&lang.word(sector))
        );
        let mut x = 110.0;
        for (k, (_, c)) in EFFECTS.iter().enumerate() {
            #[allow(clippy::cast_precision_loss, reason = "counts of links are small")]
            let w = 160.0 * counts[i][k] as f64 / most as f64;
            if w > 0.0 {
                let _ = write!(out, "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"16\" fill=\"{c}\"/>");
            }
            x += w;
        }
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\">{}</text>",
            x + 4.0,
            y + 12,
            counts[i].iter().sum::<usize>()
        );
    }
    out.push_str("</svg>");
    out
}

/// The legend of the chart's colours.
pub fn effects_legend(lang: Lang) -> String {
    EFFECTS
        .iter()
        .map(|(e, c)| format!("<span class=\"key\"><i style=\"background:{c}\"></i>{}</span>", esc(&lang.word(e))))
        .collect()
}
