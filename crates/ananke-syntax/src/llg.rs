//! The llguidance backend: Earley parsing over a derivative-based lexer,
//! masks by walking toktrie's flat byte trie.

use std::sync::Arc;

use ananke_core::{TokenId, TokenMask};
use llguidance::api::TopLevelGrammar;
use llguidance::{Matcher, ParserFactory};

use crate::{
    CompiledGrammar, GrammarMatcher, GrammarSource, SyntaxBackend, SyntaxError, SyntaxVocab,
};

const NAME: &str = "llguidance";

/// Earley items llguidance may create while computing one mask.
///
/// The default (50,000) is exceeded by the Python grammar on o200k_base,
/// whose larger vocabulary makes the trie walk at an expression start
/// explore more lexer paths. 500,000 items cost about 25 ms at the
/// measured 20k items/ms, so the bound still stops a pathological grammar
/// quickly while leaving real grammars an order of magnitude of headroom.
pub const STEP_MAX_ITEMS: usize = 500_000;

/// Lexer fuel per mask (default 200,000); raised with the item limit for
/// the same reason.
pub const STEP_LEXER_FUEL: u64 = 2_000_000;

/// llguidance prepared for one vocabulary: the parser factory (token trie,
/// slicer) is built once and shared by every grammar.
pub struct LlguidanceBackend {
    vocab: Arc<SyntaxVocab>,
    factory: Arc<ParserFactory>,
}

impl LlguidanceBackend {
    /// Prepares llguidance for `vocab` (a few hundred milliseconds for
    /// large vocabularies; do it once).
    pub fn new(vocab: &Arc<SyntaxVocab>) -> Result<LlguidanceBackend, SyntaxError> {
        let env = vocab.tok_env();
        let mut factory = ParserFactory::new_simple(&env).map_err(|e| SyntaxError::Parser {
            backend: NAME,
            message: e.to_string(),
        })?;
        factory.quiet();
        let limits = factory.limits_mut();
        limits.step_max_items = STEP_MAX_ITEMS;
        limits.step_lexer_fuel = STEP_LEXER_FUEL;
        limits.verbose_errors = false;
        Ok(LlguidanceBackend {
            vocab: vocab.clone(),
            factory: Arc::new(factory),
        })
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

fn parser_error(e: impl std::fmt::Display) -> SyntaxError {
    SyntaxError::Parser {
        backend: NAME,
        message: e.to_string(),
    }
}

impl GrammarMatcher for LlgMatcher {
    fn fill_mask(&mut self, out: &mut TokenMask) -> Result<(), SyntaxError> {
        if self.matcher.is_error() {
            out.fill(false);
            return Ok(());
        }
        match self.matcher.compute_mask() {
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
