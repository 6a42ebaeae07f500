//! `GET /projects/{slug}/sheet`: a project on one printable A4 page, rendered here without
//! script or tiles — its map and surroundings, facts, Nexus profile with each link's rule and
//! distance, the sector chart, sources and the address of the live page; English or Thai
//! (`?lang=th`, else the browser's language). Drafts only for their city's members.

use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use super::sheet_svg;
use super::sheet_words::Lang;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::ogc::html::esc;
use crate::state::AppState;

/// Links listed on the page; the rest are counted (the page must stay one page).
const MAX_ROWS: usize = 10;
/// Width over height of the printed map.
const MAP_ASPECT: f64 = 186.0 / 88.0;

pub fn router() -> Router<AppState> {
    Router::new().route("/projects/{slug}/sheet", get(sheet))
}

#[derive(Debug, serde::Deserialize)]
struct Asked {
    lang: Option<String>,
}

const STYLE: &str = "@page{size:A4;margin:11mm}*{box-sizing:border-box}\
    body{font:9.5pt/1.35 'DejaVu Sans','Noto Sans Thai','Loma',sans-serif;color:#1f2933;margin:0 auto;max-width:190mm}\
    h1{font-size:15pt;margin:0}h2{font-size:10.5pt;margin:3mm 0 1mm}.sub{color:#52606d;margin:0 0 1mm}\
    dl{display:grid;grid-template-columns:28mm 1fr;gap:.3mm 3mm;margin:1mm 0}dt{color:#52606d}dd{margin:0}\
    .map{width:100%;height:88mm;border:1px solid #cbd2d9;display:block}.note{color:#8a4b00;font-size:8pt;margin:.5mm 0}\
    .cols{display:grid;grid-template-columns:1fr 62mm;gap:4mm}table{border-collapse:collapse;width:100%;font-size:8.3pt}\
    td,th{border-bottom:1px solid #e4e7eb;padding:.6mm 1mm;text-align:left;vertical-align:top}.chart{width:100%}\
    .key{margin-right:3mm;font-size:8pt}.key i{display:inline-block;width:3mm;height:3mm;margin-right:1mm}\
    .sources{font-size:8pt;margin:0;padding-left:4mm}footer{border-top:1px solid #cbd2d9;margin-top:3mm;font-size:8pt;color:#52606d}\
    .desc{margin:1mm 0;max-height:24mm;overflow:hidden}";

async fn sheet(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    Query(asked): Query<Asked>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let drafts = caller.drafts();
    let missing = || ApiError::not_found(format!("no project '{}'", slug.escape_default()));
    let facts = state.store.project_facts(&slug, &drafts).await?.ok_or_else(missing)?;
    let profile = state.store.project_profile(&slug, &drafts).await?.ok_or_else(missing)?;
    let map = state.store.sheet_map(&slug, &drafts, MAP_ASPECT).await?;
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = Lang::pick(asked.lang.as_deref(), accept);
    let live = format!("{}/#city={}&project={slug}", crate::links::base_url(&state, &headers), profile.city);
    let page = Page { facts: &facts, links: &profile.links, slug: &slug, lang, live: &live };
    let body = page.render(map.as_ref(), &profile.sectors);
    Ok(Html(body).into_response())
}

struct Page<'a> {
    facts: &'a Value,
    links: &'a [Value],
    slug: &'a str,
    lang: Lang,
    live: &'a str,
}

impl Page<'_> {
    fn text(&self, key: &str) -> Option<String> {
        self.facts[key].as_str().filter(|s| !s.is_empty()).map(str::to_owned)
    }

    fn words(&self, key: &str) -> String {
        let list = self.facts[key].as_array().cloned().unwrap_or_default();
        list.iter().filter_map(Value::as_str).map(|w| self.lang.word(w)).collect::<Vec<_>>().join(", ")
    }

    fn render(&self, map: Option<&nexus_store::SheetMap>, sectors: &[String]) -> String {
        let l = self.lang;
        let (title, other) = match (l, self.text("title_local")) {
            (Lang::Th, Some(local)) => (local, self.text("title")),
            (_, local) => (self.text("title").unwrap_or_default(), local),
        };
        let city = match (l, self.text("city_name_local")) {
            (Lang::Th, Some(local)) => local,
            _ => self.text("city_name").unwrap_or_default(),
        };
        let mut out = format!(
            "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\"><title>{t} · {sheet}</title>\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{STYLE}</style></head><body>\
             <header><h1>{t}</h1>{sub}<p class=\"sub\">{city} · {status} · {sheet}</p></header>",
            code = l.code(),
            t = esc(&title),
            sheet = esc(&l.word("project_sheet")),
            sub = other.map(|o| format!("<p class=\"sub\">{}</p>", esc(&o))).unwrap_or_default(),
            city = esc(&city),
            status = esc(&l.word(self.facts["status"].as_str().unwrap_or_default())),
        );
        self.facts_list(&mut out);
        let description = match l {
            Lang::Th => self.text("description_local").or_else(|| self.text("description")),
            Lang::En => self.text("description"),
        };
        if let Some(d) = description {
            let _ = write!(out, "<p class=\"desc\">{}</p>", esc(&d));
        }
        if let Some(m) = map {
            out.push_str(&sheet_svg::map(m, self.links, sheet_svg::colour(sectors), sheet_svg::Strokes::Screen));
            let _ = write!(out, "<p class=\"note\">{}", esc(&l.word("map_note")));
            if self.facts["approximate"] == true {
                let _ = write!(out, " {}", esc(&l.word("approximate")));
            }
            out.push_str("</p>");
        }
        let _ = write!(out, "<div class=\"cols\"><section><h2>{}</h2>", esc(&l.word("profile")));
        self.links_table(&mut out);
        let _ = write!(
            out,
            "</section><section><h2>{}</h2>{}<div>{}</div></section></div>",
            esc(&l.word("chart")),
            sheet_svg::chart(self.slug, self.links, l),
            sheet_svg::effects_legend(l)
        );
        self.sources(&mut out);
        let printed = time::OffsetDateTime::now_utc().date();
        let _ = write!(
            out,
            "<footer>{}: <a href=\"{live}\">{live}</a> · {} {printed} · Nexus Atlas</footer></body></html>",
            esc(&l.word("live")),
            esc(&l.word("printed")),
            live = esc(self.live)
        );
        out
    }

    fn facts_list(&self, out: &mut String) {
        let l = self.lang;
        let budget = self.facts["budget"].as_f64().map(|b| {
            let whole = format!("{b:.0}");
            let digits: Vec<char> = whole.chars().collect();
            let grouped: String = digits
                .iter()
                .enumerate()
                .flat_map(|(i, c)| {
                    let sep = i > 0 && (digits.len() - i).is_multiple_of(3);
                    sep.then_some(',').into_iter().chain(std::iter::once(*c))
                })
                .collect();
            format!("{grouped} {}", self.text("currency").unwrap_or_default())
        });
        let dates = [self.text("start_date"), self.text("end_date")].into_iter().flatten().collect::<Vec<_>>();
        let rows = [
            ("sectors", Some(self.words("sectors"))),
            ("dimensions", Some(self.words("dimensions"))),
            ("budget", budget),
            ("dates", (!dates.is_empty()).then(|| dates.join(" – "))),
            ("partners", Some(self.words("partners"))),
        ];
        out.push_str("<dl>");
        for (key, value) in rows {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(&l.word(key)), esc(&v));
            }
        }
        out.push_str("</dl>");
    }

    fn links_table(&self, out: &mut String) {
        let l = self.lang;
        if self.links.is_empty() {
            let _ = write!(out, "<p>{}</p>", esc(&l.word("no_links")));
            return;
        }
        let me = format!("project:{}", self.slug);
        let _ = write!(
            out,
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            esc(&l.word("effect")),
            esc(&l.word("rule")),
            esc(&l.word("with")),
            esc(&l.word("distance"))
        );
        for link in self.links.iter().take(MAX_ROWS) {
            let p = &link["properties"];
            let other = if p["from_ref"] == me.as_str() { &p["to_name"] } else { &p["from_name"] };
            let rule = match l {
                Lang::Th => p["title_th"].as_str().or_else(|| p["title"].as_str()),
                Lang::En => p["title"].as_str(),
            };
            let _ = write!(
                out,
                "<tr data-rule=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{} m</td></tr>",
                esc(p["rule"].as_str().unwrap_or_default()),
                esc(&l.word(p["effect"].as_str().unwrap_or_default())),
                esc(rule.or_else(|| p["rule"].as_str()).unwrap_or_default()),
                esc(other.as_str().unwrap_or_default()),
                p["distance_m"].as_f64().unwrap_or_default().round()
            );
        }
        out.push_str("</table>");
        if self.links.len() > MAX_ROWS {
            let _ =
                write!(out, "<p class=\"note\">+{} {}</p>", self.links.len() - MAX_ROWS, esc(&l.word("more_links")));
        }
    }

    fn sources(&self, out: &mut String) {
        let mut sources: Vec<String> = self.text("source").into_iter().collect();
        for link in self.links {
            if let Some(s) = link["properties"]["source"].as_str() {
                if !sources.iter().any(|x| x == s) && sources.len() < 5 {
                    sources.push(s.to_owned());
                }
            }
        }
        if sources.is_empty() {
            return;
        }
        let _ = write!(out, "<h2>{}</h2><ul class=\"sources\">", esc(&self.lang.word("sources")));
        for s in sources {
            let _ = write!(out, "<li>{}</li>", esc(&s));
        }
        out.push_str("</ul>");
    }
}
