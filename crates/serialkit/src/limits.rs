//! Bounds that every reader enforces so hostile input fails fast.

/// Resource limits for readers. Each reader documents which fields it uses;
/// the defaults admit any document the reference implementations load in
/// practice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of containers.
    pub max_depth: usize,
    /// Maximum size of the input, in bytes.
    pub max_input_bytes: usize,
    /// Maximum number of nodes an alias or memo reference may cause to be
    /// materialised (YAML aliases, XML entities). For YAML it is a floor: a
    /// stream may also expand to `yaml::compose::EXPANSION_RATIO` times the
    /// nodes it actually holds.
    pub max_expansion: usize,
}

impl Limits {
    pub const DEFAULT_MAX_DEPTH: usize = 1000;
    pub const DEFAULT_MAX_INPUT_BYTES: usize = 1 << 31;
    pub const DEFAULT_MAX_EXPANSION: usize = 1 << 20;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_input_bytes: Self::DEFAULT_MAX_INPUT_BYTES,
            max_expansion: Self::DEFAULT_MAX_EXPANSION,
        }
    }
}
