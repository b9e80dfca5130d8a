//! [`SyntaxDomain`] and [`SyntaxConstraint`]: grammars as a lattice.
//!
//! A syntax constraint is a set of parse states, each a compiled grammar
//! plus the tokens it has consumed. Meet is set union — both parsers must
//! accept, so their masks are ANDed — with equal states (same grammar, same
//! tokens) kept once. ⊤ is the empty set; ⊥ is a parser that rejected a
//! token.
//!
//! Parsers are mutable and constraints are immutable values, so the two
//! meet through a *cursor*: each parse lineage shares one live matcher that
//! sits on some token path. Asking a state for its mask or observing a token
//! first moves the cursor to that state's path — rolling back to the common
//! prefix and replaying the rest — which costs nothing in the usual
//! mask-then-commit loop and O(k) after a rollback of k tokens. Token paths
//! are persistent cons lists, so a constraint's clone (a checkpoint) is a
//! reference count. [`SyntaxDomain::fork`] starts a new lineage in O(1):
//! the fork keeps using the shared matcher while it only moves forward from
//! where the matcher is, and copies the matcher the first time another
//! lineage would have to be rolled back for it.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ananke_core::{
    CostHint, Domain, Error, MeetSemilattice, Satisfiability, StepContext, TokenId, TokenMask,
};

use crate::layout::Layout;
use crate::{
    CompiledGrammar, GrammarMatcher, GrammarSource, SyntaxBackend, SyntaxError, SyntaxVocab, python,
};

/// A persistent list of tokens, newest first.
struct PathNode {
    token: TokenId,
    len: usize,
    hash: u64,
    /// For the shipped Python grammar: where the text stands after this
    /// token (see [`Layout`]), for the mask-cache key.
    layout: Option<Layout>,
    parent: Path,
}

type Path = Option<Arc<PathNode>>;

/// A path is as long as the text (a large module is 100,000 tokens and
/// more), and the derived drop would recurse once per node: unlink the
/// nodes this drop owns one at a time instead, stopping at the first one
/// still shared.
impl Drop for PathNode {
    fn drop(&mut self) {
        let mut next = self.parent.take();
        while let Some(node) = next {
            next = match Arc::try_unwrap(node) {
                Ok(mut owned) => owned.parent.take(),
                Err(_) => None,
            };
        }
    }
}

fn path_len(path: &Path) -> usize {
    path.as_ref().map_or(0, |n| n.len)
}

fn path_hash(path: &Path) -> u64 {
    path.as_ref().map_or(0, |n| n.hash)
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => Arc::ptr_eq(x, y),
        _ => false,
    }
}

/// `path` and then `token`; `layout`, for the shipped Python grammar, the
/// vocabulary whose token bytes the path's [`Layout`] reads.
fn push(path: &Path, token: TokenId, layout: Option<&SyntaxVocab>) -> Path {
    let hash =
        (path_hash(path).rotate_left(5) ^ u64::from(token)).wrapping_mul(0x517c_c1b7_2722_0a95);
    let layout = layout.map(|vocab| {
        let mut next = path
            .as_ref()
            .and_then(|n| n.layout.clone())
            .unwrap_or_default();
        next.feed_token(vocab.trie().token(token));
        next
    });
    Some(Arc::new(PathNode {
        token,
        len: path_len(path) + 1,
        hash,
        layout,
        parent: path.clone(),
    }))
}

fn parent(path: &Path) -> Path {
    path.as_ref().and_then(|n| n.parent.clone())
}

/// Equal token sequences (pointer-equal nodes short-cut the walk).
fn equal_paths(a: &Path, b: &Path) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    if path_len(&a) != path_len(&b) || path_hash(&a) != path_hash(&b) {
        return false;
    }
    while let (Some(x), Some(y)) = (&a, &b) {
        if Arc::ptr_eq(x, y) {
            return true;
        }
        if x.token != y.token {
            return false;
        }
        let (na, nb) = (x.parent.clone(), y.parent.clone());
        a = na;
        b = nb;
    }
    a.is_none() && b.is_none()
}

fn tokens_of(path: &Path) -> Vec<TokenId> {
    let mut tokens = Vec::with_capacity(path_len(path));
    let mut node = path.clone();
    while let Some(n) = node {
        tokens.push(n.token);
        node = n.parent.clone();
    }
    tokens.reverse();
    tokens
}

/// The live matcher of one parse lineage.
struct Cursor {
    matcher: Box<dyn GrammarMatcher>,
    at: Path,
    /// One mask's worth of scratch, so a meet of several grammars ANDs
    /// masks without allocating.
    scratch: TokenMask,
    /// The lineage that used the matcher last.
    owner: u64,
}

/// Whether `ancestor` is `path` or one of its prefixes.
fn is_prefix(ancestor: &Path, path: &Path) -> bool {
    let mut node = path.clone();
    while path_len(&node) > path_len(ancestor) {
        node = parent(&node);
    }
    same_path(&node, ancestor) || equal_paths(&node, ancestor)
}

/// Where a lineage finds its cursor: forks get a slot of their own that
/// starts out pointing at the shared cursor.
struct Slot(Mutex<Arc<Mutex<Cursor>>>);

static NEXT_LINEAGE: AtomicU64 = AtomicU64::new(1);

impl Cursor {
    /// Moves the matcher onto `target`: back to the common prefix, then
    /// forward along `target`.
    fn seek(&mut self, target: &Path) -> Result<(), SyntaxError> {
        if same_path(&self.at, target) || equal_paths(&self.at, target) {
            self.at = target.clone();
            return Ok(());
        }
        let (mut here, mut there) = (self.at.clone(), target.clone());
        let mut pops = 0;
        let mut replay = Vec::new();
        while path_len(&here) > path_len(&there) {
            here = parent(&here);
            pops += 1;
        }
        while path_len(&there) > path_len(&here) {
            replay.push(there.as_ref().map_or(0, |n| n.token));
            there = parent(&there);
        }
        while !same_path(&here, &there) {
            here = parent(&here);
            pops += 1;
            replay.push(there.as_ref().map_or(0, |n| n.token));
            there = parent(&there);
        }
        if pops > 0 {
            self.matcher.rollback(pops)?;
        }
        for &token in replay.iter().rev() {
            self.matcher.consume(token)?;
        }
        self.at = target.clone();
        Ok(())
    }
}

static NEXT_GRAMMAR: AtomicU64 = AtomicU64::new(1);

/// A compiled grammar with an identity (equal ids: the same grammar).
struct GrammarEntry {
    id: u64,
    label: String,
    compiled: Arc<dyn CompiledGrammar>,
    n_vocab: usize,
    /// For the shipped Python grammar, the vocabulary: its paths carry a
    /// [`Layout`] and are cached by it.
    layout: Option<Arc<SyntaxVocab>>,
}

/// One parser: a grammar and the tokens it has accepted.
#[derive(Clone)]
struct ParseState {
    grammar: Arc<GrammarEntry>,
    path: Path,
    slot: Arc<Slot>,
    lineage: u64,
}

impl ParseState {
    fn sort_key(&self) -> (u64, usize, u64) {
        (self.grammar.id, path_len(&self.path), path_hash(&self.path))
    }

    fn same_as(&self, other: &ParseState) -> bool {
        self.grammar.id == other.grammar.id && equal_paths(&self.path, &other.path)
    }

    /// Runs `f` on the matcher positioned at this state's path. When the
    /// matcher is shared with another live lineage that this state would
    /// have to roll back, it is copied first (the O(1) fork pays here, once).
    fn with_cursor<R>(
        &self,
        f: impl FnOnce(&mut Cursor) -> Result<R, SyntaxError>,
    ) -> Result<R, SyntaxError> {
        // A panic while holding a lock leaves a matcher we re-seek before
        // every use anyway, so poisoned locks are safe to keep using.
        let mut slot = self.slot.0.lock().unwrap_or_else(|p| p.into_inner());
        let shared = Arc::clone(&slot);
        let mut cursor = shared.lock().unwrap_or_else(|p| p.into_inner());
        let others = Arc::strong_count(&shared) > 2;
        if cursor.owner != self.lineage && others && !is_prefix(&cursor.at, &self.path) {
            let detached = Cursor {
                matcher: cursor.matcher.fork(),
                at: cursor.at.clone(),
                scratch: cursor.scratch.clone(),
                owner: self.lineage,
            };
            drop(cursor);
            *slot = Arc::new(Mutex::new(detached));
            let mut own = slot.lock().unwrap_or_else(|p| p.into_inner());
            own.seek(&self.path)?;
            return f(&mut own);
        }
        cursor.owner = self.lineage;
        cursor.seek(&self.path)?;
        f(&mut cursor)
    }
}

/// A syntax constraint: the parse states that must all accept (see the
/// module docs).
#[derive(Clone)]
pub struct SyntaxConstraint(Repr);

#[derive(Clone)]
enum Repr {
    /// Sorted by grammar, length and hash; no two states the same.
    States(Arc<[ParseState]>),
    Bottom(Arc<str>),
}

impl SyntaxConstraint {
    /// No grammar: allows everything.
    pub fn top() -> SyntaxConstraint {
        SyntaxConstraint(Repr::States(Arc::from(Vec::new())))
    }

    /// The contradiction, with a reason.
    pub fn bottom(reason: impl Into<String>) -> SyntaxConstraint {
        SyntaxConstraint(Repr::Bottom(Arc::from(reason.into())))
    }

    fn states(&self) -> &[ParseState] {
        match &self.0 {
            Repr::States(states) => states,
            Repr::Bottom(_) => &[],
        }
    }

    fn from_states(mut states: Vec<ParseState>) -> SyntaxConstraint {
        states.sort_by_key(ParseState::sort_key);
        states.dedup_by(|a, b| a.same_as(b));
        SyntaxConstraint(Repr::States(Arc::from(states)))
    }

    /// A key equal for constraints whose parsers are in the same states
    /// (same grammars after the same tokens): they allow the same tokens.
    ///
    /// For the shipped Python grammar the key is the [`Layout`] after the
    /// text: texts that leave the grammar in the same state share it (the
    /// same statement start in any function, say), so their masks are
    /// computed once. Other grammars key by the tokens themselves.
    pub fn cache_key(&self) -> Option<u64> {
        match &self.0 {
            Repr::Bottom(_) => None,
            Repr::States(states) => Some(states.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, s| {
                let (grammar, len, path) = s.sort_key();
                let place = s
                    .path
                    .as_ref()
                    .and_then(|n| n.layout.as_ref())
                    .and_then(Layout::key);
                let part = match place {
                    // Mixed with a constant of its own, apart from path keys.
                    Some(place) => place ^ 0x2545_f491_4f6c_dd1d,
                    None => (len as u64).rotate_left(17) ^ path.rotate_left(31),
                };
                (h ^ grammar ^ part).wrapping_mul(0x0100_0000_01b3)
            })),
        }
    }

    /// Why this constraint is ⊥.
    pub fn bottom_reason(&self) -> Option<&str> {
        match &self.0 {
            Repr::Bottom(reason) => Some(reason),
            Repr::States(_) => None,
        }
    }

    /// Number of parsers (grammars) in the conjunction.
    pub fn parser_count(&self) -> usize {
        self.states().len()
    }

    /// The tokens consumed so far (by the first parser; all parsers of a
    /// constraint built by observing see the same tokens).
    pub fn tokens(&self) -> Vec<TokenId> {
        self.states()
            .first()
            .map_or_else(Vec::new, |s| tokens_of(&s.path))
    }

    /// The constraint `n` tokens earlier (⊥ stays ⊥). O(n).
    pub fn rollback(&self, n: usize) -> SyntaxConstraint {
        let states = self
            .states()
            .iter()
            .map(|s| {
                let mut path = s.path.clone();
                for _ in 0..n.min(path_len(&path)) {
                    path = parent(&path);
                }
                ParseState { path, ..s.clone() }
            })
            .collect();
        match &self.0 {
            Repr::Bottom(_) => self.clone(),
            Repr::States(_) => SyntaxConstraint::from_states(states),
        }
    }

    /// Bytes every parser agrees are forced next (jump-forward): the
    /// longest common prefix of their forced bytes.
    pub fn forced_bytes(&self) -> Result<Vec<u8>, SyntaxError> {
        let mut common: Option<Vec<u8>> = None;
        for state in self.states() {
            let forced = state.with_cursor(|cursor| Ok(cursor.matcher.forced_bytes()))?;
            common = Some(match common {
                None => forced,
                Some(prev) => prev
                    .iter()
                    .zip(&forced)
                    .take_while(|(a, b)| a == b)
                    .map(|(a, _)| *a)
                    .collect(),
            });
        }
        Ok(common.unwrap_or_default())
    }

    /// Writes into `out` the tokens among `candidates` every parser allows.
    pub fn mask(&self, candidates: &TokenMask, out: &mut TokenMask) -> Result<(), SyntaxError> {
        let states = match &self.0 {
            Repr::Bottom(_) => {
                out.fill(false);
                return Ok(());
            }
            Repr::States(states) => states,
        };
        let Some((first, rest)) = states.split_first() else {
            out.copy_from(candidates);
            return Ok(());
        };
        // The first parser writes straight into `out`: one copy fewer.
        first.with_cursor(|cursor| cursor.matcher.fill_mask(out))?;
        out.and_with(candidates);
        for state in rest {
            if out.is_empty() {
                break;
            }
            state.with_cursor(|cursor| {
                cursor.matcher.fill_mask(&mut cursor.scratch)?;
                out.and_with(&cursor.scratch);
                Ok(())
            })?;
        }
        Ok(())
    }

    /// The constraint after `token`; ⊥ when some parser rejects it.
    pub fn observe(&self, token: TokenId) -> Result<SyntaxConstraint, SyntaxError> {
        if let Some(state) = self.states().first() {
            let n_vocab = state.grammar.n_vocab;
            if token as usize >= n_vocab {
                return Err(SyntaxError::UnknownToken { token, n_vocab });
            }
        }
        if self.is_bottom() {
            return Ok(self.clone());
        }
        let mut next = Vec::with_capacity(self.states().len());
        for state in self.states() {
            let consumed = state.with_cursor(|cursor| match cursor.matcher.consume(token) {
                Ok(()) => {
                    let path = push(&state.path, token, state.grammar.layout.as_deref());
                    cursor.at = path.clone();
                    Ok(Some(path))
                }
                Err(SyntaxError::TokenRejected { .. }) => Ok(None),
                Err(other) => Err(other),
            })?;
            match consumed {
                Some(path) => next.push(ParseState {
                    path,
                    ..state.clone()
                }),
                None => {
                    return Ok(SyntaxConstraint::bottom(format!(
                        "grammar `{}` rejects token {token}",
                        state.grammar.label
                    )));
                }
            }
        }
        Ok(SyntaxConstraint(Repr::States(Arc::from(next))))
    }

    /// Whether every parser accepts the text so far as complete.
    pub fn is_accepting(&self) -> Result<bool, SyntaxError> {
        for state in self.states() {
            if !state.with_cursor(|cursor| Ok(cursor.matcher.is_accepting()))? {
                return Ok(false);
            }
        }
        Ok(!self.is_bottom())
    }

    /// A copy that evolves independently (see [`Domain::fork`]): a new
    /// lineage, O(1); the matcher is copied only when the two lineages
    /// first need it in different places.
    pub fn fork(&self) -> Result<SyntaxConstraint, SyntaxError> {
        let lineage = NEXT_LINEAGE.fetch_add(1, Ordering::Relaxed);
        let states: Vec<ParseState> = self
            .states()
            .iter()
            .map(|s| {
                let shared = Arc::clone(&s.slot.0.lock().unwrap_or_else(|p| p.into_inner()));
                ParseState {
                    slot: Arc::new(Slot(Mutex::new(shared))),
                    lineage,
                    ..s.clone()
                }
            })
            .collect();
        Ok(match &self.0 {
            Repr::Bottom(_) => self.clone(),
            Repr::States(_) => SyntaxConstraint(Repr::States(Arc::from(states))),
        })
    }
}

impl PartialEq for SyntaxConstraint {
    fn eq(&self, other: &SyntaxConstraint) -> bool {
        match (&self.0, &other.0) {
            (Repr::Bottom(_), Repr::Bottom(_)) => true,
            (Repr::States(a), Repr::States(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.same_as(y))
            }
            _ => false,
        }
    }
}

impl MeetSemilattice for SyntaxConstraint {
    /// Both parsers must accept: the union of the parse states, equal
    /// states kept once (two copies of one grammar at one position run one
    /// parser, not two).
    fn meet(&self, other: &SyntaxConstraint) -> SyntaxConstraint {
        match (&self.0, &other.0) {
            (Repr::Bottom(_), _) => self.clone(),
            (_, Repr::Bottom(_)) => other.clone(),
            (Repr::States(a), Repr::States(b)) => {
                if b.is_empty() {
                    return self.clone();
                }
                if a.is_empty() {
                    return other.clone();
                }
                SyntaxConstraint::from_states(a.iter().chain(b.iter()).cloned().collect())
            }
        }
    }

    fn is_top(&self) -> bool {
        matches!(&self.0, Repr::States(s) if s.is_empty())
    }

    fn is_bottom(&self) -> bool {
        matches!(self.0, Repr::Bottom(_))
    }
}

impl fmt::Debug for SyntaxConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Bottom(reason) => write!(f, "⊥ ({reason})"),
            Repr::States(states) if states.is_empty() => f.write_str("⊤"),
            Repr::States(states) => {
                let mut list = f.debug_list();
                for s in states.iter() {
                    list.entry(&format_args!(
                        "{} after {} tokens",
                        s.grammar.label,
                        path_len(&s.path)
                    ));
                }
                list.finish()
            }
        }
    }
}

/// The syntax domain over one vocabulary and one backend.
pub struct SyntaxDomain {
    backend: Arc<dyn SyntaxBackend>,
    grammars: Mutex<Vec<(GrammarSource, Arc<GrammarEntry>)>>,
}

impl SyntaxDomain {
    /// The domain's name in a product.
    pub const NAME: &'static str = "syntax";

    /// A syntax domain compiling grammars with `backend`.
    pub fn new(backend: Arc<dyn SyntaxBackend>) -> SyntaxDomain {
        SyntaxDomain {
            backend,
            grammars: Mutex::new(Vec::new()),
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> &Arc<dyn SyntaxBackend> {
        &self.backend
    }

    /// The vocabulary in use.
    pub fn vocab(&self) -> &Arc<SyntaxVocab> {
        self.backend.vocab()
    }

    /// A constraint at the start of `grammar` (compiled once per distinct
    /// source; `label` names it in messages).
    pub fn constraint(
        &self,
        grammar: &GrammarSource,
        label: &str,
    ) -> Result<SyntaxConstraint, SyntaxError> {
        let entry = {
            let mut cache = self.grammars.lock().unwrap_or_else(|p| p.into_inner());
            match cache.iter().find(|(source, _)| source == grammar) {
                Some((_, entry)) => entry.clone(),
                None => {
                    let entry = Arc::new(GrammarEntry {
                        id: NEXT_GRAMMAR.fetch_add(1, Ordering::Relaxed),
                        label: label.to_owned(),
                        compiled: self.backend.compile(grammar)?,
                        n_vocab: self.vocab().len(),
                        layout: python::is_shipped(grammar).then(|| self.vocab().clone()),
                    });
                    cache.push((grammar.clone(), entry.clone()));
                    entry
                }
            }
        };
        let lineage = NEXT_LINEAGE.fetch_add(1, Ordering::Relaxed);
        let cursor = Cursor {
            matcher: entry.compiled.start()?,
            at: None,
            scratch: TokenMask::new_empty(self.vocab().len()),
            owner: lineage,
        };
        Ok(SyntaxConstraint::from_states(vec![ParseState {
            grammar: entry,
            path: None,
            slot: Arc::new(Slot(Mutex::new(Arc::new(Mutex::new(cursor))))),
            lineage,
        }]))
    }

    fn text_before(&self, constraint: &SyntaxConstraint, tail: usize) -> String {
        let bytes = self.vocab().decode(&constraint.tokens());
        let text = String::from_utf8_lossy(&bytes);
        let start = text
            .char_indices()
            .rev()
            .nth(tail.saturating_sub(1))
            .map_or(0, |(i, _)| i);
        text[start..].to_owned()
    }
}

fn domain_error(e: SyntaxError) -> Error {
    Error::domain(SyntaxDomain::NAME, e.to_string())
}

impl Domain for SyntaxDomain {
    type Constraint = SyntaxConstraint;

    fn name(&self) -> &str {
        SyntaxDomain::NAME
    }

    fn top(&self) -> SyntaxConstraint {
        SyntaxConstraint::top()
    }

    fn bottom(&self) -> SyntaxConstraint {
        SyntaxConstraint::bottom("contradiction")
    }

    fn satisfiability(&self, constraint: &SyntaxConstraint) -> Satisfiability {
        if constraint.is_bottom() {
            return Satisfiability::Unsat;
        }
        match constraint.is_accepting() {
            Ok(true) => Satisfiability::Sat,
            _ => Satisfiability::Unknown,
        }
    }

    fn token_mask(
        &self,
        constraint: &SyntaxConstraint,
        _ctx: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        constraint.mask(candidates, out).map_err(domain_error)
    }

    fn observe(
        &self,
        constraint: &SyntaxConstraint,
        token: TokenId,
        _ctx: StepContext<'_>,
    ) -> Result<SyntaxConstraint, Error> {
        constraint.observe(token).map_err(domain_error)
    }

    fn explain(
        &self,
        constraint: &SyntaxConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Option<String> {
        if let Some(reason) = constraint.bottom_reason() {
            return Some(format!("the syntax constraint is contradictory: {reason}"));
        }
        let n = ctx.vocab.len();
        let mut out = TokenMask::new_empty(n);
        constraint.mask(&TokenMask::new_full(n), &mut out).ok()?;
        if out.contains(token) {
            return None;
        }
        let text = String::from_utf8_lossy(ctx.vocab.token_bytes(token)?).into_owned();
        let labels: Vec<&str> = constraint
            .states()
            .iter()
            .map(|s| s.grammar.label.as_str())
            .collect();
        Some(format!(
            "the grammar {} does not allow {text:?} after {:?}",
            labels.join(" and "),
            self.text_before(constraint, 40)
        ))
    }

    fn cost(&self) -> CostHint {
        CostHint {
            relative_cost: 1.0,
            keep_ratio: 0.2,
            ..CostHint::default()
        }
    }

    fn cache_key(&self, constraint: &SyntaxConstraint) -> Option<u64> {
        constraint.cache_key()
    }

    fn fork(&self, constraint: &SyntaxConstraint) -> SyntaxConstraint {
        constraint
            .fork()
            .unwrap_or_else(|e| SyntaxConstraint::bottom(format!("fork failed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_paths_drop_without_recursion() {
        // A million tokens, dropped on a thread with a small stack: the
        // derived drop would overflow it.
        let worker = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(|| {
                let mut path: Path = None;
                for token in 0..1_000_000 {
                    path = push(&path, token, None);
                }
                let shared = parent(&parent(&path));
                drop(path);
                assert_eq!(path_len(&shared), 999_998);
                drop(shared);
            })
            .unwrap();
        worker.join().unwrap();
    }
}
