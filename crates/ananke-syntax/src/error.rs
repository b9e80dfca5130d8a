//! [`SyntaxError`]: everything the syntax domain reports to its callers.

use std::fmt;

/// An error from loading a vocabulary, compiling a grammar or driving a
/// parser.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxError {
    /// A tokenizer or vocabulary that cannot be loaded.
    #[error("vocabulary `{name}`: {reason}")]
    Vocabulary {
        /// The vocabulary's name or file.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// No backend by that name.
    #[error("unknown syntax backend `{name}` (known: {})", .known.join(", "))]
    UnknownBackend {
        /// The name asked for.
        name: String,
        /// The names available.
        known: Vec<&'static str>,
    },
    /// The backend does not read this kind of grammar.
    #[error("the `{backend}` backend does not read {format} grammars")]
    UnsupportedFormat {
        /// The backend.
        backend: &'static str,
        /// The grammar format.
        format: &'static str,
    },
    /// The grammar text is malformed or exceeds a limit.
    #[error("{backend} rejected the grammar{}: {message}", Location(*.line, *.column))]
    Grammar {
        /// The backend that compiled it.
        backend: &'static str,
        /// 1-based line in the grammar text, when the backend said.
        line: Option<u32>,
        /// 1-based column, when the backend said.
        column: Option<u32>,
        /// The backend's message.
        message: String,
    },
    /// A token id at or beyond the vocabulary size.
    #[error("token id {token} is outside the vocabulary ({n_vocab} tokens)")]
    UnknownToken {
        /// The id.
        token: u32,
        /// The vocabulary size.
        n_vocab: usize,
    },
    /// The grammar does not allow the token here.
    #[error("the grammar does not allow token {token} ({text:?}) here")]
    TokenRejected {
        /// The id.
        token: u32,
        /// Its bytes, lossily decoded.
        text: String,
    },
    /// The parser failed while running (a limit was hit, say).
    #[error("{backend} parser error: {message}")]
    Parser {
        /// The backend.
        backend: &'static str,
        /// The backend's message.
        message: String,
    },
}

impl SyntaxError {
    pub(crate) fn vocabulary(name: &str, reason: impl fmt::Display) -> SyntaxError {
        SyntaxError::Vocabulary {
            name: name.to_owned(),
            reason: reason.to_string(),
        }
    }

    /// A grammar error, with line and column pulled out of the backend's
    /// message where it gives them (`at 3(7): …` or `line 3, column 7`).
    pub(crate) fn grammar(backend: &'static str, message: impl fmt::Display) -> SyntaxError {
        let message = message.to_string();
        let message = message
            .split("\n<backtrace>")
            .next()
            .unwrap_or_default()
            .trim_end()
            .to_owned();
        let (line, column) = find_location(&message);
        SyntaxError::Grammar {
            backend,
            line,
            column,
            message,
        }
    }
}

struct Location(Option<u32>, Option<u32>);

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.1) {
            (Some(line), Some(column)) => write!(f, " at line {line}, column {column}"),
            (Some(line), None) => write!(f, " at line {line}"),
            _ => Ok(()),
        }
    }
}

fn leading_number(text: &str) -> Option<(u32, &str)> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    Some((text[..end].parse().ok()?, &text[end..]))
}

fn find_location(message: &str) -> (Option<u32>, Option<u32>) {
    // llguidance: "12(5): message" or "at 12(5): message"
    let starts = std::iter::once(0).chain(message.match_indices("at ").map(|(at, _)| at + 3));
    for start in starts {
        if let Some((line, rest)) = leading_number(&message[start..])
            && let Some(rest) = rest.strip_prefix('(')
            && let Some((column, rest)) = leading_number(rest)
            && rest.starts_with(')')
        {
            return (Some(line), Some(column));
        }
    }
    // xgrammar: "line 12, column 5"
    if let Some(at) = message.find("line ")
        && let Some((line, rest)) = leading_number(&message[at + 5..])
    {
        let column = rest
            .strip_prefix(", column ")
            .and_then(leading_number)
            .map(|(c, _)| c);
        return (Some(line), column);
    }
    (None, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_found_in_both_backends_messages() {
        assert_eq!(
            find_location("at 12(5): unknown name: foo"),
            (Some(12), Some(5))
        );
        assert_eq!(
            find_location("Lark error at line 3, column 9: expected ':'"),
            (Some(3), Some(9))
        );
        assert_eq!(find_location("no location here"), (None, None));
        let err = SyntaxError::grammar("llguidance", "at 2(1): bad");
        assert_eq!(
            err.to_string(),
            "llguidance rejected the grammar at line 2, column 1: at 2(1): bad"
        );
    }
}
