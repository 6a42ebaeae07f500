//! Reading the showcased solutions file (`data/solutions.toml`).

use std::path::Path;

use anyhow::anyhow;
use nexus_core::SolutionSet;

/// Reads and validates a solutions file.
///
/// # Errors
/// When the file cannot be read, is not valid TOML of the solutions' shape (the line is
/// named), or a solution lacks its title, description, source or sectors.
pub fn read(path: &Path) -> anyhow::Result<SolutionSet> {
    let set: SolutionSet = crate::rules::read_toml(path, "solutions")?;
    set.validate().map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok(set)
}

#[cfg(test)]
mod tests {
    use nexus_core::ProjectCollection;

    /// The four kinds of work the programme showed, each with its source; every project a
    /// solution names is in `data/projects.geojson`, and none of them is placed by the
    /// solution itself.
    #[test]
    fn the_shipped_solutions_are_the_four_kinds_of_work() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        let set = super::read(&root.join("solutions.toml")).unwrap();
        let slugs: Vec<&str> = set.solution.iter().map(|s| s.slug.as_str()).collect();
        assert_eq!(
            slugs,
            [
                "wwtp-rehabilitation",
                "mae-kha-canal-rehabilitation",
                "new-solid-waste-site",
                "health-centre-energy-efficiency"
            ]
        );
        let text = std::fs::read_to_string(root.join("projects.geojson")).unwrap();
        let projects = ProjectCollection::from_geojson(&text).unwrap().0;
        for s in &set.solution {
            assert!(!s.source.is_empty());
            for p in &s.projects {
                assert!(projects.iter().any(|x| x.slug == *p), "{}: project {p} is not in projects.geojson", s.slug);
            }
            // Without a project in a named city, the solution must say the source names none.
            if s.projects.is_empty() {
                assert!(s.note.as_deref().is_some_and(|n| n.contains("does not say")), "{}", s.slug);
            }
        }
    }

    #[test]
    fn a_broken_file_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("solutions.toml");
        std::fs::write(&path, "[[solution]]\nslug = \"a\"\ntitle = \"T\"\ncolour = \"red\"\n").unwrap();
        let e = super::read(&path).unwrap_err().to_string();
        assert!(e.contains("line 4") || e.contains("colour"), "{e}");
    }
}
