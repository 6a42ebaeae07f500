//! The tile cache: byte-bounded, coalescing concurrent misses, holding each tile's bytes
//! with their compressed forms so that a hit does no work.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use crate::tiles::encoding::{self, Encoding};

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
        CachedTile { raw: Bytes::from(raw), hash, gzip: OnceLock::new(), brotli: OnceLock::new() }
    }

    /// A tile with its gzip form already made (from the pre-rendered store).
    pub fn with_gzip(raw: Vec<u8>, gz: Vec<u8>) -> CachedTile {
        let t = CachedTile::new(raw);
        let _ = t.gzip.set(Bytes::from(gz));
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
            Encoding::Gzip => self.gzip.get_or_init(|| Bytes::from(encoding::gzip(&self.raw))).clone(),
            Encoding::Brotli => self.brotli.get_or_init(|| Bytes::from(encoding::brotli(&self.raw))).clone(),
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
    fn keys_know_their_layers() {
        let k = TileKey { sources: Arc::from("canals@3,wwtp@1"), z: 1, x: 0, y: 0 };
        assert!(k.involves("canals") && k.involves("wwtp"));
        assert!(!k.involves("canal"));
    }
}
