//! Session semantics on the real syntax and imports domains.

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, RuntimeError, Spec};

fn ananke() -> Ananke {
    Ananke::new(&Spec::python("cl100k_base")).unwrap()
}

fn mask_of(session: &mut ananke_runtime::Session, n: usize) -> TokenMask {
    let mut mask = TokenMask::new_empty(n);
    session.compute_mask(&mut mask).unwrap();
    mask
}

const PROGRAM: &str = "def area(w: float, h: float) -> float:\n    return w * h\n";

#[test]
fn rollback_then_recommit_gives_identical_masks() {
    let ananke = ananke();
    let vocab = ananke.vocab().clone();
    let n = vocab.len();
    let tokens = vocab.encode(PROGRAM);
    let mut session = ananke.session().unwrap();
    let mut masks = Vec::new();
    for &t in &tokens {
        masks.push(mask_of(&mut session, n));
        session.commit(t).unwrap();
    }
    assert!(session.is_accepting().unwrap());
    session.rollback(7).unwrap();
    assert_eq!(session.tokens(), tokens[..tokens.len() - 7]);
    for (i, &t) in tokens[tokens.len() - 7..].iter().enumerate() {
        let index = tokens.len() - 7 + i;
        assert_eq!(
            mask_of(&mut session, n),
            masks[index],
            "mask at step {index} after rollback"
        );
        session.commit(t).unwrap();
    }
    assert!(session.is_accepting().unwrap());
    let err = session.rollback(tokens.len() + 1).unwrap_err();
    assert!(matches!(err, RuntimeError::RollbackTooFar { .. }));
}

#[test]
fn a_rollback_past_the_kept_window_gives_the_same_masks() {
    // Far enough back that the history has thinned the states there: the
    // rollback commits the tokens after the nearest kept state again.
    let ananke = ananke();
    let vocab = ananke.vocab().clone();
    let n = vocab.len();
    let program: String = (0..60)
        .map(|i| format!("def area{i}(w: float, h: float) -> float:\n    return w * h + {i}\n"))
        .collect();
    let tokens = vocab.encode(&program);
    assert!(
        tokens.len() > 4 * ananke_runtime::DENSE_STEPS,
        "{}",
        tokens.len()
    );
    let probes = [7, tokens.len() / 3, tokens.len() / 2 + 1, tokens.len() - 3];
    let mut session = ananke.session().unwrap();
    let mut masks = Vec::new();
    for (i, &t) in tokens.iter().enumerate() {
        if probes.contains(&i) {
            masks.push(mask_of(&mut session, n));
        }
        session.commit(t).unwrap();
    }
    for (&at, mask) in probes.iter().zip(&masks).rev() {
        let mut back = session.fork().unwrap();
        back.rollback(tokens.len() - at).unwrap();
        assert_eq!(back.tokens(), tokens[..at]);
        assert_eq!(
            &mask_of(&mut back, n),
            mask,
            "mask at step {at} after the rollback"
        );
        back.commit_many(&tokens[at..]).unwrap();
        assert!(back.is_accepting().unwrap());
    }
}

#[test]
fn forks_are_independent() {
    let ananke = ananke();
    let vocab = ananke.vocab().clone();
    let n = vocab.len();
    let mut a = ananke.session().unwrap();
    a.commit_many(&vocab.encode("def f(x: int) -> int:\n    return "))
        .unwrap();
    let mut b = a.fork().unwrap();
    a.commit_many(&vocab.encode("x\n")).unwrap();
    b.commit_many(&vocab.encode("(x")).unwrap();
    assert!(a.is_accepting().unwrap());
    assert!(
        !b.is_accepting().unwrap(),
        "the fork still needs its parenthesis closed"
    );
    // Interleaved use: each keeps its own parser position.
    let close = vocab.encode(")")[0];
    assert!(mask_of(&mut b, n).contains(close));
    assert!(!mask_of(&mut a, n).contains(close));
    assert!(mask_of(&mut b, n).contains(close));
    b.commit(close).unwrap();
    assert!(b.is_accepting().unwrap());
}

#[test]
fn checkpoints_restore_and_validate_does_not_change_the_session() {
    let ananke = ananke();
    let vocab = ananke.vocab().clone();
    let mut session = ananke.session().unwrap();
    session.commit_many(&vocab.encode("x = [1, 2")).unwrap();
    let mark = session.checkpoint();
    session.commit_many(&vocab.encode(", 3]\n")).unwrap();
    assert!(session.is_accepting().unwrap());
    session.restore(mark).unwrap();
    assert_eq!(session.text(), b"x = [1, 2");
    assert!(matches!(
        session.restore(99),
        Err(RuntimeError::UnknownCheckpoint(99))
    ));
    let good = vocab.encode("]\n");
    assert_eq!(session.validate(&good).unwrap(), good.len());
    let bad = vocab.encode(")\n");
    assert_eq!(session.validate(&bad).unwrap(), 0);
    assert_eq!(
        session.text(),
        b"x = [1, 2",
        "validate leaves the session as it was"
    );
}

#[test]
fn a_rejected_token_leaves_the_session_unchanged() {
    let ananke = ananke();
    let vocab = ananke.vocab().clone();
    let mut session = ananke.session().unwrap();
    session.commit_many(&vocab.encode("def f(x: int)")).unwrap();
    let err = session.commit(vocab.encode("\n")[0]).unwrap_err();
    let RuntimeError::Rejected { reasons, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(reasons[0].0, "syntax");
    assert_eq!(session.text(), b"def f(x: int)");
    // (Annotated as `--strict` requires: the types domain refuses to end
    // a module with an unannotated function.)
    let rest = vocab.encode(" -> None:\n    pass\n");
    assert_eq!(session.commit_many(&rest).unwrap(), rest.len());
    assert!(session.is_accepting().unwrap());
    let err = session.commit(10_000_000).unwrap_err();
    assert!(err.to_string().contains("outside the vocabulary"), "{err}");
}

#[test]
fn explanations_name_the_rejecting_domain() {
    let ananke = ananke();
    let vocab = ananke.vocab().clone();
    let mut session = ananke.session().unwrap();
    session.commit_many(&vocab.encode("y = (1")).unwrap();
    let bracket = vocab.encode("]")[0];
    let why = session.explain(bracket).unwrap();
    assert!(!why.allowed);
    assert_eq!(why.rejections.len(), 1);
    assert_eq!(why.rejections[0].domain, "syntax");
    assert!(
        why.rejections[0].reason.contains("does not allow \"]\""),
        "{:?}",
        why.rejections
    );
    assert!(
        why.rejections[0].provenance.is_empty()
            || why.rejections[0].provenance.iter().all(|p| !p.is_empty())
    );
    let ok = session.explain(vocab.encode(")")[0]).unwrap();
    assert!(ok.allowed && ok.rejections.is_empty());
}

#[test]
fn jump_forward_offers_forced_text() {
    let spec = Spec {
        syntax: ananke_runtime::SyntaxSpec {
            grammar: None,
            grammar_file: Some(std::path::PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/greeting.lark"
            ))),
            ..ananke_runtime::SyntaxSpec::default()
        },
        ..Spec::default()
    };
    let ananke = Ananke::new(&spec).unwrap();
    let mut session = ananke.session().unwrap();
    let (tokens, bytes) = session.jump_forward().unwrap();
    assert_eq!(bytes, b"hello, ");
    assert_eq!(ananke.vocab().decode(&tokens), b"hello, ");
    session.commit_many(&tokens).unwrap();
    session
        .commit_many(&ananke.vocab().encode("world"))
        .unwrap();
    assert!(session.is_accepting().unwrap());
}

#[test]
fn fusion_counts_what_it_does() {
    let ananke = ananke();
    let vocab = ananke.vocab().clone();
    let n = vocab.len();
    let mut first = ananke.session().unwrap();
    for t in vocab.encode(PROGRAM) {
        mask_of(&mut first, n);
        first.commit(t).unwrap();
    }
    // A second session over the same program hits the shared cache.
    let mut second = ananke.session().unwrap();
    for t in vocab.encode(PROGRAM) {
        mask_of(&mut second, n);
        mask_of(&mut second, n);
        second.commit(t).unwrap();
    }
    let stats = second.stats();
    let syntax = stats.domains.iter().find(|d| d.name == "syntax").unwrap();
    assert!(syntax.cache_hits > 0, "{stats:?}");
    assert!(syntax.reused > 0, "{stats:?}");
    assert_eq!(stats.steps as usize, 2 * vocab.encode(PROGRAM).len());
}
