//! [`Domain`]: a constraint lattice that can look at tokens.
//!
//! A domain turns its constraint into a token mask and moves its constraint
//! forward when a token is committed. The typed trait is what domain authors
//! implement; [`DynDomain`] is its object-safe, type-erased form, which the
//! runtime stores side by side for crates and plugins alike. Every typed
//! domain becomes a `DynDomain` through [`erase`].

use std::any::{TypeId, type_name};
use std::marker::PhantomData;
use std::sync::Arc;

use crate::{
    Bounded, DynConstraint, Error, MeetSemilattice, Satisfiability, TokenId, TokenMask, Vocabulary,
};

/// What a domain sees besides its constraint when it masks or observes.
///
/// Borrowed per step; it will grow fields (`#[non_exhaustive]`), so build it
/// with [`StepContext::new`].
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct StepContext<'a> {
    /// The vocabulary the session decodes over.
    pub vocab: &'a Vocabulary,
}

impl<'a> StepContext<'a> {
    /// A context over `vocab`.
    pub fn new(vocab: &'a Vocabulary) -> StepContext<'a> {
        StepContext { vocab }
    }
}

/// How expensive and how selective a domain's mask is, so that mask fusion
/// can run cheap, selective domains first and hand the rest fewer
/// candidates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostHint {
    /// Cost of one mask relative to the syntax domain's (1.0).
    pub relative_cost: f32,
    /// Expected share of candidates the mask keeps, in `0.0..=1.0`
    /// (lower is more selective).
    pub keep_ratio: f32,
    /// Whether the cost grows with the number of candidates (a domain that
    /// looks only at the tokens it is handed) rather than being paid in
    /// full each step (a grammar walk). Fusion then weighs such a domain
    /// by the candidates it would see at each position, so a cheap filter
    /// runs after the selective domains that shrink its input.
    pub scales_with_candidates: bool,
}

impl Default for CostHint {
    fn default() -> CostHint {
        CostHint {
            relative_cost: 1.0,
            keep_ratio: 1.0,
            scales_with_candidates: false,
        }
    }
}

/// A constraint domain.
///
/// Required: [`name`](Domain::name), [`top`](Domain::top),
/// [`bottom`](Domain::bottom), [`token_mask`](Domain::token_mask) and
/// [`observe`](Domain::observe); the rest have defaults. A domain is
/// immutable and shared; all per-session state lives in the constraint,
/// which is why `observe` returns a new constraint rather than mutating one.
pub trait Domain: Send + Sync + 'static {
    /// The lattice of this domain's constraints.
    type Constraint: MeetSemilattice + Send + Sync + 'static;

    /// A short, unique name (`"syntax"`, `"imports"`), used in messages.
    fn name(&self) -> &str;

    /// The constraint that allows everything.
    fn top(&self) -> Self::Constraint;

    /// The contradiction.
    fn bottom(&self) -> Self::Constraint;

    /// Whether `constraint` still has a solution. The default says `Unsat`
    /// for ⊥ and `Unknown` otherwise.
    fn satisfiability(&self, constraint: &Self::Constraint) -> Satisfiability {
        if constraint.is_bottom() {
            Satisfiability::Unsat
        } else {
            Satisfiability::Unknown
        }
    }

    /// Writes into `out` the tokens among `candidates` that this domain
    /// allows next.
    ///
    /// `candidates` holds the tokens earlier domains still allow; a domain
    /// need not look at any other. On return `out ⊆ candidates`. `out` has
    /// the vocabulary's length and arbitrary contents on entry. This runs
    /// once per decoding step: it must not allocate.
    fn token_mask(
        &self,
        constraint: &Self::Constraint,
        ctx: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error>;

    /// The constraint after `token` is appended to the output. `token` is
    /// inside the vocabulary (callers check). A token the constraint does not
    /// allow yields ⊥ (or an error that says why).
    fn observe(
        &self,
        constraint: &Self::Constraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<Self::Constraint, Error>;

    /// Why `constraint` rejects `token`, in words; `None` when it does not
    /// (or cannot say).
    fn explain(
        &self,
        constraint: &Self::Constraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Option<String> {
        let _ = (constraint, token, ctx);
        None
    }

    /// Cost and selectivity of [`token_mask`](Domain::token_mask).
    fn cost(&self) -> CostHint {
        CostHint::default()
    }

    /// A copy of `constraint` that will evolve independently of it (a fork
    /// for beam search or parallel sampling). The default clones, which is
    /// right for immutable constraints; a domain whose constraints share a
    /// mutable cache (a parser positioned on one path) detaches it here so
    /// that two forks do not keep moving one parser back and forth.
    fn fork(&self, constraint: &Self::Constraint) -> Self::Constraint {
        constraint.clone()
    }

    /// A key that identifies `constraint`'s mask: equal keys must give
    /// equal masks. Mask caches use it; `None` (the default) opts out.
    fn cache_key(&self, constraint: &Self::Constraint) -> Option<u64> {
        let _ = constraint;
        None
    }

    /// The join of two constraints, for domains whose lattice has one (it
    /// lifts what all children of a hole share to the parent). `None`, the
    /// default, means the domain has no join.
    fn join(&self, a: &Self::Constraint, b: &Self::Constraint) -> Option<Self::Constraint> {
        let _ = (a, b);
        None
    }
}

/// The object-safe form of [`Domain`], over [`DynConstraint`]s.
///
/// Every method that receives a constraint checks its type and answers
/// [`Error::ConstraintType`] on a mismatch, so wiring mistakes surface as
/// errors. Implement it directly only for domains whose constraint type is
/// not known at compile time (plugins); otherwise implement [`Domain`] and
/// call [`erase`].
pub trait DynDomain: Send + Sync {
    /// See [`Domain::name`].
    fn name(&self) -> &str;
    /// The `TypeId` of the constraints this domain works on.
    fn constraint_type(&self) -> TypeId;
    /// The name of that type, for messages.
    fn constraint_type_name(&self) -> &'static str;
    /// See [`Domain::top`].
    fn top(&self) -> DynConstraint;
    /// See [`Domain::bottom`].
    fn bottom(&self) -> DynConstraint;
    /// See [`Domain::satisfiability`].
    fn satisfiability(&self, constraint: &DynConstraint) -> Result<Satisfiability, Error>;
    /// See [`Domain::token_mask`].
    fn token_mask(
        &self,
        constraint: &DynConstraint,
        ctx: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error>;
    /// See [`Domain::observe`]; also checks that `token` is in the
    /// vocabulary.
    fn observe(
        &self,
        constraint: &DynConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<DynConstraint, Error>;
    /// See [`Domain::explain`].
    fn explain(
        &self,
        constraint: &DynConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<Option<String>, Error>;
    /// See [`Domain::cost`].
    fn cost(&self) -> CostHint;
    /// See [`Domain::fork`].
    fn fork(&self, constraint: &DynConstraint) -> Result<DynConstraint, Error>;
    /// See [`Domain::cache_key`].
    fn cache_key(&self, constraint: &DynConstraint) -> Option<u64>;
    /// See [`Domain::join`].
    fn join(&self, a: &DynConstraint, b: &DynConstraint) -> Result<Option<DynConstraint>, Error>;
}

/// A typed domain behind the [`DynDomain`] interface (see [`erase`]).
pub struct ErasedDomain<D>(pub D);

/// Erases `domain` so the runtime can hold it beside domains of other types.
pub fn erase<D: Domain>(domain: D) -> Arc<dyn DynDomain> {
    Arc::new(ErasedDomain(domain))
}

impl<D: Domain> ErasedDomain<D> {
    fn typed<'c>(&self, constraint: &'c DynConstraint) -> Result<&'c D::Constraint, Error> {
        constraint.expect_ref::<D::Constraint>(self.0.name())
    }

    /// Runs a call into the domain; a panic becomes an error naming the
    /// domain and the call, so none crosses the runtime's API (the session
    /// then refuses to go on rather than use a state it cannot trust).
    fn guarded<T>(&self, call: &str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(result) => result,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a non-string payload".to_owned());
                Err(Error::domain(
                    self.0.name(),
                    format!("panicked in `{call}`: {message}"),
                ))
            }
        }
    }
}

impl<D: Domain> DynDomain for ErasedDomain<D> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn constraint_type(&self) -> TypeId {
        TypeId::of::<D::Constraint>()
    }

    fn constraint_type_name(&self) -> &'static str {
        type_name::<D::Constraint>()
    }

    fn top(&self) -> DynConstraint {
        DynConstraint::new(self.0.top())
    }

    fn bottom(&self) -> DynConstraint {
        DynConstraint::new(self.0.bottom())
    }

    fn satisfiability(&self, constraint: &DynConstraint) -> Result<Satisfiability, Error> {
        self.guarded("satisfiability", || {
            Ok(self.0.satisfiability(self.typed(constraint)?))
        })
    }

    fn token_mask(
        &self,
        constraint: &DynConstraint,
        ctx: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        self.guarded("token_mask", || {
            self.0
                .token_mask(self.typed(constraint)?, ctx, candidates, out)
        })
    }

    fn observe(
        &self,
        constraint: &DynConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<DynConstraint, Error> {
        ctx.vocab.try_token_bytes(token)?;
        let typed = self.typed(constraint)?;
        let next = self.guarded("observe", || self.0.observe(typed, token, ctx))?;
        // Unchanged constraints keep their allocation, so the product can
        // tell "nothing happened" by pointer and skip propagation.
        if next == *typed {
            Ok(constraint.clone())
        } else {
            Ok(DynConstraint::new(next))
        }
    }

    fn explain(
        &self,
        constraint: &DynConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<Option<String>, Error> {
        ctx.vocab.try_token_bytes(token)?;
        self.guarded("explain", || {
            Ok(self.0.explain(self.typed(constraint)?, token, ctx))
        })
    }

    fn cost(&self) -> CostHint {
        self.0.cost()
    }

    fn fork(&self, constraint: &DynConstraint) -> Result<DynConstraint, Error> {
        self.guarded("fork", || {
            Ok(DynConstraint::new(self.0.fork(self.typed(constraint)?)))
        })
    }

    fn cache_key(&self, constraint: &DynConstraint) -> Option<u64> {
        // A key that cannot be computed only costs the cache a hit.
        self.guarded("cache_key", || {
            Ok(self.0.cache_key(self.typed(constraint)?))
        })
        .ok()
        .flatten()
    }

    fn join(&self, a: &DynConstraint, b: &DynConstraint) -> Result<Option<DynConstraint>, Error> {
        self.guarded("join", || {
            Ok(self
                .0
                .join(self.typed(a)?, self.typed(b)?)
                .map(DynConstraint::new))
        })
    }
}

/// A domain whose constraint does not depend on the tokens written: a fixed
/// [`Bounded`] lattice that masks nothing unless it is ⊥ (then everything).
///
/// Useful for lattices that take part in propagation — facts other domains
/// derive and consume — and in tests of the engine and the product.
pub struct LatticeDomain<L> {
    name: String,
    _lattice: PhantomData<fn() -> L>,
}

impl<L> LatticeDomain<L> {
    /// A domain called `name` over lattice `L`.
    pub fn new(name: impl Into<String>) -> LatticeDomain<L> {
        LatticeDomain {
            name: name.into(),
            _lattice: PhantomData,
        }
    }
}

impl<L: Bounded + Send + Sync + 'static> Domain for LatticeDomain<L> {
    type Constraint = L;

    fn name(&self) -> &str {
        &self.name
    }

    fn top(&self) -> L {
        L::top()
    }

    fn bottom(&self) -> L {
        L::bottom()
    }

    fn token_mask(
        &self,
        constraint: &L,
        _ctx: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        if constraint.is_bottom() {
            out.fill(false);
        } else {
            out.copy_from(candidates);
        }
        Ok(())
    }

    fn observe(&self, constraint: &L, _token: TokenId, _ctx: StepContext<'_>) -> Result<L, Error> {
        Ok(constraint.clone())
    }

    fn explain(&self, constraint: &L, _token: TokenId, _ctx: StepContext<'_>) -> Option<String> {
        constraint
            .is_bottom()
            .then(|| format!("`{}` is contradictory ({constraint:?})", self.name))
    }

    fn cost(&self) -> CostHint {
        CostHint {
            relative_cost: 0.01,
            keep_ratio: 1.0,
            ..CostHint::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{Interval, Parity};

    fn vocab() -> Vocabulary {
        Vocabulary::new("tiny", ["a", "b", "c"], &[], &[2]).unwrap()
    }

    #[test]
    fn erased_domain_checks_types_and_tokens() {
        let vocab = vocab();
        let ctx = StepContext::new(&vocab);
        let domain = erase(LatticeDomain::<Interval>::new("range"));
        let top = domain.top();
        assert_eq!(domain.constraint_type(), TypeId::of::<Interval>());
        let err = domain.observe(&top, 7, ctx).unwrap_err();
        assert!(matches!(err, Error::UnknownToken { token: 7, .. }));
        let parity = DynConstraint::new(Parity::Even);
        let err = domain.satisfiability(&parity).unwrap_err();
        assert!(err.to_string().contains("`range` expects"), "{err}");
        let same = domain.observe(&top, 1, ctx).unwrap();
        assert!(
            same.ptr_eq(&top),
            "unchanged constraints keep their allocation"
        );
    }

    /// A domain that panics in every call that reads tokens or constraints.
    struct Panicky;

    impl Domain for Panicky {
        type Constraint = Interval;
        fn name(&self) -> &str {
            "panicky"
        }
        fn top(&self) -> Interval {
            Interval::top()
        }
        fn bottom(&self) -> Interval {
            Interval::bottom()
        }
        fn token_mask(
            &self,
            _: &Interval,
            _: StepContext<'_>,
            _: &TokenMask,
            _: &mut TokenMask,
        ) -> Result<(), Error> {
            panic!("mask exploded")
        }
        fn observe(&self, _: &Interval, _: TokenId, _: StepContext<'_>) -> Result<Interval, Error> {
            panic!("{}", String::from("observe exploded"))
        }
        fn cache_key(&self, _: &Interval) -> Option<u64> {
            panic!("key exploded")
        }
        fn join(&self, _: &Interval, _: &Interval) -> Option<Interval> {
            panic!("join exploded")
        }
    }

    #[test]
    fn a_panicking_domain_gives_errors_naming_it() {
        let vocab = vocab();
        let ctx = StepContext::new(&vocab);
        let domain = erase(Panicky);
        let top = domain.top();
        let mut out = TokenMask::new_empty(3);
        let err = domain
            .token_mask(&top, ctx, &TokenMask::new_full(3), &mut out)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            Error::domain("panicky", "panicked in `token_mask`: mask exploded").to_string()
        );
        let err = domain.observe(&top, 1, ctx).unwrap_err();
        assert!(
            err.to_string()
                .contains("panicked in `observe`: observe exploded")
        );
        assert_eq!(domain.cache_key(&top), None, "no key, no cached mask");
        let err = domain.join(&top, &top).unwrap_err();
        assert!(
            err.to_string()
                .contains("panicked in `join`: join exploded")
        );
    }

    #[test]
    fn lattice_domain_masks_only_when_bottom() {
        let vocab = vocab();
        let ctx = StepContext::new(&vocab);
        let domain = LatticeDomain::<Interval>::new("range");
        let mut candidates = TokenMask::new_full(3);
        candidates.set(1, false);
        let mut out = TokenMask::new_empty(3);
        domain
            .token_mask(&Interval::new(0, 3), ctx, &candidates, &mut out)
            .unwrap();
        assert_eq!(out, candidates);
        domain
            .token_mask(&domain.bottom(), ctx, &candidates, &mut out)
            .unwrap();
        assert!(out.is_empty());
        assert_eq!(
            domain.satisfiability(&domain.bottom()),
            Satisfiability::Unsat
        );
        assert!(
            domain
                .explain(&domain.bottom(), 0, ctx)
                .unwrap()
                .contains("range")
        );
    }
}
