//! Comments as CSV for a council report: one row per comment, a header naming the columns,
//! quoted as RFC 4180 says. A cell that a spreadsheet would read as a formula (`=`, `+`, `-`,
//! `@` first) is written with a leading `'`, so opening the file runs nothing.

use nexus_store::CommentRow;

const HEADER: [&str; 12] = [
    "id",
    "project",
    "project_title",
    "created_at",
    "name",
    "stance",
    "text",
    "status",
    "reply",
    "replied_at",
    "lon",
    "lat",
];

fn cell(out: &mut String, value: &str) {
    let inert = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { "'" } else { "" };
    if value.contains([',', '"', '\n', '\r']) || !inert.is_empty() {
        out.push('"');
        out.push_str(inert);
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn time(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The rows as a CSV file (UTF-8 with a byte-order mark, which spreadsheets need to read Thai).
pub fn csv(rows: &[CommentRow]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&HEADER.join(","));
    out.push_str("\r\n");
    for r in rows {
        let coord = |i: usize| {
            r.point.as_ref().and_then(|p| p["coordinates"][i].as_f64()).map(|v| v.to_string()).unwrap_or_default()
        };
        let cells = [
            r.id.to_string(),
            r.project.clone(),
            r.project_title.clone().unwrap_or_default(),
            time(r.created_at),
            r.name.clone().unwrap_or_default(),
            r.stance.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            r.text.clone(),
            r.status.as_str().to_owned(),
            r.reply.clone().unwrap_or_default(),
            r.replied_at.map(time).unwrap_or_default(),
            coord(0),
            coord(1),
        ];
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            cell(&mut out, c);
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_made_inert() {
        let mut out = String::new();
        cell(&mut out, "plain");
        out.push('|');
        cell(&mut out, "a, \"b\"\nc");
        out.push('|');
        cell(&mut out, "=HYPERLINK(\"x\")");
        assert_eq!(out, "plain|\"a, \"\"b\"\"\nc\"|\"'=HYPERLINK(\"\"x\"\")\"");
    }
}
