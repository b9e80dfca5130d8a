//! [`Session`]: one generation, what an inference engine calls once per
//! token.
//!
//! The session API maps one to one onto SGLang's grammar object and vLLM's
//! structured-output grammar:
//!
//! | Session | SGLang | vLLM |
//! |---|---|---|
//! | [`compute_mask`](Session::compute_mask) | `fill_vocab_mask` | `fill_bitmask` |
//! | [`commit`](Session::commit) / [`commit_many`](Session::commit_many) | `accept_token` | `accept_tokens` |
//! | [`validate`](Session::validate) | — | `validate_tokens` |
//! | [`rollback`](Session::rollback) | `rollback` | `rollback` |
//! | [`fork`](Session::fork) | `copy` | — |
//! | [`is_accepting`](Session::is_accepting) | `is_terminated` | `is_terminated` |
//! | [`jump_forward`](Session::jump_forward) | jump-forward | — |
//! | [`reset`](Session::reset) | — | `reset` |
//!
//! State is persistent: the product constraint, the token list and the
//! per-token history are `im` structures, so `checkpoint` and `fork` copy a
//! few pointers. The history keeps the state before each of the last
//! [`DENSE_STEPS`] tokens, and further back a state at exponentially
//! spaced strides (one per doubling of the distance): a state holds the
//! text it judges, so keeping every one would make a session's memory grow
//! with the square of its length (12,727 tokens of a 53 KB module held
//! 1.2 GB). `rollback(k)` costs O(k + log n) within the dense window; past
//! it, it returns to the nearest kept state and commits the tokens after
//! it again (commits are deterministic), at most about k of them.
//!
//! A session runs a [`CompiledSpec`] and knows no domain by name or type:
//! it asks the domains through [`ananke_core`]'s interface, and what only
//! some can tell (the bytes forced next, whether the output may end) it
//! reads from what the compiler drew from the table of built-in domains.
//!
//! Committing a token is one step: observe it and propagate, on a copy
//! (a rejected token leaves the session as it was); then, past the point
//! of no return, the bookkeeping — history, the hole tree (the refinements
//! propagation reports, in the words of the morphisms that made them), the
//! structure scanner. A failure there poisons the session: every later
//! call reports it rather than run on a state advanced halfway. The end of
//! the output is judged as a commit of the end-of-sequence token,
//! propagation included.

use std::collections::HashMap;
use std::sync::Arc;

use ananke_core::{
    DomainId, DynConstraint, Error, MeetSemilattice, ProductConstraint, Propagation,
    PropagationEngine, PropagationError, Satisfiability, Seed, StepContext, TokenId, TokenMask,
};
use im::Vector;
use smallvec::SmallVec;

use crate::compile::CompiledSpec;
use crate::error::RuntimeError;
use crate::fusion::{Fusion, FusionStats};
use crate::holes::{Granularity, HoleError, HoleId, HoleTree, MODULE_HOLE, Scope};
use crate::spec::SpecError;
use crate::structure::{HoleEvent, StructureScanner};

/// Why the domains changed in a commit, for propagation's provenance.
const COMMITTED: &str = "the committed token";

/// How many of the latest steps the history keeps whole: rollbacks within
/// them (a speculative decoder's, the model decoder's return to a recent
/// line start) never commit anything again.
pub const DENSE_STEPS: usize = 256;

/// Whether the history keeps the state `back` tokens before the end of
/// the output, at position `at`: every one of the last [`DENSE_STEPS`],
/// then one in each stride of `DENSE_STEPS << k` for the distances from
/// `DENSE_STEPS << k` on. A stride only grows as the output does, so a
/// thinned state is never wanted again; position 0 (the start) is always
/// kept.
fn kept(at: usize, back: usize) -> bool {
    if back <= DENSE_STEPS {
        return true;
    }
    let doublings = (back / DENSE_STEPS).ilog2();
    at.is_multiple_of(DENSE_STEPS << doublings)
}

/// What the session remembers of a step, to undo it.
#[derive(Clone)]
struct Step {
    state: ProductConstraint,
    holes: HoleTree,
    scanner: StructureScanner,
}

#[derive(Clone)]
struct Snapshot {
    state: ProductConstraint,
    tokens: Vector<TokenId>,
    history: Vector<Option<Step>>,
    holes: HoleTree,
    scanner: StructureScanner,
}

/// Why a token is allowed or not, domain by domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The token.
    pub token: TokenId,
    /// Its text.
    pub text: String,
    /// Whether the fused mask allows it.
    pub allowed: bool,
    /// Each rejecting domain, why, and where its constraint came from.
    pub rejections: Vec<Rejection>,
}

/// One domain's rejection of a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The domain.
    pub domain: String,
    /// Why, in words.
    pub reason: String,
    /// The refinements that shaped the domain's constraint in the active
    /// hole (spec lines, holes).
    pub provenance: Vec<String>,
}

/// What committing a token would do, worked out on a copy of the state.
// It lives on the stack for one call; boxing the report (refinements are
// kept inline) would allocate at every token.
#[allow(clippy::large_enum_variant)]
enum Advance {
    /// Every domain allows it: the state after it, and what propagation
    /// refined on the way.
    Accepted(ProductConstraint, Propagation),
    /// Some domain rejects it: the state after it, ⊥ somewhere.
    Rejected(ProductConstraint),
}

/// Observes `token` on a copy of `state` and propagates: the one step that
/// both [`Session::commit`] and [`Session::is_accepting`] (with the
/// end-of-sequence token) take. An error is a domain or morphism failing,
/// not a rejection.
fn advance(
    compiled: &CompiledSpec,
    state: &ProductConstraint,
    engine: &mut PropagationEngine,
    token: TokenId,
) -> Result<Advance, RuntimeError> {
    let ctx = StepContext::new(compiled.vocab.vocabulary());
    let mut next = state.clone();
    let changed = next.observe(token, ctx)?;
    let seeds: SmallVec<[Seed<'_>; 8]> = changed
        .iter()
        .map(|&domain| Seed {
            domain,
            reason: COMMITTED,
        })
        .collect();
    match engine.propagate(&mut next, &seeds) {
        Ok(propagation) if !next.is_bottom() => Ok(Advance::Accepted(next, propagation)),
        Ok(_) | Err(PropagationError::Contradiction(_)) => Ok(Advance::Rejected(next)),
        Err(other) => Err(RuntimeError::Contradiction(other.to_string())),
    }
}

/// One generation in progress (see the module docs).
pub struct Session {
    compiled: Arc<CompiledSpec>,
    state: ProductConstraint,
    tokens: Vector<TokenId>,
    /// The step before each token, `None` where thinned (see the module
    /// docs and [`Session::thin`]).
    history: Vector<Option<Step>>,
    holes: HoleTree,
    scanner: StructureScanner,
    checkpoints: HashMap<u64, Snapshot>,
    next_checkpoint: u64,
    engine: PropagationEngine,
    fusion: Fusion,
    poisoned: Option<String>,
    /// Makes the bookkeeping after the next commits fail (a test of
    /// poisoning: nothing in a sound session fails there).
    #[cfg(test)]
    fail_bookkeeping: bool,
}

impl Session {
    /// A session of `compiled` starting from `state` (the compiled spec's
    /// initial constraint, or a body's), with the spec's holes in its tree
    /// and `prefix` committed.
    pub(crate) fn start(
        compiled: Arc<CompiledSpec>,
        state: ProductConstraint,
        prefix: Option<&str>,
    ) -> Result<Session, RuntimeError> {
        let mut holes = HoleTree::new(state.clone());
        // Spec holes start under their parents (the module hole when they
        // name none), parents first, not yet open for writing (generation
        // opens them when it reaches them).
        let mut pending: Vec<&crate::spec::HoleSpec> = compiled.holes.iter().collect();
        loop {
            let ready = pending.iter().enumerate().find_map(|(i, hole)| {
                let parent = match hole.parent.as_deref() {
                    None | Some(MODULE_HOLE) => Some(holes.root()),
                    Some(name) => holes.find(name),
                };
                Some((i, parent?))
            });
            let Some((i, parent)) = ready else {
                break;
            };
            let hole = pending.remove(i);
            let id = holes.open(parent, &hole.name, hole.hole_granularity())?;
            holes.close(id);
        }
        if let Some(hole) = pending.first() {
            return Err(RuntimeError::Spec(SpecError::new(
                "holes",
                format!("hole `{}` is its own ancestor", hole.name),
            )));
        }
        let mut session = Session {
            state,
            tokens: Vector::new(),
            history: Vector::new(),
            holes,
            scanner: StructureScanner::default(),
            checkpoints: HashMap::new(),
            next_checkpoint: 0,
            engine: compiled.engine(),
            fusion: Fusion::new(compiled.product()),
            poisoned: None,
            #[cfg(test)]
            fail_bookkeeping: false,
            compiled,
        };
        session.apply_hole_starts()?;
        if let Some(prefix) = prefix {
            session.commit_prefix(prefix)?;
        }
        Ok(session)
    }

    /// Commits the code a body session starts with; a rejection is the
    /// prefix's fault.
    fn commit_prefix(&mut self, prefix: &str) -> Result<(), RuntimeError> {
        self.commit_given(prefix, "types.body_prefix")
    }

    /// Commits `text` as given code (not generated): a rejection is
    /// reported as `field`'s fault, with the byte and each domain's
    /// reason.
    pub(crate) fn commit_given(&mut self, prefix: &str, field: &str) -> Result<(), RuntimeError> {
        let tokens = self.compiled.vocab.encode(prefix);
        match self.commit_until_rejected(&tokens)? {
            None => Ok(()),
            Some(why) => Err(RuntimeError::Spec(SpecError::new(
                field,
                format!("the constraints reject it {why}"),
            ))),
        }
    }

    /// Commits `tokens` in order until one is rejected; `None` when all
    /// are committed, else where and why (`at byte 12 (types: ...)`, the
    /// byte counted in the text of `tokens`).
    pub(crate) fn commit_until_rejected(
        &mut self,
        tokens: &[TokenId],
    ) -> Result<Option<String>, RuntimeError> {
        for (i, &token) in tokens.iter().enumerate() {
            match self.commit(token) {
                Ok(()) => {}
                Err(RuntimeError::Rejected { reasons, .. }) => {
                    let at = self.compiled.vocab.decode(&tokens[..i]).len();
                    let why: Vec<String> =
                        reasons.iter().map(|(d, r)| format!("{d}: {r}")).collect();
                    return Ok(Some(format!("at byte {at} ({})", why.join("; "))));
                }
                Err(other) => return Err(other),
            }
        }
        Ok(None)
    }

    fn check_usable(&self) -> Result<(), RuntimeError> {
        match &self.poisoned {
            Some(reason) => Err(RuntimeError::Poisoned(reason.clone())),
            None => Ok(()),
        }
    }

    /// Records an internal failure: every later call reports it instead of
    /// continuing on a state that may be inconsistent.
    fn poison(&mut self, error: RuntimeError) -> RuntimeError {
        self.poisoned = Some(error.to_string());
        error
    }

    fn ctx(&self) -> StepContext<'_> {
        StepContext::new(self.compiled.vocab.vocabulary())
    }

    /// The vocabulary the session decodes over.
    pub fn vocab(&self) -> &Arc<ananke_syntax::SyntaxVocab> {
        &self.compiled.vocab
    }

    /// `text` in the session's tokens.
    pub(crate) fn encode(&self, text: &str) -> Vec<TokenId> {
        self.compiled.vocab.encode(text)
    }

    /// Marks the spec hole `name` as being written (a template hole a
    /// [`crate::HoleSession`] fills).
    pub(crate) fn open_spec_hole(&mut self, name: &str) {
        if let Some(id) = self.holes.find(name) {
            self.holes.reopen(id);
        }
    }

    /// The tokens committed so far.
    pub fn tokens(&self) -> Vec<TokenId> {
        self.tokens.iter().copied().collect()
    }

    /// The text committed so far (special tokens as `0xFF` + name).
    pub fn text(&self) -> Vec<u8> {
        self.compiled.vocab.decode(&self.tokens())
    }

    /// The current product constraint.
    pub fn state(&self) -> &ProductConstraint {
        &self.state
    }

    /// The hole tree.
    pub fn holes(&self) -> &HoleTree {
        &self.holes
    }

    /// Fusion statistics so far.
    pub fn stats(&self) -> &FusionStats {
        self.fusion.stats()
    }

    /// Writes the tokens every domain allows next into `out` (one bit per
    /// vocabulary id, the int32 layout engines use).
    pub fn compute_mask(&mut self, out: &mut TokenMask) -> Result<(), RuntimeError> {
        self.check_usable()?;
        let compiled = &*self.compiled;
        let ctx = StepContext::new(compiled.vocab.vocabulary());
        let computed = self.fusion.compute(
            compiled.product(),
            &compiled.mask_cache,
            &self.state,
            ctx,
            out,
        );
        computed.map_err(|e| self.poison(RuntimeError::Core(e)))
    }

    /// Appends `token` if every domain allows it; otherwise returns
    /// [`RuntimeError::Rejected`] and leaves the session as it was.
    pub fn commit(&mut self, token: TokenId) -> Result<(), RuntimeError> {
        self.check_usable()?;
        let compiled = Arc::clone(&self.compiled);
        let bytes = compiled.vocab.vocabulary().try_token_bytes(token)?;
        let advanced = advance(&compiled, &self.state, &mut self.engine, token);
        let (next, propagation) = match advanced {
            Ok(Advance::Accepted(next, propagation)) => (next, propagation),
            Ok(Advance::Rejected(next)) => {
                return Err(RuntimeError::Rejected {
                    token,
                    text: String::from_utf8_lossy(bytes).into_owned(),
                    reasons: self.rejection_reasons(token, &next),
                });
            }
            Err(e) => return Err(self.poison(e)),
        };
        // The point of no return: from here a failure poisons.
        self.history.push_back(Some(Step {
            state: std::mem::replace(&mut self.state, next),
            holes: self.holes.clone(),
            scanner: self.scanner.clone(),
        }));
        self.tokens.push_back(token);
        self.thin();
        self.record_step(&propagation, bytes)
            .map_err(|e| self.poison(e))
    }

    /// Drops the states of the history [`kept`] no longer keeps now that
    /// the output grew by a token: only those whose distance crossed a
    /// boundary of the scheme (leaving the dense window, or doubling a
    /// stride) can have changed, O(log n) of them.
    fn thin(&mut self) {
        let len = self.tokens.len();
        let mut back = DENSE_STEPS + 1;
        while back <= len {
            let at = len - back;
            if !kept(at, back) && self.history.get(at).is_some_and(Option::is_some) {
                self.history.set(at, None);
            }
            back = if back == DENSE_STEPS + 1 {
                DENSE_STEPS * 2
            } else {
                back * 2
            };
        }
    }

    /// The bookkeeping of a step whose state is in place: the refinements
    /// that are worth a record, and the holes the token's text opens or
    /// closes.
    fn record_step(&mut self, propagation: &Propagation, bytes: &[u8]) -> Result<(), RuntimeError> {
        self.record_refinements(propagation)?;
        let events = self.scanner.feed(bytes);
        self.apply_hole_events(events)?;
        #[cfg(test)]
        if self.fail_bookkeeping {
            return Err(RuntimeError::Contradiction(
                "the bookkeeping failed (test)".into(),
            ));
        }
        Ok(())
    }

    /// Records on the module hole each refinement a morphism puts in
    /// words, naming the hole whose code caused it ("types→imports: hole
    /// `f` uses `math.`, so the module must import `math`"). The session's
    /// state holds the refinement already (it refines the whole output, as
    /// the module hole does); the tree records where it came from. Where a
    /// hole's own, local constraint contradicts it, the tree is left as it
    /// was: the state is what judges tokens.
    fn record_refinements(&mut self, propagation: &Propagation) -> Result<(), RuntimeError> {
        let mut writer: Option<String> = None;
        for refinement in &propagation.refinements {
            let Some(morphism) = self.engine.morphism(refinement.edge) else {
                continue;
            };
            let facts = morphism.describe(&refinement.before, &refinement.image)?;
            for fact in facts {
                let writer = writer.get_or_insert_with(|| self.writer());
                let reason = format!("{}: hole `{writer}` {fact}", morphism.name());
                let mut holes = self.holes.clone();
                let root = holes.root();
                if holes
                    .refine(
                        root,
                        refinement.target,
                        &refinement.image,
                        &reason,
                        Scope::Module,
                    )
                    .is_ok()
                {
                    self.holes = holes;
                }
            }
        }
        Ok(())
    }

    /// The name of the function hole being written (or the module's).
    fn writer(&self) -> String {
        let mut current = Some(self.holes.active());
        while let Some(hole) = current.and_then(|id| self.holes.get(id)) {
            if hole.granularity == Granularity::Function {
                return hole.name.clone();
            }
            current = hole.parent;
        }
        MODULE_HOLE.to_owned()
    }

    fn rejection_reasons(
        &self,
        token: TokenId,
        after: &ProductConstraint,
    ) -> Vec<(String, String)> {
        let product = self.compiled.product();
        let mut reasons: Vec<(String, String)> = after
            .bottom_domains()
            .map(|id| {
                let why = self
                    .state
                    .component(id)
                    .and_then(|c| {
                        product
                            .domain(id)
                            .and_then(|d| d.explain(c, token, self.ctx()).ok().flatten())
                    })
                    .unwrap_or_else(|| format!("{:?}", after.component(id)));
                (product.name(id).to_owned(), why)
            })
            .collect();
        if reasons.is_empty() {
            reasons.push(("product".into(), "contradiction".into()));
        }
        reasons
    }

    /// Commits tokens in order; stops at the first rejected one and
    /// returns how many were committed (the rest are untouched).
    pub fn commit_many(&mut self, tokens: &[TokenId]) -> Result<usize, RuntimeError> {
        for (i, &token) in tokens.iter().enumerate() {
            match self.commit(token) {
                Ok(()) => {}
                Err(RuntimeError::Rejected { .. }) => return Ok(i),
                Err(other) => return Err(other),
            }
        }
        Ok(tokens.len())
    }

    /// How many of `tokens` would be accepted in order, without changing
    /// the session.
    pub fn validate(&mut self, tokens: &[TokenId]) -> Result<usize, RuntimeError> {
        // Restored as a whole: rolling back would find the states before
        // the mark thinned once more than `DENSE_STEPS` were tried.
        let saved = self.snapshot();
        let accepted = self.commit_many(tokens);
        self.put_back(saved);
        accepted
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            state: self.state.clone(),
            tokens: self.tokens.clone(),
            history: self.history.clone(),
            holes: self.holes.clone(),
            scanner: self.scanner.clone(),
        }
    }

    fn put_back(&mut self, snapshot: Snapshot) {
        self.state = snapshot.state;
        self.tokens = snapshot.tokens;
        self.history = snapshot.history;
        self.holes = snapshot.holes;
        self.scanner = snapshot.scanner;
    }

    /// Removes the last `n` tokens: O(n + log length) within the last
    /// [`DENSE_STEPS`]; further back, up to about `n` tokens are committed
    /// again from the nearest state the history kept.
    pub fn rollback(&mut self, n: usize) -> Result<(), RuntimeError> {
        self.check_usable()?;
        if n > self.tokens.len() {
            return Err(RuntimeError::RollbackTooFar {
                requested: n,
                available: self.tokens.len(),
            });
        }
        if n == 0 {
            return Ok(());
        }
        let keep = self.tokens.len() - n;
        // The nearest kept state at or before `keep` (position 0 always
        // is); the tokens between it and `keep` are committed again.
        let Some((from, step)) = (0..=keep).rev().find_map(|at| {
            self.history
                .get(at)
                .cloned()
                .flatten()
                .map(|step| (at, step))
        }) else {
            let error = RuntimeError::Contradiction(
                "the history holds no state to roll back to (it always keeps the first)".into(),
            );
            return Err(self.poison(error));
        };
        let again: Vec<TokenId> = self
            .tokens
            .iter()
            .skip(from)
            .take(keep - from)
            .copied()
            .collect();
        self.history.truncate(from);
        self.tokens.truncate(from);
        self.state = step.state;
        self.holes = step.holes;
        self.scanner = step.scanner;
        for token in again {
            if let Err(e) = self.commit(token) {
                let error = RuntimeError::Contradiction(format!(
                    "committing token {token} again after a rollback failed: {e}"
                ));
                return Err(self.poison(error));
            }
        }
        Ok(())
    }

    /// Saves the current state; O(1).
    pub fn checkpoint(&mut self) -> u64 {
        let id = self.next_checkpoint;
        self.next_checkpoint += 1;
        self.checkpoints.insert(id, self.snapshot());
        id
    }

    /// Forgets a checkpoint.
    pub fn release(&mut self, id: u64) {
        self.checkpoints.remove(&id);
    }

    /// Returns to a checkpoint (which stays available).
    pub fn restore(&mut self, id: u64) -> Result<(), RuntimeError> {
        let snapshot = self
            .checkpoints
            .get(&id)
            .cloned()
            .ok_or(RuntimeError::UnknownCheckpoint(id))?;
        self.put_back(snapshot);
        self.poisoned = None;
        Ok(())
    }

    /// An independent copy (beam search, parallel sampling): domains with
    /// shared parsers detach them.
    pub fn fork(&self) -> Result<Session, RuntimeError> {
        self.check_usable()?;
        Ok(Session {
            compiled: self.compiled.clone(),
            state: self.state.fork()?,
            tokens: self.tokens.clone(),
            history: self.history.clone(),
            holes: self.holes.clone(),
            scanner: self.scanner.clone(),
            checkpoints: HashMap::new(),
            next_checkpoint: 0,
            engine: self.engine.clone(),
            fusion: Fusion::new(self.compiled.product()),
            poisoned: None,
            #[cfg(test)]
            fail_bookkeeping: self.fail_bookkeeping,
        })
    }

    /// Back to the start.
    pub fn reset(&mut self) -> Result<(), RuntimeError> {
        let n = self.tokens.len();
        self.poisoned = None;
        self.rollback(n)
    }

    /// Whether the output may end here: no domain is contradictory, every
    /// domain that decides where the output is complete (the grammar) says
    /// so, and the end-of-sequence token would be committed — observed by
    /// every domain (the types domain checks the finished module there)
    /// and propagated, exactly as [`commit`](Session::commit) would.
    pub fn is_accepting(&self) -> Result<bool, RuntimeError> {
        self.check_usable()?;
        let product = self.compiled.product();
        for id in product.ids() {
            let domain = product.domain(id).expect("id from the product");
            let component = self.state.component(id).expect("id from the product");
            match domain.satisfiability(component)? {
                Satisfiability::Unsat => return Ok(false),
                Satisfiability::Unknown if self.compiled.ends_only_when_sat.contains(&id) => {
                    return Ok(false);
                }
                _ => {}
            }
        }
        let Some(&eos) = self.compiled.vocab.vocabulary().eos().first() else {
            return Ok(true);
        };
        // A spare engine: judging the end changes nothing in the session.
        let mut engine = self.engine.clone();
        let advanced = advance(&self.compiled, &self.state, &mut engine, eos)?;
        Ok(matches!(advanced, Advance::Accepted(..)))
    }

    /// Why `token` is or is not allowed next, per domain, with provenance.
    pub fn explain(&mut self, token: TokenId) -> Result<Explanation, RuntimeError> {
        let ctx = self.ctx();
        let text = String::from_utf8_lossy(ctx.vocab.try_token_bytes(token)?).into_owned();
        let mut mask = TokenMask::new_empty(self.compiled.vocab.len());
        self.compute_mask(&mut mask)?;
        let reasons = self.state.explain(token, self.ctx())?;
        let active = self.holes.get(self.holes.active());
        let product = self.compiled.product();
        let rejections = reasons
            .into_iter()
            .map(|(domain, reason)| {
                let id = product.id_of(&domain);
                let provenance = active
                    .map(|h| {
                        h.provenance
                            .iter()
                            .filter(|(d, _)| Some(*d) == id)
                            .map(|(_, r)| r.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                Rejection {
                    domain,
                    reason,
                    provenance,
                }
            })
            .collect();
        Ok(Explanation {
            token,
            text,
            allowed: mask.contains(token),
            rejections,
        })
    }

    /// Bytes the constraints force next, and their canonical tokens
    /// (jump-forward decoding): committing them saves model calls. Only a
    /// domain that can tell (the grammar) is asked.
    pub fn jump_forward(&self) -> Result<(Vec<TokenId>, Vec<u8>), RuntimeError> {
        self.check_usable()?;
        let Some((domain, forced_bytes)) = self.compiled.forced_bytes else {
            return Ok((Vec::new(), Vec::new()));
        };
        let component = self
            .state
            .component(domain)
            .ok_or_else(|| Error::UnknownDomain(domain.to_string()))?;
        let bytes = forced_bytes(component)?;
        let tokens = match std::str::from_utf8(&bytes) {
            Ok(text) if !text.is_empty() => self.compiled.vocab.encode(text),
            _ => Vec::new(),
        };
        Ok((tokens, bytes))
    }

    /// Refines a hole with a constraint for one domain (see
    /// [`HoleTree::refine`]); the session's state takes it too when the
    /// hole is the active one or encloses it, or the scope is the module.
    /// All or nothing: on an error the session is as it was.
    pub fn refine_hole(
        &mut self,
        hole: HoleId,
        domain: DomainId,
        constraint: DynConstraint,
        reason: &str,
        scope: Scope,
    ) -> Result<(), RuntimeError> {
        self.check_usable()?;
        let mut holes = self.holes.clone();
        holes
            .refine(hole, domain, &constraint, reason, scope)
            .map_err(|e| match e {
                HoleError::Conflict(conflict) => RuntimeError::Contradiction(conflict.to_string()),
                other => RuntimeError::Hole(other),
            })?;
        let mut on_path = false;
        let mut current = Some(holes.active());
        while let Some(id) = current {
            on_path |= id == hole;
            current = holes.get(id).and_then(|h| h.parent);
        }
        let mut state = self.state.clone();
        if on_path || scope == Scope::Module {
            state.meet_component_dyn(domain, &constraint)?;
            let seeds = [Seed { domain, reason }];
            self.engine
                .propagate(&mut state, &seeds)
                .map_err(|e| RuntimeError::Contradiction(e.to_string()))?;
        }
        self.holes = holes;
        self.state = state;
        Ok(())
    }

    /// The spec holes' constraints (module-wide): refine the tree and the
    /// state.
    fn apply_hole_starts(&mut self) -> Result<(), RuntimeError> {
        let compiled = Arc::clone(&self.compiled);
        for start in &compiled.hole_starts {
            let id = self
                .holes
                .find(&start.hole)
                .expect("spec holes are in the tree");
            self.refine_hole(
                id,
                start.domain,
                start.constraint.clone(),
                &start.reason,
                Scope::Module,
            )?;
        }
        Ok(())
    }

    fn apply_hole_events(&mut self, events: Vec<HoleEvent>) -> Result<(), RuntimeError> {
        for event in events {
            match event {
                HoleEvent::Open(name, granularity) => {
                    let parent = self.holes.active();
                    // A spec hole of that name opens again for writing.
                    match self.holes.find(&name).filter(|id| {
                        self.holes
                            .get(*id)
                            .is_some_and(|h| !h.open && h.children.is_empty())
                    }) {
                        Some(existing) if granularity == Granularity::Function => {
                            self.holes.reopen(existing);
                        }
                        _ => {
                            self.holes.open(parent, &name, granularity)?;
                        }
                    }
                }
                HoleEvent::Close(granularity) => {
                    let mut current = Some(self.holes.active());
                    while let Some(id) = current {
                        let hole = self.holes.get(id).expect("active hole exists");
                        if hole.granularity == granularity && id != self.holes.root() {
                            self.holes.close(id);
                            break;
                        }
                        current = hole.parent;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
