//! The shipped typed-Python grammar against real code: a deterministic
//! sample of the standard library force-fed token by token (the whole
//! library is `cargo xtask corpus stdlib`), and the constructs the library
//! showed the grammar lacked, on both backends and judged by CPython.
//!
//! A false rejection forces the model off correct code, so the rule is:
//! never reject what CPython accepts.

mod common;

use std::sync::Arc;
use std::time::Instant;

use ananke_core::{MeetSemilattice, TokenMask};
use ananke_syntax::{SyntaxConstraint, SyntaxDomain, SyntaxVocab, backend_by_name, python};
use ananke_testkit::{run_python, stdlib_modules};
use common::byte_vocab;

/// One module in this many of the sorted standard library: sized so that
/// the sample takes well under two minutes on two cores.
const STRIDE: usize = 2;

fn python_start(vocab: &Arc<SyntaxVocab>, backend: &str) -> SyntaxConstraint {
    let domain = SyntaxDomain::new(backend_by_name(backend, vocab).unwrap());
    domain
        .constraint(&python::grammar_for(backend), "python.lark")
        .unwrap()
}

/// Commits every token of `source`, then asks whether the end is accepted:
/// the number of tokens, or at which byte, and before what, it was not.
fn force_feed(
    vocab: &SyntaxVocab,
    start: &SyntaxConstraint,
    source: &str,
) -> Result<usize, String> {
    let mut state = start.fork().unwrap();
    let mut offset = 0;
    let tokens = vocab.encode(source);
    for &token in &tokens {
        state = state.observe(token).unwrap();
        if state.is_bottom() {
            let end = (offset + 30).min(source.len());
            let after = source.get(offset..end).unwrap_or("(not at a character)");
            return Err(format!("rejected at byte {offset}, before {after:?}"));
        }
        offset += vocab.decode(&[token]).len();
    }
    if state.is_accepting().unwrap() {
        Ok(tokens.len())
    } else {
        Err(format!("not accepted at the end (byte {offset})"))
    }
}

/// CPython's verdict on each source: whether `ast.parse` accepts it.
fn cpython_parses(sources: &[&str]) -> Vec<bool> {
    let script = "import ast, json, sys\nfor source in json.load(sys.stdin):\n    try:\n        ast.parse(source)\n        print('ok')\n    except SyntaxError:\n        print('error')\n";
    let input = serde_json::to_string(sources).unwrap();
    run_python(script, &input)
        .lines()
        .map(|verdict| verdict == "ok")
        .collect()
}

/// Valid Python the standard library showed the grammar lacked.
const VALID: &[(&str, &str)] = &[
    (
        "yield statements",
        "def g():\n    yield\n    yield 1\n    yield 1, *rest\n    yield from g()\n    x = yield\n    y = yield from g()\n    z += yield 1\n    w: int = yield\n    print((yield), (yield 2))\n    return (yield)\n",
    ),
    (
        "yield in one-line bodies and with semicolons",
        "def g(): yield\ndef h(): yield; yield 1\nlam = lambda: (yield)\n",
    ),
    (
        "a context manager",
        "@contextmanager\ndef cm():\n    try:\n        yield\n    except Exception:\n        yield from cleanup()\n    finally:\n        pass\n",
    ),
    (
        "await and async generators",
        "async def f():\n    await g()\n    x = await g()\n    yield x\n    async with a:\n        yield\n",
    ),
    ("an empty module", ""),
    ("a module of one newline", "\n"),
    (
        "a comment-only module",
        "# This directory is a Python package.\n",
    ),
    ("a comment without a final newline", "# only this"),
    (
        "blank lines and indented comments",
        "\n\n# a\n    # b\n\t# c\n\n",
    ),
    (
        "a backslash before a field of a raw f-string",
        "key = rf\"Software\\Python\\{sys.winver}\"\nb = f'\\{x}' + rf'\\{{x}}'\n",
    ),
    (
        "quotes and escapes before fields of triple-quoted f-strings",
        "s = f\"\"\"\"{a}\" '{b}' \\{c}\n\"\\n{d}\"\"\"\nt = f'''\n'{x}'\\'{y}'' {z}\n'''\n",
    ),
    ("named escapes in f-strings", "a = f\"\\N{EM DASH} {x}\"\n"),
    (
        "braces nested three deep and quoted braces in f-string fields",
        "a = f\"{ {1: {2}}[1] } {x:{w}} {'}'} {y:'>10}\"\nb = f'''{ {'k': \"{\"}['k'] }'''\n",
    ),
    (
        "form feeds in blank lines and before indentation",
        "\x0cimport os\n\x0c\ndef f():\n\x0c    x = 1\n  \x0c    return x\n\x0c\n",
    ),
    (
        "capture patterns inside sequence, mapping and class patterns",
        "match x:\n    case [a as b, (c as d), *rest]:\n        pass\n    case {'k': v as w, **kw} if v:\n        pass\n    case Point(1, y=2 as z) | Color.RED:\n        pass\n    case -1 | 1 - 2j | 'a' 'b' | None | (1,) | () | [] | {}:\n        pass\n    case *a, b:\n        pass\n    case a.b.c() | {Color.RED: _, 1: [x, *y]}:\n        pass\nmatch x,:\n    case y,:\n        pass\nmatch *a, b:\n    case _:\n        pass\n",
    ),
    (
        "deep indentation (the standard library reaches 40 columns)",
        "if a:\n    if a:\n        if a:\n            if a:\n                if a:\n                    if a:\n                        if a:\n                            if a:\n                                if a:\n                                    if a:\n                                        if a:\n                                            if a:\n                                                x = 1\n                                            y = 2\n",
    ),
];

/// Broken code near the new constructs: it must stay rejected.
const BROKEN: &[(&str, &str)] = &[
    ("yield as an assignment target", "def g():\n    yield = 1\n"),
    (
        "yield from without an operand",
        "def g():\n    yield from\n",
    ),
    ("two yields in a row", "def g():\n    x = yield yield\n"),
    ("a statement indented under a comment", "# c\n  x = 1\n"),
    ("an indented first statement", "\n  x = 1\n"),
    ("an f-string field left open", "s = f'{x'\n"),
    ("a lone closing brace in an f-string", "s = f'a}b'\n"),
    (
        "an expression that is no pattern",
        "match x:\n    case a + b:\n        pass\n",
    ),
    (
        "a capture target that is no name",
        "match x:\n    case [a as b.c]:\n        pass\n",
    ),
    (
        "a lone starred subject",
        "match *a:\n    case _:\n        pass\n",
    ),
    (
        "a mapping key that is a capture",
        "match x:\n    case {k: 1}:\n        pass\n",
    ),
    (
        "a form feed after the indentation",
        "def f():\n    x = 1\n  \x0c  y = 2\n",
    ),
];

#[test]
fn the_new_constructs_are_accepted_by_both_backends_and_broken_code_is_not() {
    let vocab = byte_vocab();
    let starts = ["llguidance", "xgrammar"].map(|backend| (backend, python_start(&vocab, backend)));
    let sources: Vec<&str> = VALID.iter().chain(BROKEN).map(|(_, s)| *s).collect();
    let verdicts = cpython_parses(&sources);
    for ((what, source), cpython) in VALID.iter().zip(&verdicts) {
        assert!(cpython, "{what}: CPython rejects {source:?}");
        for (backend, start) in &starts {
            if let Err(e) = force_feed(&vocab, start, source) {
                panic!("{what}: {backend} {e}");
            }
        }
    }
    for ((what, source), cpython) in BROKEN.iter().zip(&verdicts[VALID.len()..]) {
        assert!(!cpython, "{what}: CPython accepts {source:?}");
        for (backend, start) in &starts {
            assert!(
                force_feed(&vocab, start, source).is_err(),
                "{what}: {backend} accepts {source:?}"
            );
        }
    }
}

/// The mask agrees with committing on a generator-heavy module: every
/// token the library's text commits is in the mask before it.
#[test]
fn masks_allow_every_token_of_a_context_manager_module() {
    let vocab = SyntaxVocab::cl100k_base().unwrap();
    let start = python_start(&vocab, "llguidance");
    let source = "import contextlib\n\n\n@contextlib.contextmanager\ndef opened(path):\n    f = open(path)\n    try:\n        yield f\n    finally:\n        f.close()\n\n\ndef walk(tree):\n    for child in tree:\n        yield child\n        yield from walk(child)\n";
    let n = vocab.len();
    let (full, mut mask) = (TokenMask::new_full(n), TokenMask::new_empty(n));
    let mut state = start.fork().unwrap();
    for token in vocab.encode(source) {
        state.mask(&full, &mut mask).unwrap();
        assert!(
            mask.contains(token),
            "{:?} is not in the mask after {:?}",
            String::from_utf8_lossy(&vocab.decode(&[token])),
            String::from_utf8_lossy(&vocab.decode(&state.tokens()))
        );
        state = state.observe(token).unwrap();
    }
    assert!(state.is_accepting().unwrap());
}

#[test]
fn a_sample_of_the_standard_library_is_accepted_token_by_token() {
    let vocab = SyntaxVocab::cl100k_base().unwrap();
    let start = python_start(&vocab, "llguidance");
    let modules = stdlib_modules();
    assert!(
        modules.len() > 500,
        "found only {} standard-library modules",
        modules.len()
    );
    let started = Instant::now();
    let (mut fed, mut tokens, mut failures) = (0, 0, Vec::new());
    for path in modules.iter().step_by(STRIDE) {
        // A module CPython reads in another encoding is not this test's.
        let Ok(source) = std::fs::read_to_string(path) else {
            continue;
        };
        fed += 1;
        match force_feed(&vocab, &start, &source) {
            Ok(n) => tokens += n,
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    println!(
        "{fed} of {} standard-library modules, {tokens} cl100k tokens, in {:.1} s",
        modules.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "rejected: {failures:#?}");
}
