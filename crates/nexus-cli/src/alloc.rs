//! The process allocator: mimalloc, for Rust and (through its `override` feature) for GDAL,
//! GEOS and PROJ too. Reading GeoJSON through GDAL spends about a quarter of its time in
//! malloc/free; mimalloc cuts the whole ingest by a fifth (see docs/BENCHMARKS.md).
#![allow(unsafe_code, reason = "mimalloc options are set through its C API; see SAFETY below")]

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc v2's `mi_option_e`.
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
/// `mi_option_purge_delay` in mimalloc v2's `mi_option_e`.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Trades a little speed for memory: commit arena memory on demand and hand freed pages back
/// at once. Without this an ingest peaks at about 100 MB instead of about 60 MB.
pub fn tune() {
    // SAFETY: mi_option_set only stores an integer in mimalloc's option table; both option
    // numbers are valid members of mi_option_e for the bundled mimalloc v2.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn options_take() {
        super::tune();
        // SAFETY: reading an option is a plain table lookup.
        let (eager, delay) = unsafe {
            (
                libmimalloc_sys::mi_option_get(super::ARENA_EAGER_COMMIT),
                libmimalloc_sys::mi_option_get(super::PURGE_DELAY),
            )
        };
        assert_eq!((eager, delay), (0, 0));
    }
}
