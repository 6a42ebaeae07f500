//! The label fonts, parsed only while labels are being drawn. A parsed face holds every glyph
//! outline of its font (DejaVu Sans and its bold: about 48 MB for the four files, half of an
//! idle server), while the ranges drawn from them are cached apart and requests mostly hit
//! that cache; so a face is parsed on a range's first request and let go after a quiet spell.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use glyphore_core::FontFace;
use tokio::time::Instant;

/// How long parsed faces outlive their last use.
const QUIET: Duration = Duration::from_secs(30);

/// One font file: where it was found and its bytes.
struct Font {
    path: PathBuf,
    bytes: Arc<[u8]>,
}

#[derive(Default)]
struct Held {
    faces: Vec<Option<Arc<FontFace>>>,
    used: Option<Instant>,
    sweeping: bool,
}

/// The font files of every stack, each once, and their faces while in use.
#[derive(Default)]
pub(super) struct Faces {
    fonts: Vec<Font>,
    held: Arc<Mutex<Held>>,
}

impl Faces {
    /// Reads `file` from the first of `dirs` that has it and checks that it is a font; returns
    /// its index, or why it cannot be used.
    pub(super) fn add(&mut self, dirs: &[PathBuf], file: &str) -> Result<usize, String> {
        if let Some(i) = self.fonts.iter().position(|f| f.path.file_name().is_some_and(|n| n == file)) {
            return Ok(i);
        }
        let path = dirs.iter().map(|d| d.join(file)).find(|p| p.is_file()).ok_or_else(|| {
            format!(
                "{file} is in none of {}",
                dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
            )
        })?;
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        // The table directory only: the outlines are parsed when a range is drawn.
        ttf_parser::Face::parse(&bytes, 0).map_err(|e| format!("{}: {e}", path.display()))?;
        self.fonts.push(Font { path, bytes: Arc::from(bytes) });
        self.held.lock().unwrap_or_else(PoisonError::into_inner).faces.push(None);
        Ok(self.fonts.len() - 1)
    }

    /// Where font `i` was found.
    pub(super) fn path(&self, i: usize) -> &Path {
        &self.fonts[i].path
    }

    /// The parsed faces of fonts `which`, in order (a font that fails to parse is left out).
    /// Parses on the calling thread: call it off the async workers.
    pub(super) fn parsed(&self, which: &[usize]) -> Vec<Arc<FontFace>> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.used = Some(Instant::now());
        which
            .iter()
            .filter_map(|&i| {
                if held.faces[i].is_none() {
                    match FontFace::parse(&self.fonts[i].bytes) {
                        Ok(face) => held.faces[i] = Some(Arc::new(face)),
                        Err(e) => tracing::warn!(font = %self.fonts[i].path.display(), error = %e, "cannot parse font"),
                    }
                }
                held.faces[i].clone()
            })
            .collect()
    }

    /// Lets the parsed faces go once they have not been used for [`QUIET`] (a task on the
    /// current runtime, one at a time).
    pub(super) fn release_when_quiet(&self) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.sweeping || tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        held.sweeping = true;
        let shared = Arc::clone(&self.held);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(QUIET).await;
                let mut held = shared.lock().unwrap_or_else(PoisonError::into_inner);
                if held.used.is_none_or(|u| u.elapsed() >= QUIET) {
                    held.faces.iter_mut().for_each(|f| *f = None);
                    held.sweeping = false;
                    return;
                }
            }
        });
    }

    /// How many faces are parsed now (for tests).
    #[cfg(test)]
    pub(super) fn parsed_now(&self) -> usize {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).faces.iter().flatten().count()
    }
}
