//! The propagation engine on small reference domains: fixpoints across
//! cycles, contradictions with their path, priority order, the step bound.

use std::sync::{Arc, Mutex};

use ananke_core::laws::{LawConfig, assert_laws, check_morphism};
use ananke_core::reference::strategies::interval;
use ananke_core::reference::{Interval, Parity, SignSet};
use ananke_core::{
    Bounded, DomainHandle, DynConstraint, Error, FnMorphism, LatticeDomain, MeetSemilattice,
    Morphism, ProductDomain, PropagationEngine, PropagationError, Seed,
};

type IntervalDomain = LatticeDomain<Interval>;

/// `[lo, hi] ↦ [k - hi, k - lo]`: the values `y` may take when `x + y = k`.
fn complement(k: i64) -> impl Fn(&Interval) -> Interval + Send + Sync + Clone + 'static {
    move |x: &Interval| match x.bounds() {
        None => Interval::bottom(),
        Some((lo, hi)) => Interval::new(k.saturating_sub(hi), k.saturating_sub(lo)),
    }
}

fn two_intervals() -> (
    ProductDomain,
    DomainHandle<IntervalDomain>,
    DomainHandle<IntervalDomain>,
) {
    let mut builder = ProductDomain::builder();
    let x = builder.add(IntervalDomain::new("x")).unwrap();
    let y = builder.add(IntervalDomain::new("y")).unwrap();
    (builder.build(), x, y)
}

#[test]
fn bounds_propagation_reaches_the_fixpoint_across_a_cycle() {
    let (product, x, y) = two_intervals();
    let mut network = PropagationEngine::builder(&product);
    network
        .connect(x, y, 0, FnMorphism::new("x+y=10 (y)", complement(10)))
        .unwrap();
    network
        .connect(y, x, 0, FnMorphism::new("x+y=10 (x)", complement(10)))
        .unwrap();
    let mut engine = network.build();

    let mut state = product.top();
    state.set(x, Interval::new(0, 3)).unwrap();
    state.set(y, Interval::new(5, 20)).unwrap();
    let seeds = [
        Seed {
            domain: x.id(),
            reason: "x in [0, 3]",
        },
        Seed {
            domain: y.id(),
            reason: "y in [5, 20]",
        },
    ];
    let result = engine.propagate(&mut state, &seeds).unwrap();
    assert_eq!(state.get(x).unwrap(), &Interval::new(0, 3));
    assert_eq!(state.get(y).unwrap(), &Interval::new(7, 10));
    assert_eq!(result.changed.as_slice(), &[y.id()]);
    assert!(engine.is_fixpoint(&state).unwrap());
    assert!(
        !engine
            .is_fixpoint(&{
                let mut s = state.clone();
                s.set(y, Interval::new(0, 100)).unwrap();
                s
            })
            .unwrap()
    );
}

#[test]
fn the_cycle_morphisms_obey_the_laws() {
    let m = FnMorphism::new("x+y=10", complement(10));
    // A narrower x gives a narrower y range: monotone, and ⊥ maps to ⊥.
    assert_laws(check_morphism(
        &m,
        &Interval::bottom(),
        &interval(),
        &LawConfig::from_env(),
    ));
}

#[test]
fn a_contradiction_names_the_domain_the_path_and_the_seed() {
    let mut builder = ProductDomain::builder();
    let value = builder.add(IntervalDomain::new("value")).unwrap();
    let sign = builder.add(LatticeDomain::<SignSet>::new("sign")).unwrap();
    let parity = builder.add(LatticeDomain::<Parity>::new("parity")).unwrap();
    let product = builder.build();
    let mut network = PropagationEngine::builder(&product);
    network
        .connect(
            value,
            sign,
            0,
            FnMorphism::new("value→sign", |i: &Interval| SignSet::of_interval(*i)),
        )
        .unwrap();
    network
        .connect(
            sign,
            value,
            0,
            FnMorphism::new("sign→value", |s: &SignSet| s.hull()),
        )
        .unwrap();
    network
        .connect(
            value,
            parity,
            1,
            FnMorphism::new("value→parity", |i: &Interval| Parity::of_interval(*i)),
        )
        .unwrap();
    let mut engine = network.build();

    // sign says "positive", parity says "even", the value lies in [-4, 1]:
    // the sign cuts the value to [1, 1], which is odd.
    let mut state = product.top();
    state.set(sign, SignSet::POS).unwrap();
    state.set(parity, Parity::Even).unwrap();
    state.set(value, Interval::new(-4, 1)).unwrap();
    let before = state.clone();
    let seeds = [
        Seed {
            domain: value.id(),
            reason: "spec line 3: value in [-4, 1]",
        },
        Seed {
            domain: sign.id(),
            reason: "spec line 4: value > 0",
        },
    ];
    let err = engine.propagate(&mut state, &seeds).unwrap_err();
    let PropagationError::Contradiction(c) = err else {
        panic!("expected a contradiction, got {err:?}");
    };
    assert_eq!(c.domain_name, "parity");
    assert_eq!(c.domain, parity.id());
    let path: Vec<&str> = c.path.iter().map(|s| s.morphism.as_str()).collect();
    assert_eq!(path, ["sign→value", "value→parity"]);
    assert_eq!(
        c.provenance,
        ["spec line 3: value in [-4, 1]", "spec line 4: value > 0"]
    );
    let text = c.to_string();
    assert!(text.starts_with("domain `parity` became ⊥ via sign →[sign→value] value, value →[value→parity] parity (sources: `spec line 3"), "{text}");
    assert!(state.is_bottom());
    assert!(!before.is_bottom(), "the clone taken before is untouched");
}

#[test]
fn a_bottom_seed_is_a_contradiction_with_an_empty_path() {
    let (product, x, y) = two_intervals();
    let mut network = PropagationEngine::builder(&product);
    network
        .connect(x, y, 0, FnMorphism::new("copy", |i: &Interval| *i))
        .unwrap();
    let mut engine = network.build();
    let mut state = product.top();
    state.set(x, Interval::new(5, 1)).unwrap();
    let err = engine
        .propagate(
            &mut state,
            &[Seed {
                domain: x.id(),
                reason: "empty",
            }],
        )
        .unwrap_err();
    let PropagationError::Contradiction(c) = err else {
        panic!("{err:?}")
    };
    assert!(c.path.is_empty());
    assert_eq!(c.domain_name, "x");
}

#[test]
fn lower_priority_numbers_fire_first() {
    let mut builder = ProductDomain::builder();
    let source = builder.add(IntervalDomain::new("source")).unwrap();
    let late = builder.add(IntervalDomain::new("late")).unwrap();
    let early = builder.add(IntervalDomain::new("early")).unwrap();
    let middle = builder.add(IntervalDomain::new("middle")).unwrap();
    let product = builder.build();
    let fired = Arc::new(Mutex::new(Vec::new()));
    let recorder = |name: &'static str| {
        let fired = fired.clone();
        FnMorphism::new(name, move |i: &Interval| {
            fired.lock().unwrap().push(name);
            *i
        })
    };
    let mut network = PropagationEngine::builder(&product);
    // Registered out of order on purpose.
    network.connect(source, late, 9, recorder("late")).unwrap();
    network
        .connect(source, early, 1, recorder("early"))
        .unwrap();
    network
        .connect(source, middle, 5, recorder("middle"))
        .unwrap();
    let mut engine = network.build();
    let mut state = product.top();
    state.set(source, Interval::new(0, 1)).unwrap();
    engine
        .propagate(
            &mut state,
            &[Seed {
                domain: source.id(),
                reason: "seed",
            }],
        )
        .unwrap();
    assert_eq!(*fired.lock().unwrap(), ["early", "middle", "late"]);
}

#[test]
fn equal_priorities_settle_upstream_components_first() {
    // a → b → c, both seeded, b listed first. Upstream-first scheduling fires
    // a→b before b→c, so b→c runs once, on b's final value.
    let mut builder = ProductDomain::builder();
    let c = builder.add(IntervalDomain::new("c")).unwrap();
    let b = builder.add(IntervalDomain::new("b")).unwrap();
    let a = builder.add(IntervalDomain::new("a")).unwrap();
    let product = builder.build();
    let fired = Arc::new(Mutex::new(Vec::new()));
    let recorder = |name: &'static str| {
        let fired = fired.clone();
        FnMorphism::new(name, move |i: &Interval| {
            fired.lock().unwrap().push(name);
            *i
        })
    };
    let mut network = PropagationEngine::builder(&product);
    network.connect(b, c, 0, recorder("b→c")).unwrap();
    network.connect(a, b, 0, recorder("a→b")).unwrap();
    let mut engine = network.build();
    let mut state = product.top();
    state.set(a, Interval::new(0, 1)).unwrap();
    state.set(b, Interval::new(-5, 5)).unwrap();
    let seeds = [
        Seed {
            domain: b.id(),
            reason: "b",
        },
        Seed {
            domain: a.id(),
            reason: "a",
        },
    ];
    let result = engine.propagate(&mut state, &seeds).unwrap();
    assert_eq!(*fired.lock().unwrap(), ["a→b", "b→c"]);
    assert_eq!(result.steps, 2);
    assert_eq!(state.get(c).unwrap(), &Interval::new(0, 1));
}

#[test]
fn edges_with_one_source_fire_in_registration_order() {
    let mut builder = ProductDomain::builder();
    let a = builder.add(IntervalDomain::new("a")).unwrap();
    let targets: Vec<_> = (0..4)
        .map(|i| builder.add(IntervalDomain::new(format!("t{i}"))).unwrap())
        .collect();
    let product = builder.build();
    let fired = Arc::new(Mutex::new(Vec::new()));
    let mut network = PropagationEngine::builder(&product);
    for (i, t) in targets.iter().enumerate() {
        let fired = fired.clone();
        network
            .connect(
                a,
                *t,
                0,
                FnMorphism::new(format!("a→t{i}"), move |x: &Interval| {
                    fired.lock().unwrap().push(i);
                    *x
                }),
            )
            .unwrap();
    }
    let mut engine = network.build();
    let mut state = product.top();
    state.set(a, Interval::new(0, 1)).unwrap();
    engine
        .propagate(
            &mut state,
            &[Seed {
                domain: a.id(),
                reason: "a",
            }],
        )
        .unwrap();
    assert_eq!(*fired.lock().unwrap(), [0, 1, 2, 3]);
}

#[test]
fn an_infinite_descending_chain_hits_the_step_bound() {
    let (product, x, y) = two_intervals();
    // y < x and x < y: each application lowers the other's upper bound by
    // one, forever (well, for 2^64 steps).
    let below = |i: &Interval| match i.bounds() {
        None => Interval::bottom(),
        Some((_, hi)) => Interval::new(i64::MIN, hi.saturating_sub(1)),
    };
    let mut network = PropagationEngine::builder(&product).step_bound(500);
    network
        .connect(x, y, 0, FnMorphism::new("y<x", below))
        .unwrap();
    network
        .connect(y, x, 0, FnMorphism::new("x<y", below))
        .unwrap();
    let mut engine = network.build();
    assert_eq!(engine.step_bound(), 500);
    let mut state = product.top();
    state.set(x, Interval::new(i64::MIN, 100)).unwrap();
    let err = engine
        .propagate(
            &mut state,
            &[Seed {
                domain: x.id(),
                reason: "x <= 100",
            }],
        )
        .unwrap_err();
    let PropagationError::NonTermination { bound, recent } = &err else {
        panic!("expected non-termination, got {err:?}");
    };
    assert_eq!(*bound, 500);
    assert_eq!(recent.len(), 8);
    assert!(
        err.to_string().contains("did not settle within 500"),
        "{err}"
    );
    // The engine is reusable after a failure.
    let mut fresh = product.top();
    assert_eq!(engine.propagate(&mut fresh, &[]).unwrap().steps, 0);
}

#[test]
fn wiring_mistakes_are_errors() {
    let mut builder = ProductDomain::builder();
    let x = builder.add(IntervalDomain::new("x")).unwrap();
    let p = builder.add(LatticeDomain::<Parity>::new("p")).unwrap();
    let product = builder.build();
    let mut network = PropagationEngine::builder(&product);
    let wrong =
        ananke_core::erase_morphism(FnMorphism::new("interval→interval", |i: &Interval| *i));
    let err = network.connect_dyn(x.id(), p.id(), 0, wrong).unwrap_err();
    assert!(matches!(err, Error::ConstraintType { .. }), "{err}");
    assert!(err.to_string().contains("interval→interval"), "{err}");

    let mut engine = network.build();
    let (other_product, _, _) = two_intervals();
    let mut foreign = other_product.top();
    let err = engine.propagate(&mut foreign, &[]).unwrap_err();
    assert!(matches!(
        err,
        PropagationError::Failed(Error::ForeignProduct { .. })
    ));
}

#[test]
fn propagate_all_settles_a_fresh_product() {
    let (product, x, y) = two_intervals();
    let mut network = PropagationEngine::builder(&product);
    network
        .connect(x, y, 0, FnMorphism::new("x+y=0", complement(0)))
        .unwrap();
    network
        .connect(y, x, 0, FnMorphism::new("x+y=0'", complement(0)))
        .unwrap();
    let mut engine = network.build();
    let mut state = product.top();
    state.set(x, Interval::new(1, 4)).unwrap();
    state.set(y, Interval::new(-2, 9)).unwrap();
    engine.propagate_all(&mut state, "spec").unwrap();
    assert_eq!(state.get(x).unwrap(), &Interval::new(1, 2));
    assert_eq!(state.get(y).unwrap(), &Interval::new(-2, -1));
    assert!(state.get(x).unwrap().leq(&Interval::new(1, 4)));
}

/// `[lo, hi] ↦ [lo, +∞)`, which says in words when it raises a floor.
struct Floor;

impl Morphism for Floor {
    type Source = Interval;
    type Target = Interval;

    fn name(&self) -> &str {
        "floor"
    }

    fn apply(&self, source: &Interval) -> Interval {
        match source.bounds() {
            None => Interval::bottom(),
            Some((lo, _)) => Interval::new(lo, i64::MAX),
        }
    }

    fn describe(&self, before: &Interval, image: &Interval) -> Vec<String> {
        match (before.bounds(), image.bounds()) {
            (Some((old, _)), Some((new, _))) if new > old => {
                vec![format!("raises the floor from {old} to {new}")]
            }
            _ => Vec::new(),
        }
    }
}

#[test]
fn a_propagation_reports_the_images_that_changed_their_targets() {
    let (product, x, y) = two_intervals();
    let mut network = PropagationEngine::builder(&product);
    let floor = network.connect(x, y, 0, Floor).unwrap();
    let copy = network
        .connect(y, x, 1, FnMorphism::new("copy", |i: &Interval| *i))
        .unwrap();
    let mut engine = network.build();
    assert_eq!(engine.morphism(floor).unwrap().name(), "floor");
    assert_eq!(engine.morphism(copy).unwrap().name(), "copy");

    let mut state = product.top();
    state.set(x, Interval::new(3, 8)).unwrap();
    state.set(y, Interval::new(0, 5)).unwrap();
    let seeds = [Seed {
        domain: x.id(),
        reason: "x in [3, 8]",
    }];
    let result = engine.propagate(&mut state, &seeds).unwrap();
    assert_eq!(state.get(y).unwrap(), &Interval::new(3, 5));
    assert_eq!(state.get(x).unwrap(), &Interval::new(3, 5));
    let edges: Vec<_> = result.refinements.iter().map(|r| r.edge).collect();
    assert_eq!(edges, [floor, copy]);
    let first = &result.refinements[0];
    assert_eq!((first.source, first.target), (x.id(), y.id()));
    assert_eq!(
        first.before.downcast_ref::<Interval>(),
        Some(&Interval::new(0, 5))
    );
    assert_eq!(
        first.image.downcast_ref::<Interval>(),
        Some(&Interval::new(3, i64::MAX))
    );
    let words = engine
        .morphism(first.edge)
        .unwrap()
        .describe(&first.before, &first.image)
        .unwrap();
    assert_eq!(words, ["raises the floor from 0 to 3"]);
    // A morphism that says nothing has nothing described.
    let second = &result.refinements[1];
    let morphism = engine.morphism(second.edge).unwrap();
    assert!(
        morphism
            .describe(&second.before, &second.image)
            .unwrap()
            .is_empty()
    );
    // Constraints of the wrong type are an error, not a panic.
    assert!(
        engine
            .morphism(first.edge)
            .unwrap()
            .describe(&DynConstraint::new(Parity::Even), &first.image)
            .is_err()
    );

    // Propagating again changes nothing and reports nothing (nothing is
    // allocated for it either: the list is inline).
    let again = engine.propagate(&mut state, &seeds).unwrap();
    assert!(again.refinements.is_empty());
    assert!(!again.refinements.spilled());
    assert!(again.changed.is_empty());
}
