//! [`Tokenizer`]: a vocabulary the masks are computed over.
//!
//! The bitmask an engine applies is indexed by the model's token ids, so
//! the vocabulary must be the model's own: tiktoken's `cl100k_base` and
//! `o200k_base`, a Hugging Face `tokenizer.json` (or a `tokenizers` /
//! transformers tokenizer object, read through its JSON), or the tokenizer
//! a GGUF file carries in its metadata (rebuilt exactly as the Rust
//! decoder rebuilds it, so both agree on every id).

use std::path::PathBuf;
use std::sync::Arc;

use ananke_core::TokenId;
use ananke_syntax::SyntaxVocab;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::{TokenizerError, guard};

/// End-of-sequence tokens looked for when a Hugging Face tokenizer is
/// loaded without naming its own.
const EOS_CANDIDATES: &[&str] = &[
    "<|im_end|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|end_of_text|>",
    "</s>",
    "<eos>",
];

/// A tokenizer's vocabulary, shared (cheaply) by every spec compiled over
/// it.
#[pyclass(module = "ananke._ananke", frozen)]
pub struct Tokenizer {
    pub(crate) vocab: Arc<SyntaxVocab>,
}

impl Tokenizer {
    fn checked_ids(&self, ids: &[i64]) -> PyResult<Vec<TokenId>> {
        ids.iter()
            .map(|&id| {
                TokenId::try_from(id)
                    .ok()
                    .filter(|t| (*t as usize) < self.vocab.len())
                    .ok_or_else(|| {
                        PyValueError::new_err(format!(
                            "token id {id} is outside the vocabulary ({} tokens)",
                            self.vocab.len()
                        ))
                    })
            })
            .collect()
    }
}

#[pymethods]
impl Tokenizer {
    /// tiktoken's `cl100k_base` or `o200k_base` (the rank files ship inside
    /// the extension).
    #[staticmethod]
    fn from_tiktoken(py: Python<'_>, name: &str) -> PyResult<Tokenizer> {
        let name = name.to_owned();
        let vocab = py
            .detach(move || {
                std::panic::catch_unwind(move || SyntaxVocab::by_name(&name))
                    .map_err(|p| crate::panic_message(p.as_ref()))
            })
            .map_err(|e| TokenizerError::new_err(format!("internal error: {e}")))?
            .map_err(|e| TokenizerError::new_err(e.to_string()))?;
        Ok(Tokenizer { vocab })
    }

    /// A Hugging Face tokenizer: a path to a `tokenizer.json` (or to the
    /// folder holding one), a `tokenizers.Tokenizer`, or a transformers
    /// fast tokenizer. `eos_tokens` names the tokens that end generation
    /// (default: those of the usual end markers the vocabulary has, and a
    /// transformers tokenizer's own `eos_token`).
    #[staticmethod]
    #[pyo3(signature = (tokenizer, eos_tokens=None))]
    fn from_hf(
        py: Python<'_>,
        tokenizer: &Bound<'_, PyAny>,
        eos_tokens: Option<Vec<String>>,
    ) -> PyResult<Tokenizer> {
        let (name, json) = hf_json(tokenizer)?;
        let eos_tokens = match eos_tokens {
            Some(names) => names,
            None => {
                let mut names: Vec<String> = Vec::new();
                if let Ok(eos) = tokenizer.getattr("eos_token")
                    && let Ok(eos) = eos.extract::<String>()
                {
                    names.push(eos);
                }
                let parsed = tokenizers::Tokenizer::from_bytes(json.as_bytes())
                    .map_err(|e| TokenizerError::new_err(format!("{name}: {e}")))?;
                names.extend(
                    EOS_CANDIDATES
                        .iter()
                        .filter(|n| parsed.token_to_id(n).is_some())
                        .map(|n| (*n).to_owned()),
                );
                names.dedup();
                names
            }
        };
        guard("Tokenizer.from_hf", || {
            let eos: Vec<&str> = eos_tokens.iter().map(String::as_str).collect();
            let vocab = py
                .detach(|| SyntaxVocab::from_tokenizer_json_str(&name, &json, &eos))
                .map_err(|e| TokenizerError::new_err(e.to_string()))?;
            Ok(Tokenizer { vocab })
        })
    }

    /// The tokenizer in a GGUF file's metadata (GPT-2 style byte-level BPE,
    /// as SmolLM2's), rebuilt as the Rust decoder rebuilds it. Generation
    /// ends at any of `eos_tokens` (default `<|im_end|>` and
    /// `<|endoftext|>`).
    #[staticmethod]
    #[pyo3(signature = (path, eos_tokens=None))]
    fn from_gguf(
        py: Python<'_>,
        path: PathBuf,
        eos_tokens: Option<Vec<String>>,
    ) -> PyResult<Tokenizer> {
        let eos_tokens = eos_tokens.unwrap_or_else(|| {
            ananke_model::model::EOS_NAMES
                .iter()
                .map(|n| (*n).to_owned())
                .collect()
        });
        guard("Tokenizer.from_gguf", || {
            let loaded = py.detach(|| -> Result<Arc<SyntaxVocab>, String> {
                let mut file = std::fs::File::open(&path)
                    .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
                let content = candle_core::quantized::gguf_file::Content::read(&mut file)
                    .map_err(|e| format!("{} is not a GGUF file: {e}", path.display()))?;
                let eos: Vec<&str> = eos_tokens.iter().map(String::as_str).collect();
                let tokenizer = ananke_model::ModelTokenizer::from_gguf(&content, &eos)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(tokenizer.vocab().clone())
            });
            let vocab = loaded.map_err(TokenizerError::new_err)?;
            Ok(Tokenizer { vocab })
        })
    }

    /// Number of token ids (the mask covers `ceil(vocab_size / 32)` int32
    /// words).
    #[getter]
    fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// The vocabulary's name (`cl100k_base`, a path).
    #[getter]
    fn name(&self) -> String {
        self.vocab.name().to_owned()
    }

    /// The ids that end generation.
    #[getter]
    fn eos_token_ids(&self) -> Vec<TokenId> {
        self.vocab.vocabulary().eos().to_vec()
    }

    /// The ids of the special (control) tokens.
    #[getter]
    fn special_token_ids(&self) -> Vec<TokenId> {
        let vocab = self.vocab.vocabulary();
        (0..vocab.len() as TokenId)
            .filter(|&id| vocab.is_special(id))
            .collect()
    }

    /// Token ids of `text`, as the tokenizer splits it (no special tokens).
    fn encode(&self, py: Python<'_>, text: &str) -> PyResult<Vec<TokenId>> {
        guard("Tokenizer.encode", || {
            Ok(py.detach(|| self.vocab.encode(text)))
        })
    }

    /// The text of `ids` (invalid UTF-8 replaced; special tokens spell
    /// their names).
    fn decode(&self, ids: Vec<i64>) -> PyResult<String> {
        let ids = self.checked_ids(&ids)?;
        let vocab = self.vocab.vocabulary();
        let mut bytes = Vec::new();
        for id in ids {
            let token = vocab.token_bytes(id).unwrap_or_default();
            if vocab.is_special(id) {
                bytes.extend_from_slice(token.strip_prefix(&[0xFF]).unwrap_or(token));
            } else {
                bytes.extend_from_slice(token);
            }
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Every id's bytes, in id order, so that another library (llguidance,
    /// XGrammar) can be built on the identical vocabulary. Special tokens
    /// are `b"\xff"` followed by their name (toktrie's convention); ids
    /// with no token are `b""`.
    fn token_bytes<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        let vocab = self.vocab.vocabulary();
        (0..vocab.len() as TokenId)
            .map(|id| PyBytes::new(py, vocab.token_bytes(id).unwrap_or_default()))
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "Tokenizer({:?}, vocab_size={})",
            self.vocab.name(),
            self.vocab.len()
        )
    }
}

/// A Hugging Face tokenizer's name and `tokenizer.json` text, from a path,
/// a `tokenizers.Tokenizer` or a transformers fast tokenizer.
fn hf_json(obj: &Bound<'_, PyAny>) -> PyResult<(String, String)> {
    if let Ok(path) = obj.extract::<PathBuf>() {
        let file = if path.is_dir() {
            path.join("tokenizer.json")
        } else {
            path
        };
        let text = std::fs::read_to_string(&file)
            .map_err(|e| TokenizerError::new_err(format!("cannot read {}: {e}", file.display())))?;
        return Ok((file.display().to_string(), text));
    }
    // A transformers fast tokenizer wraps a `tokenizers.Tokenizer`.
    let inner = match obj.getattr("backend_tokenizer") {
        Ok(inner) => inner,
        Err(_) => obj.clone(),
    };
    let to_str = inner.getattr("to_str").map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(format!(
            "expected a path to a tokenizer.json, a tokenizers.Tokenizer or a transformers fast tokenizer, got {}",
            obj.get_type()
                .name()
                .map_or_else(|_| "an unknown type".to_owned(), |n| n.to_string())
        ))
    })?;
    let json: String = to_str.call0()?.extract()?;
    let name = obj
        .getattr("name_or_path")
        .and_then(|n| n.extract::<String>())
        .unwrap_or_else(|_| "huggingface".to_owned());
    Ok((name, json))
}
