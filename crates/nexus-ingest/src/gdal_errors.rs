//! GDAL reports problems through a global callback; this keeps them per thread, so that an
//! ingest (which reads on one blocking thread) sees exactly the errors its own reads raised.

use std::cell::RefCell;
use std::sync::Once;

use gdal::errors::CplErrType;
use nexus_service::gis::IngestError;

thread_local! {
    static ERRORS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

static INSTALL: Once = Once::new();

/// The door to GDAL: loads the library (see `libs`) and installs the handler, once per
/// process. Warnings are logged; failures are kept for [`take`]. GDAL's network access goes
/// off at the same time, before any file is opened.
///
/// # Errors
/// When GDAL cannot be loaded.
pub fn install() -> Result<(), IngestError> {
    crate::libs::load_gdal()?;
    INSTALL.call_once(|| {
        crate::ffi::network_off();
        gdal::config::set_error_handler(|class, _code, msg| match class {
            CplErrType::Failure | CplErrType::Fatal => {
                ERRORS.with(|e| {
                    let mut e = e.borrow_mut();
                    if e.len() < 100 {
                        e.push(msg.trim().to_owned());
                    }
                });
            }
            CplErrType::Warning => tracing::debug!(gdal.message = msg, "GDAL warning"),
            CplErrType::None | CplErrType::Debug => {}
        });
    });
    Ok(())
}

/// The failures GDAL raised on this thread since the last call, oldest first.
pub fn take() -> Vec<String> {
    ERRORS.with(|e| std::mem::take(&mut *e.borrow_mut()))
}

/// Forgets this thread's failures.
pub fn clear() {
    ERRORS.with(|e| e.borrow_mut().clear());
}
