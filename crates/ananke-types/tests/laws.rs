//! HoleType through the core law harness, with generated types:
//! the meet laws with inference variables, the full lattice laws (join
//! included) on ground constraints.

use ananke_core::laws::{LawConfig, assert_laws, check_lattice, check_meet_semilattice};
use ananke_core::{Bounded, MeetSemilattice};
use ananke_types::hole_type::HoleType;
use ananke_types::types::Type;
use ananke_types::unify::Substitution;
use proptest::prelude::*;

fn ty(with_vars: bool) -> impl Strategy<Value = Type> {
    let vars = if with_vars { 3u32 } else { 0 };
    let leaf = prop_oneof![
        4 => prop_oneof![Just(Type::int()), Just(Type::str()), Just(Type::None), Just(Type::Any)],
        (vars > 0) as u32 => (0..vars.max(1)).prop_map(Substitution::fresh),
    ];
    leaf.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            (inner.clone(), inner.clone()).prop_map(|(k, v)| Type::dict(k, v)),
            (inner.clone(), inner).prop_map(|(a, b)| Type::Tuple([a, b].into())),
        ]
    })
}

fn constraint(with_vars: bool) -> impl Strategy<Value = HoleType> {
    let part = prop_oneof![
        ty(with_vars).prop_map(HoleType::expecting),
        (prop::sample::select(&["x", "y"][..]), ty(with_vars))
            .prop_map(|(n, t)| HoleType::top().with_binding(n, t)),
    ];
    prop::collection::vec(part, 0..3)
        .prop_map(|parts| parts.iter().fold(HoleType::top(), |acc, p| acc.meet(p)))
}

#[test]
fn type_constraints_with_variables_obey_the_meet_laws() {
    let report = assert_laws(check_meet_semilattice(
        "HoleType",
        &HoleType::top(),
        &HoleType::bottom(),
        &constraint(true),
        &LawConfig::from_env(),
    ));
    println!("{report}");
}

#[test]
fn ground_type_constraints_obey_the_lattice_laws() {
    let report = assert_laws(check_lattice(
        "HoleType (ground)",
        &HoleType::top(),
        &HoleType::bottom(),
        &constraint(false),
        &LawConfig::from_env(),
    ));
    println!("{report}");
}

/// Whole types-domain constraints: a program (or none), assumed imports
/// and the types definitions must declare.
fn types_constraint() -> impl Strategy<Value = ananke_types::TypesConstraint> {
    use ananke_types::TypesConstraint;
    let text = prop::sample::select(&[None, Some(""), Some("def f(n: int) -> int:\n")][..]);
    const ASSUMED: &[&[&str]] = &[&[], &["math"], &["os", "re"]];
    let assumed = prop::sample::select(ASSUMED);
    let declared = prop::sample::select(
        &[
            None,
            Some(("f", "n", true)),
            Some(("f", "n", false)),
            Some(("g", "m", true)),
        ][..],
    );
    (text, assumed, declared).prop_map(|(text, assumed, declared)| {
        let base = text.map_or_else(TypesConstraint::top, TypesConstraint::after);
        let declared = declared.map_or_else(TypesConstraint::top, |(f, p, int)| {
            let ty = if int { Type::int() } else { Type::bool() };
            TypesConstraint::declaring(f, [(p, &ty)], None)
        });
        base.meet(&TypesConstraint::assuming(assumed.iter().copied()))
            .meet(&declared)
    })
}

#[test]
fn types_constraints_obey_the_meet_laws() {
    use ananke_types::TypesConstraint;
    let report = assert_laws(check_meet_semilattice(
        "TypesConstraint",
        &TypesConstraint::top(),
        &TypesConstraint::contradiction("test"),
        &types_constraint(),
        &LawConfig::from_env(),
    ));
    println!("{report}");
    // Two declarations of one parameter with different types clash.
    let int = TypesConstraint::declaring("f", [("n", &Type::int())], None);
    let boolean = TypesConstraint::declaring("f", [("n", &Type::bool())], None);
    assert!(int.meet(&boolean).is_bottom());
    assert_eq!(int.meet(&int).declared_count(), 1);
}
