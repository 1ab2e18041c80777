//! Pausing the cyclic garbage collector while a loader builds objects.
//!
//! Loading allocates many containers, and each allocation counts towards
//! the collector's next run, so CPython collects several times during a
//! large load, walking objects that cannot be garbage: they are all
//! reachable from the document being built, and cannot form cycles until
//! the loader returns. Pausing the collector for the duration saves that
//! work (a third of the time on float-heavy documents) and changes nothing
//! observable: collection resumes afterwards with the same objects.

use pyo3::ffi;
use pyo3::Python;

pub struct GcPause {
    was_enabled: bool,
}

impl GcPause {
    /// Requires the GIL, which the token proves.
    pub fn new(_py: Python<'_>) -> Self {
        // SAFETY: PyGC_Disable only flips the interpreter's flag and returns
        // its previous state; the GIL is held.
        let was_enabled = unsafe { ffi::PyGC_Disable() } != 0;
        GcPause { was_enabled }
    }
}

impl Drop for GcPause {
    fn drop(&mut self) {
        // A caller that had disabled the collector keeps it disabled.
        if self.was_enabled {
            // SAFETY: GcPause values live inside functions that hold the
            // GIL for their whole duration, so it is held here too.
            unsafe { ffi::PyGC_Enable() };
        }
    }
}
