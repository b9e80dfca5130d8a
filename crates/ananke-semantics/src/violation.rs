//! [`Violation`]: a statement the contract rules out, as the reader reports
//! it and the domain explains it. Apart from the reader: every part of
//! the reading that judges a statement answers with one.

/// A statement the contract rules out, and the formulas that show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The statement (`return -1`) and its line.
    pub statement: String,
    /// The formulas of the unsat core, as `label `text``.
    pub core: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} contradicts the contract; unsat core: {}",
            self.statement,
            self.core.join("; ")
        )
    }
}
