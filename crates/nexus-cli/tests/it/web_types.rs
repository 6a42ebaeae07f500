//! `web/src/api-{catalog,nexus,session}.gen.ts`: the TypeScript types of the API's answers,
//! made from the Rust types that serialize them (ts-rs), so the web map cannot drift from the
//! server. The vocabularies they use come from `vocab.gen.ts` (the tidy test makes that one).

use ts_rs::{Config, TS};

use crate::support::generated;

/// One exported declaration of `T`.
fn decl<T: TS>(cfg: &Config) -> String {
    let docs = T::docs().map(|d| format!("{}\n", d.trim_end())).unwrap_or_default();
    let decl = T::decl(cfg);
    let lines: Vec<&str> = decl.lines().map(str::trim_end).collect();
    format!("{docs}export {}\n", lines.join("\n"))
}

/// A generated file: its header, the vocabularies it uses, and its declarations.
fn file(vocab: &str, decls: &[String]) -> String {
    let head = format!(
        "// The API's types, made from the Rust types that serialize them; do not edit. To regenerate\n\
         // after changing them in Rust: NEXUS_BLESS=1 cargo test -p nexus-cli --test it web_types\n\
         import type {{ {vocab} }} from './vocab.gen';\n"
    );
    std::iter::once(head).chain(decls.iter().cloned()).collect::<Vec<_>>().join("\n")
}

#[test]
fn web_types_are_generated_from_the_rust_types() {
    use nexus_core::{City, FieldDef, FieldType, GridSettings, Layer, Override, Rule, RuleSet, RuleSource, Selector};
    // Counts and revisions are i64 in Rust and far below 2^53: plain numbers in JSON.
    let cfg = Config::new().with_large_int("number");
    let catalog = [
        decl::<City>(&cfg),
        decl::<nexus_server::Basemap>(&cfg),
        decl::<nexus_server::Settings>(&cfg),
        decl::<FieldType>(&cfg),
        decl::<FieldDef>(&cfg),
        decl::<Layer>(&cfg),
        decl::<nexus_store::SearchHit>(&cfg),
        decl::<nexus_store::ProjectAnswer>(&cfg),
    ];
    let nexus = [
        decl::<Selector>(&cfg),
        decl::<Override>(&cfg),
        decl::<Rule>(&cfg),
        decl::<GridSettings>(&cfg),
        decl::<RuleSource>(&cfg),
        decl::<RuleSet>(&cfg),
        decl::<nexus_store::Reach>(&cfg),
        decl::<nexus_store::Checked>(&cfg),
        decl::<nexus_store::TouchedLayer>(&cfg),
        decl::<nexus_store::ProjectProfile>(&cfg),
        decl::<nexus_store::CitySummary>(&cfg),
    ];
    let session = [
        decl::<nexus_store::Via>(&cfg),
        decl::<nexus_server::SessionRole>(&cfg),
        decl::<nexus_server::SessionUser>(&cfg),
        decl::<nexus_server::SessionAnswer>(&cfg),
    ];
    generated(
        "web/src/api-catalog.gen.ts",
        &file("Dimension, GeometryFamily, LayerKind, ProjectKind, ProjectStatus, Sector, Visibility", &catalog),
        "web_types",
    );
    generated("web/src/api-nexus.gen.ts", &file("Effect, LayerKind, Sector", &nexus), "web_types");
    generated("web/src/api-session.gen.ts", &file("Role", &session), "web_types");
}
