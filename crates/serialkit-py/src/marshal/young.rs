//! Young collections run by the loader itself while the collector is
//! paused, at the allocation where the interpreter would have run them.
//!
//! Pausing the collector for a whole load (see `crate::gc`) saves the
//! older-generation collections that a long run of allocations sets off
//! in the middle of a load, but it leaves one young collection owed over
//! everything the load made, which the next tracked allocation runs, by
//! then over a result that has left the CPU's caches: on the benchmark
//! documents that one walk missed the L2 cache 5 to 12 times as often as
//! the whole load did otherwise (callgrind, see BENCHMARKS.md). Collecting
//! the youngest generation whenever the interpreter would (its count past
//! its threshold, counted here for the containers the loader makes) walks
//! each object while it is still warm, as the standard library's reader
//! gets the interpreter to do. Only generation 0 is collected: what those
//! collections would set off in the older generations stays postponed to
//! the interpreter's next collection, as with the plain pause.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::{ffi, PyResult, Python};

struct GcFunctions {
    collect: Py<PyAny>,
    get_count: Py<PyAny>,
    get_threshold: Py<PyAny>,
}

static GC_FUNCTIONS: PyOnceLock<GcFunctions> = PyOnceLock::new();

fn functions(py: Python<'_>) -> PyResult<&'static GcFunctions> {
    GC_FUNCTIONS.get_or_try_init(py, || {
        let gc = py.import("gc")?;
        Ok(GcFunctions {
            collect: gc.getattr("collect")?.unbind(),
            get_count: gc.getattr("get_count")?.unbind(),
            get_threshold: gc.getattr("get_threshold")?.unbind(),
        })
    })
}

/// Counts down the container allocations left before the interpreter
/// would collect its youngest generation.
pub struct YoungCollections {
    left: usize,
    /// Allocations between two collections: the threshold, plus the one
    /// that sets the collection off (CPython collects once the count is
    /// past the threshold).
    period: usize,
}

impl YoungCollections {
    /// Never collects.
    pub fn none() -> Self {
        YoungCollections {
            left: usize::MAX,
            period: usize::MAX,
        }
    }

    /// Reads the interpreter's threshold and count. Must be called before
    /// the collector is paused: when the caller has disabled it, or set a
    /// threshold of 0, nothing is collected, as the interpreter would not.
    pub fn new(py: Python<'_>, input_len: usize) -> PyResult<Self> {
        // Each container takes two bytes of input at least, so a short
        // input cannot make enough for a collection worth a call.
        if input_len < 2048 {
            return Ok(Self::none());
        }
        // SAFETY: reads the interpreter's flag; the GIL is held.
        if unsafe { ffi::PyGC_IsEnabled() } == 0 {
            return Ok(Self::none());
        }
        let gc = functions(py)?;
        let (threshold, _, _): (usize, usize, usize) =
            gc.get_threshold.bind(py).call0()?.extract()?;
        if threshold == 0 {
            return Ok(Self::none());
        }
        let (count, _, _): (usize, usize, usize) = gc.get_count.bind(py).call0()?.extract()?;
        let period = threshold.saturating_add(1);
        Ok(YoungCollections {
            left: period.saturating_sub(count).max(1),
            period,
        })
    }

    /// Called before each container is made; collects generation 0 when
    /// this allocation would have set a collection off.
    #[inline(always)]
    pub fn allocating(&mut self, py: Python<'_>) -> PyResult<()> {
        self.left -= 1;
        if self.left == 0 {
            return self.collect(py);
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn collect(&mut self, py: Python<'_>) -> PyResult<()> {
        self.left = self.period;
        functions(py)?.collect.bind(py).call1((0,))?;
        Ok(())
    }
}
