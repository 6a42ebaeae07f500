//! Keeps ARCHITECTURE.md's invariants true: which crate may depend on what, where SQL text
//! may appear, and that every Rust file opens with a `//!` line saying what it holds.

use std::path::{Path, PathBuf};

use crate::support::{generated, repo_root};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

fn normal_dependencies(krate: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("crates").join(krate).join("Cargo.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    doc.get("dependencies").and_then(|d| d.as_table()).map(|t| t.keys().cloned().collect()).unwrap_or_default()
}

#[test]
fn every_rust_file_says_what_it_holds() {
    for f in rust_files(&repo_root().join("crates")) {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.starts_with("//!"), "{} must start with a //! line", f.display());
    }
}

#[test]
fn crate_dependencies_point_one_way() {
    let core = normal_dependencies("nexus-core");
    for banned in ["tokio", "tokio-postgres", "gdal", "axum", "nexus-store", "nexus-server", "nexus-ingest"] {
        assert!(!core.iter().any(|d| d == banned), "nexus-core must not depend on {banned}");
    }
    for krate in ["nexus-core", "nexus-store", "nexus-server", "nexus-cli"] {
        assert!(!normal_dependencies(krate).iter().any(|d| d == "gdal"), "only nexus-ingest links GDAL ({krate} does)");
    }
    for krate in ["nexus-core", "nexus-service", "nexus-ingest", "nexus-server", "nexus-cli"] {
        let deps = normal_dependencies(krate);
        for db in ["tokio-postgres", "deadpool-postgres", "postgres", "sqlx"] {
            assert!(!deps.iter().any(|d| d == db), "only nexus-store talks to PostgreSQL ({krate} uses {db})");
        }
    }
    for krate in ["nexus-core", "nexus-store", "nexus-service", "nexus-ingest"] {
        assert!(!normal_dependencies(krate).iter().any(|d| d == "axum"), "only nexus-server knows HTTP ({krate})");
        assert!(!normal_dependencies(krate).iter().any(|d| d == "anyhow"), "anyhow only in the CLI ({krate})");
    }
    let service = normal_dependencies("nexus-service");
    assert!(
        service.iter().filter(|d| d.starts_with("nexus-")).all(|d| d == "nexus-core" || d == "nexus-store"),
        "nexus-service builds on nexus-core and nexus-store only: {service:?}"
    );
    let store = normal_dependencies("nexus-store");
    assert!(
        !store.iter().any(|d| d.starts_with("nexus-") && d != "nexus-core"),
        "nexus-store builds on nexus-core only"
    );
}

#[test]
fn sql_text_lives_only_in_nexus_store() {
    let keywords = ["SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE", "DROP TABLE"];
    for krate in ["nexus-core", "nexus-service", "nexus-ingest", "nexus-server", "nexus-cli"] {
        for f in rust_files(&repo_root().join("crates").join(krate).join("src")) {
            let text = std::fs::read_to_string(&f).unwrap();
            for k in keywords {
                assert!(!text.contains(k), "{} contains SQL ('{k}'); SQL belongs in nexus-store", f.display());
            }
        }
    }
}

/// The packages `package` needs to build and run (normal dependencies, followed to the end:
/// what `cargo tree -e normal` shows), by name.
fn normal_closure(package: &str) -> std::collections::BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let rustc = std::process::Command::new("rustc").arg("-vV").output().unwrap();
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .unwrap();
    // This machine's platform only: the others' crates are never downloaded here.
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", &host])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let name_of = |id: &str| -> String {
        meta["packages"].as_array().unwrap().iter().find(|p| p["id"] == id).unwrap()["name"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let nodes = meta["resolve"]["nodes"].as_array().unwrap();
    let start = nodes.iter().find(|n| name_of(n["id"].as_str().unwrap()) == package).unwrap()["id"].clone();
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = vec![start];
    while let Some(id) = todo.pop() {
        let node = nodes.iter().find(|n| n["id"] == id).unwrap();
        for dep in node["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null());
            if normal && seen.insert(name_of(dep["pkg"].as_str().unwrap())) {
                todo.push(dep["pkg"].clone());
            }
        }
    }
    seen
}

#[test]
fn gdal_stays_behind_its_door() {
    for krate in ["nexus-server", "nexus-service", "nexus-store", "nexus-core"] {
        let needs = normal_closure(krate);
        for gdal in ["gdal", "gdal-sys", "nexus-ingest"] {
            assert!(!needs.contains(gdal), "{krate} must not need {gdal}, even through another crate");
        }
    }
    // The check can fail: the binary does link GDAL.
    assert!(normal_closure("nexus-cli").contains("gdal-sys"));
}

/// A crate's modules (`a::b`, the root is `""`) and the modules each one refers to.
fn module_graph(krate: &str) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let src = repo_root().join("crates").join(krate).join("src");
    let module_of = |f: &Path| -> String {
        let rel = f.strip_prefix(&src).unwrap().with_extension("");
        let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let parts: Vec<&str> = match parts.last().map(String::as_str) {
            Some("mod" | "lib" | "main") => parts[..parts.len() - 1].iter().map(String::as_str).collect(),
            _ => parts.iter().map(String::as_str).collect(),
        };
        parts.join("::")
    };
    // Binaries under src/bin are crates of their own.
    let files: Vec<PathBuf> = rust_files(&src).into_iter().filter(|f| !f.starts_with(src.join("bin"))).collect();
    let modules: std::collections::BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    let mut graph = std::collections::BTreeMap::new();
    for f in &files {
        let me = module_of(f);
        let text = std::fs::read_to_string(f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let mut refs = std::collections::BTreeSet::new();
        let parent = me.rsplit_once("::").map_or(String::new(), |(p, _)| p.to_owned());
        let children: Vec<&String> = modules
            .iter()
            .filter(|m| m.rsplit_once("::").map_or("", |(p, _)| p) == me && !m.is_empty() && **m != me)
            .collect();
        for line in code.lines().map(str::trim) {
            if line.starts_with("//")
                || line.starts_with("mod ")
                || line.starts_with("pub mod ")
                || line.starts_with("pub use")
            {
                continue;
            }
            for (prefix, base) in [("crate::", String::new()), ("super::", parent.clone())] {
                for (i, _) in line.match_indices(prefix) {
                    let rest = &line[i + prefix.len()..];
                    let group = rest.strip_prefix('{').map(|g| g.split('}').next().unwrap_or_default());
                    let paths: Vec<&str> = group.map_or_else(|| vec![rest], |g| g.split(',').collect());
                    for p in paths {
                        let segs: Vec<&str> = p
                            .trim()
                            .split("::")
                            .map(|s| s.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_'))
                            .take_while(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'))
                            .collect();
                        let mut target = None;
                        for n in (0..=segs.len()).rev() {
                            let mut full: Vec<&str> = if base.is_empty() { vec![] } else { base.split("::").collect() };
                            full.extend(&segs[..n]);
                            let m = full.join("::");
                            if modules.contains(&m) {
                                target = Some(m);
                                break;
                            }
                        }
                        if let Some(t) = target.filter(|t| *t != me && !t.starts_with(&format!("{me}::"))) {
                            refs.insert(t);
                        }
                    }
                }
            }
            // A parent reaching into a child by a relative path (`tilejson::handler`).
            for c in &children {
                let name = c.rsplit("::").next().unwrap_or(c);
                let at = line.find(&format!("{name}::"));
                if at.is_some_and(|i| {
                    i == 0 || !line[..i].ends_with(|ch: char| ch.is_alphanumeric() || ch == '_' || ch == ':')
                }) {
                    refs.insert((*c).clone());
                }
            }
        }
        graph.insert(me, refs);
    }
    graph
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mut circles = Vec::new();
    for krate in ["nexus-core", "nexus-store", "nexus-service", "nexus-ingest", "nexus-server", "nexus-cli"] {
        let graph = module_graph(krate);
        for (m, refs) in &graph {
            // Every module reachable from `m`: if `m` is among them, there is a circle.
            let mut seen = std::collections::BTreeSet::new();
            let mut todo: Vec<&String> = refs.iter().collect();
            while let Some(n) = todo.pop() {
                if seen.insert(n.clone()) {
                    todo.extend(graph.get(n).into_iter().flatten());
                }
            }
            if seen.contains(m) {
                circles.push(format!("{krate}: '{m}' imports {refs:?}, which lead back to it"));
            }
        }
    }
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}

/// `web/src/vocab.gen.ts` as nexus-core's vocabularies make it.
fn web_vocabulary() -> String {
    use nexus_core::{
        CommentStatus, Dimension, Effect, GeometryFamily, LayerKind, ProjectStatus, Role, Sector, Stance, Visibility,
    };
    fn list(name: &str, ty: &str, words: &[&str]) -> String {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        format!(
            "export const {name} = [{}] as const;\nexport type {ty} = (typeof {name})[number];\n",
            quoted.join(", ")
        )
    }
    [
        "// The vocabularies of nexus-core, generated by its tidy test; do not edit. To regenerate after\n\
         // changing them in Rust: NEXUS_BLESS=1 cargo test -p nexus-cli --test it tidy::web_vocabulary\n"
            .to_owned(),
        list("SECTORS", "Sector", &Sector::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
        list("DIMENSIONS", "Dimension", &Dimension::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
        list("STATUSES", "ProjectStatus", &ProjectStatus::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
        list("EFFECTS", "Effect", &Effect::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
        list("VISIBILITIES", "Visibility", &Visibility::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
        list(
            "GEOMETRY_FAMILIES",
            "GeometryFamily",
            &GeometryFamily::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
        ),
        list("LAYER_KINDS", "LayerKind", &LayerKind::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
        list("PROJECT_KINDS", "ProjectKind", &LayerKind::PROJECT_KINDS.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
        list("ROLES", "Role", &Role::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
        list("STANCES", "Stance", &Stance::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
        list("COMMENT_STATUSES", "CommentStatus", &CommentStatus::ALL.iter().map(|x| x.as_str()).collect::<Vec<_>>()),
    ]
    .join("\n")
}

#[test]
fn web_vocabulary_is_generated_from_nexus_core() {
    generated("web/src/vocab.gen.ts", &web_vocabulary(), "tidy::web_vocabulary");
}
