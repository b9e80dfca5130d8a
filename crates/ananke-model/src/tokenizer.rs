//! The model's tokenizer, rebuilt from the GGUF file's metadata.
//!
//! SmolLM2's GGUF carries a GPT-2 style byte-level BPE (`tokenizer.ggml.model
//! = "gpt2"`): the token strings, the merges and which tokens are control
//! tokens. We turn that into a `tokenizer.json` document once, and both
//! consumers read the same document: the `tokenizers` crate (the model's own
//! tokenization, added tokens matched atomically) and Ananke's
//! [`SyntaxVocab`] (raw token bytes for the masks). One source means the
//! model and the masks can never disagree about what a token id spells.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use ananke_syntax::SyntaxVocab;
use candle_core::quantized::gguf_file::{Content, Value};
use serde_json::{Value as Json, json};

use crate::ModelError;

/// GGUF's token type for control tokens (`<|im_start|>` and friends).
const CONTROL: i32 = 3;

/// The model's tokenizer and the matching Ananke vocabulary.
pub struct ModelTokenizer {
    tokenizer: tokenizers::Tokenizer,
    vocab: Arc<SyntaxVocab>,
    json: String,
    eos: Vec<u32>,
    chat_template: Option<String>,
}

impl std::fmt::Debug for ModelTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelTokenizer")
            .field("len", &self.vocab.len())
            .field("eos", &self.eos)
            .finish()
    }
}

impl ModelTokenizer {
    /// Reads the tokenizer from a GGUF file's metadata. Generation ends at
    /// any of the `eos_names` (they must be control tokens of the model).
    pub fn from_gguf(content: &Content, eos_names: &[&str]) -> Result<ModelTokenizer, ModelError> {
        let meta = |key: &str| {
            content
                .metadata
                .get(key)
                .ok_or_else(|| ModelError::Format(format!("the GGUF metadata lacks `{key}`")))
        };
        let kind = meta("tokenizer.ggml.model")?
            .to_string()
            .map_err(ModelError::candle)?;
        if kind != "gpt2" {
            return Err(ModelError::Format(format!(
                "tokenizer.ggml.model is `{kind}`; only GPT-2 style byte-level BPE (`gpt2`) is supported"
            )));
        }
        let tokens = strings(meta("tokenizer.ggml.tokens")?, "tokenizer.ggml.tokens")?;
        let merges = strings(meta("tokenizer.ggml.merges")?, "tokenizer.ggml.merges")?;
        let types: Vec<i32> = match content.metadata.get("tokenizer.ggml.token_type") {
            Some(v) => v
                .to_vec()
                .map_err(ModelError::candle)?
                .iter()
                .map(|t| t.to_i32().map_err(ModelError::candle))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        let chat_template = content
            .metadata
            .get("tokenizer.chat_template")
            .and_then(|v| v.to_string().ok())
            .cloned();
        let json = tokenizer_json(&tokens, &merges, &types)?;
        ModelTokenizer::from_json(json, eos_names, chat_template)
    }

    /// Builds the tokenizer from a `tokenizer.json` document.
    pub fn from_json(
        json: String,
        eos_names: &[&str],
        chat_template: Option<String>,
    ) -> Result<ModelTokenizer, ModelError> {
        let tokenizer = tokenizers::Tokenizer::from_str(&json)
            .map_err(|e| ModelError::Format(format!("the rebuilt tokenizer is invalid: {e}")))?;
        let vocab = SyntaxVocab::from_tokenizer_json_str("smollm2", &json, eos_names)
            .map_err(|e| ModelError::Format(e.to_string()))?;
        let eos = eos_names
            .iter()
            .filter_map(|n| tokenizer.token_to_id(n))
            .collect();
        Ok(ModelTokenizer {
            tokenizer,
            vocab,
            json,
            eos,
            chat_template,
        })
    }

    /// Token ids of `text`, as the model tokenizes it; control tokens
    /// written in the text (`<|im_start|>`) are matched atomically.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, ModelError> {
        self.tokenizer
            .encode(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| ModelError::Format(format!("cannot tokenize: {e}")))
    }

    /// The raw bytes the tokens spell (control tokens spell nothing).
    pub fn bytes(&self, tokens: &[u32]) -> Vec<u8> {
        let vocab = self.vocab.vocabulary();
        let mut out = Vec::new();
        for &t in tokens {
            if !vocab.is_special(t) {
                out.extend_from_slice(vocab.token_bytes(t).unwrap_or_default());
            }
        }
        out
    }

    /// The Ananke vocabulary over the same ids.
    pub fn vocab(&self) -> &Arc<SyntaxVocab> {
        &self.vocab
    }

    /// Number of token ids.
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    /// Whether the vocabulary is empty (never, for a loaded model).
    pub fn is_empty(&self) -> bool {
        self.vocab.is_empty()
    }

    /// The end-of-sequence ids.
    pub fn eos(&self) -> &[u32] {
        &self.eos
    }

    /// The id of a control token by name.
    pub fn token_id(&self, name: &str) -> Option<u32> {
        self.tokenizer.token_to_id(name)
    }

    /// The chat template stored in the GGUF, if any.
    pub fn chat_template(&self) -> Option<&str> {
        self.chat_template.as_deref()
    }

    /// The chat text for one user message with the generation prompt
    /// added, rendered from the GGUF's own chat template (a Jinja
    /// template; with no template, ChatML with no system message).
    pub fn chat(&self, user: &str) -> Result<String, ModelError> {
        let Some(template) = &self.chat_template else {
            return Ok(format!(
                "<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"
            ));
        };
        let bad = |e: minijinja::Error| ModelError::Format(format!("the chat template: {e}"));
        let mut env = minijinja::Environment::new();
        env.add_template("chat", template).map_err(bad)?;
        let message = minijinja::Value::from_iter([("role", "user"), ("content", user)]);
        let context = minijinja::Value::from_iter([
            ("messages", minijinja::Value::from(vec![message])),
            ("add_generation_prompt", minijinja::Value::from(true)),
        ]);
        env.get_template("chat")
            .and_then(|t| t.render(context))
            .map_err(bad)
    }

    /// The `tokenizer.json` document both consumers were built from.
    pub fn json(&self) -> &str {
        &self.json
    }
}

fn strings(value: &Value, key: &str) -> Result<Vec<String>, ModelError> {
    value
        .to_vec()
        .map_err(ModelError::candle)?
        .iter()
        .map(|v| {
            v.to_string()
                .cloned()
                .map_err(|_| ModelError::Format(format!("`{key}` holds a value that is not text")))
        })
        .collect()
}

/// A `tokenizer.json` document for a GPT-2 style byte-level BPE: digits
/// split one by one (SmolLM2's `smollm` pre-tokenizer), then GPT-2's
/// byte-level split; control tokens become special added tokens.
fn tokenizer_json(
    tokens: &[String],
    merges: &[String],
    types: &[i32],
) -> Result<String, ModelError> {
    let mut vocab = serde_json::Map::with_capacity(tokens.len());
    let mut added = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (id, token) in tokens.iter().enumerate() {
        if let Some(first) = seen.insert(token, id) {
            return Err(ModelError::Format(format!(
                "token `{token}` appears twice (ids {first} and {id})"
            )));
        }
        vocab.insert(token.clone(), json!(id));
        if types.get(id) == Some(&CONTROL) {
            added.push(json!({
                "id": id, "content": token, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true
            }));
        }
    }
    let merges: Vec<Json> = merges
        .iter()
        .map(|m| {
            m.split_once(' ')
                .map(|(a, b)| json!([a, b]))
                .ok_or_else(|| ModelError::Format(format!("merge `{m}` has no space")))
        })
        .collect::<Result<_, _>>()?;
    let doc = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": null,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": true},
            {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
        ]},
        "post_processor": null,
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null,
            "continuing_subword_prefix": null, "end_of_word_suffix": null,
            "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
            "vocab": vocab, "merges": merges
        }
    });
    Ok(doc.to_string())
}
