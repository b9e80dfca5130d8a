/*!
`ananke._ananke`: Ananke's per-token API for Python inference engines.

Hugging Face transformers, SGLang and vLLM call a grammar object once per
token: fill a bitmask of the tokens allowed next, accept the token drawn,
roll back, fork. This crate exposes Ananke's [`Session`] in that shape,
mirroring llguidance's `LLMatcher` and XGrammar's `GrammarMatcher` where
they overlap; the pure-Python modules of the `ananke` package (in
`python/ananke`) add the engine adapters on top.

- [`tokenizer::Tokenizer`]: a vocabulary (tiktoken, a Hugging Face
  `tokenizer.json`, a GGUF file's metadata).
- [`spec::Spec`], [`spec::Compiler`], [`spec::Compiled`]: a spec (TOML
  text, a path or a dict) compiled once over a vocabulary and shared by
  every request and thread.
- [`matcher::Matcher`]: one generation. `fill_next_token_bitmask` writes
  the fused mask into a caller's int32 `[batch, ceil(vocab/32)]` array
  (numpy or a CPU torch tensor) in place;
  `fill_next_token_bitmask_batch` fills many rows on every core with the
  GIL released.

Nothing panics into Python: every call runs inside `guard`, which turns
a Rust panic into `ananke.AnankeError`, and a matcher that hit an
internal error or a panic is *failed*: every later call raises
`ananke.MatcherFailedError` with the first failure's message, until
`reset()`.

The runnable example is Python (this crate's tests are the pytest suite
that `cargo xtask test` runs against the installed wheel):

```python
import numpy as np, ananke

tok = ananke.Tokenizer.from_tiktoken("cl100k_base")
compiled = ananke.Compiler(tok).compile(ananke.Spec('[imports]\nforbidden = ["os"]\n'))
m = ananke.Matcher(compiled)
bitmask = np.zeros((1, (tok.vocab_size + 31) // 32), dtype=np.int32)
m.fill_next_token_bitmask(bitmask)
```

[`Session`]: ananke_runtime::Session
*/

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;

pub mod bitmask;
pub mod matcher;
pub mod spec;
pub mod tokenizer;

create_exception!(
    _ananke,
    AnankeError,
    PyException,
    "Base class of Ananke's errors."
);
create_exception!(
    _ananke,
    SpecError,
    AnankeError,
    "A spec is invalid; `field` names the field at fault (`imports.forbidden[1]`)."
);
create_exception!(
    _ananke,
    TokenizerError,
    AnankeError,
    "A tokenizer could not be loaded."
);
create_exception!(
    _ananke,
    MatcherFailedError,
    AnankeError,
    "The matcher failed earlier (an internal error or a panic) and cannot continue until reset()."
);

/// Runs `f`, turning a Rust panic into `ananke.AnankeError` (PyO3 would
/// raise a `PanicException`, which derives from `BaseException` and slips
/// past `except Exception`).
pub(crate) fn guard<T>(what: &str, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(AnankeError::new_err(format!(
            "internal error in {what}: {}",
            panic_message(payload.as_ref())
        ))),
    }
}

/// The text of a panic's payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// A `SpecError` exception carrying the field at fault as `.field`.
pub(crate) fn spec_error(py: Python<'_>, err: &ananke_runtime::SpecError) -> PyErr {
    let exc = SpecError::new_err(err.to_string());
    // Setting an attribute on a fresh exception instance cannot fail in
    // practice; if it did, the message still names the field.
    let _ = exc.value(py).setattr("field", err.field.clone());
    exc
}

/// A runtime error as the Python exception a caller can act on.
pub(crate) fn runtime_error(py: Python<'_>, err: ananke_runtime::RuntimeError) -> PyErr {
    use ananke_runtime::RuntimeError as E;
    match err {
        E::Spec(e) => spec_error(py, &e),
        E::RollbackTooFar { .. } | E::UnknownCheckpoint(_) | E::UnknownDomain(_) => {
            PyValueError::new_err(err.to_string())
        }
        E::Core(ananke_core::Error::UnknownToken { .. }) => PyValueError::new_err(err.to_string()),
        E::Poisoned(_) => MatcherFailedError::new_err(err.to_string()),
        other => AnankeError::new_err(other.to_string()),
    }
}

/// What Ananke's syntax domain gives llguidance for the built-in Python
/// grammar — the expanded Lark text, the slices and the limits — so that a
/// benchmark can run llguidance's own `LLMatcher` on the identical grammar.
#[pyfunction]
fn llguidance_setup(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let limits = ananke_syntax::LlguidanceLimits::default();
    let d = pyo3::types::PyDict::new(py);
    d.set_item("lark", ananke_syntax::python::lark())?;
    d.set_item("slices", ananke_syntax::default_slices())?;
    d.set_item("step_max_items", limits.step_max_items)?;
    d.set_item("step_lexer_fuel", limits.step_lexer_fuel)?;
    Ok(d)
}

/// The built-in Python grammar as Ananke gives it to xgrammar (the Lark
/// text expanded without llguidance's lexer features), so that a benchmark
/// can run XGrammar's own `GrammarMatcher` on the identical grammar.
#[pyfunction]
fn xgrammar_lark() -> &'static str {
    ananke_syntax::python::xgrammar_lark()
}

#[pymodule]
fn _ananke(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("AnankeError", py.get_type::<AnankeError>())?;
    m.add("SpecError", py.get_type::<SpecError>())?;
    m.add("TokenizerError", py.get_type::<TokenizerError>())?;
    m.add("MatcherFailedError", py.get_type::<MatcherFailedError>())?;
    m.add("DOMAINS", ananke_runtime::DOMAINS.to_vec())?;
    m.add_class::<tokenizer::Tokenizer>()?;
    m.add_class::<spec::Spec>()?;
    m.add_class::<spec::Compiler>()?;
    m.add_class::<spec::Compiled>()?;
    m.add_class::<matcher::Matcher>()?;
    m.add_function(wrap_pyfunction!(matcher::fill_next_token_bitmask_batch, m)?)?;
    m.add_function(wrap_pyfunction!(matcher::bitmask_words, m)?)?;
    m.add_function(wrap_pyfunction!(llguidance_setup, m)?)?;
    m.add_function(wrap_pyfunction!(xgrammar_lark, m)?)?;
    Ok(())
}
