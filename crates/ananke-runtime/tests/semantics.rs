//! The semantics domain in the fused product, on a real tokenizer: the
//! contracts of `crates/ananke-semantics/contracts/mbpp.toml` from the spec's
//! `[semantics]` section. Canonical bodies pass through every domain; a
//! body that breaks its contract is rejected where its statement ends, the
//! explanation naming Z3's unsat core; the mask prunes a returned literal
//! digit by digit.

mod common;

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, Spec};

#[derive(Clone)]
struct Case {
    header: String,
    body: String,
    requires: Vec<String>,
    ensures: Vec<String>,
}

fn cases() -> Vec<(String, Case)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../ananke-semantics/contracts/mbpp.toml"
    ))
    .unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let corpus = ananke_testkit::typed_programs();
    let strings = |v: &toml::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    doc["contract"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let id = c["id"].as_str().unwrap();
            let program = corpus.iter().find(|p| p.id == id).unwrap();
            let (header, body) = common::split_body(&program.source, &program.entry_point).unwrap();
            (
                id.to_owned(),
                Case {
                    header,
                    body,
                    requires: strings(&c["requires"]),
                    ensures: strings(&c["ensures"]),
                },
            )
        })
        .collect()
}

fn compile(case: &Case) -> Ananke {
    let mut spec = Spec::python("cl100k_base");
    spec.types.body_prefix = Some(case.header.clone());
    spec.semantics.requires = case.requires.clone();
    spec.semantics.ensures = case.ensures.clone();
    let ananke = Ananke::new(&spec).unwrap();
    assert!(ananke.product().id_of("semantics").is_some());
    ananke
}

#[test]
fn canonical_bodies_pass_every_domain_under_their_contracts() {
    let cases = cases();
    assert!(cases.len() >= 20);
    for (id, case) in &cases {
        let ananke = compile(case);
        let rejection = common::first_body_rejection(&ananke, &case.header, &case.body);
        assert_eq!(rejection, None, "{id}");
    }
}

#[test]
fn a_broken_contract_is_rejected_where_the_statement_ends() {
    let cases = cases();
    let (_, case) = cases.iter().find(|(id, _)| id == "MBPP/17").unwrap();
    let broken = Case {
        body: case
            .body
            .replace("return perimeter", "return perimeter - 1"),
        ..case.clone()
    };
    let ananke = compile(&broken);
    let (at, why) =
        common::first_body_rejection(&ananke, &broken.header, &broken.body).expect("rejected");
    let statement_end = broken.body.find("perimeter - 1").unwrap() + "perimeter - 1".len();
    assert_eq!(&broken.body[statement_end..=statement_end], "\n");
    assert!(
        (statement_end - 2..=statement_end).contains(&at),
        "rejected at {at}, the statement ends at {statement_end}: {why}"
    );
    assert!(why.contains("semantics"), "{why}");
    assert!(why.contains("(= result (* 4 a))"), "{why}");
}

#[test]
fn returned_literals_are_pruned_in_the_fused_mask() {
    let cases = cases();
    let (_, case) = cases.iter().find(|(id, _)| id == "MBPP/435").unwrap();
    let ananke = compile(case);
    let vocab = ananke.vocab();
    let token = |text: &str| {
        let ids = vocab.encode(text);
        assert_eq!(ids.len(), 1, "{text:?} is one token");
        ids[0]
    };
    let mut session = ananke.body_session(&case.header).unwrap();
    session.commit_many(&vocab.encode("    return")).unwrap();
    let mut fork = session.fork().unwrap();
    // cl100k writes digits apart from the space before them.
    session.commit(token(" ")).unwrap();
    let mut mask = TokenMask::new_empty(vocab.len());
    session.compute_mask(&mut mask).unwrap();
    // last_Digit: 0 <= result < 10.
    for allowed in ["7", "0", "n", "("] {
        assert!(mask.contains(token(allowed)), "{allowed:?} masked");
    }
    for pruned in ["12", "10", "900"] {
        assert!(!mask.contains(token(pruned)), "{pruned:?} allowed");
        let explanation = session.explain(token(pruned)).unwrap();
        let semantics = explanation
            .rejections
            .iter()
            .find(|r| r.domain == "semantics")
            .unwrap_or_else(|| panic!("{explanation:?}"));
        assert!(semantics.reason.contains("(< result 10)"), "{semantics:?}");
    }
    fork.commit(token(" -")).unwrap();
    fork.compute_mask(&mut mask).unwrap();
    assert!(!mask.contains(token("1")), "`return -1` allowed");
}

#[test]
fn a_malformed_contract_is_a_spec_error() {
    let mut spec = Spec::python("cl100k_base");
    spec.types.body_prefix = Some("def f(n: int) -> int:\n".into());
    spec.semantics.ensures = vec!["(>= result".into()];
    let err = Ananke::new(&spec).err().unwrap().to_string();
    assert!(err.contains("semantics.ensures[0]"), "{err}");
    spec.semantics.ensures = vec!["(>= m 0)".into()];
    let err = Ananke::new(&spec).err().unwrap().to_string();
    assert!(err.contains("n Int") && err.contains("result Int"), "{err}");
    spec.types.body_prefix = None;
    let err = Ananke::new(&spec).err().unwrap().to_string();
    assert!(err.contains("semantics.signature"), "{err}");
}

/// MBPP/435 (`last_Digit`, `0 <= result < 10`) with `body`, under `domains`
/// and cfg `requirements`: where the body is first rejected.
fn last_digit_with(body: &str, domains: &[&str], requirements: &str) -> Option<(usize, String)> {
    let cases = cases();
    let (_, case) = cases.iter().find(|(id, _)| id == "MBPP/435").unwrap();
    let mut spec = Spec::python("cl100k_base");
    spec.types.body_prefix = Some(case.header.clone());
    spec.semantics.requires = case.requires.clone();
    spec.semantics.ensures = case.ensures.clone();
    spec.cfg.requirements = Some(requirements.into());
    let ananke = Ananke::with_domains(&spec, domains).unwrap();
    common::first_body_rejection(&ananke, &case.header, body)
}

/// The control flow → semantics morphism: a branch that leaves by a call
/// that never returns guards the code after it, which the semantics
/// domain's own reading does not know; and a statement no path reaches is
/// not judged.
#[test]
fn control_facts_from_the_cfg_domain_sharpen_the_path() {
    let all = ["syntax", "imports", "types", "cfg", "semantics"];
    let no_cfg = ["syntax", "imports", "types", "semantics"];
    let defaults = ananke_runtime::CfgSpec::DEFAULT;
    // After the branch, n % 10 < 5: `n % 10 - 5` is negative.
    let guarded = "    if n % 10 >= 5:\n        exit(1)\n    return n % 10 - 5\n";
    let (at, why) = last_digit_with(guarded, &all, defaults).expect("rejected");
    assert_eq!(at, guarded.len() - 1, "{why}");
    assert!(why.contains("not `n % 10 >= 5`"), "{why}");
    assert_eq!(last_digit_with(guarded, &no_cfg, defaults), None);
    // Unreachable: nothing after `exit(0)` runs, so nothing there is judged.
    let dead = "    exit(0)\n    return -1\n";
    assert_eq!(last_digit_with(dead, &all, defaults), None);
    let (_, why) = last_digit_with(dead, &no_cfg, defaults).expect("judged");
    assert!(why.contains("return -1"), "{why}");
}

fn cfg_constraints() -> impl proptest::strategy::Strategy<Value = ananke_cfg::CfgConstraint> {
    use ananke_core::{Domain, StepContext, Vocabulary};
    use proptest::prelude::*;
    const TEXTS: &[&str] = &[
        "",
        "def f(n: int) -> int:\n    if n:\n        exit(1)\n    return n\n",
        "def f(n: int) -> int:\n    while True:\n        pass\n    x = 1\n",
        "def f(n: int) -> int:\n    return 1\n    return 2\n",
        "def f(n: int) -> int:\n    if n:\n",
    ];
    const REQUIREMENTS: &[&str] = &["", "returns", "no_dead_code", "terminating_loops; no_while"];
    (
        prop::sample::select(TEXTS),
        prop::sample::select(REQUIREMENTS),
        0usize..80,
    )
        .prop_map(|(text, requirements, cut)| {
            let bytes: Vec<Vec<u8>> = (0u8..=255).map(|b| vec![b]).collect();
            let vocab = Vocabulary::new("bytes", bytes, &[], &[]).unwrap();
            let domain = ananke_cfg::CfgDomain::new();
            let mut state = ananke_cfg::CfgConstraint::from(
                ananke_cfg::Requirements::parse(requirements).unwrap(),
            );
            for &b in &text.as_bytes()[..cut.min(text.len())] {
                state = domain
                    .observe(&state, u32::from(b), StepContext::new(&vocab))
                    .unwrap();
            }
            state
        })
}

#[test]
fn cfg_to_semantics_is_monotone_and_preserves_bottom() {
    use ananke_core::Bounded;
    use ananke_core::laws::{LawConfig, assert_laws, check_morphism};
    let report = assert_laws(check_morphism(
        &ananke_runtime::morphisms::CfgToSemantics,
        &ananke_cfg::CfgConstraint::bottom(),
        &cfg_constraints(),
        &LawConfig::from_env(),
    ));
    assert!(report.cases_per_law > 0);
}

/// The semantics → types morphism: a module written from its start under
/// a contract whose signature (`semantics.signature`) takes `n` and
/// `result` as `Int`: where the definition the model writes is first
/// rejected.
fn module_rejection(text: &str) -> Option<(usize, String)> {
    let mut spec = Spec::python("cl100k_base");
    spec.semantics.signature = Some("def clamp(n: int, flag: bool) -> int".into());
    spec.semantics.requires = vec!["(>= n 0)".into()];
    spec.semantics.ensures = vec!["(>= result 0)".into()];
    let ananke = Ananke::new(&spec).unwrap();
    common::first_rejected_token(&ananke, text)
}

#[test]
fn a_contracts_sorts_are_types_the_definition_must_declare() {
    let body = "    return n\n";
    for good in [
        "def clamp(n: int, flag: bool) -> int:\n",
        // Unannotated says nothing against the contract; extra parameters
        // and other functions are free.
        "def clamp(n, flag: bool, scale: float = 1.0) -> int:\n",
        "def helper(n: float) -> float:\n    return n\n\ndef clamp(n: int, flag: bool) -> int:\n",
    ] {
        let text = format!("{good}{body}");
        assert_eq!(module_rejection(&text), None, "{text}");
    }
    for (bad, blamed) in [
        ("def clamp(n: float, flag: bool) -> int:\n", "parameter `n`"),
        ("def clamp(n: int, flag: int) -> int:\n", "parameter `flag`"),
        (
            "def clamp(n: int, flag: bool) -> bool:\n",
            "the return value",
        ),
        ("def clamp(m: int, flag: bool) -> int:\n", "a parameter `n`"),
    ] {
        let text = format!("{bad}{body}");
        let (at, why) = module_rejection(&text).expect("rejected");
        // At the header's colon, in the types domain, naming the contract.
        assert_eq!(at, bad.len() - 2, "{why}");
        assert!(why.contains("types") && why.contains(blamed), "{why}");
    }
    // A body prefix that contradicts the contract's signature is a clear
    // error when the session starts.
    let cases = cases();
    let (_, case) = cases.iter().find(|(id, _)| id == "MBPP/435").unwrap();
    let mut spec = Spec::python("cl100k_base");
    let header = case.header.replace("n: int", "n: float");
    spec.types.body_prefix = Some(header.clone());
    spec.semantics.signature = Some("def last_Digit(n: int) -> int".into());
    spec.semantics.ensures = case.ensures.clone();
    let ananke = Ananke::new(&spec).unwrap();
    let err = ananke
        .body_session(&header)
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("types.body_prefix"), "{err}");
    assert!(
        err.contains("parameter `n`") && err.contains("float"),
        "{err}"
    );
}

fn semantic_states()
-> impl proptest::strategy::Strategy<Value = ananke_semantics::SemanticsConstraint> {
    use ananke_semantics::{Contract, SemanticsConstraint, Signature, Sort};
    use proptest::prelude::*;
    let sort = prop::sample::select(vec![Sort::Int, Sort::Bool, Sort::Obj]);
    let function = prop::sample::select(vec![None, Some("f"), Some("g")]);
    (function, sort.clone(), sort, any::<bool>()).prop_map(|(function, n, result, ensures)| {
        let mut contract = Contract::new(Signature::new().with("n", n).with("result", result));
        if let Some(f) = function {
            contract = contract.for_function(f);
        }
        if ensures && result == Sort::Int {
            contract = contract.ensures("(>= result 0)").unwrap();
        }
        SemanticsConstraint::new(contract)
    })
}

#[test]
fn semantics_to_types_is_monotone_and_preserves_bottom() {
    use ananke_core::laws::{LawConfig, assert_laws, check_morphism};
    use ananke_core::{Bounded, Morphism};
    let morphism = ananke_runtime::morphisms::SemanticsToTypes::default();
    let report = assert_laws(check_morphism(
        &morphism,
        &ananke_semantics::SemanticsConstraint::bottom(),
        &semantic_states(),
        &LawConfig::from_env(),
    ));
    assert!(report.cases_per_law > 0);
    // The image says what it should.
    let contract = ananke_semantics::Contract::new(
        ananke_semantics::Signature::from_python_header("def f(n: int, xs: list[int]) -> bool:")
            .unwrap(),
    )
    .for_function("f");
    let image = morphism.apply(&ananke_semantics::SemanticsConstraint::new(contract));
    assert_eq!(
        image.declared_count(),
        2,
        "n and the return value; xs is opaque"
    );
}
