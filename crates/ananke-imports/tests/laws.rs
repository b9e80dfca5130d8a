//! ImportPolicy through the core law harness, and its parsers fed
//! arbitrary text.

use ananke_core::laws::{LawConfig, assert_laws, check_lattice};
use ananke_core::{Bounded, Domain, JoinSemilattice, MeetSemilattice, StepContext, Vocabulary};
use ananke_imports::{
    ImportPolicy, ImportsConstraint, ImportsDomain, ModuleName, PackageName, VersionSet,
};
use proptest::prelude::*;

const MODULES: &[&str] = &[
    "os",
    "os.path",
    "os.path.sep",
    "sys",
    "json",
    "numpy",
    "numpy.linalg",
    "subprocess",
];
const PACKAGES: &[&str] = &["numpy", "pandas"];
const OPERATORS: &[&str] = &[">=", ">", "<", "<=", "==", "!="];
const VERSIONS: &[&str] = &["1", "1.5", "2", "2.0.1", "1.0a1", "1.0.post1", "3"];

fn specifier() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            prop::sample::select(OPERATORS),
            prop::sample::select(VERSIONS)
        )
            .prop_map(|(op, v)| format!("{op}{v}")),
        prop::sample::select(&["1.5", "2.0.1", "1.2"][..]).prop_map(|v| format!("~={v}")),
        prop::sample::select(&["1", "2", "1.5"][..]).prop_map(|v| format!("=={v}.*")),
        prop::sample::select(&["1", "2"][..]).prop_map(|v| format!("!={v}.*")),
    ]
}

fn item() -> impl Strategy<Value = ImportPolicy> {
    let module = prop::sample::select(MODULES).prop_map(|m| ModuleName::parse(m).unwrap());
    prop_oneof![
        module.clone().prop_map(ImportPolicy::require),
        module.prop_map(ImportPolicy::forbid),
        (
            prop::sample::select(PACKAGES),
            prop::collection::vec(specifier(), 1..3)
        )
            .prop_map(|(p, specs)| ImportPolicy::versions(
                PackageName::parse(p).unwrap(),
                VersionSet::parse(&specs.join(",")).unwrap(),
            )),
    ]
}

fn constraint() -> impl Strategy<Value = ImportPolicy> {
    prop::collection::vec(item(), 0..4)
        .prop_map(|items| items.iter().fold(ImportPolicy::top(), |acc, c| acc.meet(c)))
}

#[test]
fn import_constraints_obey_the_lattice_laws() {
    let report = assert_laws(check_lattice(
        "ImportPolicy",
        &ImportPolicy::top(),
        &ImportPolicy::bottom(),
        &constraint(),
        &LawConfig::from_env(),
    ));
    println!("{report}");
    assert_eq!(report.laws.len(), 15);
}

/// Import states: a policy and, perhaps, a text read through the domain
/// (texts that import `os` meet policies that forbid it, so the settling
/// of a refined policy against an earlier import is exercised too).
fn state() -> impl Strategy<Value = ImportsConstraint> {
    const TEXTS: &[&[&str]] = &[
        &[],
        &["import", " os", "\n"],
        &["import", " math", "\n"],
        &["x", " =", " 1", "\n"],
        &["import", " os"],
    ];
    (constraint(), prop::sample::select(TEXTS)).prop_map(|(policy, text)| {
        let tokens = ["import", " os", " math", "\n", "x", " =", " 1"];
        let vocab = Vocabulary::new("toy", tokens, &[], &[]).unwrap();
        let domain = ImportsDomain::new();
        // Read the text under no policy, then meet the policy: a policy
        // that forbids what the text imported makes ⊥.
        let mut read = ImportsConstraint::top();
        for piece in text {
            let id = tokens.iter().position(|t| t == piece).unwrap() as u32;
            read = domain.observe(&read, id, StepContext::new(&vocab)).unwrap();
        }
        read.meet(&ImportsConstraint::from(policy))
    })
}

#[test]
fn import_states_obey_the_lattice_laws() {
    let report = assert_laws(check_lattice(
        "ImportsConstraint",
        &ImportsConstraint::top(),
        &<ImportsConstraint as Bounded>::bottom(),
        &state(),
        &LawConfig::from_env(),
    ));
    println!("{report}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic_on_arbitrary_text(text in "\\PC{0,40}") {
        let _ = ImportPolicy::parse(&text);
        let _ = VersionSet::parse(&text);
        let _ = ModuleName::parse(&text);
        let _ = PackageName::parse(&text);
    }

    #[test]
    fn parsers_never_panic_on_spec_shaped_text(
        text in "[!;\\n ]{0,2}[a-z_.]{0,6}[ ]?[<>=!~*.,0-9a-z+| ]{0,14}(;[!a-z. ]{0,6})?"
    ) {
        if let Err(err) = ImportPolicy::parse(&text) {
            prop_assert!(err.position <= text.len(), "{err}");
            prop_assert_eq!(&err.input, &text);
        }
    }

    #[test]
    fn join_is_above_and_meet_below(a in constraint(), b in constraint()) {
        let (m, j) = (a.meet(&b), a.join(&b));
        prop_assert!(m.leq(&a) && m.leq(&b) && a.leq(&j) && b.leq(&j));
    }
}
