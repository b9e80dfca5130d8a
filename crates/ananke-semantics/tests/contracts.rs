//! Contracts for real functions of `../shared/data/mbpp_typed.jsonl`: each
//! canonical program is read byte by byte (a vocabulary of single bytes)
//! and never rejected, by `observe` or by the mask; hand-written violating
//! programs are rejected at the violating byte, with Z3's unsat core in the
//! explanation. Then the masks of the crate docs, and the lattice laws over
//! generated formulas.

use ananke_core::control::ControlFacts;
use ananke_core::laws::{LawConfig, assert_laws, check_meet_semilattice, mask_agrees_along};
use ananke_core::{Bounded, Domain, MeetSemilattice, StepContext, TokenMask, Vocabulary};
use ananke_semantics::{Contract, SemanticsConstraint, SemanticsDomain, Signature, Sort, Term};
use proptest::prelude::*;

const EOS: u32 = 256;

fn bytes_vocab() -> Vocabulary {
    let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    tokens.push(b"<eos>".to_vec());
    Vocabulary::new("bytes", tokens, &[EOS], &[EOS]).unwrap()
}

/// `(id, requires, ensures)`: the contracts of `contracts/mbpp.toml`.
fn contracts() -> Vec<(String, Vec<String>, Vec<String>)> {
    let text = include_str!("../contracts/mbpp.toml");
    let doc: toml::Table = text.parse().unwrap();
    let strings = |v: &toml::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    doc["contract"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                strings(&c["requires"]),
                strings(&c["ensures"]),
            )
        })
        .collect()
}

/// The sources of the typed MBPP programs, by id.
fn corpus() -> std::collections::HashMap<String, String> {
    ananke_testkit::typed_programs()
        .into_iter()
        .map(|program| (program.id, program.source))
        .collect()
}

fn contract<S: AsRef<str>>(source: &str, requires: &[S], ensures: &[S]) -> Contract {
    let signature = Signature::from_python_header(source).expect("a def");
    let mut c = Contract::new(signature);
    for r in requires {
        c = c.requires(r.as_ref()).unwrap();
    }
    for e in ensures {
        c = c.ensures(e.as_ref()).unwrap();
    }
    c
}

/// The offset of the first byte that `observe` rejects (the text's length
/// for the end of the output) and why; at every byte up to it, the mask
/// is also checked to keep exactly what `observe` accepts (core's
/// harness, over the whole vocabulary).
fn first_rejection(contract: Contract, text: &str) -> Option<(usize, String)> {
    first_rejection_knowing(contract, ControlFacts::default(), text)
}

/// Like [`first_rejection`], with `control` known of the text (what the
/// control flow → semantics morphism brings).
fn first_rejection_knowing(
    contract: Contract,
    control: ControlFacts,
    text: &str,
) -> Option<(usize, String)> {
    let vocab = bytes_vocab();
    let domain = SemanticsDomain::new();
    let ctx = StepContext::new(&vocab);
    let mut state = SemanticsConstraint::new(contract).meet(&SemanticsConstraint::knowing(control));
    assert!(!state.is_bottom(), "{state:?}");
    let tokens: Vec<u32> = text.bytes().map(u32::from).chain([EOS]).collect();
    if let Err(e) = mask_agrees_along(&domain, &vocab, &state, &tokens) {
        panic!("{e}, in:\n{text}");
    }
    for (i, &token) in tokens.iter().enumerate() {
        let next = domain.observe(&state, token, ctx).unwrap();
        if next.is_bottom() {
            let why = domain.explain(&state, token, ctx).unwrap();
            return Some((i, why));
        }
        state = next;
    }
    None
}

#[test]
fn canonical_programs_meet_their_contracts() {
    let corpus = corpus();
    let contracts = contracts();
    assert!(contracts.len() >= 20);
    for (id, requires, ensures) in &contracts {
        let source = &corpus[id];
        let c = contract(source, requires, ensures);
        assert!(
            first_rejection(c, source).is_none(),
            "{id} was rejected:\n{source}"
        );
    }
}

/// A canonical program with one line replaced.
fn mutate(id: &str, from: &str, to: &str) -> (Contract, String) {
    let corpus = corpus();
    let source = &corpus[id];
    assert!(source.contains(from), "{id} has no `{from}`");
    let (_, requires, ensures) = contracts().into_iter().find(|c| c.0 == id).unwrap();
    (
        contract(source, &requires, &ensures),
        source.replacen(from, to, 1),
    )
}

#[track_caller]
fn rejected_at_end_of(id: &str, from: &str, to: &str, blamed: &[&str]) {
    let (c, text) = mutate(id, from, to);
    let (at, why) =
        first_rejection(c, &text).unwrap_or_else(|| panic!("{id}: not rejected:\n{text}"));
    let end = text.find(to).unwrap() + to.len();
    let line_end = end + text[end..].find('\n').unwrap();
    assert_eq!(
        at, line_end,
        "{id}: rejected at {at}, not at the end of `{to}`: {why}"
    );
    for b in blamed {
        assert!(why.contains(b), "{id}: `{b}` not in the explanation: {why}");
    }
}

#[test]
fn violating_programs_are_rejected_at_the_violating_token() {
    rejected_at_end_of(
        "MBPP/17",
        "return perimeter",
        "return perimeter + 1",
        &["ensures", "(= result (* 4 a))", "perimeter = …"],
    );
    rejected_at_end_of(
        "MBPP/637",
        "  else:\n    return False",
        "  else:\n    return True",
        &[
            "not `sale_amount == actual_cost`",
            "(= result (= actual_cost sale_amount))",
        ],
    );
    rejected_at_end_of(
        "MBPP/309",
        "if a >= b: \n        return a",
        "if a > b: \n        return b",
        &["`a > b` (line", "(>= result a)"],
    );
    rejected_at_end_of(
        "MBPP/435",
        "return (n % 10)",
        "return (n % 10) + 10",
        &["(< result 10)"],
    );
    rejected_at_end_of(
        "MBPP/435",
        "return (n % 10)",
        "assert n < 0",
        &["`n < 0`", "requires #1 `(>= n 0)`"],
    );
    rejected_at_end_of(
        "MBPP/127",
        "elif y == 1:\n        return x",
        "elif y == 1:\n        return x + 1",
        &["`y == 1` (line", "(= result (* x y))"],
    );
    rejected_at_end_of(
        "MBPP/89",
        "return (N - 1)",
        "M = N + 1\n  return M",
        &["(< result N)", "`M = …`"],
    );
}

#[test]
fn nothing_is_judged_where_it_would_be_unsound() {
    // Unreachable under the precondition: defensive code is fine.
    let c = contract("def f(n: int) -> int:", &["(>= n 0)"], &["(>= result 0)"]);
    let text = "def f(n: int) -> int:\n    if n < 0:\n        return -1\n    return n\n";
    assert_eq!(first_rejection(c.clone(), text), None);
    // Inside a loop, and after it for the names it assigns.
    let text = "def f(n: int) -> int:\n    k = -1\n    while k < n:\n        return k\n    k = n\n    for i in range(3):\n        k = k - 5\n    return k\n";
    assert_eq!(first_rejection(c.clone(), text), None);
    // After an `if` that may have assigned the name.
    let text = "def f(n: int) -> int:\n    k = 1\n    if n > 3:\n        k = -1\n    return k\n";
    assert_eq!(first_rejection(c.clone(), text), None);
    // Untranslatable values make names unknown.
    let text = "def f(n: int) -> int:\n    n = int(str(n)[::-1]) - 100\n    return n\n";
    assert_eq!(first_rejection(c.clone(), text), None);
    // A nested function's returns are its own.
    let text = "def f(n: int) -> int:\n    def g() -> int:\n        return -1\n    return n\n";
    assert_eq!(first_rejection(c.clone(), text), None);
    // Objects changed in place (through an alias too) have new lengths.
    let lists = contract(
        "def g(xs: List[int]) -> int:",
        &["(= (len xs) 0)"],
        &["(= result 1)"],
    );
    for body in [
        "    xs.append(1)\n    return len(xs)\n",
        "    ys = xs\n    ys.append(1)\n    return len(xs)\n",
        "    helper(xs)\n    return len(xs)\n",
        "    xs += [1]\n    return len(xs)\n",
    ] {
        let text = format!("def g(xs: List[int]) -> int:\n{body}");
        assert_eq!(first_rejection(lists.clone(), &text), None, "{text}");
    }
    let text = "def g(xs: List[int]) -> int:\n    n = len(xs)\n    return n\n";
    assert!(
        first_rejection(lists, text).is_some(),
        "len of an unchanged list is known"
    );
    // `assert False` marks code no path should reach: it ends the path,
    // as `raise` does, and what follows it is not judged.
    for text in [
        "def f(n: int) -> int:\n    assert False\n    return -1\n",
        "def f(n: int) -> int:\n    if n > 0:\n        return n\n    assert False, 'unreachable'\n",
        "def f(n: int) -> int:\n    if n >= 0:\n        return n\n    else:\n        assert 0\n        return -5\n",
    ] {
        assert_eq!(first_rejection(c.clone(), text), None, "{text}");
    }
    // But straight-line code is followed through assignments.
    let text = "def f(n: int) -> int:\n    k = n\n    k -= n + 1\n    return k\n";
    let (at, why) = first_rejection(c, text).unwrap();
    assert_eq!(at, text.len() - 1, "{why}");
}

#[test]
fn control_flow_feeds_the_path() {
    let c = contract("def f(n: int) -> int:", &[], &["(>= result 0)"]);
    // Past a branch that returns, its test is false.
    let text = "def f(n: int) -> int:\n    if n >= 0:\n        return n\n    return n\n";
    let (at, why) = first_rejection(c.clone(), text).unwrap();
    assert_eq!(at, text.len() - 1);
    assert!(why.contains("not `n >= 0`"), "{why}");
    // Past a chain whose every branch returns, nothing is reached.
    let text = "def f(n: int) -> int:\n    if n > 0:\n        return n\n    elif n == 0:\n        return 0\n    else:\n        return -n\n    return -5\n";
    assert_eq!(first_rejection(c.clone(), text), None);
    // A `while` left without `break` has a false test.
    let text = "def f(n: int) -> int:\n    k = 0\n    while k < n:\n        k += 1\n    assert k < n\n    return 0\n";
    let (at, why) = first_rejection(c.clone(), text).unwrap();
    assert_eq!(
        at,
        text.find("assert k < n").unwrap() + "assert k < n".len()
    );
    assert!(why.contains("while k < n"), "{why}");
    let text = "def f(n: int) -> int:\n    k = 0\n    while k < n:\n        if k == 3:\n            break\n        k += 1\n    assert k < n\n    return 0\n";
    assert_eq!(first_rejection(c, text), None);
}

#[test]
fn control_facts_guard_the_path_and_silence_unreachable_code() {
    let c = contract("def f(n: int) -> int:", &[], &["(>= result 0)"]);
    let offset = |text: &str, at: &str| text.find(at).unwrap() as u32;
    // The reader alone does not know that `exit` never returns.
    let text = "def f(n: int) -> int:\n    if n >= 0:\n        exit(1)\n    return n\n";
    assert_eq!(first_rejection(c.clone(), text), None);
    let mut leaving = ControlFacts::default();
    leaving.add_leaving(offset(text, "if n"));
    let (at, why) = first_rejection_knowing(c.clone(), leaving.clone(), text).unwrap();
    assert_eq!(at, text.len() - 1);
    assert!(why.contains("not `n >= 0`"), "{why}");
    // A fact about another statement changes nothing.
    let mut elsewhere = ControlFacts::default();
    elsewhere.add_leaving(offset(text, "exit"));
    assert_eq!(first_rejection_knowing(c.clone(), elsewhere, text), None);
    // Past a `return` the reader knows itself that nothing runs.
    let text = "def f(n: int) -> int:\n    return 1\n    if n:\n        return -1\n    return -2\n";
    assert_eq!(first_rejection(c.clone(), text), None);
    // A statement no path reaches is not judged, nor its digits pruned.
    let text = "def f(n: int) -> int:\n    exit(0)\n    return -1\n";
    assert!(first_rejection(c.clone(), text).is_some());
    let mut unreachable = ControlFacts::default();
    unreachable.add_unreachable(offset(text, "return"));
    assert_eq!(first_rejection_knowing(c, unreachable, text), None);
}

fn mask_of(contract: Contract, prefix: &str) -> (TokenMask, SemanticsConstraint) {
    let vocab = bytes_vocab();
    let domain = SemanticsDomain::new();
    let ctx = StepContext::new(&vocab);
    let mut state = SemanticsConstraint::new(contract);
    for b in prefix.bytes() {
        state = domain.observe(&state, u32::from(b), ctx).unwrap();
        assert!(!state.is_bottom(), "{prefix}");
    }
    let mut out = TokenMask::new_empty(vocab.len());
    domain
        .token_mask(&state, ctx, &TokenMask::new_full(vocab.len()), &mut out)
        .unwrap();
    (out, state)
}

#[test]
fn returned_literals_are_pruned_digit_by_digit() {
    let c = contract(
        "def f(n: int) -> int:",
        &[],
        &["(>= result 0)", "(< result 10)"],
    );
    let (mask, _) = mask_of(c.clone(), "def f(n: int) -> int:\n    return 1");
    for d in b'0'..=b'9' {
        assert!(
            !mask.contains(u32::from(d)),
            "`return 1{}` allowed",
            d as char
        );
    }
    assert!(mask.contains(u32::from(b'\n')));
    assert!(
        mask.contains(u32::from(b' ')),
        "`return 1 - n` is still possible"
    );
    let (mask, state) = mask_of(c.clone(), "def f(n: int) -> int:\n    return -");
    assert!(!mask.contains(u32::from(b'1')));
    let vocab = bytes_vocab();
    let why = SemanticsDomain::new()
        .explain(&state, u32::from(b'1'), StepContext::new(&vocab))
        .unwrap();
    assert!(
        why.contains("return -1") && why.contains("(>= result 0)"),
        "{why}"
    );
    let (mask, _) = mask_of(c, "def f(n: int) -> int:\n    return ");
    assert!((b'0'..=b'9').all(|d| mask.contains(u32::from(d))));
    // A leading zero may still become `0x1f`: it decides nothing.
    let at_least_5 = contract("def f(n: int) -> int:", &[], &["(>= result 5)"]);
    let (mask, _) = mask_of(at_least_5.clone(), "def f(n: int) -> int:\n    return ");
    assert!(mask.contains(u32::from(b'0')));
    assert!(
        mask.contains(u32::from(b'3')),
        "`return 30` is still possible"
    );
    let (mask, _) = mask_of(at_least_5, "def f(n: int) -> int:\n    return 3");
    assert!(!mask.contains(u32::from(b'\n')), "3 < 5");
    assert!(mask.contains(u32::from(b'0')));
    // Under a path condition: n > 20 and result == n - 20 < 5 leaves 0..4.
    let c = contract(
        "def f(n: int) -> int:",
        &[],
        &["(< result 5)", "(>= result 0)"],
    );
    let (mask, _) = mask_of(c, "def f(n: int) -> int:\n    if n > 20:\n        return ");
    assert!(!mask.contains(u32::from(b'7')), "7 is not below 5");
    assert!(mask.contains(u32::from(b'3')));
}

#[test]
fn contracts_say_what_is_wrong() {
    let sig = Signature::new()
        .with("n", Sort::Int)
        .with("result", Sort::Int);
    let err = Contract::new(sig.clone()).requires("(> m 0)").unwrap_err();
    assert!(err.to_string().contains("n Int"), "{err}");
    let err = Contract::new(sig.clone())
        .ensures("(+ result 1)")
        .unwrap_err();
    assert!(err.to_string().contains("ensures #1"), "{err}");
    let contradictory = Contract::new(sig.clone())
        .requires("(> n 5)")
        .unwrap()
        .requires("(< n 2)")
        .unwrap();
    let state = SemanticsConstraint::new(contradictory);
    assert!(state.is_bottom());
    let why = state.conflict().unwrap();
    assert!(why.contains("(> n 5)") && why.contains("(< n 2)"), "{why}");
    // The builder and the text agree.
    let built = Contract::new(sig.clone())
        .ensures_term(Term::var("result").ge(Term::int(-3)))
        .unwrap();
    let written = Contract::new(sig).ensures("(>= result (- 3))").unwrap();
    assert_eq!(built, written);
    // Sorts clash across a meet.
    let a = SemanticsConstraint::new(Contract::new(Signature::new().with("n", Sort::Int)));
    let b = SemanticsConstraint::new(Contract::new(Signature::new().with("n", Sort::Bool)));
    assert!(a.meet(&b).is_bottom());
}

fn atom() -> impl Strategy<Value = String> {
    let var = prop::sample::select(vec!["n", "m", "result"]);
    let op = prop::sample::select(vec![">=", "<=", "=", "distinct", ">", "<"]);
    (var.clone(), op, var, -3i64..4).prop_map(|(a, op, b, k)| {
        let k = if k < 0 {
            format!("(- {})", -k)
        } else {
            k.to_string()
        };
        format!("({op} {a} (+ {b} {k}))")
    })
}

fn states() -> impl Strategy<Value = SemanticsConstraint> {
    (
        prop::collection::vec(atom(), 0..3),
        prop::collection::vec(atom(), 0..3),
        prop::collection::vec((any::<bool>(), 0u32..6), 0..3),
    )
        .prop_map(|(requires, ensures, facts)| {
            let sig = Signature::new()
                .with("n", Sort::Int)
                .with("m", Sort::Int)
                .with("result", Sort::Int);
            let mut c = Contract::new(sig);
            for r in &requires {
                c = c.requires(r).unwrap();
            }
            for e in &ensures {
                c = c.ensures(e).unwrap();
            }
            let mut control = ControlFacts::default();
            for (unreachable, offset) in facts {
                if unreachable {
                    control.add_unreachable(offset);
                } else {
                    control.add_leaving(offset);
                }
            }
            SemanticsConstraint::new(c).meet(&SemanticsConstraint::knowing(control))
        })
}

#[test]
fn constraints_obey_the_meet_laws() {
    let report = assert_laws(check_meet_semilattice(
        "SemanticsConstraint",
        &SemanticsConstraint::top(),
        &SemanticsConstraint::bottom(),
        &states(),
        &LawConfig::from_env(),
    ));
    assert!(report.cases_per_law > 0);
}
