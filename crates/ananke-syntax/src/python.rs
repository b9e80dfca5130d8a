//! The typed-Python grammar (placeholder until the grammar lands).

/// The grammar template's text.
pub const TEMPLATE: &str = "";
