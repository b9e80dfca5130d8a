//! The checker fed what a model or a user might throw at it: Python-shaped
//! token soup, corpus programs with bytes cut out or pasted in, and
//! annotations of any shape. Every call returns (diagnostics or a parse
//! failure); none panics. `ANANKE_FUZZ_CASES` sets the number of cases.

use std::sync::OnceLock;

use ananke_types::check_source;
use proptest::prelude::*;

fn cases(default: u32) -> u32 {
    std::env::var("ANANKE_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}

fn corpus() -> &'static [String] {
    static CORPUS: OnceLock<Vec<String>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        ananke_testkit::typed_programs()
            .into_iter()
            .map(|program| program.source)
            .collect()
    })
}

const PIECES: &[&str] = &[
    "def ",
    "f",
    "(",
    ")",
    ":",
    "\n",
    "    ",
    "return ",
    "x",
    " + ",
    "1",
    "[",
    "]",
    "{",
    "}",
    ",",
    "lambda ",
    "yield ",
    "await ",
    "class ",
    "if ",
    "else",
    "for ",
    " in ",
    "while ",
    "try",
    "except",
    "int",
    "str",
    "list[",
    "dict[",
    "Optional[",
    "None",
    "Callable[[",
    "...",
    "*",
    "**",
    "->",
    " = ",
    "import ",
    "from ",
    " as ",
    "'",
    "\"\"\"",
    "#",
    "@",
    ".",
    "not ",
    "and ",
    "or ",
    "match ",
    "case ",
    "global ",
    "nonlocal ",
    "del ",
    "assert ",
    "raise ",
    "with ",
    ";",
    "\\",
    "\t",
    ":=",
    "|",
    "TypeVar",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    #[test]
    fn token_soup_never_panics(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..60)) {
        let _ = check_source(&pieces.concat());
    }

    #[test]
    fn damaged_corpus_programs_never_panic(
        program in 0usize..264,
        cut in 0usize..400,
        len in 0usize..40,
        paste in prop::sample::select(PIECES),
    ) {
        let source = &corpus()[program % corpus().len()];
        let bytes = source.as_bytes();
        let at = cut.min(bytes.len());
        let end = (at + len).min(bytes.len());
        let mut damaged = bytes[..at].to_vec();
        damaged.extend_from_slice(paste.as_bytes());
        damaged.extend_from_slice(&bytes[end..]);
        let _ = check_source(&String::from_utf8_lossy(&damaged));
    }

    #[test]
    fn annotations_of_any_shape_never_panic(
        pieces in prop::collection::vec(prop::sample::select(&[
            "int", "str", "list", "dict", "tuple", "Optional", "Union", "Callable", "Any", "None",
            "[", "]", ",", "...", "|", "Literal", "'a'", "1", "TypeVar", "T", "typing.", "Iterator",
        ][..]), 1..12),
    ) {
        let annotation = pieces.concat();
        let source = format!(
            "from typing import *\ndef f(x: {annotation}) -> {annotation}:\n    y: {annotation} = x\n    return y\n"
        );
        let _ = check_source(&source);
    }
}
