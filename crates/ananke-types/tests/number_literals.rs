//! Numeric literals written token by token on a real tokenizer: a model
//! writes `0xFF` as `0` then `xFF`, and `1.5j` as `1`, `.`, `5`, `j`. The
//! letters continue the number (Python's lexer reads `0x` as the start of
//! a hexadecimal literal), so the types domain must not take them for a
//! keyword being written after a complete expression — while a line that
//! is ill-typed right after such a literal is still rejected.

use ananke_core::{Domain, MeetSemilattice, StepContext, TokenMask, Vocabulary};
use ananke_syntax::SyntaxVocab;
use ananke_types::{TypesConstraint, TypesDomain};

/// Feeds `source` to a module constraint token by token, asking the mask
/// and `observe` about each token, then the end of the sequence: where it
/// is first rejected (the source's length for the end) and why, or `None`.
fn first_rejection(vocab: &SyntaxVocab, source: &str) -> Option<(usize, String)> {
    let words: &Vocabulary = vocab.vocabulary();
    let domain = TypesDomain::new(words);
    let ctx = StepContext::new(words);
    let full = TokenMask::new_full(words.len());
    let mut allowed = TokenMask::new_empty(words.len());
    let mut state = TypesConstraint::module();
    let mut offset = 0;
    for token in vocab.encode(source) {
        domain
            .token_mask(&state, ctx, &full, &mut allowed)
            .expect("a mask");
        let text = String::from_utf8_lossy(&vocab.decode(&[token])).into_owned();
        if !allowed.contains(token) {
            let why = domain.explain(&state, token, ctx).unwrap_or_default();
            return Some((offset, format!("the mask leaves out {text:?}: {why}")));
        }
        state = domain.observe(&state, token, ctx).expect("observed");
        if state.is_bottom() {
            return Some((
                offset,
                format!("observing {text:?}: {:?}", state.conflict()),
            ));
        }
        offset += text.len();
    }
    let eos = words.eos()[0];
    domain
        .token_mask(&state, ctx, &full, &mut allowed)
        .expect("a mask");
    (!allowed.contains(eos)).then(|| (source.len(), "the end of the sequence".into()))
}

const WELL_TYPED: &[&str] = &[
    "def mask(n: int) -> int:\n    x = 0xFF\n    return n & x\n",
    "def octal() -> int:\n    y = 0o17\n    return y\n",
    "def binary() -> int:\n    z = 0b1010\n    return z + 1_000_000\n",
    "def tiny() -> float:\n    eps = 1e-5\n    return eps + .5\n",
    "def rotate() -> complex:\n    w = 1.5j\n    return w * 2\n",
    "x = 0xFF\ny = 0o17 + 0b1010 + 1_000_000\nz = 1e-5 + .5 + 1.5j\n",
];

#[test]
fn number_literals_are_never_rejected() {
    let vocab = SyntaxVocab::cl100k_base().expect("cl100k_base");
    // The premise: the tokenizer splits some literal where a letter
    // continues the number.
    let split = WELL_TYPED.iter().any(|source| {
        let pieces: Vec<Vec<u8>> = vocab
            .encode(source)
            .iter()
            .map(|&t| vocab.decode(&[t]))
            .collect();
        pieces.windows(2).any(|pair| {
            pair[0].last().is_some_and(u8::is_ascii_digit)
                && pair[1].first().is_some_and(u8::is_ascii_alphabetic)
        })
    });
    assert!(
        split,
        "no token of a literal starts with a letter after a digit"
    );
    for source in WELL_TYPED {
        assert_eq!(first_rejection(&vocab, source), None, "{source}");
    }
}

#[test]
fn an_ill_typed_line_after_a_literal_is_still_rejected() {
    let vocab = SyntaxVocab::cl100k_base().expect("cl100k_base");
    for (source, bad_line) in [
        (
            "def mask(n: int) -> int:\n    x = 0xFF\n    return \"ff\"\n",
            "    return",
        ),
        (
            "def octal() -> int:\n    y = 0o17\n    return y + \"a\"\n",
            "    return",
        ),
        (
            "def tiny() -> int:\n    eps = 1e-5\n    return eps\n",
            "    return",
        ),
        ("x = 1.5j\ny: int = x\n", "y: int"),
    ] {
        let bad = source.find(bad_line).expect("the bad line");
        let rejection = first_rejection(&vocab, source);
        assert!(
            rejection
                .as_ref()
                .is_some_and(|(at, why)| *at >= bad && why.contains("type error")),
            "{source}: {rejection:?}"
        );
    }
}
