//! Reading the Nexus rules file (`data/nexus-rules.toml`).

use std::path::Path;

use anyhow::{anyhow, Context};
use nexus_core::RuleSet;

/// Reads and validates a rules file.
///
/// # Errors
/// When the file cannot be read, is not valid TOML of the rules' shape (the line is named),
/// or a rule breaks the rules for rules.
pub fn read(path: &Path) -> anyhow::Result<RuleSet> {
    let set: RuleSet = read_toml(path, "rules")?;
    set.validate().map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok(set)
}

/// A TOML file of `T`'s shape; a mistake names the file, the line and what is wrong.
///
/// # Errors
/// When the file cannot be read or is not valid TOML of that shape.
pub fn read_toml<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].lines().count().max(1));
        anyhow!("{} is not a valid {what} file (line {line}: {})", path.display(), e.message().trim())
    })
}

#[cfg(test)]
mod tests {
    use nexus_core::{Effect, LayerKind};

    #[test]
    fn the_shipped_rules_are_the_fifteen_sourced_defaults() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/nexus-rules.toml");
        let set = super::read(&path).unwrap();
        assert_eq!(set.rules.len(), 15);
        let first = &set.rules[0];
        assert_eq!((first.distance_m, first.effect, first.weight), (500.0, Effect::Conflict, 3));
        assert!(first.from.kinds.contains(&LayerKind::WasteSite) && first.to.kinds.contains(&LayerKind::Waterway));
        let heritage = set.rules.iter().find(|r| r.id == "heritage").unwrap();
        assert_eq!((heritage.distance_m, heritage.effect), (0.0, Effect::Constraint));
        assert!(set.rules.iter().all(|r| !r.source.is_empty() && !r.rationale.is_empty()));
        assert_eq!(set.grid.hex_size_m, 500.0);
    }

    #[test]
    fn a_broken_file_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.toml");
        std::fs::write(&path, "[[rule]]\nid = \"x\"\ntitle = \"t\"\nweight = \"heavy\"\n").unwrap();
        let err = super::read(&path).unwrap_err().to_string();
        assert!(err.contains("line 4"), "{err}");
    }
}
