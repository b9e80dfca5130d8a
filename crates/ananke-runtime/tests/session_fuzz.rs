//! Sessions fed arbitrary operation sequences — commits of any token id
//! (out-of-range ones included), rollbacks, checkpoints, restores, forks,
//! masks, explanations: every call returns a result (never a panic), and a
//! session keeps its invariants (its text is the tokens it accepted; a
//! restore brings back the text of its checkpoint).

use std::sync::OnceLock;

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, RuntimeError, Spec};
use proptest::prelude::*;

fn ananke() -> &'static Ananke {
    static ANANKE: OnceLock<Ananke> = OnceLock::new();
    ANANKE.get_or_init(|| Ananke::new(&Spec::python("cl100k_base")).unwrap())
}

#[derive(Clone, Debug)]
enum Op {
    /// A token of a small Python vocabulary of pieces.
    Piece(usize),
    /// Any id, most beyond the vocabulary.
    AnyToken(u32),
    Rollback(usize),
    Checkpoint,
    Restore(usize),
    Fork,
    Mask,
    Explain(u32),
}

const PIECES: &[&str] = &[
    "def",
    " f",
    "(x",
    ":",
    " int",
    ")",
    " ->",
    ":\n",
    "    return",
    " x",
    "\n",
    "(",
    " +",
    " 1",
    "import",
    " os",
    "while",
    " True",
    "'",
    "#",
    "\"\"\"",
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..PIECES.len()).prop_map(Op::Piece),
        1 => any::<u32>().prop_map(Op::AnyToken),
        1 => (0usize..4).prop_map(Op::Rollback),
        1 => Just(Op::Checkpoint),
        1 => (0usize..3).prop_map(Op::Restore),
        1 => Just(Op::Fork),
        1 => Just(Op::Mask),
        1 => (0u32..120_000).prop_map(Op::Explain),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("ANANKE_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48)
    ))]

    #[test]
    fn any_operation_sequence_gives_results_not_panics(ops in prop::collection::vec(op(), 1..14)) {
        let ananke = ananke();
        let vocab = ananke.vocab();
        let mut session = ananke.session().unwrap();
        let mut checkpoints: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut mask = TokenMask::new_empty(vocab.len());
        for op in ops {
            match op {
                Op::Piece(i) => {
                    let token = vocab.encode(PIECES[i])[0];
                    match session.commit(token) {
                        Ok(()) | Err(RuntimeError::Rejected { .. }) => {}
                        Err(e) => prop_assert!(false, "{e}"),
                    }
                }
                Op::AnyToken(t) => {
                    let before = session.text();
                    let result = session.commit(t);
                    if t as usize >= vocab.len() {
                        prop_assert!(result.is_err(), "an unknown id is an error");
                        prop_assert_eq!(session.text(), before);
                    }
                }
                Op::Rollback(n) => {
                    let len = session.tokens().len();
                    let result = session.rollback(n);
                    prop_assert_eq!(result.is_ok(), n <= len);
                }
                Op::Checkpoint => checkpoints.push((session.checkpoint(), session.text())),
                Op::Restore(i) => {
                    if let Some((id, text)) = checkpoints.get(i) {
                        session.restore(*id).unwrap();
                        prop_assert_eq!(&session.text(), text);
                    } else {
                        prop_assert!(session.restore(9_999).is_err());
                    }
                }
                Op::Fork => {
                    let fork = session.fork().unwrap();
                    prop_assert_eq!(fork.text(), session.text());
                }
                Op::Mask => session.compute_mask(&mut mask).unwrap(),
                Op::Explain(t) => {
                    let result = session.explain(t);
                    prop_assert_eq!(result.is_ok(), (t as usize) < vocab.len());
                }
            }
            prop_assert_eq!(session.text(), vocab.decode(&session.tokens()));
        }
    }
}
