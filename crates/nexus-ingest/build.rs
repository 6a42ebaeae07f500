//! Finds the file names (sonames) under which the loader finds GDAL and GEOS, which
//! `src/libs.rs` opens at run time instead of linking (see `src/lazy_lib.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=GDAL_LIB_DIR");
    println!("cargo:rerun-if-env-changed=CC");
    let gdal = soname("gdal", std::env::var_os("GDAL_LIB_DIR").map(PathBuf::from));
    let geos = soname("geos_c", None);
    println!("cargo:rustc-env=NEXUS_GDAL_SONAME={}", gdal.unwrap_or_else(|| "libgdal.so".into()));
    println!("cargo:rustc-env=NEXUS_GEOS_SONAME={}", geos.unwrap_or_else(|| "libgeos_c.so.1".into()));
}

/// `libNAME.so.MAJOR`: the development link `libNAME.so` that the linker would use, followed
/// to the real file, whose name is cut after its major version (the soname convention).
fn soname(name: &str, dir: Option<PathBuf>) -> Option<String> {
    let file = format!("lib{name}.so");
    let dev = match dir {
        Some(d) => d.join(&file),
        None => {
            let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
            let out = Command::new(cc).arg(format!("-print-file-name={file}")).output().ok()?;
            PathBuf::from(String::from_utf8(out.stdout).ok()?.trim())
        }
    };
    let real = std::fs::canonicalize(Path::new(&dev)).ok()?;
    let real = real.file_name()?.to_str()?;
    let rest = real.strip_prefix(&format!("{file}."))?;
    let major: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!major.is_empty()).then(|| format!("{file}.{major}"))
}
