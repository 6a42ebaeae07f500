//! Glyphs for the map's labels, made by this server from font files on its own machine, so
//! the map asks no outside font host for anything. MapLibre asks for 256 code points at a
//! time (`/fonts/{stack}/{start}-{end}.pbf`); a range is rendered once into signed distance
//! fields (as node-fontnik does, through `glyphore-core`) and kept.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use glyphore_core::FontFace;
use prost::Message;

mod faces;
use serde::Serialize;

use crate::tiles::encoding;

/// The font stacks a style may name in `text-font`: each a list of font files, the first
/// for most scripts and the next ones for what it lacks. DejaVu Sans has Latin with the
/// Vietnamese and Indonesian letters and Cyrillic for Mongolian; TLWG Loma has Thai. A code
/// point is drawn from the first file that has it.
pub const STACKS: &[(&str, &[&str])] =
    &[("Nexus Sans", &["DejaVuSans.ttf", "Loma.ttf"]), ("Nexus Sans Bold", &["DejaVuSans-Bold.ttf", "Loma-Bold.ttf"])];

/// Where Debian's `fonts-dejavu-core` and `fonts-tlwg-loma-ttf` install those files.
pub const DEFAULT_DIRS: &[&str] = &["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/tlwg"];

/// The last range MapLibre asks for: it draws labels from the Basic Multilingual Plane.
pub const LAST_START: u32 = 0xFF00;

/// Rendered ranges kept (about 90 KB each): every script the atlas writes in, twice over.
const CACHED_RANGES: u64 = 256;

/// A glyph request this server cannot answer.
#[derive(Debug, thiserror::Error)]
pub enum GlyphError {
    /// A stack name no style of this server uses.
    #[error("no font stack named '{name}'; this server has {known}")]
    UnknownStack {
        /// The name asked for.
        name: String,
        /// The stacks there are, quoted and comma-separated.
        known: String,
    },
    /// Not `START-END` of one 256-code-point block.
    #[error(
        "glyph range '{0}' is not START-END.pbf with START a multiple of 256 from 0 to 65280 and END = START + 255"
    )]
    BadRange(String),
}

/// What the server found of one stack, for `GET /fonts`.
#[derive(Debug, Clone, Serialize)]
pub struct StackStatus {
    /// The name styles use.
    pub name: &'static str,
    /// The font files it draws from, in order.
    pub fonts: Vec<PathBuf>,
    /// Font files it would use but could not find or read (labels in their scripts are not drawn).
    pub missing: Vec<&'static str>,
}

/// A range of glyphs, as stored and gzipped.
#[derive(Debug, Clone)]
pub struct GlyphRange {
    /// The protobuf.
    pub raw: Bytes,
    /// The same, gzipped.
    pub gzip: Bytes,
}

struct Stack {
    status: StackStatus,
    /// Its fonts, as indices into [`Glyphs::faces`].
    fonts: Vec<usize>,
}

/// The font stacks of this server and the ranges rendered so far.
pub struct Glyphs {
    stacks: Vec<Stack>,
    faces: Arc<faces::Faces>,
    cache: moka::future::Cache<(String, u32), GlyphRange>,
}

impl std::fmt::Debug for Glyphs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Glyphs").field("stacks", &self.status()).finish_non_exhaustive()
    }
}

impl Glyphs {
    /// Reads the font files of [`STACKS`] from the first of `dirs` that has each. A file that
    /// is missing or unreadable is logged and left out: labels in its scripts are not drawn,
    /// the rest of the map works.
    pub fn load(dirs: &[PathBuf]) -> Self {
        let mut faces = faces::Faces::default();
        let stacks = STACKS
            .iter()
            .map(|(name, files)| {
                let mut stack = Stack { status: StackStatus { name, fonts: Vec::new(), missing: Vec::new() }, fonts: Vec::new() };
                for file in *files {
                    match faces.add(dirs, file) {
                        Ok(i) => {
                            stack.status.fonts.push(faces.path(i).to_path_buf());
                            stack.fonts.push(i);
                        }
                        Err(reason) => {
                            tracing::warn!(font = file, stack = name, %reason, "labels in this font's scripts will not be drawn");
                            stack.status.missing.push(file);
                        }
                    }
                }
                stack
            })
            .collect();
        Glyphs { stacks, faces: Arc::new(faces), cache: moka::future::Cache::new(CACHED_RANGES) }
    }

    /// The stacks and the files each was made from.
    pub fn status(&self) -> Vec<StackStatus> {
        self.stacks.iter().map(|s| s.status.clone()).collect()
    }

    /// The font file of a stack named `file` (`Loma.ttf`), for maps that draw a script's
    /// clusters themselves (MapLibre's `font-faces`: Thai marks stack properly only when the
    /// browser shapes the word). Only files of [`STACKS`] that were found: never a path.
    pub fn font_file(&self, file: &str) -> Option<PathBuf> {
        self.stacks.iter().flat_map(|s| &s.status.fonts).find(|p| p.file_name().is_some_and(|n| n == file)).cloned()
    }

    /// The glyphs of `fontstack` (one stack, or several comma-separated as MapLibre sends a
    /// `text-font` list) for code points `start..=start + 255`. A range no font has is an
    /// empty stack, not an error, so a label with one odd character still draws the rest.
    ///
    /// # Errors
    /// A stack this server does not have, or a `start` that is not a range's.
    pub async fn range(&self, fontstack: &str, start: u32) -> Result<GlyphRange, GlyphError> {
        if !start.is_multiple_of(256) || start > LAST_START {
            return Err(GlyphError::BadRange(start.to_string()));
        }
        let mut fonts: Vec<usize> = Vec::new();
        for name in fontstack.split(',').map(str::trim) {
            let stack = self.stacks.iter().find(|s| s.status.name == name).ok_or_else(|| GlyphError::UnknownStack {
                name: name.to_owned(),
                known: STACKS.iter().map(|(n, _)| format!("'{n}'")).collect::<Vec<_>>().join(", "),
            })?;
            fonts.extend(stack.fonts.iter().filter(|i| !fonts.contains(i)).collect::<Vec<_>>());
        }
        let name = fontstack.to_owned();
        let key = (name.clone(), start);
        let faces = Arc::clone(&self.faces);
        let range = self
            .cache
            .get_with(key, async move {
                // Parsing and rendering are milliseconds of CPU per font: off the async workers.
                let raw = tokio::task::spawn_blocking(move || render(&faces.parsed(&fonts), &name, start))
                    .await
                    .unwrap_or_default();
                let gzip = Bytes::from(encoding::gzip(&raw));
                GlyphRange { raw: Bytes::from(raw), gzip }
            })
            .await;
        self.faces.release_when_quiet();
        Ok(range)
    }
}

/// `0-255.pbf` (or without the suffix) as the range's first code point.
///
/// # Errors
/// Anything else.
pub fn parse_range(text: &str) -> Result<u32, GlyphError> {
    let bad = || GlyphError::BadRange(text.chars().take(40).collect());
    let (start, end) = text.strip_suffix(".pbf").unwrap_or(text).split_once('-').ok_or_else(bad)?;
    let start: u32 = start.parse().map_err(|_| bad())?;
    let end: u32 = end.parse().map_err(|_| bad())?;
    if !start.is_multiple_of(256) || start > LAST_START || end != start + 255 {
        return Err(bad());
    }
    Ok(start)
}

/// The code points a range's protobuf holds (for checks and tests).
pub fn code_points(pbf: &[u8]) -> Vec<u32> {
    pbf::Glyphs::decode(pbf)
        .map(|g| g.stacks.iter().flat_map(|s| s.glyphs.iter().map(|g| g.id)).collect())
        .unwrap_or_default()
}

/// One range from the faces in order, each code point from the first face that has it.
fn render(faces: &[Arc<FontFace>], name: &str, start: u32) -> Vec<u8> {
    let mut seen = HashSet::new();
    let mut glyphs = Vec::new();
    for face in faces {
        let Ok(bytes) = glyphore_core::generate_range(face, start) else { continue };
        let Ok(doc) = pbf::Glyphs::decode(&bytes[..]) else { continue };
        glyphs.extend(doc.stacks.into_iter().flat_map(|s| s.glyphs).filter(|g| seen.insert(g.id)));
    }
    glyphs.sort_by_key(|g| g.id);
    let range = format!("{start}-{}", start + 255);
    pbf::Glyphs { stacks: vec![pbf::Fontstack { name: name.to_owned(), range, glyphs }] }.encode_to_vec()
}

/// The glyph protobuf of Mapbox/MapLibre (`glyphs.proto`, proto2). Fields are optional here so
/// a glyph keeps exactly the fields its renderer wrote.
mod pbf {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Glyphs {
        #[prost(message, repeated, tag = "1")]
        pub stacks: Vec<Fontstack>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Fontstack {
        #[prost(string, required, tag = "1")]
        pub name: String,
        #[prost(string, required, tag = "2")]
        pub range: String,
        #[prost(message, repeated, tag = "3")]
        pub glyphs: Vec<Glyph>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Glyph {
        #[prost(uint32, required, tag = "1")]
        pub id: u32,
        #[prost(bytes = "vec", optional, tag = "2")]
        pub bitmap: Option<Vec<u8>>,
        #[prost(uint32, optional, tag = "3")]
        pub width: Option<u32>,
        #[prost(uint32, optional, tag = "4")]
        pub height: Option<u32>,
        #[prost(sint32, optional, tag = "5")]
        pub left: Option<i32>,
        #[prost(sint32, optional, tag = "6")]
        pub top: Option<i32>,
        #[prost(uint32, optional, tag = "7")]
        pub advance: Option<u32>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn system() -> Glyphs {
        Glyphs::load(&DEFAULT_DIRS.iter().map(PathBuf::from).collect::<Vec<_>>())
    }

    #[test]
    fn ranges_are_whole_blocks_of_the_basic_plane() {
        assert_eq!(parse_range("0-255.pbf").ok(), Some(0));
        assert_eq!(parse_range("3584-3839").ok(), Some(3584));
        for bad in ["1-256.pbf", "0-256.pbf", "65536-65791.pbf", "a-b.pbf", "0", "-0-255", "256-255.pbf"] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_stack_draws_latin_from_dejavu_and_thai_from_loma() {
        let g = system();
        assert!(
            g.status().iter().all(|s| s.missing.is_empty()),
            "install fonts-dejavu-core and fonts-tlwg-loma-ttf: {:?}",
            g.status()
        );
        let latin = code_points(&g.range("Nexus Sans", 0).await.unwrap().raw);
        assert!(latin.contains(&u32::from('A')) && latin.contains(&u32::from('y')), "{latin:?}");
        let thai = code_points(&g.range("Nexus Sans", 0x0E00).await.unwrap().raw);
        // ห (U+0E2B) and the tone mark ่ (U+0E48) of หายยา's neighbours.
        assert!(thai.contains(&0x0E2B) && thai.contains(&0x0E48), "{thai:?}");
        let vietnamese = code_points(&g.range("Nexus Sans Bold", 0x1E00).await.unwrap().raw);
        assert!(vietnamese.contains(&0x1EB5), "ẵ of Đà Nẵng: {vietnamese:?}");
        // A code point both fonts have comes once, from the first.
        let mut unique = latin.clone();
        unique.dedup();
        assert_eq!(unique.len(), latin.len());
    }

    #[tokio::test(start_paused = true)]
    async fn faces_are_parsed_for_a_new_range_and_let_go_when_quiet() {
        let g = system();
        assert_eq!(g.faces.parsed_now(), 0, "nothing parsed before a range is asked for");
        g.range("Nexus Sans", 0).await.unwrap();
        assert_eq!(g.faces.parsed_now(), 2, "DejaVu Sans and Loma");
        tokio::time::sleep(std::time::Duration::from_secs(20)).await;
        g.range("Nexus Sans", 0).await.unwrap();
        assert_eq!(g.faces.parsed_now(), 2, "a cached range does not parse");
        tokio::time::sleep(std::time::Duration::from_secs(61)).await;
        assert_eq!(g.faces.parsed_now(), 0, "let go after a quiet spell");
        let thai = code_points(&g.range("Nexus Sans", 0x0E00).await.unwrap().raw);
        assert!(thai.contains(&0x0E2B), "parsed again for a new range: {thai:?}");
    }

    #[tokio::test]
    async fn unknown_stacks_are_named_and_empty_ranges_are_valid() {
        let g = system();
        let err = g.range("Open Sans Regular", 0).await.unwrap_err().to_string();
        assert!(err.contains("Open Sans Regular") && err.contains("Nexus Sans"), "{err}");
        let cjk = g.range("Nexus Sans", 0x4E00).await.unwrap();
        assert!(code_points(&cjk.raw).is_empty());
        assert!(!cjk.raw.is_empty(), "an empty range still names its stack and range");
        let both = g.range("Nexus Sans,Nexus Sans Bold", 0).await.unwrap();
        assert!(code_points(&both.raw).contains(&u32::from('a')));
        assert!(g.font_file("Loma.ttf").is_some_and(|p| p.is_file()));
        assert_eq!(g.font_file("../../../etc/passwd"), None);
        assert_eq!(g.font_file("Garuda.ttf"), None, "only the stacks' own files");
    }
}
