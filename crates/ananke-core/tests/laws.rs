//! Every lattice and morphism in ananke-core through the law harness, at
//! `ANANKE_LAW_CASES` cases per law (1,000 by default).

use ananke_core::control::ControlFacts;
use ananke_core::laws::{
    LawConfig, assert_laws, check_bounded, check_lattice, check_mask_agrees_with_observe,
    check_meet_semilattice, check_meet_semilattice_with_top, check_morphism, mask_agrees_along,
};
use ananke_core::reference::strategies::{interval, parity, sign_set};
use ananke_core::reference::{Interval, Parity, SignSet};
use ananke_core::{
    Bounded, Domain, Error, FnMorphism, LatticeDomain, MeetSemilattice, Morphism,
    ProductConstraint, ProductDomain, StepContext, TokenId, TokenMask, Vocabulary,
};
use proptest::prelude::*;

#[test]
fn reference_lattices_obey_the_laws() {
    let config = LawConfig::from_env();
    let interval = assert_laws(check_lattice(
        "Interval",
        &Interval::top(),
        &Interval::bottom(),
        &interval(),
        &config,
    ));
    let signs = assert_laws(check_lattice(
        "SignSet",
        &SignSet::top(),
        &SignSet::bottom(),
        &sign_set(),
        &config,
    ));
    let parity = assert_laws(check_lattice(
        "Parity",
        &Parity::top(),
        &Parity::bottom(),
        &parity(),
        &config,
    ));
    for report in [interval, signs, parity] {
        assert_eq!(report.cases_per_law, config.cases);
        assert_eq!(report.laws.len(), 15, "{report}");
        assert_eq!(report.facts, ["bounds recognised"]);
        println!("{report}");
    }
}

fn product_strategy(product: &ProductDomain) -> impl Strategy<Value = ProductConstraint> + use<> {
    let value = product.handle::<LatticeDomain<Interval>>("value").unwrap();
    let sign = product.handle::<LatticeDomain<SignSet>>("sign").unwrap();
    let parity_h = product.handle::<LatticeDomain<Parity>>("parity").unwrap();
    let top = product.top();
    (interval(), sign_set(), parity()).prop_map(move |(i, s, p)| {
        let mut c = top.clone();
        c.set(value, i).unwrap();
        c.set(sign, s).unwrap();
        c.set(parity_h, p).unwrap();
        c
    })
}

fn reference_product() -> ProductDomain {
    let mut builder = ProductDomain::builder();
    builder
        .add(LatticeDomain::<Interval>::new("value"))
        .unwrap();
    builder.add(LatticeDomain::<SignSet>::new("sign")).unwrap();
    builder.add(LatticeDomain::<Parity>::new("parity")).unwrap();
    builder.build()
}

#[test]
fn the_product_obeys_the_meet_laws() {
    let product = reference_product();
    let report = assert_laws(check_meet_semilattice(
        "Interval × SignSet × Parity",
        &product.top(),
        &product.bottom(),
        &product_strategy(&product),
        &LawConfig::from_env(),
    ));
    println!("{report}");
}

#[test]
fn reference_morphisms_are_monotone_and_preserve_bottom() {
    let config = LawConfig::from_env();
    let to_sign = FnMorphism::new("interval→sign", |i: &Interval| SignSet::of_interval(*i));
    let to_parity = FnMorphism::new("interval→parity", |i: &Interval| Parity::of_interval(*i));
    let hull = FnMorphism::new("sign→interval", |s: &SignSet| s.hull());
    println!(
        "{}",
        assert_laws(check_morphism(
            &to_sign,
            &Interval::bottom(),
            &interval(),
            &config
        ))
    );
    println!(
        "{}",
        assert_laws(check_morphism(
            &to_parity,
            &Interval::bottom(),
            &interval(),
            &config
        ))
    );
    println!(
        "{}",
        assert_laws(check_morphism(
            &hull,
            &SignSet::bottom(),
            &sign_set(),
            &config
        ))
    );
}

/// A deliberately broken lattice: "meet" that is not commutative.
#[derive(Clone, Debug, PartialEq)]
struct LeftBiased(Option<u8>);

impl MeetSemilattice for LeftBiased {
    fn meet(&self, other: &Self) -> Self {
        match (self.0, other.0) {
            (None, _) => other.clone(),
            (Some(255), _) | (_, Some(255)) => LeftBiased(Some(255)),
            _ => self.clone(),
        }
    }
    fn is_top(&self) -> bool {
        self.0.is_none()
    }
    fn is_bottom(&self) -> bool {
        self.0 == Some(255)
    }
}

#[test]
fn a_broken_law_is_reported_with_a_counterexample() {
    let strategy = prop_oneof![
        Just(LeftBiased(None)),
        (0u8..4).prop_map(|v| LeftBiased(Some(v)))
    ];
    let violation = check_meet_semilattice(
        "LeftBiased",
        &LeftBiased(None),
        &LeftBiased(Some(255)),
        &strategy,
        &LawConfig::with_cases(200),
    )
    .unwrap_err();
    assert_eq!(violation.law, "commutativity");
    assert!(
        violation.counterexample.contains("LeftBiased"),
        "{violation}"
    );
    let text = violation.to_string();
    assert!(
        text.starts_with("LeftBiased violates commutativity"),
        "{text}"
    );
}

#[test]
fn a_non_monotone_morphism_is_caught() {
    // "Flip": maps a constraint to its complement — antitone, not monotone.
    let flip = FnMorphism::new("flip", |s: &SignSet| {
        if s.is_bottom() {
            SignSet::NONE
        } else {
            SignSet::from_bits(!s.bits())
        }
    });
    let violation = check_morphism(
        &flip,
        &SignSet::bottom(),
        &sign_set(),
        &LawConfig::with_cases(200),
    )
    .unwrap_err();
    assert_eq!(violation.law, "monotonicity");
    assert_eq!(flip.name(), violation.subject);

    let not_strict = FnMorphism::new("constant", |_: &SignSet| SignSet::POS);
    let violation = check_morphism(
        &not_strict,
        &SignSet::bottom(),
        &sign_set(),
        &LawConfig::with_cases(10),
    )
    .unwrap_err();
    assert_eq!(violation.law, "⊥-preservation");
}

#[test]
fn bounded_shorthand_uses_the_types_bounds() {
    let report = assert_laws(check_bounded::<Parity, _>(
        "Parity",
        &parity(),
        &LawConfig::with_cases(50),
    ));
    assert_eq!(report.total_cases(), report.laws.len() as u64 * 50);
}

fn control_facts() -> impl Strategy<Value = ControlFacts> {
    (
        proptest::collection::vec(0u32..64, 0..6),
        proptest::collection::vec(0u32..64, 0..6),
    )
        .prop_map(|(unreachable, leaving)| {
            let mut facts = ControlFacts::default();
            unreachable
                .into_iter()
                .for_each(|o| facts.add_unreachable(o));
            leaving.into_iter().for_each(|o| facts.add_leaving(o));
            facts
        })
}

#[test]
fn control_facts_obey_the_meet_laws() {
    let report = assert_laws(check_meet_semilattice_with_top(
        "ControlFacts",
        &ControlFacts::default(),
        &control_facts(),
        &LawConfig::from_env(),
    ));
    assert!(!report.laws.contains(&"annihilation"), "{report}");
    assert_eq!(report.laws.len(), 8, "{report}");
}

/// A domain over a three-token vocabulary whose constraint is how many
/// more `c` tokens may come (`[0, n]`): `observe` of `c` is ⊥ once none
/// may. With `honest` its mask says so; without, it keeps `c` anyway.
struct Countdown {
    honest: bool,
}

impl Domain for Countdown {
    type Constraint = Interval;

    fn name(&self) -> &str {
        "countdown"
    }

    fn top(&self) -> Interval {
        Interval::top()
    }

    fn bottom(&self) -> Interval {
        Interval::bottom()
    }

    fn token_mask(
        &self,
        c: &Interval,
        _: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        out.copy_from(candidates);
        if self.honest && !c.contains(1) {
            out.set(2, false);
        }
        if c.is_bottom() {
            out.fill(false);
        }
        Ok(())
    }

    fn observe(&self, c: &Interval, token: TokenId, _: StepContext<'_>) -> Result<Interval, Error> {
        Ok(match (token, c.bounds()) {
            (2, Some((lo, hi))) if hi > 0 => Interval::new(lo.max(1) - 1, hi - 1),
            (2, _) => Interval::bottom(),
            _ => *c,
        })
    }
}

#[test]
fn masks_are_checked_against_observe_along_texts() {
    let vocab = Vocabulary::new("abc", ["a", "b", "c"], &[], &[]).unwrap();
    let cases = (0i64..3, proptest::collection::vec(0u32..3, 0..8))
        .prop_map(|(n, text)| (Interval::new(0, n), text));
    let config = LawConfig::with_cases(200);
    let honest = Countdown { honest: true };
    assert_laws(check_mask_agrees_with_observe(
        "countdown",
        &honest,
        &vocab,
        &cases,
        &config,
    ));
    let lying = Countdown { honest: false };
    let violation = check_mask_agrees_with_observe("lying", &lying, &vocab, &cases, &config)
        .expect_err("a mask that keeps a token observe rejects is caught");
    assert!(violation.message.contains("keeps \"c\""), "{violation}");
    // It lies only once no `c` may come.
    assert!(mask_agrees_along(&lying, &vocab, &Interval::new(0, 1), &[0, 1]).is_ok());
    assert!(mask_agrees_along(&lying, &vocab, &Interval::new(0, 1), &[0, 2]).is_err());
}
