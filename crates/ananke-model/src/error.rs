//! [`ModelError`]: what can go wrong loading or running the model, one
//! type for every module of the crate.

use std::path::{Path, PathBuf};

/// What can go wrong loading or running the model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file the model needs is not there.
    #[error("{}: not found; {hint}", path.display())]
    Missing {
        /// The file looked for.
        path: PathBuf,
        /// What to run to get it.
        hint: &'static str,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A file is not what it should be (GGUF metadata, tokenizer).
    #[error("{0}")]
    Format(String),
    /// candle failed.
    #[error("candle: {0}")]
    Candle(String),
    /// A task or its constraints are unusable.
    #[error("{0}")]
    Task(String),
    /// The constraints failed.
    #[error(transparent)]
    Runtime(#[from] ananke_runtime::RuntimeError),
}

impl ModelError {
    /// A failed read or write of `path`.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> ModelError {
        ModelError::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// A candle failure, in words.
    pub(crate) fn candle(e: impl std::fmt::Display) -> ModelError {
        ModelError::Candle(e.to_string())
    }
}
