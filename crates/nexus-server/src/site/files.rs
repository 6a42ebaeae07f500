//! The site's folder: written in full beside its destination, then moved into place, so a
//! failed export leaves the last good site (or nothing) there, never half of one.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::error::SiteError;

/// The site's own description, which also marks a folder as an exported site.
pub const MANIFEST: &str = "static/site.json";

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> SiteError + 'a {
    move |source| SiteError::Io { what, path: path.to_owned(), source }
}

/// A folder beside the destination that becomes the site when complete (and is removed if
/// it never does).
pub struct Stage {
    dir: tempfile::TempDir,
}

impl Stage {
    /// Checks `dest` may be written (absent, empty, or an earlier export) and makes the
    /// staging folder in its parent.
    pub fn beside(dest: &Path) -> Result<Stage, SiteError> {
        if dest.exists() {
            if !dest.is_dir() {
                return Err(SiteError::Invalid(format!("{} is a file, not a folder", dest.display())));
            }
            let empty = fs::read_dir(dest).map_err(io("read", dest))?.next().is_none();
            if !empty && !dest.join(MANIFEST).is_file() {
                return Err(SiteError::Invalid(format!(
                    "{} holds files that are not an exported site; name a new or empty folder",
                    dest.display()
                )));
            }
        }
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io("create", &parent))?;
        let dir = tempfile::Builder::new()
            .prefix(".nexus-site-")
            .tempdir_in(&parent)
            .map_err(io("create a folder in", &parent))?;
        // A web server runs as another user than the one who exported: it must read the site.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).map_err(io("open up", dir.path()))?;
        Ok(Stage { dir })
    }

    /// Where the site is being written.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Puts the complete site at `dest`, replacing what was there.
    pub fn commit(self, dest: &Path) -> Result<(), SiteError> {
        let staged = self.dir.keep();
        if dest.exists() {
            let parent = staged.parent().unwrap_or(Path::new("."));
            let old = tempfile::Builder::new()
                .prefix(".nexus-site-old-")
                .tempdir_in(parent)
                .map_err(io("create a folder in", parent))?
                .keep();
            fs::rename(dest, old.join("site")).map_err(io("move aside", dest))?;
            fs::rename(&staged, dest).map_err(io("move the new site to", dest))?;
            let _ = fs::remove_dir_all(&old);
        } else {
            fs::rename(&staged, dest).map_err(io("move the new site to", dest))?;
        }
        Ok(())
    }
}

/// Writes `bytes` to `path`, making its folders.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), SiteError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io("create", parent))?;
    }
    let mut f = fs::File::create(path).map_err(io("create", path))?;
    f.write_all(bytes).map_err(io("write", path))
}

/// Copies the web build from `web` into `root`, its page told `meta`. The page's compressed
/// copies are left out: they would be served without the `meta` to hosts that prefer them.
/// Returns the files and bytes copied.
pub fn copy_build(web: &Path, root: &Path, meta: &str) -> Result<(u64, u64), SiteError> {
    let page_path = web.join("index.html");
    let page = fs::read_to_string(&page_path).map_err(io("read", &page_path))?;
    let at = page
        .find("<head>")
        .map(|i| i + "<head>".len())
        .ok_or_else(|| SiteError::Invalid(format!("{} has no <head>; rebuild the web map", page_path.display())))?;
    let page = format!("{}\n    {meta}{}", &page[..at], &page[at..]);
    write(&root.join("index.html"), page.as_bytes())?;
    let (mut files, mut bytes) = (1, page.len() as u64);
    let mut todo = vec![PathBuf::new()];
    while let Some(rel) = todo.pop() {
        let from = web.join(&rel);
        for entry in fs::read_dir(&from).map_err(io("read", &from))? {
            let entry = entry.map_err(io("read", &from))?;
            let name = rel.join(entry.file_name());
            if rel.as_os_str().is_empty() && name.to_string_lossy().starts_with("index.html") {
                continue;
            }
            let kind = entry.file_type().map_err(io("read", &from))?;
            if kind.is_dir() {
                todo.push(name);
            } else if kind.is_file() {
                let to = root.join(&name);
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent).map_err(io("create", parent))?;
                }
                bytes += fs::copy(entry.path(), &to).map_err(io("copy", &to))?;
                files += 1;
            }
        }
    }
    Ok((files, bytes))
}
