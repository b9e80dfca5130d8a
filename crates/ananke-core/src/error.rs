//! The error type shared by core and the domains built on it.

use crate::TokenId;

/// Everything that can go wrong in core operations. Outcomes that are not
/// failures — a contradiction found by propagation, an `Unknown` verdict —
/// are values, not errors.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A token id at or beyond the vocabulary size.
    #[error("token id {token} is outside the vocabulary ({n_vocab} tokens)")]
    UnknownToken {
        /// The offending id.
        token: TokenId,
        /// The vocabulary size.
        n_vocab: usize,
    },
    /// A vocabulary that cannot be represented.
    #[error("invalid vocabulary: {reason}")]
    InvalidVocabulary {
        /// What is wrong with it.
        reason: String,
    },
    /// A domain failed in a way it could describe.
    #[error("domain `{domain}`: {message}")]
    Domain {
        /// The domain's name.
        domain: String,
        /// What went wrong, in words.
        message: String,
    },
    /// A type-erased constraint reached a domain, morphism or product slot
    /// built for another constraint type — a wiring mistake.
    #[error("`{context}` expects a constraint of type `{expected}` but was given `{found}`")]
    ConstraintType {
        /// The domain, morphism or slot that noticed.
        context: String,
        /// The type it works on.
        expected: &'static str,
        /// The type it was given.
        found: &'static str,
    },
    /// Two domains registered under one name.
    #[error("a domain named `{0}` is already registered")]
    DuplicateDomain(String),
    /// A name or id that names no registered domain.
    #[error("no domain `{0}` is registered")]
    UnknownDomain(String),
    /// A handle or constraint from one product used with another.
    #[error(
        "the handle or constraint belongs to another product (layout {found}, expected {expected})"
    )]
    ForeignProduct {
        /// The layout id of the product in use.
        expected: u64,
        /// The layout id the handle or constraint came from.
        found: u64,
    },
}

impl Error {
    /// Shorthand for [`Error::Domain`].
    pub fn domain(domain: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Domain {
            domain: domain.into(),
            message: message.into(),
        }
    }
}
