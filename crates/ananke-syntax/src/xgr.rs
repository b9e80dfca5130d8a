//! The xgrammar-rs backend: XGrammar's pushdown automata and adaptive
//! token-mask cache, in pure Rust.

use std::sync::Arc;

use ananke_core::{TokenId, TokenMask};
use xgrammar::{
    CompiledGrammar as XCompiled, GrammarCompiler, GrammarMatcher as XMatcher, TokenizerInfo,
    VocabType,
};

use crate::{
    CompiledGrammar, GrammarMatcher, GrammarSource, SyntaxBackend, SyntaxError, SyntaxVocab,
};

const NAME: &str = "xgrammar";

/// xgrammar-rs prepared for one vocabulary: the tokenizer info (sorted
/// vocabulary, trie ranges) and the grammar compiler with its cache.
pub struct XgrammarBackend {
    vocab: Arc<SyntaxVocab>,
    compiler: GrammarCompiler,
}

impl XgrammarBackend {
    /// Prepares xgrammar-rs for `vocab`.
    pub fn new(vocab: &Arc<SyntaxVocab>) -> Result<XgrammarBackend, SyntaxError> {
        let core = vocab.vocabulary();
        // Special tokens are empty strings to XGrammar: never text.
        let tokens: Vec<Vec<u8>> = core
            .iter()
            .map(|(id, bytes)| {
                if core.is_special(id) {
                    Vec::new()
                } else {
                    bytes.to_vec()
                }
            })
            .collect();
        let stop: Vec<i32> = core.eos().iter().map(|&t| t as i32).collect();
        let info = TokenizerInfo::new_from_bytes(
            &tokens,
            VocabType::Raw,
            Some(tokens.len() as i32),
            Some(stop),
            false,
        )
        .map_err(|e| SyntaxError::vocabulary(vocab.name(), e))?;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as i32;
        Ok(XgrammarBackend {
            vocab: vocab.clone(),
            compiler: GrammarCompiler::new(info, threads, true, -1),
        })
    }
}

impl SyntaxBackend for XgrammarBackend {
    fn name(&self) -> &'static str {
        NAME
    }

    fn vocab(&self) -> &Arc<SyntaxVocab> {
        &self.vocab
    }

    fn compile(&self, grammar: &GrammarSource) -> Result<Arc<dyn CompiledGrammar>, SyntaxError> {
        let compiled = match grammar {
            GrammarSource::Lark(text) => self.compiler.compile_lark(text, &[]),
            GrammarSource::Ebnf { text, root } => self.compiler.compile_grammar_ebnf(text, root),
            GrammarSource::JsonSchema(text) => {
                serde_json::from_str::<serde_json::Value>(text).map_err(|e| {
                    SyntaxError::grammar(NAME, format!("the JSON schema is not JSON: {e}"))
                })?;
                self.compiler
                    .compile_json_schema(text, true, None, None, true, None)
            }
            GrammarSource::Regex(rx) => self.compiler.compile_regex(rx),
        }
        .map_err(|e| SyntaxError::grammar(NAME, e))?;
        Ok(Arc::new(XgrGrammar {
            compiled,
            n_vocab: self.vocab.len(),
        }))
    }
}

struct XgrGrammar {
    compiled: XCompiled,
    n_vocab: usize,
}

impl CompiledGrammar for XgrGrammar {
    fn backend(&self) -> &'static str {
        NAME
    }

    fn start(&self) -> Result<Box<dyn GrammarMatcher>, SyntaxError> {
        Ok(Box::new(XgrMatcher {
            matcher: XMatcher::from_compiled_grammar(&self.compiled, false),
            words: vec![0; self.n_vocab.div_ceil(32)],
        }))
    }
}

struct XgrMatcher {
    matcher: XMatcher,
    /// The engine's bitmask row, reused every step.
    words: Vec<i32>,
}

impl GrammarMatcher for XgrMatcher {
    fn fill_mask(&mut self, out: &mut TokenMask) -> Result<(), SyntaxError> {
        if self.matcher.is_terminated() {
            out.fill(false);
            return Ok(());
        }
        let shape = [self.words.len() as i64];
        self.matcher
            .fill_next_token_bitmask(&mut self.words, &shape, 0)
            .map_err(|e| SyntaxError::Parser {
                backend: NAME,
                message: e.to_string(),
            })?;
        out.copy_from_u32_words(bytemuck::cast_slice(&self.words));
        Ok(())
    }

    fn consume(&mut self, token: TokenId) -> Result<(), SyntaxError> {
        let accepted = i32::try_from(token).is_ok_and(|t| self.matcher.accept_token(t));
        if accepted {
            Ok(())
        } else {
            Err(SyntaxError::TokenRejected {
                token,
                text: String::new(),
            })
        }
    }

    fn rollback(&mut self, n: usize) -> Result<(), SyntaxError> {
        self.matcher
            .rollback(i32::try_from(n).unwrap_or(i32::MAX))
            .map_err(|e| SyntaxError::Parser {
                backend: NAME,
                message: e.to_string(),
            })
    }

    fn is_accepting(&mut self) -> bool {
        self.matcher.is_completed()
    }

    fn is_dead(&self) -> bool {
        false
    }

    fn fork(&self) -> Box<dyn GrammarMatcher> {
        Box::new(XgrMatcher {
            matcher: self.matcher.fork(),
            words: self.words.clone(),
        })
    }

    fn forced_bytes(&mut self) -> Vec<u8> {
        self.matcher.find_jump_forward_string().unwrap_or_default()
    }
}
