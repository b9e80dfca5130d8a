//! Sessions over small reference domains, where the end of the output and
//! a failing step can be arranged: the end propagates as a commit does,
//! a failure past the point of no return poisons, refinements a morphism
//! describes are recorded on the module hole.

use std::sync::{Arc, Mutex};

use ananke_core::reference::Interval;
use ananke_core::{
    Bounded, Domain, Error, LatticeDomain, MeetSemilattice, Morphism, StepContext, TokenMask,
    erase_morphism,
};
use ananke_syntax::SyntaxVocab;

use super::*;
use crate::compile::Start;
use crate::fusion::{MASK_CACHE_CAPACITY, MASK_CACHE_MASKS, MaskCache};
use crate::registry::Registry;

/// How often the output has ended: the end-of-sequence token makes it
/// exactly once.
struct Ends;

impl Domain for Ends {
    type Constraint = Interval;

    fn name(&self) -> &str {
        "ends"
    }

    fn top(&self) -> Interval {
        Interval::top()
    }

    fn bottom(&self) -> Interval {
        Interval::bottom()
    }

    fn token_mask(
        &self,
        _constraint: &Interval,
        _ctx: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        out.copy_from(candidates);
        Ok(())
    }

    fn observe(
        &self,
        constraint: &Interval,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<Interval, Error> {
        Ok(if ctx.vocab.eos().contains(&token) {
            constraint.meet(&Interval::exactly(1))
        } else {
            *constraint
        })
    }
}

/// ends → budget: every end of the output spends what it counts, and says
/// so.
struct Spend;

impl Morphism for Spend {
    type Source = Interval;
    type Target = Interval;

    fn name(&self) -> &str {
        "ends→budget"
    }

    fn apply(&self, ends: &Interval) -> Interval {
        *ends
    }

    fn describe(&self, before: &Interval, image: &Interval) -> Vec<String> {
        vec![format!(
            "ends the output, which spends {image:?} of {before:?}"
        )]
    }
}

const END: TokenId = 2;

/// A compiled spec of `ends` and `budget` (starting at `budget`), joined
/// by [`Spend`], over the vocabulary `a`, `b`, end.
fn compiled(budget: Interval) -> Arc<CompiledSpec> {
    let tokens = vec![b"a".to_vec(), b"b".to_vec(), Vec::new()];
    let vocab =
        SyntaxVocab::from_token_bytes("tiny", tokens, &[("<end>".into(), END)], &[END]).unwrap();
    let mut registry = Registry::new();
    registry.register(Ends).unwrap();
    let budget_id = registry
        .register(LatticeDomain::<Interval>::new("budget"))
        .unwrap()
        .id();
    registry.connect("ends", "budget", 0, erase_morphism(Spend));
    let composition = registry.build().unwrap();
    let starts = vec![Start {
        domain: budget_id,
        constraint: DynConstraint::new(budget),
        provenance: "the test's budget".into(),
    }];
    let initial = composition
        .initial(
            starts
                .iter()
                .map(|s| (s.domain, s.constraint.clone(), s.provenance.as_str())),
        )
        .unwrap();
    Arc::new(CompiledSpec {
        vocab,
        composition,
        initial,
        starts,
        body_starts: Vec::new(),
        holes: Vec::new(),
        hole_starts: Vec::new(),
        forced_bytes: None,
        ends_only_when_sat: Vec::new(),
        body_prefix: None,
        mask_cache: Mutex::new(MaskCache::new(MASK_CACHE_CAPACITY, MASK_CACHE_MASKS)),
        shape_tokens: std::sync::OnceLock::new(),
    })
}

fn session(budget: Interval) -> Session {
    let compiled = compiled(budget);
    let state = compiled.initial.clone();
    Session::start(compiled, state, None).unwrap()
}

#[test]
fn the_end_propagates_as_a_commit_does() {
    // Nothing left to spend: observing the end alone leaves no domain ⊥,
    // but the end spends one, which the budget cannot pay.
    let mut broke = session(Interval::exactly(0));
    broke.commit(0).unwrap();
    let accepting = broke.is_accepting().unwrap();
    let committed = broke.validate(&[END]).unwrap() == 1;
    assert!(!committed, "the budget refuses the end");
    assert_eq!(accepting, committed, "is_accepting agrees with a commit");

    let mut paid = session(Interval::new(0, 1));
    paid.commit(1).unwrap();
    assert!(paid.is_accepting().unwrap());
    assert_eq!(paid.validate(&[END]).unwrap(), 1);
    assert_eq!(paid.text(), b"b", "neither call changed the session");
}

#[test]
fn a_failure_past_the_point_of_no_return_poisons_the_session() {
    let mut session = session(Interval::top());
    session.commit(0).unwrap();
    session.fail_bookkeeping = true;
    let err = session.commit(1).unwrap_err();
    assert!(!matches!(err, RuntimeError::Poisoned(_)), "{err}");
    // Every later call reports it, whatever it asks.
    let mut mask = TokenMask::new_empty(3);
    for result in [
        session.commit(0).map(|_| ()),
        session.compute_mask(&mut mask),
        session.is_accepting().map(|_| ()),
        session.rollback(1),
        session.jump_forward().map(|_| ()),
        session.fork().map(|_| ()),
    ] {
        let err = result.unwrap_err();
        assert!(
            matches!(&err, RuntimeError::Poisoned(why) if why.contains("bookkeeping")),
            "{err}"
        );
    }
    // Starting over clears it.
    session.fail_bookkeeping = false;
    session.reset().unwrap();
    session.commit(1).unwrap();
    assert_eq!(session.text(), b"b");
}

#[test]
fn a_rejected_token_is_no_failure() {
    let mut session = session(Interval::exactly(0));
    session.fail_bookkeeping = true;
    let err = session.commit(END).unwrap_err();
    assert!(matches!(err, RuntimeError::Rejected { .. }), "{err}");
    assert!(session.commit(0).is_err(), "the bookkeeping still fails");
    assert!(matches!(session.commit(0), Err(RuntimeError::Poisoned(_))));
}

#[test]
fn refinements_a_morphism_describes_are_recorded_on_the_module_hole() {
    let mut session = session(Interval::new(0, 5));
    session.commit(0).unwrap();
    session.commit(END).unwrap();
    let root = session.holes().get(session.holes().root()).unwrap();
    let budget = session.compiled.product().id_of("budget").unwrap();
    assert_eq!(
        root.provenance,
        [(
            budget,
            "ends→budget: hole `module` ends the output, which spends [1, 1] of [0, 5]".to_owned()
        )]
    );
    assert_eq!(
        root.constraint
            .component(budget)
            .unwrap()
            .downcast_ref::<Interval>(),
        Some(&Interval::exactly(1)),
        "the tree holds what the state holds"
    );
}

#[test]
fn a_refinement_that_fails_leaves_the_session_as_it_was() {
    let mut session = session(Interval::new(0, 5));
    session.commit(0).unwrap();
    let budget = session.compiled.product().id_of("budget").unwrap();
    let before = session.state().clone();
    let err = session
        .refine_hole(
            session.holes().root(),
            budget,
            DynConstraint::new(Interval::new(7, 9)),
            "more than there is",
            Scope::Module,
        )
        .unwrap_err();
    assert!(matches!(err, RuntimeError::Contradiction(_)), "{err}");
    assert_eq!(*session.state(), before);
    assert!(
        session
            .holes()
            .get(session.holes().root())
            .unwrap()
            .provenance
            .is_empty()
    );
    let err = session
        .refine_hole(
            HoleId(99),
            budget,
            DynConstraint::new(Interval::new(0, 1)),
            "nowhere",
            Scope::Local,
        )
        .unwrap_err();
    assert!(
        matches!(err, RuntimeError::Hole(HoleError::UnknownHole(HoleId(99)))),
        "{err}"
    );
    session
        .refine_hole(
            session.holes().root(),
            budget,
            DynConstraint::new(Interval::new(0, 1)),
            "at most one",
            Scope::Module,
        )
        .unwrap();
    assert!(!session.state().is_bottom());
}

#[test]
fn a_thinned_state_is_never_kept_again() {
    // Were one kept again, a rollback would find it gone.
    for at in 0..3 * DENSE_STEPS {
        let mut thinned = false;
        for back in 0..40 * DENSE_STEPS {
            let now = kept(at, back);
            assert!(!(thinned && now), "position {at} is kept again {back} back");
            thinned |= !now;
        }
    }
    assert!(
        (0..100 * DENSE_STEPS).all(|back| kept(0, back)),
        "the start is always kept"
    );
}

#[test]
fn the_history_keeps_a_state_per_doubling_past_the_dense_window() {
    let mut session = session(Interval::top());
    let n = 40 * DENSE_STEPS;
    for i in 0..n {
        session.commit((i % 2) as TokenId).unwrap();
    }
    let held = session.history.iter().filter(|step| step.is_some()).count();
    let doublings = (n / DENSE_STEPS).ilog2() as usize;
    assert!(
        held <= DENSE_STEPS + 2 * (doublings + 1),
        "{held} states held after {n} tokens"
    );
    // Every distance can still be rolled back to, the far ones by
    // committing again what follows the nearest kept state.
    for back in [
        1,
        DENSE_STEPS,
        DENSE_STEPS + 1,
        3 * DENSE_STEPS + 7,
        n - 1,
        n,
    ] {
        let mut copy = session.fork().unwrap();
        copy.rollback(back).unwrap();
        let expected: Vec<u8> = (0..n - back).map(|i| b"ab"[i % 2]).collect();
        assert_eq!(copy.text(), expected, "{back} back");
        // States thinned before the rollback stay so: one more step back
        // may commit again, and lands where it should.
        if back < n {
            copy.rollback(1).unwrap();
            assert_eq!(
                copy.text(),
                expected[..expected.len() - 1],
                "{back} + 1 back"
            );
        }
    }
}
