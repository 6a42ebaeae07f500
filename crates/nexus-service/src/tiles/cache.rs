//! The tile cache: byte-bounded, coalescing concurrent misses, holding each tile's bytes
//! with their compressed forms so that a hit does no work. A large tile is held in a mapping
//! of its own: among the short-lived buffers of requests, each cached one would keep an
//! allocator page of several MiB in use, and a cache of 64 MB kept about 190 MB.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use crate::tiles::encoding::{self, Encoding};

/// Buffers from this size up are held in their own anonymous mapping.
const OWN_MAPPING: usize = 128 << 10;

/// `bytes` to keep for a while: large ones copied into a mapping of their own, which goes
/// back to the system whole when the last reference drops.
fn held(bytes: Vec<u8>) -> Bytes {
    if bytes.len() < OWN_MAPPING {
        return Bytes::from(bytes);
    }
    let mapped = memmap2::MmapMut::map_anon(bytes.len()).and_then(|mut m| {
        m.copy_from_slice(&bytes);
        m.make_read_only()
    });
    // Without a mapping (the system refused one), the heap still serves.
    mapped.map_or_else(|_| Bytes::from(bytes), Bytes::from_owner)
}

/// A tile ready to serve.
#[derive(Debug)]
pub struct CachedTile {
    raw: Bytes,
    hash: u64,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

impl CachedTile {
    /// A tile from its uncompressed bytes.
    pub fn new(raw: Vec<u8>) -> CachedTile {
        let hash = xxhash_rust::xxh3::xxh3_64(&raw);
        CachedTile { raw: held(raw), hash, gzip: OnceLock::new(), brotli: OnceLock::new() }
    }

    /// A tile with its gzip form already made (from the pre-rendered store).
    pub fn with_gzip(raw: Vec<u8>, gz: Vec<u8>) -> CachedTile {
        let t = CachedTile::new(raw);
        let _ = t.gzip.set(held(gz));
        t
    }

    /// True when no feature falls in the tile.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The body in `encoding`, compressing once on first use.
    pub fn body(&self, encoding: Encoding) -> Bytes {
        match encoding {
            Encoding::Identity => self.raw.clone(),
            Encoding::Gzip => self.gzip.get_or_init(|| held(encoding::gzip(&self.raw))).clone(),
            Encoding::Brotli => self.brotli.get_or_init(|| held(encoding::brotli(&self.raw))).clone(),
        }
    }

    /// Strong ETag of the representation in `encoding`.
    pub fn etag(&self, encoding: Encoding) -> String {
        format!("\"{:016x}{}\"", self.hash, encoding.etag_suffix())
    }

    /// Bytes held, for the cache's budget (compressed forms are counted as half again).
    pub fn weight(&self) -> u32 {
        u32::try_from(self.raw.len() + self.raw.len() / 2 + 128).unwrap_or(u32::MAX)
    }
}

/// What a cached tile is: which sources at which revisions, and where.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    /// `id@revision` of each source, comma-separated.
    pub sources: Arc<str>,
    /// Zoom.
    pub z: u8,
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
}

impl TileKey {
    /// Whether the tile involves layer `id`.
    pub fn involves(&self, id: &str) -> bool {
        self.sources.split(',').any(|s| s.split('@').next() == Some(id))
    }
}

/// The cache itself.
pub type TileCache = moka::future::Cache<TileKey, Arc<CachedTile>>;

/// A cache holding at most `bytes` of tiles.
pub fn new_cache(bytes: u64) -> TileCache {
    moka::future::Cache::builder()
        .max_capacity(bytes)
        .weigher(|_k: &TileKey, v: &Arc<CachedTile>| v.weight())
        .support_invalidation_closures()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_differ_per_encoding_and_content() {
        let a = CachedTile::new(vec![1, 2, 3]);
        let b = CachedTile::new(vec![1, 2, 4]);
        assert_ne!(a.etag(Encoding::Identity), b.etag(Encoding::Identity));
        assert_ne!(a.etag(Encoding::Identity), a.etag(Encoding::Gzip));
        assert!(a.etag(Encoding::Gzip).ends_with("-gz\""));
        assert_eq!(a.body(Encoding::Gzip), a.body(Encoding::Gzip), "compressed once, then reused");
    }

    #[test]
    fn large_tiles_keep_their_bytes_in_their_own_mapping() {
        let raw: Vec<u8> = (0..OWN_MAPPING * 2).map(|i| u8::try_from(i % 251).unwrap()).collect();
        let t = CachedTile::new(raw.clone());
        assert_eq!(t.body(Encoding::Identity), raw);
        // A mapping starts on a page; a heap block (after its allocator's header) does not.
        assert_eq!(t.body(Encoding::Identity).as_ptr() as usize % 4096, 0, "in a mapping of its own");
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&t.body(Encoding::Gzip)[..]), &mut unzipped)
            .unwrap();
        assert_eq!(unzipped, raw);
        assert_eq!(held(vec![1, 2, 3]), vec![1, 2, 3]);
    }

    #[test]
    fn keys_know_their_layers() {
        let k = TileKey { sources: Arc::from("canals@3,wwtp@1"), z: 1, x: 0, y: 0 };
        assert!(k.involves("canals") && k.involves("wwtp"));
        assert!(!k.involves("canal"));
    }
}
