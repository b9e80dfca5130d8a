//! The control-flow domain in the fused product on real tokenizers: with
//! "every path returns" it rejects no MBPP program, and the requirements
//! it adds reject exactly what they say; a path ending in a call is the
//! types domain's to judge.

mod common;

use ananke_runtime::{Ananke, Spec};
use common::first_rejected_token;

fn programs() -> Vec<(String, String)> {
    ananke_testkit::typed_programs()
        .into_iter()
        .map(|p| (p.id, p.source))
        .collect()
}

fn with_cfg(tokenizer: &str, requirements: &str) -> Ananke {
    let mut spec = Spec::python(tokenizer);
    spec.cfg.requirements = Some(requirements.to_owned());
    Ananke::with_domains(&spec, &["syntax", "cfg"]).unwrap()
}

/// Rejected token, or the end of the output refused.
fn rejection(ananke: &Ananke, source: &str) -> Option<(usize, String)> {
    first_rejected_token(ananke, source).or_else(|| {
        let mut session = ananke.session().unwrap();
        session.commit_many(&ananke.vocab().encode(source)).unwrap();
        (!session.is_accepting().unwrap()).then(|| (source.len(), "the end".to_owned()))
    })
}

#[test]
fn every_path_returns_in_every_corpus_program() {
    let programs = programs();
    for tokenizer in ["cl100k_base", "o200k_base"] {
        let ananke = with_cfg(tokenizer, "returns; terminating_loops");
        let rejected: Vec<String> = programs
            .iter()
            .filter_map(|(id, source)| rejection(&ananke, source).map(|r| format!("{id}: {r:?}")))
            .collect();
        eprintln!(
            "{tokenizer}: {}/{} programs rejected with `returns; terminating_loops`",
            rejected.len(),
            programs.len()
        );
        assert!(rejected.is_empty(), "{rejected:?}");
    }
}

#[test]
fn dead_code_is_found_where_it_is() {
    let ananke = with_cfg("cl100k_base", "no_dead_code");
    let rejected: Vec<(String, usize, String)> = programs()
        .into_iter()
        .filter_map(|(id, source)| rejection(&ananke, &source).map(|(at, why)| (id, at, why)))
        .collect();
    eprintln!("no_dead_code: {rejected:?}");
    // CPython's ast finds a statement after a return in MBPP/631 only.
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0].0, "MBPP/631");
    assert!(rejected[0].2.contains("dead code"), "{}", rejected[0].2);
}

#[test]
fn a_missing_return_is_refused_where_the_function_closes() {
    let ananke = Ananke::new(&Spec::python("o200k_base")).unwrap();
    let source = "def sign(x: int) -> int:\n    if x > 0:\n        return 1\n    elif x < 0:\n        return -1\n\nprint(sign(3))\n";
    let (at, why) = rejection(&ananke, source).expect("rejected");
    let print = source.find("print").unwrap();
    let token = ananke
        .vocab()
        .decode(&ananke.vocab().encode(&source[at..])[..1])
        .len();
    assert!(at <= print && print < at + token, "{at}: {why}");
    assert!(why.contains("cfg") && why.contains("`sign`"), "{why}");
    let fixed = source.replace("\n\nprint", "\n    return 0\n\nprint");
    assert_eq!(rejection(&ananke, &fixed), None);
}

/// A path that ends in a call: the control-flow domain cannot tell a
/// `NoReturn` callee from one that comes back, the types domain can. A
/// call of `print` ending an `int` function is refused where the function
/// closes, by types; one of a helper declared `NoReturn` passes.
#[test]
fn a_path_ending_in_a_call_is_judged_by_its_callee() {
    let ananke = Ananke::new(&Spec::python("cl100k_base")).unwrap();
    let source =
        "def show(x: int) -> int:\n    if x > 0:\n        return x\n    print(x)\n\nshow(3)\n";
    let (at, why) = rejection(&ananke, source).expect("rejected");
    let close = source.rfind("show").unwrap();
    assert!(at <= close && close <= at + 4, "{at}: {why}");
    assert!(
        why.contains("types") && why.contains("Missing return"),
        "{why}"
    );
    assert!(!why.contains("cfg"), "{why}");
    let helper = "from typing import NoReturn\n\n\ndef fail(x: int) -> NoReturn:\n    raise ValueError(x)\n\n\n";
    let leaving = format!("{helper}{}", source.replace("print(x)", "fail(x)"));
    assert_eq!(rejection(&ananke, &leaving), None);
    // Without the types domain, the control-flow domain lets both pass.
    let cfg_only = with_cfg("cl100k_base", "returns_if_typed");
    assert_eq!(rejection(&cfg_only, source), None);
}

#[test]
fn bad_requirements_name_the_field() {
    let mut spec = Spec::python("cl100k_base");
    spec.cfg.requirements = Some("returns; sometimes".into());
    let err = Ananke::new(&spec).err().unwrap().to_string();
    assert!(
        err.contains("cfg.requirements") && err.contains("sometimes"),
        "{err}"
    );
}
