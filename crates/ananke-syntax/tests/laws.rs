//! SyntaxConstraint through the core law harness.

mod common;

use std::sync::Arc;

use ananke_core::MeetSemilattice;
use ananke_core::laws::{LawConfig, assert_laws, check_meet_semilattice};
use ananke_syntax::{GrammarSource, SyntaxConstraint, SyntaxDomain, backend_by_name};
use common::byte_vocab;
use proptest::prelude::*;

#[test]
fn syntax_constraints_obey_the_meet_laws() {
    let vocab = byte_vocab();
    let domain = SyntaxDomain::new(backend_by_name("llguidance", &vocab).unwrap());
    let starts: Arc<Vec<SyntaxConstraint>> = Arc::new(
        ["[ab]*c?", "a*b*c?", "(ab)*"]
            .iter()
            .map(|rx| {
                domain
                    .constraint(&GrammarSource::Regex((*rx).into()), rx)
                    .unwrap()
            })
            .collect(),
    );
    // A constraint: a meet of some grammars' starts, after some text.
    let strategy = (
        prop::collection::vec(0usize..3, 0..3),
        prop::collection::vec(prop::sample::select(&b"abc"[..]), 0..4),
    )
        .prop_map(move |(grammars, text)| {
            let mut c = grammars
                .iter()
                .fold(SyntaxConstraint::top(), |acc, &g| acc.meet(&starts[g]));
            for byte in text {
                c = c.observe(u32::from(byte)).unwrap();
            }
            c
        });
    let report = assert_laws(check_meet_semilattice(
        "SyntaxConstraint",
        &SyntaxConstraint::top(),
        &SyntaxConstraint::bottom("test"),
        &strategy,
        &LawConfig::from_env(),
    ));
    println!("{report}");
}
