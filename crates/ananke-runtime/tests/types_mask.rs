//! The types domain fused with the syntax domain, on real tokenizers:
//! it never rejects a token of a program mypy accepts, it rejects ill-typed
//! mutants at or after their first bad byte, and its mask agrees with
//! `observe` token by token.

mod common;

use std::collections::BTreeMap;

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, Session, Spec, TypeIgnore};

fn ananke(tokenizer: &str) -> Ananke {
    Ananke::with_domains(&Spec::python(tokenizer), &["syntax", "types"]).unwrap()
}

/// Syntax and types for the body of the function `prefix` defines
/// (cl100k_base).
fn body_of(prefix: &str) -> Ananke {
    Ananke::with_domains(
        &Spec::python("cl100k_base").body_of(prefix),
        &["syntax", "types"],
    )
    .unwrap()
}

/// Where feeding `source` token by token stops: `None` when every token
/// and the end of the sequence are accepted, else the byte offset of the
/// rejected token (the source's length for the end) and the reasons.
fn first_rejection(ananke: &Ananke, source: &str) -> Option<(usize, String)> {
    common::first_rejected_token(ananke, source).or_else(|| {
        let mut session = ananke.session().unwrap();
        session.commit_many(&ananke.vocab().encode(source)).unwrap();
        (!session.is_accepting().unwrap()).then(|| (source.len(), "the end of the sequence".into()))
    })
}

#[test]
fn corpus_programs_are_never_rejected() {
    let programs = ananke_testkit::typed_programs();
    assert_eq!(programs.len(), 264);
    for tokenizer in ["cl100k_base", "o200k_base"] {
        let ananke = ananke(tokenizer);
        let mut rejected = Vec::new();
        for program in &programs {
            let source = program.source.as_str();
            if let Some((offset, why)) = first_rejection(&ananke, source) {
                let context = &source[offset.saturating_sub(40)..offset];
                rejected.push(format!(
                    "{:?} at {offset} after {context:?}: {why}",
                    program.id
                ));
            }
        }
        println!(
            "{tokenizer}: {} of {} programs had a rejected token",
            rejected.len(),
            programs.len()
        );
        assert!(rejected.is_empty(), "{tokenizer}: {rejected:#?}");
    }
}

#[test]
fn mutants_are_rejected_at_or_after_the_first_bad_byte() {
    let mutants = ananke_testkit::mutants();
    assert_eq!(mutants.len(), 737);
    for tokenizer in ["cl100k_base", "o200k_base"] {
        let ananke = ananke(tokenizer);
        let mut per_kind: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
        let mut early = Vec::new();
        for mutant in &mutants {
            let source = mutant.source.as_str();
            let bad = mutant.offset;
            let entry = per_kind.entry(mutant.kind.clone()).or_default();
            entry.2 += 1;
            match first_rejection(&ananke, source) {
                Some((offset, why)) if offset < bad => {
                    early.push(format!("{:?} at {offset} < {bad}: {why}", mutant.id));
                }
                Some((offset, _)) if offset == source.len() => entry.1 += 1,
                Some(_) => entry.0 += 1,
                None => {}
            }
        }
        let (mut caught, mut total) = (0, 0);
        for (kind, (at_token, at_end, n)) in &per_kind {
            println!(
                "{tokenizer} {kind:<15} {}/{n} rejected ({at_token} at a token, {at_end} at the end), {:.1}%",
                at_token + at_end,
                100.0 * (at_token + at_end) as f64 / *n as f64
            );
            caught += at_token + at_end;
            total += n;
        }
        println!(
            "{tokenizer} overall {caught}/{total} ({:.1}%)",
            100.0 * caught as f64 / total as f64
        );
        assert!(
            early.is_empty(),
            "{tokenizer}: rejected before the first bad byte: {early:#?}"
        );
        assert!(
            caught * 100 >= total * 85,
            "{tokenizer}: fewer than 85% of mutants rejected"
        );
    }
}

fn mask(session: &mut Session, n: usize) -> TokenMask {
    let mut out = TokenMask::new_empty(n);
    session.compute_mask(&mut out).unwrap();
    out
}

/// At every step of a few programs, each token of a sample is in the mask
/// exactly when committing it succeeds.
#[test]
fn mask_agrees_with_commit() {
    let mutants = ananke_testkit::mutants();
    let ananke = ananke("cl100k_base");
    let vocab = ananke.vocab().clone();
    let n = vocab.len();
    let probes: Vec<u32> = [
        ")", ")\n", "):\n", ",", ".append", ".upper", ".", "\n", " ==", "\"\n", "\")", "'\n", "x",
        "per", "(", "]\n",
    ]
    .iter()
    .flat_map(|s| vocab.encode(s).first().copied())
    .collect();
    let mut checked = 0;
    for mutant in mutants.iter().step_by(37) {
        let source = mutant.source.as_str();
        let mut session = ananke.session().unwrap();
        for token in vocab.encode(source) {
            let allowed = mask(&mut session, n);
            for &probe in probes.iter().chain(std::iter::once(&token)) {
                let committed = session.validate(&[probe]).unwrap() == 1;
                assert_eq!(
                    allowed.contains(probe),
                    committed,
                    "{:?}: token {:?} after {:?}",
                    mutant.id,
                    String::from_utf8_lossy(&vocab.decode(&[probe])),
                    String::from_utf8_lossy(&session.text())
                );
                checked += 1;
            }
            if session.commit(token).is_err() {
                break;
            }
        }
    }
    println!("{checked} (state, token) pairs agree");
}

/// Fusion runs the types mask (whose cost grows with its candidates) on
/// the syntax domain's survivors, never on the whole vocabulary.
#[test]
fn types_runs_after_syntax() {
    let programs = ananke_testkit::typed_programs();
    for tokenizer in ["cl100k_base", "o200k_base"] {
        let ananke = ananke(tokenizer);
        let vocab = ananke.vocab().clone();
        let mut session = ananke.session().unwrap();
        for program in programs.iter().take(3) {
            session.reset().unwrap();
            for token in vocab.encode(&program.source) {
                mask(&mut session, vocab.len());
                session.commit(token).unwrap();
            }
        }
        let stats = session.stats();
        let syntax = stats.domains.iter().find(|d| d.name == "syntax").unwrap();
        let types = stats.domains.iter().find(|d| d.name == "types").unwrap();
        assert!(stats.steps > 64, "{stats:?}");
        assert_eq!(
            syntax.candidates_in,
            stats.steps * vocab.len() as u64,
            "{stats:?}"
        );
        assert_eq!(types.candidates_in, syntax.candidates_out, "{stats:?}");
    }
}

/// The grammar's lexer reads a keyword where Python reads a longer name
/// (`"a" anderr` as `"a" and err`), so the syntax domain alone takes
/// statements Python cannot parse; the types domain will not let such a
/// statement end.
#[test]
fn a_statement_python_cannot_parse_cannot_end() {
    let source = "def f(a: str) -> str:\n    return \"The value is \"anderrangerfantasy.  The\n";
    let syntax = Ananke::with_domains(&Spec::python("cl100k_base"), &["syntax"]).unwrap();
    assert_eq!(common::first_rejected_token(&syntax, source), None);
    let (at, why) = first_rejection(&ananke("cl100k_base"), source).expect("rejected");
    assert_eq!(at, source.len() - 1, "{why}");
    assert!(why.contains("does not parse"), "{why}");
}

/// In a closed body a name read after an operator must begin a name in
/// scope, whether the operator token starts with a blank (` &___`) or not:
/// where no `# type: ignore` may come to silence the line, the token after
/// which nothing could follow is refused itself.
#[test]
fn a_spaced_operator_then_an_unknown_name_is_refused() {
    let mut spec = Spec::python("cl100k_base").body_of("def f(n: int) -> int:\n");
    spec.types.type_ignore = Some(TypeIgnore::Forbid);
    let ananke = Ananke::with_domains(&spec, &["syntax", "types"]).unwrap();
    let vocab = ananke.vocab().clone();
    let mut session = ananke.session().unwrap();
    let start = vocab.encode("    return n");
    assert_eq!(session.commit_many(&start).unwrap(), start.len());
    for (piece, allowed) in [(" &___", false), (" &", true)] {
        let token = vocab.encode(piece);
        assert_eq!(token.len(), 1, "{piece:?} is one token");
        let explanation = session.explain(token[0]).unwrap();
        assert_eq!(explanation.allowed, allowed, "{piece:?}: {explanation:?}");
    }
}

/// A token ending in CR ends the line as LF does (outside brackets only
/// LF may follow it), so it is judged as a line break: `return` with no
/// value in a function returning `bool` cannot end that way, whereas a
/// backslash then CR LF continues the line.
#[test]
fn a_carriage_return_is_judged_as_a_line_break() {
    let ananke = body_of("def f(n: int) -> bool:\n");
    let vocab = ananke.vocab().clone();
    let cr = vocab.encode("\r");
    assert_eq!(cr.len(), 1, "CR is one token");
    let mut session = ananke.session().unwrap();
    let start = vocab.encode("    return ");
    assert_eq!(session.commit_many(&start).unwrap(), start.len());
    let explanation = session.explain(cr[0]).unwrap();
    assert!(!explanation.allowed, "{explanation:?}");
    let value = vocab.encode("n > 1 |\\");
    assert_eq!(session.commit_many(&value).unwrap(), value.len());
    assert!(session.explain(cr[0]).unwrap().allowed);
    let rest = vocab.encode("\r\n    True\n");
    assert_eq!(session.commit_many(&rest).unwrap(), rest.len());
    assert!(session.is_accepting().unwrap());
}
