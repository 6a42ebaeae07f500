//! Files stay small and functions short (issue 11): no source file over 400 lines, no Rust
//! function over 100 (generated code and SQL migrations aside). A long one is a sign that it
//! holds two things; split it where they part.

use std::path::{Path, PathBuf};

use crate::support::repo_root;

const MAX_FILE_LINES: usize = 400;
const MAX_FN_LINES: usize = 100;

/// Files under `dir` whose name ends with one of `endings`, generated ones left out.
fn files(dir: &Path, endings: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() && name != "node_modules" && name != "dist" {
                stack.push(p);
            } else if endings.iter().any(|x| name.ends_with(x)) && !name.contains(".gen.") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every Rust function of `text` as (name, first line, lines), found the way rustfmt lays
/// them out: a `fn` line, and the body closed by a `}` at the same indentation.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let head = ["pub(crate) ", "pub(super) ", "pub ", "async ", "const ", "unsafe "]
            .iter()
            .fold(trimmed, |t, p| t.strip_prefix(p).unwrap_or(t));
        let head = head.strip_prefix("async ").unwrap_or(head);
        if let Some(rest) = head.strip_prefix("fn ") {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let close = format!("{}}}", " ".repeat(indent));
            // A declaration without a body (in a trait) ends with `;` before any `{`.
            let body = lines[i..].iter().position(|l| l.trim_end().ends_with('{') || l.trim_end().ends_with(';'));
            if body.is_some_and(|b| lines[i + b].trim_end().ends_with('{')) {
                if let Some(end) = lines[i + 1..].iter().position(|l| l.trim_end() == close) {
                    out.push((name, i + 1, end + 2));
                    i += end + 1;
                }
            }
        }
        i += 1;
    }
    out
}

#[test]
fn no_source_file_is_over_400_lines() {
    let root = repo_root();
    let mut long = Vec::new();
    for f in files(&root.join("crates"), &[".rs"]).into_iter().chain(files(&root.join("web/src"), &[".ts"])) {
        let n = std::fs::read_to_string(&f).unwrap().lines().count();
        if n > MAX_FILE_LINES {
            long.push(format!("{} has {n} lines", f.strip_prefix(&root).unwrap().display()));
        }
    }
    assert!(long.is_empty(), "files over {MAX_FILE_LINES} lines:\n{}", long.join("\n"));
}

#[test]
fn no_rust_function_is_over_100_lines() {
    let root = repo_root();
    let mut long = Vec::new();
    for f in files(&root.join("crates"), &[".rs"]) {
        for (name, at, n) in functions(&std::fs::read_to_string(&f).unwrap()) {
            if n > MAX_FN_LINES {
                long.push(format!("{}:{at} fn {name} has {n} lines", f.strip_prefix(&root).unwrap().display()));
            }
        }
    }
    assert!(long.is_empty(), "functions over {MAX_FN_LINES} lines:\n{}", long.join("\n"));
}

#[test]
fn functions_are_measured_from_fn_to_its_closing_brace() {
    let text =
        "fn a() {\n    x();\n}\n\npub async fn b(\n    y: u8,\n) -> u8 {\n    y\n}\ntrait T {\n    fn c(&self);\n}\n";
    assert_eq!(functions(text), [("a".to_owned(), 1, 3), ("b".to_owned(), 5, 5)]);
}

#[test]
fn mod_rs_files_hold_declarations() {
    // A module's `mod.rs` says what the module is and what it holds (its children, its
    // re-exports, at most the table of its routes); the logic lives in files named for it.
    let mut offenders = Vec::new();
    for f in files(&repo_root().join("crates"), &["/mod.rs", "mod.rs"]) {
        let path = f.to_string_lossy();
        if !f.ends_with("mod.rs") || !path.contains("/src/") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for line in text.lines() {
            let l = line.trim_start();
            let code = [
                "fn ",
                "pub fn ",
                "pub(crate) fn ",
                "async fn ",
                "pub async fn ",
                "impl ",
                "impl<",
                "struct ",
                "pub struct ",
                "enum ",
                "pub enum ",
            ];
            if code.iter().any(|c| l.starts_with(c)) && !(l.starts_with("pub fn ") && l.contains("router(")) {
                offenders.push(format!("{}: {line}", f.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "logic in mod.rs files (move it to a file named for it):\n{}", offenders.join("\n"));
}
