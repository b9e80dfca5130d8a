//! `TypesConstraint::unbound_module_uses`: the qualified uses the types →
//! imports morphism turns into requirements.

use ananke_core::MeetSemilattice;
use ananke_types::TypesConstraint;

fn use_of(text: &str) -> Option<String> {
    TypesConstraint::after(text)
        .unbound_module_uses()
        .into_iter()
        .next()
}

#[test]
fn a_dot_after_an_unbound_module_name_is_a_use() {
    assert_eq!(use_of("x = math."), Some("math".into()));
    assert_eq!(
        use_of("def f(n: int) -> bool:\n    for i in range(2, int(math."),
        Some("math".into())
    );
    assert_eq!(
        use_of("def f(s: str) -> bool:\n    return re."),
        Some("re".into())
    );
}

#[test]
fn bound_names_and_other_dots_are_not() {
    assert_eq!(use_of("import math\nx = math."), None);
    assert_eq!(use_of("math = 3\nx = math."), None);
    assert_eq!(use_of("def f(math: int) -> int:\n    return math."), None);
    assert_eq!(use_of("x = notamodule."), None);
    assert_eq!(use_of("x = y.math."), None);
    assert_eq!(use_of("x = math.pi + re.I"), Some("math".into()));
    assert_eq!(use_of("x = 'math."), None);
    assert_eq!(use_of("x = 1  # see math.sqrt\n"), None);
    assert_eq!(use_of("x = '''\nmath.sqrt\n'''\n"), None);
    assert_eq!(use_of("x = math"), None);
    assert_eq!(use_of("x = math .pi"), None);
}

#[test]
fn an_assumed_import_still_counts_as_a_use() {
    let assumed = TypesConstraint::after("x = math.").meet(&TypesConstraint::assuming(["math"]));
    assert_eq!(assumed.assumed_imports(), ["math".to_owned()]);
    assert_eq!(assumed.unbound_module_uses(), ["math".to_owned()]);
}
