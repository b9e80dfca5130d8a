//! The backend abstraction: a grammar engine behind three small traits.
//!
//! A [`SyntaxBackend`] is built once per vocabulary and compiles grammar
//! text into a [`CompiledGrammar`]; a compiled grammar starts
//! [`GrammarMatcher`]s, one per parse. Backends are chosen by name at run
//! time ([`backend_by_name`]), so an experiment can swap llguidance for
//! xgrammar-rs without recompiling anything.

use std::path::Path;
use std::sync::Arc;

use ananke_core::{TokenId, TokenMask};

use crate::{LlguidanceBackend, SyntaxError, SyntaxVocab, XgrammarBackend};

/// Grammar text and the language it is written in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GrammarSource {
    /// Lark syntax (both backends; llguidance's dialect is the richer).
    Lark(String),
    /// GBNF-style EBNF with the given root rule (xgrammar only).
    Ebnf {
        /// The grammar text.
        text: String,
        /// The root rule's name.
        root: String,
    },
    /// A JSON schema, as JSON text (both backends).
    JsonSchema(String),
    /// A regular expression the whole output must match (both backends).
    Regex(String),
}

impl GrammarSource {
    /// Reads a grammar file, choosing the language by extension: `.lark`,
    /// `.ebnf`/`.gbnf` (root rule `root`), `.json` (a JSON schema),
    /// `.regex`/`.re`.
    pub fn from_file(path: &Path) -> Result<GrammarSource, SyntaxError> {
        let text = std::fs::read_to_string(path).map_err(|e| SyntaxError::Grammar {
            backend: "file",
            line: None,
            column: None,
            message: format!("cannot read {}: {e}", path.display()),
        })?;
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        match extension {
            "lark" => Ok(GrammarSource::Lark(text)),
            "ebnf" | "gbnf" => Ok(GrammarSource::Ebnf {
                text,
                root: "root".to_owned(),
            }),
            "json" => Ok(GrammarSource::JsonSchema(text)),
            "regex" | "re" => Ok(GrammarSource::Regex(text.trim_end_matches('\n').to_owned())),
            other => Err(SyntaxError::Grammar {
                backend: "file",
                line: None,
                column: None,
                message: format!(
                    "cannot tell the grammar language of {} from its extension `{other}` (use .lark, .ebnf, .gbnf, .json or .regex)",
                    path.display()
                ),
            }),
        }
    }

    /// The language's name, for messages.
    pub fn format_name(&self) -> &'static str {
        match self {
            GrammarSource::Lark(_) => "Lark",
            GrammarSource::Ebnf { .. } => "EBNF",
            GrammarSource::JsonSchema(_) => "JSON schema",
            GrammarSource::Regex(_) => "regex",
        }
    }
}

/// A grammar engine prepared for one vocabulary.
pub trait SyntaxBackend: Send + Sync {
    /// The backend's name (`"llguidance"`, `"xgrammar"`).
    fn name(&self) -> &'static str;

    /// The vocabulary it was prepared for.
    fn vocab(&self) -> &Arc<SyntaxVocab>;

    /// Compiles grammar text. Malformed grammars and grammars over a limit
    /// are errors that carry the backend's message and, where it gives
    /// one, the line and column.
    fn compile(&self, grammar: &GrammarSource) -> Result<Arc<dyn CompiledGrammar>, SyntaxError>;
}

/// A compiled grammar: starts parses.
pub trait CompiledGrammar: Send + Sync {
    /// The backend that compiled it.
    fn backend(&self) -> &'static str;

    /// A matcher at the start of the grammar.
    fn start(&self) -> Result<Box<dyn GrammarMatcher>, SyntaxError>;
}

/// One parse in progress.
///
/// Token ids are checked against the vocabulary by the caller. A matcher
/// that rejected a token or hit an internal error is *dead*: it allows
/// nothing until rolled back.
pub trait GrammarMatcher: Send {
    /// Overwrites `out` with the tokens allowed next (end-of-sequence tokens
    /// included when the text so far is complete).
    fn fill_mask(&mut self, out: &mut TokenMask) -> Result<(), SyntaxError>;

    /// Appends `token`; an error when the grammar does not allow it.
    fn consume(&mut self, token: TokenId) -> Result<(), SyntaxError>;

    /// Removes the last `n` tokens.
    fn rollback(&mut self, n: usize) -> Result<(), SyntaxError>;

    /// Whether the text so far is a complete sentence of the grammar.
    fn is_accepting(&mut self) -> bool;

    /// Whether the matcher rejected a token or failed.
    fn is_dead(&self) -> bool;

    /// An independent copy (for forks).
    fn fork(&self) -> Box<dyn GrammarMatcher>;

    /// Bytes the grammar forces next, if any (for jump-forward decoding).
    fn forced_bytes(&mut self) -> Vec<u8>;
}

/// The names [`backend_by_name`] knows.
pub const BACKENDS: &[&str] = &["llguidance", "xgrammar"];

/// Prepares the backend called `name` for `vocab`.
pub fn backend_by_name(
    name: &str,
    vocab: &Arc<SyntaxVocab>,
) -> Result<Arc<dyn SyntaxBackend>, SyntaxError> {
    match name {
        "llguidance" | "llg" => Ok(Arc::new(LlguidanceBackend::new(vocab)?)),
        "xgrammar" | "xgrammar-rs" => Ok(Arc::new(XgrammarBackend::new(vocab)?)),
        other => Err(SyntaxError::UnknownBackend {
            name: other.to_owned(),
            known: BACKENDS.to_vec(),
        }),
    }
}
