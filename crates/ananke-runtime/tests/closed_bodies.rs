//! Every MBPP function body written as a closed hole — the way a model
//! generates it: the session starts after the function's `def` line, and
//! nothing may follow the body. With every built-in domain, no canonical
//! body is rejected; the stricter control-flow requirements a generation
//! uses reject exactly the bodies that break them.

mod common;

use ananke_runtime::{Ananke, Spec};

fn rejected(tokenizer: &str, requirements: Option<&str>) -> (usize, Vec<String>) {
    let mut tried = 0;
    let mut rejected = Vec::new();
    let mut spec = Spec::python(tokenizer);
    spec.cfg.requirements = requirements.map(str::to_owned);
    // One compilation, a body session per program.
    let ananke = Ananke::new(&spec).unwrap();
    for program in &ananke_testkit::typed_programs() {
        let Some((header, body)) = common::split_body(&program.source, &program.entry_point) else {
            continue;
        };
        tried += 1;
        if let Some((at, why)) = common::first_body_rejection(&ananke, &header, &body) {
            rejected.push(format!(
                "{} at {at} after {:?}: {why}",
                program.id,
                &body[at.saturating_sub(30)..at]
            ));
        }
    }
    (tried, rejected)
}

#[test]
fn canonical_bodies_are_never_rejected() {
    for tokenizer in ["cl100k_base", "o200k_base"] {
        let (tried, rejected) = rejected(tokenizer, None);
        println!(
            "{tokenizer}: {} of {tried} closed bodies rejected",
            rejected.len()
        );
        assert!(
            tried >= 200,
            "only {tried} programs end with their function"
        );
        assert!(rejected.is_empty(), "{tokenizer}: {rejected:#?}");
    }
}

#[test]
fn generation_requirements_reject_only_dead_code_and_dedented_comments() {
    let (tried, rejected) = rejected(
        "cl100k_base",
        Some("returns_if_typed; terminating_loops; no_dead_code; indented_comments"),
    );
    println!(
        "{} of {tried} closed bodies rejected: {rejected:#?}",
        rejected.len()
    );
    let ids: Vec<&str> = rejected
        .iter()
        .map(|r| r.split(' ').next().unwrap())
        .collect();
    // MBPP/631 has a statement after a `return`; MBPP/64 a comment at
    // column 0 inside its body.
    assert_eq!(ids, ["MBPP/64", "MBPP/631"], "{rejected:#?}");
    assert!(rejected[0].contains("indented"), "{}", rejected[0]);
    assert!(rejected[1].contains("dead code"), "{}", rejected[1]);
}
