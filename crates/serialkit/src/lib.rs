//! serialkit's core: one data model ([`Value`]) and, for each format, a
//! reader into it and a writer from it. No Python here; the bindings in
//! `serialkit-py` drive the same parsers and primitives against Python
//! objects directly.

pub mod error;
pub mod format;
pub mod json;
pub mod limits;
pub mod marshal;
pub mod number;
pub mod pickle;
pub mod scan;
pub mod short_copy;
mod swar;
pub mod tagged;
pub mod ucs;
pub mod value;
pub mod xml;
pub mod yaml;

pub use error::{Error, ErrorKind, Position, Result};
pub use format::{Format, Options, FORMATS};
pub use limits::Limits;
pub use value::{Construct, Object, ShareId, Value};
