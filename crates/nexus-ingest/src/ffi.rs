//! What the safe `gdal` crate does not expose: a field's subtype (GDAL keeps booleans as
//! integers and JSON objects as strings, told apart only by subtype), in-process ogr2ogr
//! with a progress callback, and turning GDAL's network access off.
#![allow(unsafe_code, reason = "reaches GDAL through gdal-sys where the gdal crate cannot; see the SAFETY notes")]

use gdal::vector::Defn;
use gdal_sys::OGRFieldSubType;

/// How GDAL marks a field beyond its base type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubType {
    /// No subtype.
    None,
    /// An integer that is really true/false.
    Boolean,
    /// A string holding JSON.
    Json,
}

/// The subtypes of every field of `defn`, by index.
pub fn field_subtypes(defn: &Defn) -> Vec<SubType> {
    // SAFETY: `defn` borrows a live layer definition for the duration of this call, and the
    // field definitions it returns are owned by it; indices stay below its field count.
    unsafe {
        let h = defn.c_defn();
        let n = gdal_sys::OGR_FD_GetFieldCount(h).max(0);
        (0..n)
            .map(|i| {
                let f = gdal_sys::OGR_FD_GetFieldDefn(h, i);
                if f.is_null() {
                    return SubType::None;
                }
                match gdal_sys::OGR_Fld_GetSubType(f) {
                    OGRFieldSubType::OFSTBoolean => SubType::Boolean,
                    OGRFieldSubType::OFSTJSON => SubType::Json,
                    _ => SubType::None,
                }
            })
            .collect()
    }
}

/// `ogr2ogr` in-process: translates `src` into a new dataset at `dest` with ogr2ogr's
/// command-line `args` (`-f GPKG`, `-lco …`), telling `progress` the fraction done.
/// Returns GDAL's complaint on failure.
pub fn vector_translate(src: &gdal::Dataset, dest: &str, args: &[&str], progress: &dyn Fn(f64)) -> Result<(), String> {
    use std::ffi::CString;
    let c_args: Vec<CString> =
        args.iter().map(|a| CString::new(*a)).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let mut argv: Vec<*mut std::ffi::c_char> = c_args.iter().map(|a| a.as_ptr().cast_mut()).collect();
    argv.push(std::ptr::null_mut());
    let c_dest = CString::new(dest).map_err(|e| e.to_string())?;
    // SAFETY: argv is a NULL-terminated array of valid C strings that outlive the options
    // object (GDAL copies them); `src` is a live dataset for the whole call; the output dataset
    // is closed before returning and the options freed exactly once.
    unsafe {
        let opts = gdal_sys::GDALVectorTranslateOptionsNew(argv.as_mut_ptr(), std::ptr::null_mut());
        if opts.is_null() {
            return Err(format!("invalid translation options {args:?}"));
        }
        let mut callback: &dyn Fn(f64) = progress;
        gdal_sys::GDALVectorTranslateOptionsSetProgress(opts, Some(report_progress), (&raw mut callback).cast());
        let mut src_h = src.c_dataset();
        let mut usage_error: std::ffi::c_int = 0;
        let out = gdal_sys::GDALVectorTranslate(
            c_dest.as_ptr(),
            std::ptr::null_mut(),
            1,
            &raw mut src_h,
            opts,
            &raw mut usage_error,
        );
        gdal_sys::GDALVectorTranslateOptionsFree(opts);
        if out.is_null() {
            return Err(if usage_error != 0 {
                "invalid translation options".into()
            } else {
                "GDAL could not write the file".into()
            });
        }
        gdal_sys::GDALClose(out);
    }
    Ok(())
}

/// GDAL's progress callback: `data` points at a `&dyn Fn(f64)` that outlives the call.
unsafe extern "C" fn report_progress(
    complete: f64,
    _message: *const std::ffi::c_char,
    data: *mut std::ffi::c_void,
) -> std::ffi::c_int {
    // SAFETY: `vector_translate` passes a pointer to a live `&dyn Fn(f64)` on its stack and
    // GDAL calls back only during `GDALVectorTranslate`.
    let callback = unsafe { &*data.cast::<&dyn Fn(f64)>() };
    callback(complete);
    1
}

/// GDAL's `CPLHTTPResult`, as `cpl_http.h` (GDAL 3.6) lays it out.
#[repr(C)]
struct HttpResult {
    status: std::ffi::c_int,
    content_type: *mut std::ffi::c_char,
    err_buf: *mut std::ffi::c_char,
    data_len: std::ffi::c_int,
    data_alloc: std::ffi::c_int,
    data: *mut u8,
    headers: *mut *mut std::ffi::c_char,
    mime_part_count: std::ffi::c_int,
    mime_parts: *mut std::ffi::c_void,
}

type FetchCallback = unsafe extern "C" fn(
    url: *const std::ffi::c_char,
    options: *const *const std::ffi::c_char,
    progress: *mut std::ffi::c_void,
    progress_arg: *mut std::ffi::c_void,
    write: *mut std::ffi::c_void,
    write_arg: *mut std::ffi::c_void,
    user: *mut std::ffi::c_void,
) -> *mut HttpResult;

unsafe extern "C" {
    fn CPLHTTPSetFetchCallback(callback: Option<FetchCallback>, user: *mut std::ffi::c_void);
}

/// Every HTTP request GDAL would make answers "network access is off" instead. A file can
/// name a URL (a GeoJSON `crs` of type `link`), and GDAL would fetch it: from the server,
/// that is a request forgery (issue 14). PROJ's own network (grids) goes off too.
pub fn network_off() {
    // SAFETY: the callback matches `CPLHTTPFetchCallbackFunc`; it is installed before any
    // dataset is opened in this process and never removed.
    unsafe {
        CPLHTTPSetFetchCallback(Some(refuse_fetch), std::ptr::null_mut());
        gdal_sys::OSRSetPROJEnableNetwork(0);
    }
}

unsafe extern "C" fn refuse_fetch(
    _url: *const std::ffi::c_char,
    _options: *const *const std::ffi::c_char,
    _progress: *mut std::ffi::c_void,
    _progress_arg: *mut std::ffi::c_void,
    _write: *mut std::ffi::c_void,
    _write_arg: *mut std::ffi::c_void,
    _user: *mut std::ffi::c_void,
) -> *mut HttpResult {
    // SAFETY: GDAL frees the result with CPLHTTPDestroyResult, which CPLFree()s each pointer
    // member; so the result and its message come from CPLCalloc/CPLStrdup, the rest is null.
    unsafe {
        let r = gdal_sys::CPLCalloc(1, std::mem::size_of::<HttpResult>()).cast::<HttpResult>();
        (*r).status = 1;
        (*r).err_buf = gdal_sys::CPLStrdup(c"network access is off in Nexus Atlas".as_ptr());
        r
    }
}

/// Whether field `i` of `feature` holds a value. The safe crate asks only whether it is null,
/// so a field a feature leaves unset (FlatGeobuf, GeoPackage do) reads as 0 or "".
pub fn field_is_set(feature: &gdal::vector::Feature<'_>, i: usize) -> bool {
    let Ok(i) = i32::try_from(i) else { return false };
    // SAFETY: `feature` borrows a live feature for the call; GDAL checks the index against
    // the feature's field count and answers false beyond it.
    unsafe { gdal_sys::OGR_F_IsFieldSet(feature.c_feature(), i) != 0 }
}
