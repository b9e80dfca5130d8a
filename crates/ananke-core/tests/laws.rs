//! Every lattice and morphism in ananke-core through the law harness, at
//! `ANANKE_LAW_CASES` cases per law (1,000 by default).

use ananke_core::laws::{
    LawConfig, assert_laws, check_bounded, check_lattice, check_meet_semilattice, check_morphism,
};
use ananke_core::reference::strategies::{interval, parity, sign_set};
use ananke_core::reference::{Interval, Parity, SignSet};
use ananke_core::{
    Bounded, FnMorphism, LatticeDomain, MeetSemilattice, Morphism, ProductConstraint, ProductDomain,
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
