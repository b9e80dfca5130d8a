//! [`Matcher`]: one generation, driven token by token by an engine, and
//! [`fill_next_token_bitmask_batch`], which fills many rows at once.
//!
//! A matcher wraps a runtime [`Session`] behind a lock (Python may call it
//! from any thread) and adds what engines expect of a grammar object:
//!
//! - the end-of-sequence token is consumed by the matcher, not the session
//!   (the session judges the end with [`Session::is_accepting`]): once
//!   consumed, the matcher is *terminated*, its mask allows only the
//!   end-of-sequence tokens, and `rollback(1)` undoes it;
//! - a rejected token leaves the matcher as it was and returns `False`
//!   (XGrammar's `accept_token`); a bad id raises `ValueError`;
//! - an internal error or a panic *fails* the matcher: that call raises
//!   `AnankeError`, and every later call raises `MatcherFailedError` with
//!   the first failure's message, until `reset()` starts it afresh.
//!
//! The lock is only ever tried, never waited for: a matcher busy in
//! another thread (a batch fill with the GIL released) raises rather than
//! block while holding the GIL, which could deadlock.

use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use ananke_core::{TokenId, TokenMask};
use ananke_runtime::{Ananke, RuntimeError, Session};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;

use crate::bitmask::Bitmask;
use crate::spec::{Compiled, start_error};
use crate::{AnankeError, MatcherFailedError, panic_message};

/// Why a call failed: the caller's mistake (the matcher is unchanged) or
/// an internal failure (the matcher is failed from then on).
enum Failure {
    Bad(PyErr),
    Internal(String),
}

impl From<PyErr> for Failure {
    fn from(err: PyErr) -> Failure {
        Failure::Bad(err)
    }
}

impl From<RuntimeError> for Failure {
    fn from(err: RuntimeError) -> Failure {
        match err {
            RuntimeError::RollbackTooFar { .. }
            | RuntimeError::UnknownCheckpoint(_)
            | RuntimeError::Core(ananke_core::Error::UnknownToken { .. }) => {
                Failure::Bad(PyValueError::new_err(err.to_string()))
            }
            other => Failure::Internal(other.to_string()),
        }
    }
}

/// The mutable part of a matcher.
struct Inner {
    session: Session,
    /// The last mask computed (reused: no allocation per token).
    mask: TokenMask,
    /// The end-of-sequence token was consumed.
    terminated: bool,
    /// Why the matcher failed, if it did.
    failed: Option<String>,
    /// Checkpoint ids and whether the matcher was terminated then.
    checkpoints: Vec<(u64, bool)>,
}

impl Inner {
    /// Writes the next mask into `self.mask`.
    fn compute(&mut self, eos: &[TokenId]) -> Result<(), Failure> {
        if self.terminated {
            self.mask.fill(false);
            for &e in eos {
                self.mask.set(e, true);
            }
            return Ok(());
        }
        Ok(self.session.compute_mask(&mut self.mask)?)
    }
}

/// One generation under a compiled spec: the grammar object an engine
/// drives (see the module docs).
#[pyclass(module = "ananke._ananke", frozen)]
pub struct Matcher {
    ananke: Arc<Ananke>,
    /// The code the session starts with committed (a body session), if any.
    prefix: Option<String>,
    eos: Vec<TokenId>,
    n_vocab: usize,
    inner: Mutex<Inner>,
}

impl Matcher {
    fn start(ananke: &Ananke, prefix: Option<&str>) -> PyResult<Session> {
        match prefix {
            Some(prefix) => ananke.body_session(prefix),
            None => ananke.session(),
        }
        .map_err(start_error)
    }

    fn lock(&self) -> PyResult<MutexGuard<'_, Inner>> {
        match self.inner.try_lock() {
            Ok(guard) => Ok(guard),
            // A panic is caught inside the lock, so a poisoned lock holds a
            // matcher whose failure is already recorded.
            Err(TryLockError::Poisoned(p)) => Ok(p.into_inner()),
            Err(TryLockError::WouldBlock) => Err(AnankeError::new_err(
                "the matcher is in use by another thread (one call at a time per matcher)",
            )),
        }
    }

    /// Runs `f` on the unfailed matcher; a panic or an internal error fails
    /// it.
    fn with<T>(&self, what: &str, f: impl FnOnce(&mut Inner) -> Result<T, Failure>) -> PyResult<T> {
        let mut inner = self.lock()?;
        run_guarded(&mut inner, what, f)
    }

    fn check_token(&self, token: i64) -> PyResult<TokenId> {
        TokenId::try_from(token)
            .ok()
            .filter(|t| (*t as usize) < self.n_vocab)
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "token id {token} is outside the vocabulary ({} tokens)",
                    self.n_vocab
                ))
            })
    }

    fn words(&self) -> usize {
        self.n_vocab.div_ceil(32)
    }
}

/// The body of [`Matcher::with`], for a lock already held.
fn run_guarded<T>(
    inner: &mut Inner,
    what: &str,
    f: impl FnOnce(&mut Inner) -> Result<T, Failure>,
) -> PyResult<T> {
    if let Some(reason) = &inner.failed {
        return Err(MatcherFailedError::new_err(format!(
            "{what}: the matcher failed earlier and cannot continue (reset() starts it afresh): {reason}"
        )));
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(inner)));
    let failure = match result {
        Ok(Ok(value)) => return Ok(value),
        Ok(Err(Failure::Bad(err))) => return Err(err),
        Ok(Err(Failure::Internal(message))) => message,
        Err(payload) => format!("a panic: {}", panic_message(payload.as_ref())),
    };
    let message = format!("{what} failed: {failure}");
    inner.failed = Some(message.clone());
    Err(AnankeError::new_err(message))
}

/// Consumes one token (already checked to be in the vocabulary).
fn consume(inner: &mut Inner, eos: &[TokenId], token: TokenId) -> Result<bool, Failure> {
    if inner.terminated {
        return Ok(false);
    }
    if eos.contains(&token) {
        let accepting = inner.session.is_accepting()?;
        inner.terminated = accepting;
        return Ok(accepting);
    }
    match inner.session.commit(token) {
        Ok(()) => Ok(true),
        Err(RuntimeError::Rejected { .. }) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

/// Removes the last `n` consumed tokens (the end-of-sequence token
/// counts).
fn roll_back(inner: &mut Inner, mut n: usize) -> Result<(), Failure> {
    let available = inner.session.tokens().len() + usize::from(inner.terminated);
    if n > available {
        return Err(Failure::Bad(PyValueError::new_err(format!(
            "cannot roll back {n} tokens: only {available} consumed"
        ))));
    }
    if inner.terminated && n > 0 {
        inner.terminated = false;
        n -= 1;
    }
    Ok(inner.session.rollback(n)?)
}

#[pymethods]
impl Matcher {
    /// A matcher at the start of the output of `compiled`. With `prefix`
    /// (the code up to a function's `def ...:` line and its line break),
    /// it generates that function's body: the prefix counts as committed
    /// and is not part of the output (what `types.body_prefix` does, for
    /// any prefix, without compiling again).
    #[new]
    #[pyo3(signature = (compiled, prefix=None))]
    fn new(py: Python<'_>, compiled: &Compiled, prefix: Option<String>) -> PyResult<Matcher> {
        let ananke = compiled.ananke.clone();
        let session = crate::guard("Matcher()", || {
            py.detach(|| Matcher::start(&ananke, prefix.as_deref()))
        })?;
        let n_vocab = ananke.vocab().len();
        Ok(Matcher {
            eos: ananke.vocab().vocabulary().eos().to_vec(),
            n_vocab,
            prefix,
            inner: Mutex::new(Inner {
                session,
                mask: TokenMask::new_empty(n_vocab),
                terminated: false,
                failed: None,
                checkpoints: Vec::new(),
            }),
            ananke,
        })
    }

    /// Number of token ids the masks cover.
    #[getter]
    fn vocab_size(&self) -> usize {
        self.n_vocab
    }

    /// The ids that end generation.
    #[getter]
    fn eos_token_ids(&self) -> Vec<TokenId> {
        self.eos.clone()
    }

    /// Writes the tokens allowed next into row `index` of `bitmask`, an
    /// int32 array `[batch, ceil(vocab_size / 32)]` (numpy or a CPU torch
    /// tensor), in place: bit `i % 32` of word `i / 32` is token `i`.
    /// The GIL is released while the mask is computed.
    #[pyo3(signature = (bitmask, index=0))]
    fn fill_next_token_bitmask(
        &self,
        py: Python<'_>,
        bitmask: &Bound<'_, PyAny>,
        index: i64,
    ) -> PyResult<()> {
        let mut view = Bitmask::new(bitmask)?;
        let row = view.check_row(index, self.words())?;
        let eos = &self.eos;
        let mut inner = self.lock()?;
        run_guarded(&mut inner, "fill_next_token_bitmask", |inner| {
            py.detach(|| inner.compute(eos))
        })?;
        view.write_row(row, inner.mask.as_i32_words());
        Ok(())
    }

    /// The tokens allowed next, as a list of ids (for tests and
    /// debugging; engines use the bitmask).
    fn allowed_tokens(&self, py: Python<'_>) -> PyResult<Vec<TokenId>> {
        let eos = &self.eos;
        self.with("allowed_tokens", |inner| {
            py.detach(|| inner.compute(eos))?;
            Ok(inner.mask.iter().collect())
        })
    }

    /// Consumes `token` if the constraints allow it and returns `True`;
    /// otherwise returns `False` and leaves the matcher as it was. An
    /// end-of-sequence token is accepted where the output may end and
    /// terminates the matcher.
    fn consume_token(&self, py: Python<'_>, token: i64) -> PyResult<bool> {
        let token = self.check_token(token)?;
        let eos = &self.eos;
        self.with("consume_token", |inner| {
            py.detach(|| consume(inner, eos, token))
        })
    }

    /// Consumes `tokens` in order, all or nothing: `True` when every one
    /// was accepted; otherwise `False`, with the matcher as it was.
    fn consume_tokens(&self, py: Python<'_>, tokens: Vec<i64>) -> PyResult<bool> {
        let tokens: Vec<TokenId> = tokens
            .into_iter()
            .map(|t| self.check_token(t))
            .collect::<PyResult<_>>()?;
        let eos = &self.eos;
        self.with("consume_tokens", |inner| {
            py.detach(|| {
                for (i, &token) in tokens.iter().enumerate() {
                    if !consume(inner, eos, token)? {
                        roll_back(inner, i)?;
                        return Ok(false);
                    }
                }
                Ok(true)
            })
        })
    }

    /// How many of `tokens`, in order, would be accepted; the matcher is
    /// unchanged.
    fn validate_tokens(&self, py: Python<'_>, tokens: Vec<i64>) -> PyResult<usize> {
        let tokens: Vec<TokenId> = tokens
            .into_iter()
            .map(|t| self.check_token(t))
            .collect::<PyResult<_>>()?;
        let eos = &self.eos;
        self.with("validate_tokens", |inner| {
            py.detach(|| {
                let mut accepted = 0;
                for &token in &tokens {
                    if !consume(inner, eos, token)? {
                        break;
                    }
                    accepted += 1;
                }
                roll_back(inner, accepted)?;
                Ok(accepted)
            })
        })
    }

    /// Removes the last `n` consumed tokens.
    fn rollback(&self, n: usize) -> PyResult<()> {
        self.with("rollback", |inner| roll_back(inner, n))
    }

    /// An independent copy (beam search, parallel sampling).
    fn fork(&self) -> PyResult<Matcher> {
        let n_vocab = self.n_vocab;
        let (session, terminated) = self.with("fork", |inner| {
            Ok((inner.session.fork()?, inner.terminated))
        })?;
        Ok(Matcher {
            ananke: self.ananke.clone(),
            prefix: self.prefix.clone(),
            eos: self.eos.clone(),
            n_vocab,
            inner: Mutex::new(Inner {
                session,
                mask: TokenMask::new_empty(n_vocab),
                terminated,
                failed: None,
                checkpoints: Vec::new(),
            }),
        })
    }

    /// Whether the end-of-sequence token was consumed.
    fn is_terminated(&self) -> PyResult<bool> {
        self.with("is_terminated", |inner| Ok(inner.terminated))
    }

    /// Whether the output may end here (every domain agrees).
    fn is_accepting(&self, py: Python<'_>) -> PyResult<bool> {
        self.with("is_accepting", |inner| {
            if inner.terminated {
                return Ok(true);
            }
            Ok(py.detach(|| inner.session.is_accepting())?)
        })
    }

    /// Whether the matcher failed (see `error()`).
    fn is_error(&self) -> PyResult<bool> {
        Ok(self.lock()?.failed.is_some())
    }

    /// Why the matcher failed, or `None`.
    fn error(&self) -> PyResult<Option<String>> {
        Ok(self.lock()?.failed.clone())
    }

    /// Back to the start (a failed matcher starts afresh).
    fn reset(&self, py: Python<'_>) -> PyResult<()> {
        let session = crate::guard("reset", || {
            py.detach(|| Matcher::start(&self.ananke, self.prefix.as_deref()))
        })?;
        let mut inner = self.lock()?;
        inner.session = session;
        inner.terminated = false;
        inner.failed = None;
        inner.checkpoints.clear();
        Ok(())
    }

    /// Why `token` is or is not allowed next, domain by domain, with where
    /// each constraint came from.
    fn explain(&self, py: Python<'_>, token: i64) -> PyResult<String> {
        let token = self.check_token(token)?;
        self.with("explain", |inner| {
            let e = py.detach(|| inner.session.explain(token))?;
            let mut text = format!(
                "token {} ({:?}) is {}",
                e.token,
                e.text,
                if e.allowed { "allowed" } else { "rejected" }
            );
            for r in &e.rejections {
                text.push_str(&format!("\n  {}: {}", r.domain, r.reason));
                for p in &r.provenance {
                    text.push_str(&format!("\n    from {p}"));
                }
            }
            Ok(text)
        })
    }

    /// Saves the state; `restore(id)` returns to it (it stays available).
    fn checkpoint(&self) -> PyResult<u64> {
        self.with("checkpoint", |inner| {
            let id = inner.session.checkpoint();
            let terminated = inner.terminated;
            inner.checkpoints.push((id, terminated));
            Ok(id)
        })
    }

    /// Returns to checkpoint `id`.
    fn restore(&self, id: u64) -> PyResult<()> {
        self.with("restore", |inner| {
            let terminated = inner
                .checkpoints
                .iter()
                .find(|(c, _)| *c == id)
                .map(|(_, t)| *t)
                .ok_or_else(|| PyValueError::new_err(format!("no checkpoint {id}")))?;
            inner.session.restore(id)?;
            inner.terminated = terminated;
            Ok(())
        })
    }

    /// The text the constraints force next (`""` when none): committing
    /// it saves model calls (jump-forward decoding). The matcher is
    /// unchanged; `jump_forward_tokens()` gives the tokens.
    fn jump_forward(&self) -> PyResult<String> {
        self.with("jump_forward", |inner| {
            if inner.terminated {
                return Ok(String::new());
            }
            let (_, bytes) = inner.session.jump_forward()?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        })
    }

    /// The forced text's canonical tokens (see `jump_forward()`).
    fn jump_forward_tokens(&self) -> PyResult<Vec<TokenId>> {
        self.with("jump_forward_tokens", |inner| {
            if inner.terminated {
                return Ok(Vec::new());
            }
            Ok(inner.session.jump_forward()?.0)
        })
    }

    /// The holes generation has revealed: one dict per hole (`name`,
    /// `granularity`, `parent`, `open`, `active`, `provenance`).
    fn holes<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let rows = self.with("holes", |inner| {
            let tree = inner.session.holes();
            let active = tree.active();
            Ok(tree
                .iter()
                .map(|h| {
                    (
                        h.name.clone(),
                        h.granularity.to_string(),
                        h.parent.and_then(|p| tree.get(p)).map(|p| p.name.clone()),
                        h.open,
                        h.id == active,
                        h.provenance
                            .iter()
                            .map(|(_, why)| why.clone())
                            .collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>())
        })?;
        rows.into_iter()
            .map(|(name, granularity, parent, open, active, provenance)| {
                let d = PyDict::new(py);
                d.set_item("name", name)?;
                d.set_item("granularity", granularity)?;
                d.set_item("parent", parent)?;
                d.set_item("open", open)?;
                d.set_item("active", active)?;
                d.set_item("provenance", provenance)?;
                Ok(d)
            })
            .collect()
    }

    /// The tokens consumed (the end-of-sequence token included once
    /// consumed).
    #[getter]
    fn tokens(&self) -> PyResult<Vec<TokenId>> {
        let eos = self.eos.first().copied();
        self.with("tokens", |inner| {
            let mut tokens = inner.session.tokens();
            if inner.terminated {
                tokens.extend(eos);
            }
            Ok(tokens)
        })
    }

    /// The text of the consumed tokens (the prefix excluded).
    fn text(&self) -> PyResult<String> {
        self.with("text", |inner| {
            Ok(String::from_utf8_lossy(&inner.session.text()).into_owned())
        })
    }

    fn __repr__(&self) -> String {
        match self.inner.try_lock() {
            Ok(inner) => format!(
                "Matcher(tokens={}, terminated={}, failed={})",
                inner.session.tokens().len(),
                inner.terminated,
                inner.failed.is_some()
            ),
            Err(_) => "Matcher(<busy>)".to_owned(),
        }
    }
}

/// Fills row `rows[i]` of `bitmask` with the next mask of `matchers[i]`,
/// computing the masks in parallel on every core with the GIL released
/// (as llguidance's `LLExecutor` does); `rows` defaults to `0..len`. All
/// rows are checked before any is computed; a matcher that fails raises
/// after the other rows are written.
#[pyfunction]
#[pyo3(signature = (matchers, bitmask, rows=None))]
pub fn fill_next_token_bitmask_batch(
    py: Python<'_>,
    matchers: Vec<Bound<'_, Matcher>>,
    bitmask: &Bound<'_, PyAny>,
    rows: Option<Vec<i64>>,
) -> PyResult<()> {
    let mut view = Bitmask::new(bitmask)?;
    let rows: Vec<i64> = rows.unwrap_or_else(|| (0..matchers.len() as i64).collect());
    if rows.len() != matchers.len() {
        return Err(PyValueError::new_err(format!(
            "{} matchers but {} rows",
            matchers.len(),
            rows.len()
        )));
    }
    let mut checked = Vec::with_capacity(rows.len());
    for (matcher, &row) in matchers.iter().zip(&rows) {
        checked.push(view.check_row(row, matcher.get().words())?);
    }
    let mut seen = checked.clone();
    seen.sort_unstable();
    if seen.windows(2).any(|w| w[0] == w[1]) {
        return Err(PyValueError::new_err(
            "two matchers would fill the same row",
        ));
    }
    let mut guards = Vec::with_capacity(matchers.len());
    for matcher in &matchers {
        let guard = matcher.get().lock().map_err(|_| {
            AnankeError::new_err(
                "a matcher is in use by another thread, or appears twice in the batch",
            )
        })?;
        guards.push(guard);
    }
    let eos: Vec<&[TokenId]> = matchers.iter().map(|m| m.get().eos.as_slice()).collect();
    let mut inners: Vec<&mut Inner> = guards.iter_mut().map(|g| &mut **g).collect();
    let results: Vec<PyResult<()>> = py.detach(|| {
        inners
            .par_iter_mut()
            .zip(eos.par_iter())
            .map(|(inner, eos)| {
                run_guarded(inner, "fill_next_token_bitmask_batch", |inner| {
                    inner.compute(eos)
                })
            })
            .collect()
    });
    let mut first_error = None;
    for ((inner, result), &row) in inners.iter().zip(results).zip(&checked) {
        match result {
            Ok(()) => view.write_row(row, inner.mask.as_i32_words()),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// `ceil(vocab_size / 32)`: the int32 words of one bitmask row.
#[pyfunction]
pub fn bitmask_words(vocab_size: usize) -> usize {
    vocab_size.div_ceil(32)
}
