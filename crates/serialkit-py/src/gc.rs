//! Pausing the cyclic garbage collector while a loader builds objects, and
//! collecting the young objects in cache-sized batches meanwhile.
//!
//! Loading allocates many containers, and left alone CPython collects
//! every 700 allocations, then every tenth time the generation above,
//! walking objects that cannot be garbage: they are all reachable from the
//! document being built. Pausing the collector for the whole load saves
//! those walks, but the collection is only put off: the allocation count
//! is far past the threshold when the load returns, and the next tracked
//! allocation walks the whole result at once, after it has left the
//! caches (cachegrind, 1 MiB L2: 60% more L2 misses than the stdlib's
//! pickle on citm_catalog.json). So the pause is paired with a collection
//! of the two young generations every [`YOUNG_BATCH`] containers: each
//! object is walked once, while it is still in cache, and leaves the young
//! generations as it would have under CPython's own schedule.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyInt;

/// Containers made between two collections of the young generations.
/// About the objects a 1-2 MiB L2 cache holds with their contents; small
/// enough that a batch is still cached when it is walked, large enough
/// that the fixed cost of a collection (a call into `gc`) stays far below
/// the cost of the walk.
const YOUNG_BATCH: u32 = 1000;

/// `gc.collect` and the generation to pass it: 1, the younger two. From
/// Python 3.14 the collector is incremental and `collect(1)` means "the
/// young generation and an increment of the old one", which would walk
/// older objects on every batch; there 0 is the young generation alone.
static COLLECT_YOUNG: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

pub struct GcPause {
    was_enabled: bool,
    /// Containers made since the last collection.
    made: u32,
}

impl GcPause {
    /// Requires the GIL, which the token proves.
    pub fn new(_py: Python<'_>) -> Self {
        // SAFETY: PyGC_Disable only flips the interpreter's flag and returns
        // its previous state; the GIL is held.
        let was_enabled = unsafe { ffi::PyGC_Disable() } != 0;
        GcPause {
            was_enabled,
            made: 0,
        }
    }

    /// Counts one container made by the loader, and collects the young
    /// generations when a batch is complete. A caller that had disabled
    /// the collector gets no collections.
    #[inline]
    pub fn made_container(&mut self, py: Python<'_>) {
        self.made += 1;
        if self.made >= YOUNG_BATCH {
            self.made = 0;
            if self.was_enabled {
                collect_young(py);
            }
        }
    }
}

#[cold]
fn collect_young(py: Python<'_>) {
    let collect = COLLECT_YOUNG.get_or_try_init(py, || -> PyResult<_> {
        let collect = py.import("gc")?.getattr("collect")?.unbind();
        let generation = if py.version_info() >= (3, 14) { 0 } else { 1 };
        Ok((collect, PyInt::new(py, generation).into_any().unbind()))
    });
    // A failure here (the gc module gone at shutdown) only loses the
    // batching: the collection then runs after the load, as it would
    // without it. The error must not leak into the load's own result.
    if let Ok((collect, generation)) = collect {
        let _ = collect.bind(py).call1((generation.bind(py),));
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
