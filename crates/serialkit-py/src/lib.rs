//! `serialkit._native`: the Python face of the serialkit core.
//!
//! Each format has a module here that converts between Python objects and
//! the core's parsers and writers directly, with no intermediate tree. The
//! Python package `serialkit` wraps these functions in the signatures of the
//! modules it replaces.

use pyo3::prelude::*;

mod address_hash;
mod gc;
mod json;
mod marshal;
mod notes;
mod pickle;
mod pystr;
mod pytypes;
mod scan;
mod stack;
mod xml;
mod yaml;

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    json::register(module)?;
    pickle::register(module)?;
    marshal::register(module)?;
    scan::register(module)?;
    yaml::register(module)?;
    xml::register(module)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
