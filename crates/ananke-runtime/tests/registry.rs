//! The registry composes domains by name; the product it builds obeys the
//! lattice laws; wiring mistakes are errors.

use ananke_core::laws::{LawConfig, assert_laws, check_meet_semilattice};
use ananke_core::reference::Interval;
use ananke_core::{
    DynConstraint, Error, FnMorphism, LatticeDomain, MeetSemilattice, ProductConstraint,
    erase_morphism,
};
use ananke_imports::{ImportPolicy, ImportsConstraint, ImportsDomain, ModuleName};
use ananke_runtime::{InitialError, Registry, priority};
use proptest::prelude::*;

#[test]
fn standard_registry_has_the_imports_domain() {
    let composition = Registry::with_standard_domains().unwrap().build().unwrap();
    assert_eq!(composition.product().len(), 1);
    assert!(composition.product().id_of(ImportsDomain::NAME).is_some());
    assert!(composition.product().top().is_top());
}

#[test]
fn duplicate_and_unknown_domains_are_errors() {
    let mut registry = Registry::with_standard_domains().unwrap();
    let err = registry.register(ImportsDomain::new()).unwrap_err();
    assert_eq!(err, Error::DuplicateDomain("imports".into()));
    registry.connect(
        "imports",
        "nowhere",
        0,
        erase_morphism(FnMorphism::new("id", |c: &ImportsConstraint| c.clone())),
    );
    let err = registry.build().err().unwrap();
    assert_eq!(err, Error::UnknownDomain("nowhere".into()));
}

#[test]
fn a_morphism_between_the_wrong_types_is_an_error() {
    let mut registry = Registry::with_standard_domains().unwrap();
    registry
        .register(LatticeDomain::<Interval>::new("range"))
        .unwrap();
    registry.connect(
        "imports",
        "range",
        priority::IMPORTS_TO_TYPES,
        erase_morphism(FnMorphism::new(
            "imports→imports",
            |c: &ImportsConstraint| c.clone(),
        )),
    );
    let err = registry.build().err().unwrap();
    assert!(matches!(err, Error::ConstraintType { .. }), "{err}");
}

#[test]
fn initial_constraints_propagate_across_domains() {
    // A toy morphism: forbidding `random` caps a "randomness budget" at 0.
    let mut registry = Registry::with_standard_domains().unwrap();
    registry
        .register(LatticeDomain::<Interval>::new("budget"))
        .unwrap();
    let random = ModuleName::parse("random").unwrap();
    registry.connect(
        "imports",
        "budget",
        priority::IMPORTS_TO_TYPES,
        erase_morphism(FnMorphism::new(
            "imports→budget",
            move |c: &ImportsConstraint| {
                if c.is_bottom() {
                    Interval::new(1, 0)
                } else if c.policy().is_forbidden(&random) {
                    Interval::new(i64::MIN, 0)
                } else {
                    Interval::new(i64::MIN, i64::MAX)
                }
            },
        )),
    );
    let composition = registry.build().unwrap();
    let imports = composition.product().id_of("imports").unwrap();
    let budget = composition.product().id_of("budget").unwrap();
    let state = composition
        .initial([(
            imports,
            DynConstraint::new(ImportsConstraint::from(
                ImportPolicy::parse("!random").unwrap(),
            )),
            "spec",
        )])
        .unwrap();
    let cap = state
        .component(budget)
        .unwrap()
        .downcast_ref::<Interval>()
        .unwrap();
    assert_eq!(*cap, Interval::new(i64::MIN, 0));

    let err = composition
        .initial([
            (
                imports,
                DynConstraint::new(ImportsConstraint::from(
                    ImportPolicy::parse("!random").unwrap(),
                )),
                "spec",
            ),
            (
                budget,
                DynConstraint::new(Interval::new(1, 10)),
                "hole 1: needs randomness",
            ),
        ])
        .unwrap_err();
    let InitialError::Contradiction(c) = err else {
        panic!("{err}")
    };
    assert_eq!(c.domain_name, "budget");
    assert_eq!(c.path.len(), 1);
    assert_eq!(c.path[0].morphism, "imports→budget");
    assert_eq!(c.provenance, ["spec", "hole 1: needs randomness"]);
}

#[test]
fn version_conflicts_name_both_sources() {
    let composition = Registry::with_standard_domains().unwrap().build().unwrap();
    let imports = composition.product().id_of("imports").unwrap();
    let err = composition
        .initial([
            (
                imports,
                DynConstraint::new(ImportsConstraint::from(
                    ImportPolicy::parse("pandas>=2").unwrap(),
                )),
                "spec line 4",
            ),
            (
                imports,
                DynConstraint::new(ImportsConstraint::from(
                    ImportPolicy::parse("pandas<1.5").unwrap(),
                )),
                "hole 3",
            ),
        ])
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("(sources: `spec line 4`, `hole 3`)"),
        "{text}"
    );
    assert!(
        text.contains("no version of `pandas` satisfies both `>=2` and `<1.5`"),
        "{text}"
    );
}

#[test]
fn the_runtime_product_obeys_the_meet_laws() {
    let mut registry = Registry::with_standard_domains().unwrap();
    registry
        .register(LatticeDomain::<Interval>::new("range"))
        .unwrap();
    let composition = registry.build().unwrap();
    let product = composition.product().clone();
    let imports = product.handle::<ImportsDomain>("imports").unwrap();
    let range = product.handle::<LatticeDomain<Interval>>("range").unwrap();
    let top = product.top();
    let items = prop::sample::select(
        &[
            "os", "!os", "os.path", "!json", "json", "numpy>=2", "numpy<1", "",
        ][..],
    );
    let strategy = (prop::collection::vec(items, 0..3), -5i64..5, -5i64..5).prop_map(
        move |(specs, lo, hi)| -> ProductConstraint {
            let mut c = top.clone();
            c.set(
                imports,
                ImportsConstraint::from(ImportPolicy::parse(&specs.join(";")).unwrap()),
            )
            .unwrap();
            c.set(range, Interval::new(lo, hi)).unwrap();
            c
        },
    );
    let report = assert_laws(check_meet_semilattice(
        "imports × range",
        &product.top(),
        &product.bottom(),
        &strategy,
        &LawConfig::from_env(),
    ));
    println!("{report}");
}
