//! Keeps ARCHITECTURE.md's invariants true: which crate may depend on what, where SQL text
//! may appear, and that every Rust file opens with a `//!` line saying what it holds.

use std::path::{Path, PathBuf};

use crate::support::repo_root;

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
    for krate in ["nexus-core", "nexus-ingest", "nexus-server", "nexus-cli"] {
        let deps = normal_dependencies(krate);
        for db in ["tokio-postgres", "deadpool-postgres", "postgres", "sqlx"] {
            assert!(!deps.iter().any(|d| d == db), "only nexus-store talks to PostgreSQL ({krate} uses {db})");
        }
    }
    for krate in ["nexus-core", "nexus-store", "nexus-ingest"] {
        assert!(!normal_dependencies(krate).iter().any(|d| d == "axum"), "only nexus-server knows HTTP ({krate})");
        assert!(!normal_dependencies(krate).iter().any(|d| d == "anyhow"), "anyhow only in the CLI ({krate})");
    }
    let store = normal_dependencies("nexus-store");
    assert!(
        !store.iter().any(|d| d.starts_with("nexus-") && d != "nexus-core"),
        "nexus-store builds on nexus-core only"
    );
}

#[test]
fn sql_text_lives_only_in_nexus_store() {
    let keywords = ["SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE", "DROP TABLE"];
    for krate in ["nexus-core", "nexus-ingest", "nexus-server", "nexus-cli"] {
        for f in rust_files(&repo_root().join("crates").join(krate).join("src")) {
            let text = std::fs::read_to_string(&f).unwrap();
            for k in keywords {
                assert!(!text.contains(k), "{} contains SQL ('{k}'); SQL belongs in nexus-store", f.display());
            }
        }
    }
}
