//! Finding the PostgreSQL server programs (`initdb`, `pg_ctl`, `postgres`).

use std::path::{Path, PathBuf};

/// Where the PostgreSQL server programs are, newest Debian version first, then `PATH`.
///
/// `NEXUS_PG_BINDIR` overrides the search.
pub fn find_bindir() -> Result<PathBuf, Vec<PathBuf>> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("NEXUS_PG_BINDIR") {
        candidates.push(PathBuf::from(dir));
    } else {
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
            .collect();
        versions.sort_by_key(|v| std::cmp::Reverse(v.0));
        candidates.extend(versions.into_iter().map(|(_, p)| p));
        if let Some(path) = std::env::var_os("PATH") {
            candidates.extend(std::env::split_paths(&path));
        }
    }
    candidates.iter().find(|d| has_server_programs(d)).cloned().ok_or(candidates)
}

fn has_server_programs(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"].iter().all(|p| dir.join(p).is_file())
}
