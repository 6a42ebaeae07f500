//! The tiles of an export on disk until they are all rendered: each layer is rendered a zoom
//! at a time (deepest first, the simplification cascade's order), but a PMTiles archive wants
//! every tile once, all its layers together, in tile-id order. Memory holds only an index of
//! 24 bytes a tile, so an export of a national layer is bounded by disk, not RAM.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

#[derive(Debug, Clone, Copy)]
struct Entry {
    tile: u64,
    layer: u16,
    len: u32,
    offset: u64,
}

/// Tiles written in any order, read back grouped by tile.
pub(crate) struct Spool {
    out: BufWriter<File>,
    index: Vec<Entry>,
    written: u64,
}

impl Spool {
    /// An empty spool in an anonymous file of `dir` (gone when dropped, even after a crash).
    pub(crate) fn new_in(dir: &Path) -> io::Result<Spool> {
        Ok(Spool { out: BufWriter::new(tempfile::tempfile_in(dir)?), index: Vec::new(), written: 0 })
    }

    /// Keeps the MVT bytes of `layer` (its position in the archive's layer order) for `tile`.
    pub(crate) fn push(&mut self, tile: u64, layer: u16, mvt: &[u8]) -> io::Result<()> {
        let len = u32::try_from(mvt.len()).map_err(|_| io::Error::other("a tile of 4 GB or more"))?;
        self.out.write_all(mvt)?;
        self.index.push(Entry { tile, layer, len, offset: self.written });
        self.written += u64::from(len);
        Ok(())
    }

    /// Layer tiles kept so far.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// The tiles in tile-id order, each with its layers' bytes one after the other in layer
    /// order. Concatenated MVT messages are one MVT message holding all their layers (the
    /// format's `layers` field is repeated), so no tile is decoded.
    pub(crate) fn into_tiles(self) -> io::Result<Tiles> {
        let file = self.out.into_inner().map_err(io::IntoInnerError::into_error)?;
        let mut index = self.index;
        index.sort_unstable_by_key(|e| (e.tile, e.layer));
        Ok(Tiles { file, index, next: 0 })
    }
}

/// The spooled tiles, grouped (see [`Spool::into_tiles`]).
pub(crate) struct Tiles {
    file: File,
    index: Vec<Entry>,
    next: usize,
}

impl Iterator for Tiles {
    type Item = io::Result<(u64, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let first = *self.index.get(self.next)?;
        let end = self.index[self.next..]
            .iter()
            .position(|e| e.tile != first.tile)
            .map_or(self.index.len(), |n| self.next + n);
        let parts = &self.index[self.next..end];
        self.next = end;
        let size = parts.iter().map(|e| e.len as usize).sum();
        let mut bytes = vec![0; size];
        let mut at = 0;
        for e in parts {
            let part = &mut bytes[at..at + e.len as usize];
            if let Err(err) = self.file.read_exact_at(part, e.offset) {
                return Some(Err(err));
            }
            at += e.len as usize;
        }
        Some(Ok((first.tile, bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_come_back_in_id_order_with_their_layers_in_layer_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::new_in(dir.path()).unwrap();
        spool.push(7, 1, b"seven-b").unwrap();
        spool.push(2, 0, b"two-a").unwrap();
        spool.push(7, 0, b"seven-a|").unwrap();
        spool.push(3, 1, b"three-b").unwrap();
        assert_eq!(spool.len(), 4);
        let tiles: Vec<(u64, Vec<u8>)> = spool.into_tiles().unwrap().map(Result::unwrap).collect();
        assert_eq!(tiles, vec![(2, b"two-a".to_vec()), (3, b"three-b".to_vec()), (7, b"seven-a|seven-b".to_vec())]);
    }

    #[test]
    fn an_empty_spool_has_no_tiles() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Spool::new_in(dir.path()).unwrap().into_tiles().unwrap().count(), 0);
    }
}
