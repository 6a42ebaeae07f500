//! Finds the file names (sonames) under which the loader finds GDAL and GEOS, which
//! `src/libs.rs` opens at run time instead of linking (see `src/lazy_lib.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=GDAL_LIB_DIR");
    println!("cargo:rerun-if-env-changed=CC");
    println!("cargo:rerun-if-env-changed=TARGET_CC");
    let gdal = soname("gdal", std::env::var_os("GDAL_LIB_DIR").map(PathBuf::from));
    let geos = soname("geos_c", None);
    println!("cargo:rustc-env=NEXUS_GDAL_SONAME={}", gdal.unwrap_or_else(|| fallback("libgdal.so")));
    println!("cargo:rustc-env=NEXUS_GEOS_SONAME={}", geos.unwrap_or_else(|| fallback("libgeos_c.so.1")));
}

/// The name used when the library's file was not found: it loads where the development
/// package is installed, so the build says so.
fn fallback(name: &str) -> String {
    println!("cargo:warning=nexus-ingest: the versioned file of {name} was not found; the binary will look for {name} at run time");
    name.to_owned()
}

/// The C compiler for the target, as the `cc` crate would choose it (its arguments kept).
fn compiler() -> Vec<String> {
    let target = std::env::var("TARGET").unwrap_or_default();
    let specific = format!("CC_{}", target.replace('-', "_"));
    let cc = [specific.as_str(), "TARGET_CC", "CC"]
        .iter()
        .find_map(|k| std::env::var(k).ok())
        .unwrap_or_else(|| "cc".into());
    cc.split_whitespace().map(str::to_owned).collect()
}

/// `libNAME.so.MAJOR`: the development link `libNAME.so` that the linker would use, followed
/// to the real file, whose name is cut after its major version (the soname convention).
fn soname(name: &str, dir: Option<PathBuf>) -> Option<String> {
    let file = format!("lib{name}.so");
    let dev = match dir {
        Some(d) => d.join(&file),
        None => {
            let cc = compiler();
            let (program, args) = cc.split_first()?;
            let out = Command::new(program).args(args).arg(format!("-print-file-name={file}")).output().ok()?;
            PathBuf::from(String::from_utf8(out.stdout).ok()?.trim())
        }
    };
    let real = std::fs::canonicalize(Path::new(&dev)).ok()?;
    // A new version of the library installed later changes the name.
    println!("cargo:rerun-if-changed={}", real.display());
    let real = real.file_name()?.to_str()?;
    let rest = real.strip_prefix(&format!("{file}."))?;
    let major: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!major.is_empty()).then(|| format!("{file}.{major}"))
}
