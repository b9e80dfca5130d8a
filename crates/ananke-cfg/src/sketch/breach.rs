//! [`Breach`]: a control-flow rule broken, and the words that say which.
//! Apart from the reader: every decision (the reader's, the mask's, the
//! end of the output's) answers with one.

/// A control-flow rule broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Breach {
    /// A function that must return can fall off its end.
    MissingReturn(String),
    /// A `while True` closed with no break, return or raise inside.
    EndlessLoop,
    /// A statement after a return, raise, break or continue.
    DeadCode,
    /// A `while` loop where they are forbidden.
    While,
    /// A block nested deeper than allowed.
    Nesting(u8),
    /// A loop nested deeper than allowed.
    LoopNesting(u8),
    /// The function calls itself.
    Recursion(String),
    /// The function's cyclomatic complexity would pass the limit.
    Complexity(u16, String),
    /// A comment line left of the function body's indentation.
    DedentedComment(String),
    /// A function would end without reaching a required name.
    NotReached {
        /// The name it must reach.
        target: String,
        /// The function.
        function: String,
    },
    /// A name no code may reach.
    Avoided(String),
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Breach::MissingReturn(name) => write!(
                f,
                "the body of `{name}` would end with a path that returns no value (every path must return)"
            ),
            Breach::EndlessLoop => f.write_str(
                "this `while True` loop would close with no break, return or raise in it",
            ),
            Breach::DeadCode => f.write_str(
                "a statement after return/raise/break/continue in the same block is dead code",
            ),
            Breach::While => f.write_str("`while` loops are forbidden here"),
            Breach::Nesting(max) => write!(f, "blocks may nest at most {max} deep here"),
            Breach::LoopNesting(max) => write!(f, "loops may nest at most {max} deep here"),
            Breach::Recursion(name) => write!(f, "`{name}` may not call itself"),
            Breach::Complexity(max, name) => write!(
                f,
                "this decision would take `{name}` past a cyclomatic complexity of {max}"
            ),
            Breach::DedentedComment(name) => write!(
                f,
                "a comment inside `{name}` must be indented with its body (comments are indented)"
            ),
            Breach::NotReached { target, function } => write!(
                f,
                "the body of `{function}` would end without reaching `{target}` (reach={target})"
            ),
            Breach::Avoided(target) => {
                write!(f, "`{target}` may not be reached here (avoid={target})")
            }
        }
    }
}
