//! Private scratch folders: uploads on their way in, downloads on their way out, archives
//! expanded for reading. Each is named `nexus-scratch-<purpose>-<pid>-<random>` in the
//! system's temporary folder. A folder is removed when its owner drops it; one whose process
//! was killed is recognised by its dead process id and removed by [`sweep`] at the next start.

use std::io;
use std::path::Path;

const PREFIX: &str = "nexus-scratch-";

/// A new private folder for `purpose` (letters only: `upload`, `download`, `expand`).
///
/// # Errors
/// When the temporary folder cannot be written.
pub fn dir(purpose: &str) -> io::Result<tempfile::TempDir> {
    debug_assert!(purpose.chars().all(|c| c.is_ascii_lowercase()));
    tempfile::Builder::new().prefix(&format!("{PREFIX}{purpose}-{}-", std::process::id())).tempdir()
}

/// What [`sweep`] removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Folders removed.
    pub folders: usize,
    /// Bytes they held.
    pub bytes: u64,
}

/// Removes the scratch folders of processes that no longer run (killed before they could
/// clean up). Folders of live processes, and anything not named like a scratch folder, stay.
pub fn sweep() -> Swept {
    sweep_in(&std::env::temp_dir())
}

fn sweep_in(root: &Path) -> Swept {
    let mut swept = Swept::default();
    // Without /proc nobody can tell a dead owner from a live one: leave everything.
    if !Path::new("/proc/self").exists() {
        return swept;
    }
    let Ok(entries) = std::fs::read_dir(root) else { return swept };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = owner(&name.to_string_lossy()) else { continue };
        if pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        let path = entry.path();
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let bytes = size_of(&path);
        if std::fs::remove_dir_all(&path).is_ok() {
            swept.folders += 1;
            swept.bytes += bytes;
        }
    }
    swept
}

/// The process id in a scratch folder's name.
fn owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let mut parts = rest.splitn(3, '-');
    let purpose = parts.next()?;
    let pid = parts.next()?;
    parts.next()?;
    (!purpose.is_empty() && purpose.chars().all(|c| c.is_ascii_lowercase())).then_some(())?;
    pid.parse().ok()
}

fn size_of(path: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![path.to_path_buf()];
    while let Some(p) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&p) else { continue };
        for e in rd.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(_) => total += e.metadata().map_or(0, |m| m.len()),
                Err(_) => {}
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_their_owner() {
        assert_eq!(owner("nexus-scratch-upload-4242-Ab3xYz"), Some(4242));
        assert_eq!(owner("nexus-scratch-upload-4242"), None);
        assert_eq!(owner("nexus-test-0"), None);
        assert_eq!(owner("nexus-scratch--12-x"), None);
        assert_eq!(owner("nexus-scratch-upload-x-y"), None);
    }

    #[test]
    fn only_folders_of_dead_processes_are_swept() {
        let root = tempfile::tempdir().unwrap();
        // A process id above the kernel's maximum (4,194,304) cannot be running.
        let dead = root.path().join("nexus-scratch-upload-99999999-abc");
        std::fs::create_dir_all(dead.join("inner")).unwrap();
        std::fs::write(dead.join("inner/file.geojson"), b"0123456789").unwrap();
        let alive = root.path().join(format!("nexus-scratch-upload-{}-def", std::process::id()));
        std::fs::create_dir(&alive).unwrap();
        let parent = root.path().join("nexus-scratch-upload-1-ghi");
        std::fs::create_dir(&parent).unwrap();
        let other = root.path().join("nexus-test-99999999");
        std::fs::create_dir(&other).unwrap();
        let swept = sweep_in(root.path());
        assert_eq!(swept, Swept { folders: 1, bytes: 10 });
        assert!(!dead.exists());
        assert!(alive.exists() && other.exists());
        // Process 1 always runs.
        assert!(parent.exists());
    }
}
