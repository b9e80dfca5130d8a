//! [`RuntimeError`]: everything that can go wrong in the runtime, from
//! compiling a spec to running a session.
//!
//! One type for both, because the calls an inference engine makes mix them
//! (a body session compiles its start and commits a prefix), and separate
//! from both so that neither the compiler nor the session owns the other's
//! failures.

use ananke_core::{Error, TokenId};
use ananke_syntax::SyntaxError;

use crate::domains::{DOMAINS, DomainError};
use crate::holes::HoleError;
use crate::plugin::PluginError;
use crate::spec::SpecError;

/// Everything that can go wrong in the runtime.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The spec is invalid.
    #[error("invalid spec: {0}")]
    Spec(#[from] SpecError),
    /// Loading the tokenizer or compiling the grammar failed.
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    /// A core operation failed (a wiring mistake, an unknown token id).
    #[error(transparent)]
    Core(#[from] Error),
    /// The spec's constraints contradict each other.
    #[error("the spec is contradictory: {0}")]
    Contradiction(String),
    /// The token is not allowed; the session is unchanged.
    #[error("token {token} ({text:?}) is rejected: {}", .reasons.iter().map(|(d, r)| format!("{d}: {r}")).collect::<Vec<_>>().join("; "))]
    Rejected {
        /// The token id.
        token: TokenId,
        /// Its text.
        text: String,
        /// Each rejecting domain and why.
        reasons: Vec<(String, String)>,
    },
    /// Rolling back further than the tokens committed.
    #[error("cannot roll back {requested} tokens: only {available} committed")]
    RollbackTooFar {
        /// Tokens asked for.
        requested: usize,
        /// Tokens there are.
        available: usize,
    },
    /// No checkpoint with that id.
    #[error("no checkpoint {0}")]
    UnknownCheckpoint(u64),
    /// An unknown domain name (in `--domains`).
    #[error("unknown domain `{0}` (available: {available})", available = DOMAINS.join(", "))]
    UnknownDomain(String),
    /// A hole the tree does not have.
    #[error(transparent)]
    Hole(#[from] HoleError),
    /// A plugin could not be loaded or set up.
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// An earlier internal error left the session unusable.
    #[error("the session failed earlier and cannot continue: {0}")]
    Poisoned(String),
}

impl From<crate::template::TemplateError> for RuntimeError {
    fn from(err: crate::template::TemplateError) -> RuntimeError {
        RuntimeError::Spec(SpecError {
            field: "task.template".to_owned(),
            message: err.to_string(),
        })
    }
}

impl From<DomainError> for RuntimeError {
    fn from(err: DomainError) -> RuntimeError {
        match err {
            DomainError::Spec(e) => RuntimeError::Spec(e),
            DomainError::Syntax(e) => RuntimeError::Syntax(e),
            DomainError::Core(e) => RuntimeError::Core(e),
        }
    }
}
