//! Shared libraries opened when a command first needs them, not when the program starts.
//!
//! A process that links GDAL maps about 110 shared libraries and is about 31 MB heavier before
//! it does anything, which is more than a whole GeoJSON export or a native ingest needs. So
//! `nexus` does not link GDAL or GEOS at all: [`lazy_library!`] defines, for each C function
//! the program calls, a hidden trampoline of the same name that jumps through a slot. The slots
//! point at [`unloaded`] until `load()` opens the library with `dlopen` and fills them with
//! `dlsym`, after which a call costs one indirect jump. The `gdal` crate's calls and our own
//! `extern "C"` blocks resolve to the trampolines at link time, so the linker (given
//! `--as-needed`, as rustc does) records no dependency on the libraries.
//!
//! Every use goes through the door that loads first (`gdal_errors::install`,
//! `geos::Validity::new`); a call that slips past it aborts with a message instead of
//! crashing at an unknown address. A function the program starts to call that is not in a
//! list makes the linker bring the library back at start-up, and the CLI test that reads the
//! binary's dependencies fails.
#![allow(unsafe_code, reason = "dlopen/dlsym and jump trampolines; see the SAFETY notes")]

use std::sync::atomic::{AtomicPtr, Ordering};

/// Where every slot points until its library is loaded.
pub extern "C" fn unloaded() -> ! {
    eprintln!(
        "error: a GDAL or GEOS function was called before its library was loaded \
         (a bug: every use must go through nexus-ingest's door, which loads it)"
    );
    std::process::abort()
}

/// Opens `soname` and points each of `slots` at the symbol of the same position in `names`.
/// The library stays loaded for the life of the process: the slots point into it.
///
/// # Errors
/// The loader's message when the library is missing, or the names it lacks.
pub fn open(soname: &str, names: &[&str], slots: &[AtomicPtr<()>]) -> Result<(), String> {
    use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
    // SAFETY: opening runs the library's initialisers; GDAL's and GEOS's have no
    // preconditions and are run once (the caller holds a OnceLock).
    let lib = unsafe { Library::open(Some(soname), RTLD_NOW | RTLD_LOCAL) }.map_err(|e| e.to_string())?;
    let mut missing = Vec::new();
    for (name, slot) in names.iter().zip(slots) {
        // SAFETY: the symbol is only stored as an address; the trampoline of the same name
        // jumps to it with the caller's arguments untouched, so the C signature the caller
        // was compiled against is the one used.
        match unsafe { lib.get::<*mut ()>(name.as_bytes()) } {
            Ok(f) => slot.store(*f, Ordering::Release),
            Err(_) => missing.push(*name),
        }
    }
    std::mem::forget(lib);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("{soname} lacks {}", missing.join(", ")))
    }
}

/// Defines `mod $lib` with `load()` and one trampoline per symbol (see the module's notes).
macro_rules! lazy_library {
    ($(#[$doc:meta])* $lib:ident = $soname:expr; [$($sym:ident),+ $(,)?]) => {
        $(#[$doc])*
        pub mod $lib {
            use std::sync::atomic::AtomicPtr;

            #[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code, reason = "the C names")]
            #[repr(usize)]
            enum Sym { $($sym),+ }

            const NAMES: &[&str] = &[$(stringify!($sym)),+];
            const N: usize = NAMES.len();

            static SLOTS: [AtomicPtr<()>; N] =
                [const { AtomicPtr::new($crate::lazy_lib::unloaded as *mut ()) }; N];
            static LOADED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();

            /// The library's file name, as the loader looks for it.
            pub const SONAME: &str = $soname;

            /// Opens the library once; later calls return the first answer.
            ///
            /// # Errors
            /// Why it could not be opened.
            pub fn load() -> Result<(), String> {
                LOADED.get_or_init(|| $crate::lazy_lib::open(SONAME, NAMES, &SLOTS)).clone()
            }

            $( $crate::lazy_lib::trampoline!($sym, SLOTS, Sym::$sym as usize * 8); )+
        }
    };
}

/// One trampoline: a function named `$sym` that jumps to the address in slot `$off / 8`,
/// leaving every argument register and the stack as the caller set them. It is written in
/// assembly to be `.hidden`: global to the link, so the `gdal` crate's calls resolve to it,
/// but absent from the program's dynamic symbols. Exported, it would also catch GDAL's own
/// calls into GEOS, which must go to GEOS even when our GEOS slots are still empty.
#[cfg(target_arch = "x86_64")]
macro_rules! trampoline {
    ($sym:ident, $slots:ident, $off:expr) => {
        core::arch::global_asm!(
            ".pushsection .text.nexus_lazy_lib,\"ax\",@progbits",
            ".p2align 4",
            concat!(".globl ", stringify!($sym)),
            concat!(".hidden ", stringify!($sym)),
            concat!(".type ", stringify!($sym), ",@function"),
            concat!(stringify!($sym), ":"),
            "jmp qword ptr [rip + {slots} + {off}]",
            concat!(".size ", stringify!($sym), ", . - ", stringify!($sym)),
            ".popsection",
            slots = sym $slots,
            off = const $off,
        );
    };
}

#[cfg(target_arch = "aarch64")]
macro_rules! trampoline {
    ($sym:ident, $slots:ident, $off:expr) => {
        core::arch::global_asm!(
            ".pushsection .text.nexus_lazy_lib,\"ax\",%progbits",
            ".p2align 4",
            concat!(".globl ", stringify!($sym)),
            concat!(".hidden ", stringify!($sym)),
            concat!(".type ", stringify!($sym), ",%function"),
            concat!(stringify!($sym), ":"),
            "adrp x16, {slots}",
            "add x16, x16, :lo12:{slots}",
            "ldr x16, [x16, #{off}]",
            "br x16",
            concat!(".size ", stringify!($sym), ", . - ", stringify!($sym)),
            ".popsection",
            slots = sym $slots,
            off = const $off,
        );
    };
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!(
    "nexus-ingest's trampolines (lazy_lib.rs) are written for x86-64 and aarch64 only; add one for this architecture"
);

pub(crate) use {lazy_library, trampoline};

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicPtr, Ordering};

    #[test]
    fn a_missing_library_or_function_is_named() {
        let slots = [const { AtomicPtr::new(std::ptr::null_mut()) }; 2];
        let err = super::open("libnexus-no-such.so.7", &["a", "b"], &slots).unwrap_err();
        assert!(err.contains("libnexus-no-such.so.7"), "{err}");
        let names = ["GEOS_init_r", "GEOS_no_such_function"];
        let err = super::open(crate::libs::geos::SONAME, &names, &slots).unwrap_err();
        assert!(err.ends_with("lacks GEOS_no_such_function"), "{err}");
        assert!(!slots[0].load(Ordering::Acquire).is_null(), "the functions found are filled in");
        assert!(slots[1].load(Ordering::Acquire).is_null());
    }
}
