//! The llguidance backend: Earley parsing over a derivative-based lexer,
//! masks by walking toktrie's flat byte trie.
//!
//! llguidance's matcher catches its own panics and reports them as
//! errors, which this backend passes on as [`SyntaxError`]s; a mask that
//! would run past [`LlguidanceLimits`] fails the same way instead of
//! running long.

use std::sync::Arc;

use ananke_core::{TokenId, TokenMask};
use llguidance::api::TopLevelGrammar;
use llguidance::{Matcher, ParserFactory};

use crate::{
    CompiledGrammar, GrammarMatcher, GrammarSource, SyntaxBackend, SyntaxError, SyntaxVocab,
};

const NAME: &str = "llguidance";

/// Per-mask work bounds handed to llguidance.
///
/// A mask that would exceed them fails with an error instead of running
/// long. llguidance's defaults (50,000 Earley items, 200,000 units of lexer
/// fuel) are sized for JSON; see [`LlguidanceLimits::default`] for ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LlguidanceLimits {
    /// Earley items created while computing one mask.
    pub step_max_items: usize,
    /// Lexer fuel spent while computing one mask.
    pub step_lexer_fuel: u64,
}

impl LlguidanceLimits {
    /// llguidance's own defaults.
    pub fn llguidance_defaults() -> LlguidanceLimits {
        let limits = llguidance::api::ParserLimits::default();
        LlguidanceLimits {
            step_max_items: limits.step_max_items,
            step_lexer_fuel: limits.step_lexer_fuel,
        }
    }
}

impl Default for LlguidanceLimits {
    /// Ten times llguidance's defaults: 500,000 items and 2,000,000 fuel.
    /// Expression starts in the Python grammar walk most of the vocabulary
    /// trie, and a larger vocabulary (o200k_base) walks more of it; at the
    /// documented ~20k items/ms a mask at the item bound costs about 25 ms,
    /// so a pathological grammar is still stopped quickly while real ones
    /// keep an order of magnitude of headroom.
    fn default() -> LlguidanceLimits {
        LlguidanceLimits {
            step_max_items: 500_000,
            step_lexer_fuel: 2_000_000,
        }
    }
}

/// llguidance prepared for one vocabulary: the parser factory (token trie,
/// slicer) is built once and shared by every grammar.
pub struct LlguidanceBackend {
    vocab: Arc<SyntaxVocab>,
    factory: Arc<ParserFactory>,
}

impl LlguidanceBackend {
    /// Prepares llguidance for `vocab` (a few hundred milliseconds for
    /// large vocabularies; do it once) with [`LlguidanceLimits::default`].
    pub fn new(vocab: &Arc<SyntaxVocab>) -> Result<LlguidanceBackend, SyntaxError> {
        LlguidanceBackend::with_limits(vocab, LlguidanceLimits::default())
    }

    /// Like [`new`](LlguidanceBackend::new) with explicit per-mask limits.
    pub fn with_limits(
        vocab: &Arc<SyntaxVocab>,
        bounds: LlguidanceLimits,
    ) -> Result<LlguidanceBackend, SyntaxError> {
        LlguidanceBackend::with_options(vocab, bounds, &default_slices())
    }

    /// Like [`with_limits`](LlguidanceBackend::with_limits) with explicit
    /// slices: regexes that split the vocabulary so that a mask can admit
    /// a whole slice at once when the lexer state accepts all of it,
    /// instead of walking those tokens one by one.
    pub fn with_options(
        vocab: &Arc<SyntaxVocab>,
        bounds: LlguidanceLimits,
        slices: &[String],
    ) -> Result<LlguidanceBackend, SyntaxError> {
        let env = vocab.llguidance_env();
        let caps = toktrie::InferenceCapabilities::default();
        let mut factory =
            ParserFactory::new(&env, caps, slices).map_err(|e| SyntaxError::Parser {
                backend: NAME,
                message: e.to_string(),
            })?;
        factory.quiet();
        let limits = factory.limits_mut();
        limits.step_max_items = bounds.step_max_items;
        limits.step_lexer_fuel = bounds.step_lexer_fuel;
        limits.verbose_errors = false;
        Ok(LlguidanceBackend {
            vocab: vocab.clone(),
            factory: Arc::new(factory),
        })
    }
}

impl LlguidanceBackend {
    /// A plain llguidance [`Matcher`] for the Lark grammar `lark`, made by
    /// this backend's factory (same tokenizer environment, slices and
    /// limits), without Ananke around it: what the benchmarks measure
    /// Ananke's masks against, side by side on the same grammar.
    pub fn raw_matcher(&self, lark: &str) -> Result<Matcher, SyntaxError> {
        let parser = self
            .factory
            .create_parser(TopLevelGrammar::from_lark(lark.to_owned()))
            .map_err(|e| SyntaxError::grammar(NAME, e))?;
        let matcher = Matcher::new(Ok(parser));
        match matcher.get_error() {
            Some(err) => Err(SyntaxError::grammar(NAME, err)),
            None => Ok(matcher),
        }
    }
}

impl SyntaxBackend for LlguidanceBackend {
    fn name(&self) -> &'static str {
        NAME
    }

    fn vocab(&self) -> &Arc<SyntaxVocab> {
        &self.vocab
    }

    fn compile(&self, grammar: &GrammarSource) -> Result<Arc<dyn CompiledGrammar>, SyntaxError> {
        let top = match grammar {
            GrammarSource::Lark(text) => TopLevelGrammar::from_lark(text.clone()),
            GrammarSource::JsonSchema(text) => {
                let schema: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                    SyntaxError::grammar(NAME, format!("the JSON schema is not JSON: {e}"))
                })?;
                TopLevelGrammar::from_json_schema(schema)
            }
            GrammarSource::Regex(rx) => TopLevelGrammar::from_regex(rx),
            GrammarSource::Ebnf { .. } => {
                return Err(SyntaxError::UnsupportedFormat {
                    backend: NAME,
                    format: "EBNF",
                });
            }
        };
        let parser = self
            .factory
            .create_parser(top)
            .map_err(|e| SyntaxError::grammar(NAME, e))?;
        let template = Matcher::new(Ok(parser));
        if let Some(err) = template.get_error() {
            return Err(SyntaxError::grammar(NAME, err));
        }
        Ok(Arc::new(LlgGrammar { template }))
    }
}

/// The slices the backend uses unless told otherwise: identifiers, with
/// and without a leading space, and identifier continuations.
///
/// Code masks spend most of their time on steps where nearly every
/// identifier-like token is allowed (an expression start, the middle of a
/// name). Measured on 70 MBPP programs force-fed through the Python
/// grammar, these cut the median mask from 0.73 to 0.69 ms on cl100k_base
/// and from 1.08 to 0.97 ms on o200k_base against llguidance's general
/// (JSON-string) slices; using both sets was slower than either.
pub fn default_slices() -> Vec<String> {
    [
        r"[a-zA-Z_][a-zA-Z0-9_]*",
        r" [a-zA-Z_][a-zA-Z0-9_]*",
        r"[a-zA-Z0-9_]+",
    ]
    .map(String::from)
    .to_vec()
}

struct LlgGrammar {
    /// A matcher at the start; every parse begins as a copy.
    template: Matcher,
}

impl CompiledGrammar for LlgGrammar {
    fn backend(&self) -> &'static str {
        NAME
    }

    fn start(&self) -> Result<Box<dyn GrammarMatcher>, SyntaxError> {
        Ok(Box::new(LlgMatcher {
            matcher: self.template.deep_clone(),
        }))
    }
}

struct LlgMatcher {
    matcher: Matcher,
}

/// llguidance's messages can carry a backtrace and parser dump; keep the
/// part a person reads.
fn parser_error(e: impl std::fmt::Display) -> SyntaxError {
    let message = e.to_string();
    let message = message
        .split("\n<backtrace>")
        .next()
        .unwrap_or_default()
        .trim_end();
    SyntaxError::Parser {
        backend: NAME,
        message: message.to_owned(),
    }
}

impl GrammarMatcher for LlgMatcher {
    fn fill_mask(&mut self, out: &mut TokenMask) -> Result<(), SyntaxError> {
        if self.matcher.is_error() {
            out.fill(false);
            return Ok(());
        }
        // A parser that has stopped (the grammar cannot continue) allows
        // only the end of sequence; compute_mask_or_eos says so.
        match self.matcher.compute_mask_or_eos() {
            Ok(vob) => {
                out.copy_from_u32_words(vob.as_slice());
                Ok(())
            }
            // llguidance stops with an error when no token is allowed; for
            // a constraint that is simply the empty mask.
            Err(_) if self.matcher.is_stopped() && !self.matcher.is_error() => {
                out.fill(false);
                Ok(())
            }
            Err(e) => Err(parser_error(e)),
        }
    }

    fn consume(&mut self, token: TokenId) -> Result<(), SyntaxError> {
        // try_consume_tokens leaves the matcher usable when the token is
        // rejected (consume_token would put it in a terminal error state).
        match self.matcher.try_consume_tokens(&[token]) {
            Ok(1) => Ok(()),
            Ok(_) => Err(SyntaxError::TokenRejected {
                token,
                text: String::new(),
            }),
            Err(e) => Err(parser_error(e)),
        }
    }

    fn rollback(&mut self, n: usize) -> Result<(), SyntaxError> {
        self.matcher.rollback(n).map_err(parser_error)
    }

    fn is_accepting(&mut self) -> bool {
        self.matcher.is_accepting().unwrap_or(false)
    }

    fn is_dead(&self) -> bool {
        self.matcher.is_error()
    }

    fn fork(&self) -> Box<dyn GrammarMatcher> {
        Box::new(LlgMatcher {
            matcher: self.matcher.deep_clone(),
        })
    }

    fn forced_bytes(&mut self) -> Vec<u8> {
        self.matcher.compute_ff_bytes()
    }
}
