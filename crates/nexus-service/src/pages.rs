//! Encoded pages of features kept in memory: an items page of a public layer is the same
//! bytes for everyone until the layer's next revision (its key says which), so a page asked
//! again — a city's villages as every visitor pans over them, a GIS client paging back — is
//! sent from here without PostGIS or compression. Byte-bounded; concurrent misses of one page
//! make it once.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;

/// A page as sent: its body, compressed as `encoding` says (`None`: as it is).
#[derive(Debug)]
pub struct EncodedPage {
    /// `Content-Encoding`, if any.
    pub encoding: Option<&'static str>,
    /// The body.
    pub body: Bytes,
}

/// The pages.
#[derive(Clone)]
pub struct PageCache {
    cache: moka::future::Cache<String, Arc<EncodedPage>>,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache").field("pages", &self.cache.entry_count()).finish()
    }
}

impl PageCache {
    /// A cache holding at most `bytes` of pages.
    pub fn new(bytes: u64) -> PageCache {
        let cache = moka::future::Cache::builder()
            .max_capacity(bytes)
            .weigher(|k: &String, v: &Arc<EncodedPage>| u32::try_from(k.len() + v.body.len() + 64).unwrap_or(u32::MAX))
            .build();
        PageCache { cache }
    }

    /// The page under `key`, made by `make` when it is not here (once for all who ask at once).
    ///
    /// # Errors
    /// What `make` failed with, shared by every request that waited for it.
    pub async fn get_or_make<E, F>(&self, key: String, make: F) -> Result<Arc<EncodedPage>, Arc<E>>
    where
        E: Send + Sync + 'static,
        F: Future<Output = Result<EncodedPage, E>>,
    {
        self.cache.try_get_with(key, async move { make.await.map(Arc::new) }).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_page_is_made_once_and_then_served() {
        let pages = PageCache::new(1 << 20);
        let made = std::sync::atomic::AtomicUsize::new(0);
        for _ in 0..3 {
            let p = pages
                .get_or_make::<(), _>("desa@7|a".into(), async {
                    made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Ok(EncodedPage { encoding: Some("gzip"), body: Bytes::from_static(b"x") })
                })
                .await
                .unwrap();
            assert_eq!(p.body, Bytes::from_static(b"x"));
        }
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 1);
        let failed = pages.get_or_make::<&str, _>("desa@8|a".into(), async { Err("no") }).await;
        assert_eq!(*failed.unwrap_err(), "no");
    }
}
