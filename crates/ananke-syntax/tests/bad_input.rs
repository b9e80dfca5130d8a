//! Bad input gives errors that say what is wrong, never a panic.

mod common;

use std::sync::Arc;

use ananke_core::{Domain, StepContext, TokenMask, erase};
use ananke_syntax::{
    GrammarSource, LlguidanceBackend, LlguidanceLimits, SyntaxDomain, SyntaxError, SyntaxVocab,
    backend_by_name, python,
};
use common::byte_vocab;
use proptest::prelude::*;

#[test]
fn malformed_grammars_report_line_and_column() {
    let vocab = byte_vocab();
    let broken = "start: a\na: \"x\" | \nb: (\"unclosed\"\n";
    for backend in ["llguidance", "xgrammar"] {
        let domain = SyntaxDomain::new(backend_by_name(backend, &vocab).unwrap());
        let err = domain
            .constraint(&GrammarSource::Lark(broken.into()), "broken")
            .err()
            .unwrap();
        match &err {
            SyntaxError::Grammar { line, .. } => {
                assert!(line.is_some(), "{backend}: no line in {err}")
            }
            other => panic!("{backend}: {other:?}"),
        }
        let err = domain
            .constraint(&GrammarSource::Lark("start: undefined_rule\n".into()), "u")
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("undefined_rule"),
            "{backend}: {err}"
        );
        let err = domain
            .constraint(&GrammarSource::JsonSchema("{not json".into()), "j")
            .err()
            .unwrap();
        assert!(err.to_string().contains("not JSON"), "{backend}: {err}");
        let err = domain
            .constraint(&GrammarSource::Regex("(unbalanced".into()), "r")
            .err()
            .unwrap();
        assert!(
            matches!(err, SyntaxError::Grammar { .. }),
            "{backend}: {err:?}"
        );
    }
}

#[test]
fn unknown_backends_and_unsupported_formats_are_named() {
    let vocab = byte_vocab();
    let err = backend_by_name("antlr", &vocab).err().unwrap();
    assert_eq!(
        err.to_string(),
        "unknown syntax backend `antlr` (known: llguidance, xgrammar)"
    );
    let domain = SyntaxDomain::new(backend_by_name("llguidance", &vocab).unwrap());
    let ebnf = GrammarSource::Ebnf {
        text: "root ::= \"a\"".into(),
        root: "root".into(),
    };
    let err = domain.constraint(&ebnf, "e").err().unwrap();
    assert_eq!(
        err.to_string(),
        "the `llguidance` backend does not read EBNF grammars"
    );
    let xgrammar = SyntaxDomain::new(backend_by_name("xgrammar", &vocab).unwrap());
    assert!(xgrammar.constraint(&ebnf, "e").is_ok());
}

#[test]
fn token_ids_outside_the_vocabulary_are_errors() {
    let vocab = byte_vocab();
    let domain = SyntaxDomain::new(backend_by_name("llguidance", &vocab).unwrap());
    let start = domain
        .constraint(&GrammarSource::Regex("a+".into()), "a")
        .unwrap();
    let err = start.observe(257).unwrap_err();
    assert_eq!(
        err,
        SyntaxError::UnknownToken {
            token: 257,
            n_vocab: 257
        }
    );
    // Through the erased domain, as the runtime calls it.
    let erased = erase(domain);
    let ctx = StepContext::new(vocab.vocabulary());
    let err = erased
        .observe(&ananke_core::DynConstraint::new(start), 1_000_000, ctx)
        .unwrap_err();
    assert!(err.to_string().contains("outside the vocabulary"), "{err}");
}

#[test]
fn a_mask_over_the_work_limit_is_an_error_not_a_hang() {
    let vocab = SyntaxVocab::cl100k_base().unwrap();
    let tiny = LlguidanceLimits {
        step_max_items: 50,
        step_lexer_fuel: 1_000,
    };
    let domain = SyntaxDomain::new(Arc::new(
        LlguidanceBackend::with_limits(&vocab, tiny).unwrap(),
    ));
    let start = domain.constraint(&python::grammar(), "python").unwrap();
    let mut out = TokenMask::new_empty(vocab.len());
    let err = start
        .mask(&TokenMask::new_full(vocab.len()), &mut out)
        .unwrap_err();
    assert!(matches!(err, SyntaxError::Parser { .. }), "{err:?}");
    assert!(
        !err.to_string().contains("<backtrace>"),
        "messages stay readable: {err}"
    );
}

#[test]
fn files_that_are_not_tokenizers_are_rejected() {
    let dir = std::env::temp_dir().join(format!("ananke-tok-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("not-json.json", "this is not a tokenizer"),
        ("wrong-json.json", r#"{"hello": "world"}"#),
        ("empty.json", ""),
    ];
    for (name, text) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let err = SyntaxVocab::from_tokenizer_json(&path, &[]).unwrap_err();
        assert!(
            matches!(err, SyntaxError::Vocabulary { .. }),
            "{name}: {err:?}"
        );
    }
    let err = SyntaxVocab::from_tokenizer_json(&dir.join("missing.json"), &[]).unwrap_err();
    assert!(err.to_string().contains("missing.json"), "{err}");
    assert!(SyntaxVocab::by_name("p50k").is_err());
    assert!(SyntaxVocab::from_token_bytes("none", Vec::new(), &[], &[]).is_err());
}

/// A minimal byte-level BPE tokenizer.json, the shape GPT-2-style models
/// ship.
const TINY_TOKENIZER: &str = r#"{
  "version": "1.0",
  "added_tokens": [{"id": 5, "content": "<|end|>", "special": true, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false}],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
  "post_processor": null,
  "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
  "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
            "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
            "vocab": {"d": 0, "e": 1, "f": 2, "Ġ": 3, "de": 4},
            "merges": ["d e"]}
}"#;

#[test]
fn a_hugging_face_tokenizer_json_loads() {
    let vocab = SyntaxVocab::from_tokenizer_json_str("tiny", TINY_TOKENIZER, &["<|end|>"]).unwrap();
    assert_eq!(vocab.len(), 6);
    let core = vocab.vocabulary();
    assert_eq!(
        core.token_bytes(3),
        Some(&b" "[..]),
        "Ġ is a space in GPT-2's alphabet"
    );
    assert_eq!(core.token_bytes(4), Some(&b"de"[..]));
    assert!(core.is_special(5));
    assert_eq!(core.eos(), &[5]);
    assert_eq!(vocab.encode("def"), vec![4, 2]);
    let err = SyntaxVocab::from_tokenizer_json_str("tiny", TINY_TOKENIZER, &["<eos>"]).unwrap_err();
    assert!(
        err.to_string().contains("`<eos>` is not in the vocabulary"),
        "{err}"
    );
}

#[test]
fn the_domain_explains_rejections() {
    let vocab = byte_vocab();
    let domain = SyntaxDomain::new(backend_by_name("llguidance", &vocab).unwrap());
    let start = domain
        .constraint(&GrammarSource::Regex("ab+".into()), "ab+")
        .unwrap();
    let after_a = start.observe(u32::from(b'a')).unwrap();
    let ctx = StepContext::new(vocab.vocabulary());
    let why = domain.explain(&after_a, u32::from(b'x'), ctx).unwrap();
    assert_eq!(why, "the grammar ab+ does not allow \"x\" after \"a\"");
    assert_eq!(domain.explain(&after_a, u32::from(b'b'), ctx), None);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("ANANKE_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_grammar_text_never_panics(text in "(start|rule|[A-Z]+|\"[a-z]*\"|/[a-z.*+]*/|[:|()?*+%\\n ]){0,24}") {
        let vocab = byte_vocab();
        for backend in ["llguidance", "xgrammar"] {
            let domain = SyntaxDomain::new(backend_by_name(backend, &vocab).unwrap());
            if let Ok(start) = domain.constraint(&GrammarSource::Lark(text.clone()), "fuzz") {
                let mut out = TokenMask::new_empty(257);
                let _ = start.mask(&TokenMask::new_full(257), &mut out);
                let _ = start.observe(u32::from(b'a'));
            }
            let _ = domain.constraint(&GrammarSource::Regex(text.clone()), "fuzz");
            let _ = domain.constraint(&GrammarSource::JsonSchema(text.clone()), "fuzz");
        }
    }
}
