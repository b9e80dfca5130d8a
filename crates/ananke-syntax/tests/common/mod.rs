//! Helpers shared by the syntax tests: a byte vocabulary, token
//! force-feeding and CPython's verdict (the corpus comes from
//! `ananke_testkit`).

#![allow(dead_code)]

use std::sync::Arc;

use ananke_core::{MeetSemilattice, TokenId, TokenMask};
use ananke_syntax::{SyntaxConstraint, SyntaxVocab};

/// A vocabulary with one token per byte (ids 0–255) and an end token
/// (256): rejections land on exact byte offsets.
pub fn byte_vocab() -> Arc<SyntaxVocab> {
    let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    tokens.push(Vec::new());
    SyntaxVocab::from_token_bytes("bytes", tokens, &[("<eos>".into(), 256)], &[256]).unwrap()
}

/// How force-feeding a token sequence ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Fed {
    /// Every token was allowed; whether the end is accepting.
    All { accepting: bool },
    /// Token `index` (covering bytes `start..end`) was not in the mask.
    Rejected {
        index: usize,
        start: usize,
        end: usize,
    },
}

/// Feeds `tokens` one by one, checking each against the mask first (so the
/// mask and `observe` are both exercised).
pub fn feed(vocab: &SyntaxVocab, start: &SyntaxConstraint, tokens: &[TokenId]) -> Fed {
    let n = vocab.len();
    let full = TokenMask::new_full(n);
    let mut mask = TokenMask::new_empty(n);
    let mut constraint = start.fork().expect("fork");
    let mut offset = 0;
    for (index, &token) in tokens.iter().enumerate() {
        let len = vocab.vocabulary().token_bytes(token).map_or(0, <[u8]>::len);
        constraint.mask(&full, &mut mask).expect("mask");
        if !mask.contains(token) {
            return Fed::Rejected {
                index,
                start: offset,
                end: offset + len,
            };
        }
        constraint = constraint.observe(token).expect("observe");
        assert!(
            !constraint.is_bottom(),
            "a token in the mask was rejected by observe"
        );
        offset += len;
    }
    Fed::All {
        accepting: constraint.is_accepting().expect("is_accepting"),
    }
}

/// Runs CPython's parser ([`ananke_testkit::python`]) on `source`:
/// whether it is valid Python.
pub fn cpython_parses(source: &str) -> bool {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(ananke_testkit::python())
        .args(["-c", "import ast, sys; ast.parse(sys.stdin.read())"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs (CI installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(source.as_bytes())
        .unwrap();
    child.wait().unwrap().success()
}
