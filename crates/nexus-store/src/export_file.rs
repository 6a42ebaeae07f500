//! An export stream into a file: written whole under a temporary name beside the target,
//! then renamed over it, so a failed export never leaves half a file under the name asked for.

use std::io::Write;
use std::path::Path;

use futures_util::StreamExt;
use nexus_core::FeatureFilter;

use crate::error::{StoreError, StoreResult};
use crate::features::Collection;
use crate::pool::Store;

/// A temporary file in `dest`'s folder, with the permissions an ordinary new file gets (0666
/// less the umask, where temporary files are private), to be `persist`ed over `dest` once
/// complete.
///
/// # Errors
/// When the folder cannot be written.
pub fn temp_beside(dest: &Path) -> StoreResult<tempfile::NamedTempFile> {
    use std::os::unix::fs::PermissionsExt;
    let folder = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    tempfile::Builder::new()
        .prefix(".nexus-export")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(folder)
        .map_err(file_error(dest))
}

fn file_error(dest: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::File { path: dest.to_owned(), reason: e.to_string() }
}

impl Store {
    /// Writes the GeoJSON export of `c` (see [`Store::export_geojson`]) to `dest`; `progress`
    /// hears how many features are written so far. Returns the bytes written.
    ///
    /// # Errors
    /// When the query fails or the file cannot be written; `dest` is then left as it was.
    pub async fn export_geojson_file(
        &self,
        c: Collection<'_>,
        filter: &FeatureFilter,
        precision: u8,
        dest: &Path,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> StoreResult<u64> {
        let mut stream = std::pin::pin!(self.export_geojson(c, filter, precision).await?);
        let mut tmp = temp_beside(dest)?;
        let mut out = std::io::BufWriter::with_capacity(256 << 10, tmp.as_file_mut());
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            written += chunk.bytes.len() as u64;
            out.write_all(&chunk.bytes).map_err(file_error(dest))?;
            progress(chunk.features);
        }
        out.flush().map_err(file_error(dest))?;
        drop(out);
        tmp.persist(dest).map_err(|e| file_error(dest)(e.error))?;
        Ok(written)
    }
}
