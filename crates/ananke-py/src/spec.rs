//! [`Spec`], [`Compiler`] and [`Compiled`]: what a generation must
//! satisfy, compiled once over a vocabulary.
//!
//! A spec is the CLI's TOML (`ananke check --spec`), given as text, a
//! path, or a dict of the same shape; a bad one raises `ananke.SpecError`
//! naming the field. Compiling builds the grammar, the domains and their
//! propagation network over the tokenizer's vocabulary; the result is
//! shared by every matcher, across requests and threads.

use std::path::PathBuf;
use std::sync::Arc;

use ananke_runtime::Ananke;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::tokenizer::Tokenizer;
use crate::{AnankeError, guard, runtime_error, spec_error};

/// A spec: constraints (syntax, imports, types, control flow, semantics,
/// holes, plugins) and, optionally, the task a model is asked to do.
#[pyclass(module = "ananke._ananke", frozen)]
#[derive(Clone)]
pub struct Spec {
    pub(crate) spec: ananke_runtime::Spec,
}

impl Spec {
    fn parse(py: Python<'_>, text: &str) -> PyResult<Spec> {
        ananke_runtime::Spec::from_toml(text)
            .map(|spec| Spec { spec })
            .map_err(|e| spec_error(py, &e))
    }
}

#[pymethods]
impl Spec {
    /// From TOML text, a path to a `.toml` file, or a dict; with no
    /// argument, the default spec (typed Python, every domain's defaults).
    #[new]
    #[pyo3(signature = (source=None))]
    fn new(py: Python<'_>, source: Option<&Bound<'_, PyAny>>) -> PyResult<Spec> {
        let Some(source) = source else {
            return Ok(Spec {
                spec: ananke_runtime::Spec::default(),
            });
        };
        if let Ok(dict) = source.cast::<PyDict>() {
            return Spec::from_dict(py, dict);
        }
        if source.is_instance_of::<PyString>() {
            let text: String = source.extract()?;
            let text = text.as_str();
            let looks_like_path = !text.contains('\n')
                && !text.contains('=')
                && (text.ends_with(".toml") || std::path::Path::new(text).is_file());
            return if looks_like_path {
                Spec::from_file(py, PathBuf::from(text))
            } else {
                Spec::parse(py, text)
            };
        }
        if let Ok(path) = source.extract::<PathBuf>() {
            return Spec::from_file(py, path);
        }
        Err(PyTypeError::new_err(
            "a spec is TOML text, a path to a .toml file, or a dict",
        ))
    }

    /// From TOML text.
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: &str) -> PyResult<Spec> {
        Spec::parse(py, text)
    }

    /// From a `.toml` file.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<Spec> {
        ananke_runtime::Spec::from_file(&path)
            .map(|spec| Spec { spec })
            .map_err(|e| spec_error(py, &e))
    }

    /// From a dict shaped like the TOML (`{"imports": {"forbidden":
    /// ["os"]}}`); it goes through the same reader, so errors name the
    /// same fields.
    #[staticmethod]
    fn from_dict(py: Python<'_>, dict: &Bound<'_, PyDict>) -> PyResult<Spec> {
        let json: String = py
            .import("json")?
            .call_method1("dumps", (dict,))
            .map_err(|e| {
                PyTypeError::new_err(format!(
                    "a spec dict holds only str, int, float, bool, list and dict values: {e}"
                ))
            })?
            .extract()?;
        let value: serde_json::Value = serde_json::from_str(&json)
            .map_err(|e| PyTypeError::new_err(format!("not a spec dict: {e}")))?;
        let table = toml::Value::try_from(&value).map_err(|e| {
            crate::SpecError::new_err(format!(
                "the dict cannot be written as TOML (a None value?): {e}"
            ))
        })?;
        let text = toml::to_string(&table).map_err(|e| {
            crate::SpecError::new_err(format!("the dict cannot be written as TOML: {e}"))
        })?;
        Spec::parse(py, &text)
    }

    /// The tokenizer the spec names (`syntax.tokenizer`).
    #[getter]
    fn tokenizer(&self) -> String {
        self.spec.syntax.tokenizer.clone()
    }

    /// The task's prompt (`task.prompt`): imports, then the function's
    /// typed signature and docstring.
    #[getter]
    fn prompt(&self) -> Option<String> {
        self.spec.task.prompt.clone()
    }

    /// The task's tests (`task.tests`, defining `check(candidate)`).
    #[getter]
    fn tests(&self) -> Option<String> {
        self.spec.task.tests.clone()
    }

    /// The function the task asks for (`task.entry_point`).
    #[getter]
    fn entry_point(&self) -> Option<String> {
        self.spec.task.entry_point.clone()
    }

    /// Code every matcher starts with committed (`types.body_prefix`).
    #[getter]
    fn body_prefix(&self) -> Option<String> {
        self.spec.types.body_prefix.clone()
    }

    /// This spec as the Rust decoder generates under it: the control-flow
    /// requirements default to the generation set (which adds
    /// `no_dead_code` and `indented_comments`) unless it sets its own, and
    /// `types.type_ignore` to `forbid` unless it says `honour`.
    fn for_generation(&self) -> Spec {
        Spec {
            spec: ananke_model::decode::generation_spec(&self.spec),
        }
    }

    /// The built-in domains compiled by default for this spec.
    fn default_domains(&self) -> Vec<&'static str> {
        Ananke::default_domains(&self.spec)
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.spec)
    }
}

/// Compiles specs over one tokenizer's vocabulary.
#[pyclass(module = "ananke._ananke", frozen)]
pub struct Compiler {
    vocab: Arc<ananke_syntax::SyntaxVocab>,
}

#[pymethods]
impl Compiler {
    /// A compiler for `tokenizer`'s vocabulary (the spec's own
    /// `syntax.tokenizer` is not read: the masks index the model's ids).
    #[new]
    fn new(tokenizer: &Tokenizer) -> Compiler {
        Compiler {
            vocab: tokenizer.vocab.clone(),
        }
    }

    /// Compiles `spec` (a `Spec`, or anything `Spec(...)` takes) with the
    /// named built-in `domains` (default: every one that applies; `syntax`
    /// must be one). The GIL is released while it compiles.
    #[pyo3(signature = (spec, domains=None))]
    fn compile(
        &self,
        py: Python<'_>,
        spec: &Bound<'_, PyAny>,
        domains: Option<Vec<String>>,
    ) -> PyResult<Compiled> {
        let spec = match spec.cast::<Spec>() {
            Ok(spec) => spec.get().clone(),
            Err(_) => Spec::new(py, Some(spec))?,
        };
        let names: Vec<String> = domains.unwrap_or_else(|| {
            Ananke::default_domains(&spec.spec)
                .into_iter()
                .map(str::to_owned)
                .collect()
        });
        if !names.iter().any(|d| d == "syntax") {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "domains must include `syntax` (it decides where the output ends)",
            ));
        }
        let vocab = self.vocab.clone();
        let compiled = guard("Compiler.compile", || {
            Ok(py.detach(|| {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                Ananke::with_vocab(&spec.spec, vocab, &names)
            }))
        })?
        .map_err(|e| runtime_error(py, e))?;
        Ok(Compiled {
            ananke: Arc::new(compiled),
            spec: spec.spec,
        })
    }
}

/// A compiled spec, shared by every matcher (across threads too).
#[pyclass(module = "ananke._ananke", frozen)]
pub struct Compiled {
    pub(crate) ananke: Arc<Ananke>,
    pub(crate) spec: ananke_runtime::Spec,
}

#[pymethods]
impl Compiled {
    /// Number of token ids.
    #[getter]
    fn vocab_size(&self) -> usize {
        self.ananke.vocab().len()
    }

    /// The domains composed, in the product's order.
    #[getter]
    fn domains(&self) -> Vec<String> {
        self.ananke.product().names().map(str::to_owned).collect()
    }

    /// The ids that end generation.
    #[getter]
    fn eos_token_ids(&self) -> Vec<u32> {
        self.ananke.vocab().vocabulary().eos().to_vec()
    }

    /// The spec compiled.
    #[getter]
    fn spec(&self) -> Spec {
        Spec {
            spec: self.spec.clone(),
        }
    }

    /// Masks held in the cache the matchers share.
    fn mask_cache_len(&self) -> usize {
        self.ananke.mask_cache_len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Compiled(vocab_size={}, domains={:?})",
            self.ananke.vocab().len(),
            self.domains()
        )
    }
}

/// An error for a compiled spec that cannot start a matcher.
pub(crate) fn start_error(e: impl std::fmt::Display) -> PyErr {
    AnankeError::new_err(format!("cannot start a matcher: {e}"))
}
