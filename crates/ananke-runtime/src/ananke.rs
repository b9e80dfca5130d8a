//! [`Ananke`]: a spec compiled once, from which sessions start.
//!
//! Compiling (vocabulary, domains, morphisms, engine, initial constraint,
//! caches) is [`crate::compile`]'s work and running is [`Session`]'s;
//! this is the handle between them that callers hold: cheap to share
//! across threads, one per spec (or one per vocabulary and domain set,
//! with [`Ananke::body_session`] for each prompt).

use std::path::Path;
use std::sync::Arc;

use ananke_core::ProductDomain;
use ananke_syntax::SyntaxVocab;

use crate::compile::CompiledSpec;
use crate::domains::BUILTIN;
use crate::error::RuntimeError;
use crate::fill::HoleSession;
use crate::session::Session;
use crate::spec::{Spec, check_body_prefix};
use crate::template::Template;

/// A compiled spec: vocabulary, grammar, product, propagation network and
/// the initial constraint, shared by every session.
pub struct Ananke {
    compiled: Arc<CompiledSpec>,
}

impl Ananke {
    /// Compiles `spec` with every built-in domain that applies to it (see
    /// [`Ananke::default_domains`]) and the spec's plugins.
    pub fn new(spec: &Spec) -> Result<Ananke, RuntimeError> {
        Ananke::with_domains(spec, &Ananke::default_domains(spec))
    }

    /// The built-in domains [`Ananke::new`] composes for `spec`: every one,
    /// except that the types, control-flow and semantics domains read
    /// Python and so join only when the grammar is the built-in Python one.
    pub fn default_domains(spec: &Spec) -> Vec<&'static str> {
        BUILTIN
            .iter()
            .filter(|d| (d.applies)(spec))
            .map(|d| d.name)
            .collect()
    }

    /// Compiles `spec` with the named domains only (`syntax` must be one).
    pub fn with_domains(spec: &Spec, domains: &[&str]) -> Result<Ananke, RuntimeError> {
        spec.validate()?;
        let vocab = load_vocab(&spec.syntax.tokenizer)?;
        Ananke::with_vocab(spec, vocab, domains)
    }

    /// Like [`Ananke::with_domains`], on a vocabulary the caller already
    /// holds (a model's own, say) instead of the spec's `tokenizer`. The
    /// vocabulary's derived tables are shared, so compiling many specs
    /// over one vocabulary is cheap.
    pub fn with_vocab(
        spec: &Spec,
        vocab: Arc<SyntaxVocab>,
        domains: &[&str],
    ) -> Result<Ananke, RuntimeError> {
        Ok(Ananke {
            compiled: Arc::new(CompiledSpec::compile(spec, vocab, domains)?),
        })
    }

    /// The vocabulary.
    pub fn vocab(&self) -> &Arc<SyntaxVocab> {
        &self.compiled.vocab
    }

    /// The product of the enabled domains.
    pub fn product(&self) -> &ProductDomain {
        self.compiled.product()
    }

    /// Distinct masks held in the cache shared by this spec's sessions
    /// (keys with equal masks share one).
    pub fn mask_cache_len(&self) -> usize {
        self.compiled
            .mask_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// A fresh session at the start of the output.
    pub fn session(&self) -> Result<Session, RuntimeError> {
        Session::start(
            self.compiled.clone(),
            self.compiled.initial.fork()?,
            self.compiled.body_prefix.as_deref(),
        )
    }

    /// A session that generates the body of the function `prefix` ends
    /// with, as a closed hole — what the spec's `types.body_prefix` does,
    /// for any prefix, without compiling the spec again: one `Ananke`
    /// serves every prompt. `prefix` must end with the `def ...:` line and
    /// a line break; the session starts with it committed.
    pub fn body_session(&self, prefix: &str) -> Result<Session, RuntimeError> {
        check_body_prefix(prefix)?;
        let state = self.compiled.body_state(prefix.len())?;
        Session::start(self.compiled.clone(), state, Some(prefix))
    }

    /// A session that writes hole `name` of `template` (the spec's
    /// `task.template`, or one with earlier holes filled: see
    /// [`HoleSession::filled`]): the code before the hole committed, the
    /// hole's shape, its expected type ([`Template::expecting`]) and the
    /// code after it judged
    /// (see [`crate::fill`]). Holes are written in the order of the text.
    pub fn hole_session(
        &self,
        template: &Template,
        name: &str,
    ) -> Result<HoleSession, RuntimeError> {
        let session = Session::start(self.compiled.clone(), self.compiled.initial.fork()?, None)?;
        let shape_tokens = self
            .compiled
            .shape_tokens
            .get_or_init(|| crate::fill::shape_tokens(self.compiled.vocab.vocabulary()))
            .clone();
        HoleSession::start(session, template, name, shape_tokens)
    }
}

fn load_vocab(tokenizer: &str) -> Result<Arc<SyntaxVocab>, RuntimeError> {
    match tokenizer {
        "cl100k_base" | "cl100k" | "o200k_base" | "o200k" => Ok(SyntaxVocab::by_name(tokenizer)?),
        path => Ok(SyntaxVocab::from_tokenizer_json(Path::new(path), &[])?),
    }
}
