//! [`SyntaxVocab`]: one tokenizer's vocabulary, prepared once and shared.
//!
//! Loading a vocabulary builds three views of the same token table: the
//! core [`Vocabulary`] (bytes per id, for every domain), toktrie's
//! [`TokTrie`] (the flat byte trie llguidance walks) and an encoder that
//! turns text into the tokenizer's real token ids. All of it depends on the
//! vocabulary alone, so it is built once and shared behind an `Arc` by
//! every grammar and session.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use ananke_core::{TokenId, Vocabulary};
use toktrie::{TokEnv, TokRxInfo, TokTrie, TokenizerEnv};

use crate::SyntaxError;

/// How text becomes token ids.
enum Encoder {
    /// A tiktoken BPE (cl100k_base, o200k_base).
    Tiktoken(tiktoken_rs::CoreBPE),
    /// A Hugging Face `tokenizers` tokenizer.
    HuggingFace(Box<tokenizers::Tokenizer>),
    /// No tokenizer: the longest matching token at each position.
    Greedy,
}

/// A tokenizer's vocabulary with everything derived from it.
pub struct SyntaxVocab {
    vocab: Arc<Vocabulary>,
    trie: TokTrie,
    encoder: Encoder,
}

impl SyntaxVocab {
    /// OpenAI's `cl100k_base`, from the rank file inside `tiktoken-rs`.
    pub fn cl100k_base() -> Result<Arc<SyntaxVocab>, SyntaxError> {
        let bpe =
            tiktoken_rs::cl100k_base().map_err(|e| SyntaxError::vocabulary("cl100k_base", e))?;
        SyntaxVocab::from_tiktoken("cl100k_base", bpe)
    }

    /// OpenAI's `o200k_base`, from the rank file inside `tiktoken-rs`.
    pub fn o200k_base() -> Result<Arc<SyntaxVocab>, SyntaxError> {
        let bpe =
            tiktoken_rs::o200k_base().map_err(|e| SyntaxError::vocabulary("o200k_base", e))?;
        SyntaxVocab::from_tiktoken("o200k_base", bpe)
    }

    /// A vocabulary by name: `cl100k_base` or `o200k_base`.
    pub fn by_name(name: &str) -> Result<Arc<SyntaxVocab>, SyntaxError> {
        match name {
            "cl100k_base" | "cl100k" => SyntaxVocab::cl100k_base(),
            "o200k_base" | "o200k" => SyntaxVocab::o200k_base(),
            other => Err(SyntaxError::Vocabulary {
                name: other.to_owned(),
                reason:
                    "unknown vocabulary; known: cl100k_base, o200k_base (or load a tokenizer.json)"
                        .into(),
            }),
        }
    }

    fn from_tiktoken(
        name: &str,
        bpe: tiktoken_rs::CoreBPE,
    ) -> Result<Arc<SyntaxVocab>, SyntaxError> {
        let specials: Vec<(String, TokenId)> = bpe
            .special_tokens()
            .into_iter()
            .filter_map(|s| match bpe.encode_with_special_tokens(s).as_slice() {
                [id] => Some((s.to_owned(), *id)),
                _ => None,
            })
            .collect();
        let max_special = specials.iter().map(|(_, id)| *id).max();
        // Ordinary ranks are dense from 0; specials sit above them, with gaps.
        let mut tokens: Vec<Vec<u8>> = Vec::new();
        loop {
            let id = tokens.len() as TokenId;
            match bpe.decode_bytes(&[id]) {
                Ok(bytes) if !specials.iter().any(|(_, s)| *s == id) => tokens.push(bytes),
                _ => break,
            }
        }
        let n_vocab = max_special.map_or(tokens.len(), |m| (m as usize + 1).max(tokens.len()));
        tokens.resize(n_vocab, Vec::new());
        let eos: Vec<TokenId> = specials
            .iter()
            .filter(|(s, _)| s == "<|endoftext|>")
            .map(|(_, id)| *id)
            .collect();
        SyntaxVocab::assemble(name, tokens, &specials, &eos, Encoder::Tiktoken(bpe))
    }

    /// A Hugging Face `tokenizer.json`. Byte-level BPE vocabularies (GPT-2
    /// style) and SentencePiece-style ones (`▁` for a space, `<0x0A>` byte
    /// tokens) are both understood; added tokens marked `special` become
    /// special tokens, and `eos_names` (e.g. `["<|endoftext|>"]`) end
    /// generation.
    pub fn from_tokenizer_json(
        path: &Path,
        eos_names: &[&str],
    ) -> Result<Arc<SyntaxVocab>, SyntaxError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SyntaxError::vocabulary(&name, e))?;
        SyntaxVocab::from_tokenizer_json_str(&name, &text, eos_names)
    }

    /// Like [`from_tokenizer_json`](SyntaxVocab::from_tokenizer_json), from
    /// the file's text.
    pub fn from_tokenizer_json_str(
        name: &str,
        json: &str,
        eos_names: &[&str],
    ) -> Result<Arc<SyntaxVocab>, SyntaxError> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| SyntaxError::vocabulary(name, format!("not JSON: {e}")))?;
        let tokenizer = tokenizers::Tokenizer::from_bytes(json.as_bytes())
            .map_err(|e| SyntaxError::vocabulary(name, format!("not a tokenizer.json: {e}")))?;
        let byte_level = json_mentions_byte_level(&value);
        let vocab = tokenizer.get_vocab(true);
        let n_vocab = vocab.values().max().map_or(0, |m| *m as usize + 1);
        if n_vocab == 0 {
            return Err(SyntaxError::vocabulary(name, "the vocabulary is empty"));
        }
        let mut tokens = vec![Vec::new(); n_vocab];
        let mut specials = Vec::new();
        let added: HashMap<String, bool> = value["added_tokens"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| {
                Some((
                    t["content"].as_str()?.to_owned(),
                    t["special"].as_bool().unwrap_or(false),
                ))
            })
            .collect();
        let unicode_to_byte = gpt2_unicode_to_byte();
        for (text, id) in &vocab {
            let id = *id;
            if added.get(text) == Some(&true) {
                specials.push((text.clone(), id));
                continue;
            }
            tokens[id as usize] = if added.contains_key(text) {
                text.as_bytes().to_vec()
            } else if byte_level {
                text.chars()
                    .map(|c| unicode_to_byte.get(&c).copied().ok_or(c))
                    .collect::<Result<Vec<u8>, char>>()
                    .unwrap_or_else(|_| text.as_bytes().to_vec())
            } else {
                sentencepiece_bytes(text)
            };
        }
        let eos: Vec<TokenId> = eos_names
            .iter()
            .map(|n| {
                vocab.get(*n).copied().ok_or_else(|| {
                    SyntaxError::vocabulary(
                        name,
                        format!("end-of-sequence token `{n}` is not in the vocabulary"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        SyntaxVocab::assemble(
            name,
            tokens,
            &specials,
            &eos,
            Encoder::HuggingFace(Box::new(tokenizer)),
        )
    }

    /// A vocabulary given as token byte strings in id order (a GGUF
    /// vocabulary, say). Text is tokenized greedily (longest token first),
    /// which is valid but not the model's own tokenization.
    pub fn from_token_bytes(
        name: &str,
        tokens: Vec<Vec<u8>>,
        specials: &[(String, TokenId)],
        eos: &[TokenId],
    ) -> Result<Arc<SyntaxVocab>, SyntaxError> {
        SyntaxVocab::assemble(name, tokens, specials, eos, Encoder::Greedy)
    }

    fn assemble(
        name: &str,
        mut tokens: Vec<Vec<u8>>,
        specials: &[(String, TokenId)],
        eos: &[TokenId],
        encoder: Encoder,
    ) -> Result<Arc<SyntaxVocab>, SyntaxError> {
        if tokens.is_empty() {
            return Err(SyntaxError::vocabulary(name, "the vocabulary is empty"));
        }
        let n_vocab = tokens.len();
        for (text, id) in specials {
            let slot = tokens.get_mut(*id as usize).ok_or_else(|| {
                SyntaxError::vocabulary(
                    name,
                    format!("special token `{text}` has id {id} ≥ {n_vocab}"),
                )
            })?;
            // toktrie's convention: special tokens are 0xFF followed by
            // their name, bytes no text can contain.
            let mut bytes = vec![TokTrie::SPECIAL_TOKEN_MARKER];
            bytes.extend_from_slice(text.as_bytes());
            *slot = bytes;
        }
        let special_ids: Vec<TokenId> = specials.iter().map(|(_, id)| *id).collect();
        let vocab = Vocabulary::new(name, &tokens, &special_ids, eos)
            .map_err(|e| SyntaxError::vocabulary(name, e))?;
        let eos_for_trie = eos.first().copied().unwrap_or(n_vocab as TokenId);
        let info = TokRxInfo::new(n_vocab as u32, eos_for_trie);
        let trie = TokTrie::from(&info, &tokens).with_eos_tokens(eos);
        Ok(Arc::new(SyntaxVocab {
            vocab: Arc::new(vocab),
            trie,
            encoder,
        }))
    }

    /// The core vocabulary (bytes per id).
    pub fn vocabulary(&self) -> &Arc<Vocabulary> {
        &self.vocab
    }

    /// The vocabulary's name.
    pub fn name(&self) -> &str {
        self.vocab.name()
    }

    /// Number of token ids.
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    /// Whether there are no tokens (never true for a loaded vocabulary).
    pub fn is_empty(&self) -> bool {
        self.vocab.is_empty()
    }

    /// toktrie's byte trie over the vocabulary.
    pub fn trie(&self) -> &TokTrie {
        &self.trie
    }

    /// Tokenizes `text` as the tokenizer would (no special tokens).
    pub fn encode(&self, text: &str) -> Vec<TokenId> {
        match &self.encoder {
            Encoder::Tiktoken(bpe) => bpe.encode_ordinary(text),
            Encoder::HuggingFace(tokenizer) => tokenizer
                .encode(text, false)
                .map(|enc| enc.get_ids().to_vec())
                .unwrap_or_else(|_| self.trie.greedy_tokenize(text.as_bytes())),
            Encoder::Greedy => self.trie.greedy_tokenize(text.as_bytes()),
        }
    }

    /// The bytes of `tokens`, concatenated (special tokens included as
    /// `0xFF` + name).
    pub fn decode(&self, tokens: &[TokenId]) -> Vec<u8> {
        tokens
            .iter()
            .flat_map(|t| {
                self.vocab
                    .token_bytes(*t)
                    .unwrap_or_default()
                    .iter()
                    .copied()
            })
            .collect()
    }

    /// The vocabulary as llguidance's tokenizer environment (a cheap `Arc`
    /// wrapper), for callers that drive llguidance directly.
    pub fn llguidance_env(self: &Arc<SyntaxVocab>) -> TokEnv {
        Arc::new(TrieEnv(self.clone()))
    }
}

impl fmt::Debug for SyntaxVocab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyntaxVocab")
            .field("name", &self.name())
            .field("len", &self.len())
            .finish()
    }
}

/// llguidance's view of a [`SyntaxVocab`].
struct TrieEnv(Arc<SyntaxVocab>);

impl TokenizerEnv for TrieEnv {
    fn tok_trie(&self) -> &TokTrie {
        &self.0.trie
    }

    fn tokenize_bytes(&self, s: &[u8]) -> Vec<toktrie::TokenId> {
        match std::str::from_utf8(s) {
            Ok(text) => self.0.encode(text),
            Err(_) => self.0.trie.greedy_tokenize(s),
        }
    }

    /// A constraint must allow every tokenization of the text it accepts.
    /// Saying "not canonical" stops llguidance from narrowing steps whose
    /// bytes are forced down to the one canonical token (forced bytes are
    /// still offered through jump-forward).
    fn tokenize_is_canonical(&self) -> bool {
        false
    }
}

/// Whether a tokenizer.json uses GPT-2's byte-level alphabet.
fn json_mentions_byte_level(value: &serde_json::Value) -> bool {
    let is_byte_level = |v: &serde_json::Value| {
        v["type"] == "ByteLevel"
            || v["pretokenizers"]
                .as_array()
                .is_some_and(|list| list.iter().any(|p| p["type"] == "ByteLevel"))
            || v["decoders"]
                .as_array()
                .is_some_and(|list| list.iter().any(|p| p["type"] == "ByteLevel"))
    };
    is_byte_level(&value["pre_tokenizer"]) || is_byte_level(&value["decoder"])
}

/// GPT-2's printable stand-ins for bytes, inverted.
fn gpt2_unicode_to_byte() -> HashMap<char, u8> {
    let mut printable: Vec<u8> = (b'!'..=b'~')
        .chain(0xA1..=0xAC)
        .chain(0xAE..=0xFF)
        .collect();
    let mut map: HashMap<char, u8> = printable.iter().map(|&b| (char::from(b), b)).collect();
    let mut next = 0u32;
    for b in 0..=255u8 {
        if !printable.contains(&b) {
            if let Some(c) = char::from_u32(256 + next) {
                map.insert(c, b);
            }
            printable.push(b);
            next += 1;
        }
    }
    map
}

/// SentencePiece conventions: `▁` is a space, `<0xAB>` a raw byte.
fn sentencepiece_bytes(text: &str) -> Vec<u8> {
    if let Some(hex) = text.strip_prefix("<0x").and_then(|t| t.strip_suffix('>'))
        && hex.len() == 2
        && let Ok(byte) = u8::from_str_radix(hex, 16)
    {
        return vec![byte];
    }
    text.replace('\u{2581}', " ").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpt2_alphabet_covers_every_byte() {
        let map = gpt2_unicode_to_byte();
        assert_eq!(map.len(), 256);
        assert_eq!(map[&'Ġ'], b' ');
        assert_eq!(map[&'Ċ'], b'\n');
        assert_eq!(map[&'a'], b'a');
    }

    #[test]
    fn sentencepiece_conventions() {
        assert_eq!(sentencepiece_bytes("▁def"), b" def");
        assert_eq!(sentencepiece_bytes("<0x0A>"), b"\n");
        assert_eq!(sentencepiece_bytes("<0xZZ>"), b"<0xZZ>");
    }
}
