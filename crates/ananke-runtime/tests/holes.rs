//! Holes on multi-hole specs: constraints of one hole reach the others
//! through the module hole; lifting keeps what children share.

use ananke_core::{DynConstraint, MeetSemilattice};
use ananke_imports::{ImportPolicy, ImportsConstraint, ModuleName};
use ananke_runtime::{
    Ananke, Granularity, HoleId, HoleSpec, HoleTree, ImportsSpec, RuntimeError, Scope, Spec,
};

fn hole(name: &str, imports: ImportsSpec) -> HoleSpec {
    HoleSpec {
        name: name.into(),
        imports,
        ..HoleSpec::default()
    }
}

fn imports_of(tree: &HoleTree, ananke: &Ananke, name: &str) -> ImportPolicy {
    let id = tree.find(name).unwrap();
    let imports = ananke.product().id_of("imports").unwrap();
    tree.get(id)
        .unwrap()
        .constraint
        .component(imports)
        .unwrap()
        .downcast_ref::<ImportsConstraint>()
        .unwrap()
        .policy()
        .clone()
}

#[test]
fn a_requirement_of_one_function_reaches_its_sibling() {
    let spec = Spec::python("cl100k_base")
        .hole(hole(
            "a",
            ImportsSpec {
                required: vec!["heapq".into()],
                ..ImportsSpec::default()
            },
        ))
        .hole(hole("b", ImportsSpec::default()));
    let ananke = Ananke::new(&spec).unwrap();
    let session = ananke.session().unwrap();
    let b = imports_of(session.holes(), &ananke, "b");
    assert_eq!(
        b.required().map(|m| m.as_str()).collect::<Vec<_>>(),
        ["heapq"]
    );
    let module = imports_of(session.holes(), &ananke, "module");
    assert_eq!(module.to_string(), "heapq");
}

#[test]
fn incompatible_versions_in_two_holes_name_both_sources() {
    let spec = Spec::python("cl100k_base")
        .hole(hole(
            "a",
            ImportsSpec {
                versions: vec!["numpy>=2".into()],
                ..ImportsSpec::default()
            },
        ))
        .hole(hole(
            "b",
            ImportsSpec {
                versions: vec!["numpy<1.5".into()],
                ..ImportsSpec::default()
            },
        ));
    let ananke = Ananke::new(&spec).unwrap();
    let err = ananke.session().err().unwrap();
    let RuntimeError::Contradiction(text) = &err else {
        panic!("{err}")
    };
    assert!(text.contains("hole `a` (spec holes[0].imports)"), "{text}");
    assert!(text.contains("hole `b` (spec holes[1].imports)"), "{text}");
    assert!(text.contains("no version of `numpy`"), "{text}");
}

#[test]
fn a_spec_conflict_is_reported_at_compile_time() {
    let err = Ananke::new(&Spec::python("cl100k_base").require("os.path").forbid("os"))
        .err()
        .unwrap();
    assert!(matches!(err, RuntimeError::Contradiction(_)), "{err}");
    assert!(err.to_string().contains("forbidden"), "{err}");
}

#[test]
fn lifting_keeps_what_all_children_share() {
    let ananke = Ananke::new(&Spec::python("cl100k_base")).unwrap();
    let product = ananke.product().clone();
    let imports = product.id_of("imports").unwrap();
    let mut tree = HoleTree::new(product.top());
    let c1 = tree.open(tree.root(), "c1", Granularity::Function).unwrap();
    let c2 = tree.open(tree.root(), "c2", Granularity::Function).unwrap();
    let needs = |specs: &str| {
        DynConstraint::new(ImportsConstraint::from(ImportPolicy::parse(specs).unwrap()))
    };
    tree.refine(c1, imports, &needs("math; re"), "c1 body", Scope::Local)
        .unwrap();
    tree.refine(c2, imports, &needs("math; json"), "c2 body", Scope::Local)
        .unwrap();
    let changed = tree.lift(tree.root(), &product).unwrap();
    assert_eq!(changed, [imports]);
    let root = tree
        .get(tree.root())
        .unwrap()
        .constraint
        .component(imports)
        .unwrap()
        .downcast_ref::<ImportsConstraint>()
        .unwrap()
        .policy()
        .clone();
    assert_eq!(
        root,
        ImportPolicy::require(ModuleName::parse("math").unwrap())
    );
    // The most constrained open leaf first; among equals, the finer one.
    let term = tree.open(c1, "x =", Granularity::Term).unwrap();
    assert_eq!(tree.select_next(), Some(term));
    tree.close(term);
    tree.close(c1);
    assert_eq!(tree.select_next(), Some(c2));
    assert!(!root.is_top());
}

#[test]
fn generation_opens_holes_and_reaches_spec_holes() {
    let spec = Spec::python("cl100k_base").hole(hole(
        "solve",
        ImportsSpec {
            required: vec!["math".into()],
            ..ImportsSpec::default()
        },
    ));
    let ananke = Ananke::new(&spec).unwrap();
    let vocab = ananke.vocab().clone();
    let mut session = ananke.session().unwrap();
    session
        .commit_many(&vocab.encode("import math\n\ndef solve(x: float) -> float:\n    return "))
        .unwrap();
    let tree = session.holes();
    let active = tree.get(tree.active()).unwrap();
    assert_eq!(active.granularity, Granularity::Term);
    let function = tree.get(tree.find("solve").unwrap()).unwrap();
    assert!(function.open, "the spec hole is being written");
    assert!(
        function
            .provenance
            .iter()
            .any(|(_, p)| p.contains("spec holes[0].imports")),
        "{:?}",
        function.provenance
    );
    session
        .commit_many(&vocab.encode("math.sqrt(x)\n"))
        .unwrap();
    assert!(
        session
            .holes()
            .get(session.holes().find("solve").unwrap())
            .unwrap()
            .open,
        "the body may go on"
    );
    session
        .commit_many(&vocab.encode("\nRESULT = solve(2.0)\n"))
        .unwrap();
    let tree = session.holes();
    assert!(
        !tree.get(tree.find("solve").unwrap()).unwrap().open,
        "the dedent closed it"
    );
    assert!(session.is_accepting().unwrap());
}

/// Import requirements over a few modules, as `ImportPolicy::parse` reads
/// them (`math; re`; empty: no requirement).
fn requirement() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop::sample::subsequence(vec!["math", "re", "json", "heapq"], 0..=3).prop_map(|m| m.join("; "))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    /// Lifting is the parent met with the join of its children: it only
    /// refines the parent, every child still refines the lifted parent,
    /// what every child requires the parent requires, and lifting again
    /// changes nothing.
    #[test]
    fn lifting_refines_the_parent_to_what_every_child_shares(
        parent in requirement(),
        children in proptest::collection::vec(requirement(), 1..4),
    ) {
        use ananke_core::JoinSemilattice;
        let ananke = lifting_ananke();
        let product = ananke.product().clone();
        let imports = product.id_of("imports").unwrap();
        let policy = |specs: &str| ImportsConstraint::from(ImportPolicy::parse(specs).unwrap());
        let mut tree = HoleTree::new(product.top());
        let root = tree.root();
        tree.refine(root, imports, &DynConstraint::new(policy(&parent)), "parent", Scope::Local)
            .unwrap();
        let mut ids = Vec::new();
        for (i, child) in children.iter().enumerate() {
            let id = tree.open(root, &format!("c{i}"), Granularity::Function).unwrap();
            tree.refine(id, imports, &DynConstraint::new(policy(child)), "child", Scope::Local)
                .unwrap();
            ids.push(id);
        }
        let component = |tree: &HoleTree, id: HoleId| {
            tree.get(id).unwrap().constraint.component(imports).unwrap()
                .downcast_ref::<ImportsConstraint>().unwrap().clone()
        };
        let before = component(&tree, root);
        tree.lift(root, &product).unwrap();
        let lifted = component(&tree, root);
        proptest::prop_assert!(lifted.leq(&before));
        let mut shared: Option<ImportsConstraint> = None;
        for &id in &ids {
            let child = component(&tree, id);
            proptest::prop_assert!(child.leq(&lifted), "{child:?} !<= {lifted:?}");
            shared = Some(match shared {
                None => child,
                Some(acc) => acc.join(&child),
            });
        }
        proptest::prop_assert!(lifted.leq(&shared.unwrap()));
        let again = tree.lift(root, &product).unwrap();
        proptest::prop_assert!(again.is_empty(), "lifting twice changed {again:?}");
    }
}

/// One compiled spec for the lifting laws (compiling per case is slow).
fn lifting_ananke() -> &'static Ananke {
    static ANANKE: std::sync::OnceLock<Ananke> = std::sync::OnceLock::new();
    ANANKE.get_or_init(|| Ananke::new(&Spec::python("cl100k_base")).unwrap())
}
