//! [`ParseError`]: what the crate's parsers (module and package names,
//! version specifiers, policy texts) say about malformed input.
//!
//! A file of its own because every parser reports with it, and the
//! parsers live beside the types they build.

/// A malformed module name, package name, version specifier or spec item.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {position} of `{input}`)")]
pub struct ParseError {
    /// The whole text that was parsed.
    pub input: String,
    /// Byte offset of the offending part in `input`.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

impl ParseError {
    /// `message` about the part of `input` at byte `position`.
    pub(crate) fn new(input: &str, position: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            input: input.to_owned(),
            position,
            message: message.into(),
        }
    }

    /// The same error, reported against the whole text `input`.
    pub(crate) fn within(mut self, input: &str) -> ParseError {
        self.input = input.to_owned();
        self
    }
}
