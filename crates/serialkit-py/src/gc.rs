//! Pausing the cyclic garbage collector while a loader builds objects, and
//! collecting the young objects in batches meanwhile, while they are still
//! in cache.
//!
//! Left alone, CPython collects the youngest generation every 700
//! allocations, the next one every tenth time, and everything when the
//! long-lived objects have grown by a quarter: a long load sets off older
//! collections that walk far more than it made. Pausing the collector for
//! the whole load saves those, but a plain pause only puts the young
//! collection off: the load returns with the count far past the threshold,
//! and the next tracked allocation walks the whole result at once, after
//! it has left the caches (cachegrind, 1 MiB L2: 60% more L2 misses than
//! the stdlib's pickle on citm_catalog.json). So the loader counts the
//! containers it makes and, every threshold's worth, collects the two
//! young generations itself. Each object is walked once, while it is warm,
//! and moves to the old generation as it would under CPython's schedule.
//! Collecting generation 0 alone would leave the same walk owed by
//! generation 1, over the whole result, after the load.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyInt;

/// Containers made before the first batch is due, when the interpreter's
/// threshold is not yet known (reading it costs a call into `gc`, which a
/// small load should not pay): CPython's default threshold.
const FIRST_BATCH: u32 = 700;

struct GcFunctions {
    /// `gc.collect`, and the generation to pass it: 1, the younger two.
    /// From Python 3.14 the collector is incremental and `collect(1)`
    /// means "the young generation and an increment of the old one",
    /// which would walk older objects on every batch; there 0 is the
    /// young generation alone.
    collect: Py<PyAny>,
    young: Py<PyAny>,
    get_threshold: Py<PyAny>,
}

static GC_FUNCTIONS: PyOnceLock<GcFunctions> = PyOnceLock::new();

fn functions(py: Python<'_>) -> PyResult<&'static GcFunctions> {
    GC_FUNCTIONS.get_or_try_init(py, || {
        let gc = py.import("gc")?;
        let young = if py.version_info() >= (3, 14) { 0 } else { 1 };
        Ok(GcFunctions {
            collect: gc.getattr("collect")?.unbind(),
            young: PyInt::new(py, young).into_any().unbind(),
            get_threshold: gc.getattr("get_threshold")?.unbind(),
        })
    })
}

pub struct GcPause {
    was_enabled: bool,
    /// Containers still to make before the next batch is collected.
    left: u32,
    /// Containers per batch: the interpreter's first threshold, read when
    /// the first batch is due; 0 until then.
    period: u32,
}

impl GcPause {
    /// Requires the GIL, which the token proves.
    pub fn new(_py: Python<'_>) -> Self {
        // SAFETY: PyGC_Disable only flips the interpreter's flag and returns
        // its previous state; the GIL is held.
        let was_enabled = unsafe { ffi::PyGC_Disable() } != 0;
        GcPause {
            was_enabled,
            left: FIRST_BATCH,
            period: 0,
        }
    }

    /// Counts one container made by the loader, and collects the young
    /// generations when a batch is complete. Whatever the loader has made
    /// must then be fit for Python code to see (gc callbacks and
    /// finalizers run, and `gc.get_objects()` finds everything tracked).
    #[inline]
    pub fn made_container(&mut self, py: Python<'_>) {
        self.left -= 1;
        if self.left == 0 {
            self.batch_due(py);
        }
    }

    #[cold]
    #[inline(never)]
    fn batch_due(&mut self, py: Python<'_>) {
        // A failure to reach `gc` (at shutdown) only loses the batching: the
        // collection then runs after the load, as without it. No error
        // may leak into the load's own result.
        let Ok(gc) = functions(py) else {
            self.left = u32::MAX;
            return;
        };
        if self.period == 0 {
            // The interpreter collects nothing when the caller disabled the
            // collector or set a threshold of 0, and so neither do we.
            let threshold = match self.was_enabled {
                true => gc
                    .get_threshold
                    .bind(py)
                    .call0()
                    .and_then(|t| t.get_item(0)?.extract::<u32>())
                    .unwrap_or(0),
                false => 0,
            };
            if threshold == 0 {
                self.left = u32::MAX;
                return;
            }
            self.period = threshold;
        }
        self.left = self.period;
        let _ = gc.collect.bind(py).call1((gc.young.bind(py),));
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
