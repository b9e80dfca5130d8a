//! The shipped typed-Python grammar against real code and CPython.

mod common;

use std::sync::Arc;

use ananke_syntax::{
    GrammarSource, LlguidanceBackend, LlguidanceLimits, SyntaxConstraint, SyntaxDomain,
    SyntaxVocab, python,
};
use common::{Fed, byte_vocab, cpython_parses, feed};

fn python_start(vocab: &Arc<SyntaxVocab>) -> SyntaxConstraint {
    let domain = SyntaxDomain::new(Arc::new(LlguidanceBackend::new(vocab).unwrap()));
    domain
        .constraint(&python::grammar(), "python.lark")
        .unwrap()
}

fn accepts_every_mbpp_program(vocab: Arc<SyntaxVocab>) {
    let start = python_start(&vocab);
    let programs = ananke_testkit::typed_programs();
    assert_eq!(
        programs.len(),
        264,
        "the typed MBPP corpus has 264 programs"
    );
    let mut failures = Vec::new();
    for program in &programs {
        let tokens = vocab.encode(&program.source);
        let fed = feed(&vocab, &start, &tokens);
        if fed != (Fed::All { accepting: true }) {
            failures.push(format!("{}: {fed:?}", program.id));
        }
    }
    println!(
        "{}: {}/{} MBPP programs accepted token by token",
        vocab.name(),
        programs.len() - failures.len(),
        programs.len()
    );
    assert!(failures.is_empty(), "rejected: {failures:#?}");
}

#[test]
fn accepts_every_mbpp_program_on_cl100k() {
    accepts_every_mbpp_program(SyntaxVocab::cl100k_base().unwrap());
}

#[test]
fn accepts_every_mbpp_program_on_o200k() {
    accepts_every_mbpp_program(SyntaxVocab::o200k_base().unwrap());
}

/// Broken programs, split where the first impossible byte is.
const BROKEN: &[(&str, &str, &str)] = &[
    (
        "over-indented line",
        "def f(x):\n    y = 1\n      ",
        "z = 2\n",
    ),
    (
        "dedent to no open level",
        "if x:\n    if y:\n        z = 1\n  ",
        "w = 2\n",
    ),
    ("tab block, then spaces", "if x:\n\ty = 1\n    ", "z = 2\n"),
    (
        "keyword as a function name",
        "def class",
        "(x):\n    pass\n",
    ),
    ("keyword as an assignment target", "lambda ", "= 3\n"),
    ("keyword as a value", "x = import", "\n"),
    ("missing colon after def", "def f(x)", "\n    return x\n"),
    ("missing colon after if", "if x > 1", "\n    pass\n"),
    ("extra closing parenthesis", "x = (1 + 2)", ")\n"),
    ("mismatched closing bracket", "y = [1, 2", ")\n"),
    ("mismatched closing brace", "z = {1: 2", "]\n"),
    ("a decimal integer with a leading zero", "x = 025", "\n"),
    (
        "statement continues after a complete one",
        "x = 1 ",
        "y = 2\n",
    ),
];

/// Identifiers are Unicode identifier characters (XID), not any non-ASCII
/// character: a box-drawing symbol is rejected within its bytes.
#[test]
fn identifiers_take_only_identifier_characters() {
    let bytes = byte_vocab();
    let start = python_start(&bytes);
    let source = "box\u{2501} = 1\n";
    assert!(!cpython_parses(source));
    let tokens: Vec<u32> = source.bytes().map(u32::from).collect();
    match feed(&bytes, &start, &tokens) {
        Fed::Rejected { start, .. } => assert!((3..6).contains(&start), "rejected at byte {start}"),
        other => panic!("not rejected ({other:?})"),
    }
}

#[test]
fn broken_programs_are_rejected_at_the_offending_token() {
    let bytes = byte_vocab();
    let cl100k = SyntaxVocab::cl100k_base().unwrap();
    let (byte_start, cl100k_start) = (python_start(&bytes), python_start(&cl100k));
    for (what, good, bad) in BROKEN {
        let source = format!("{good}{bad}");
        assert!(
            !cpython_parses(&source),
            "{what}: CPython accepts {source:?}"
        );
        let offset = good.len();
        let tokens: Vec<u32> = source.bytes().map(u32::from).collect();
        match feed(&bytes, &byte_start, &tokens) {
            Fed::Rejected { start, .. } => assert_eq!(
                start, offset,
                "{what}: rejected at byte {start}, not {offset}"
            ),
            other => panic!("{what}: not rejected ({other:?})"),
        }
        match feed(&cl100k, &cl100k_start, &cl100k.encode(&source)) {
            Fed::Rejected { start, end, .. } => assert!(
                start <= offset && offset < end,
                "{what}: cl100k rejected bytes {start}..{end}, which do not hold byte {offset}"
            ),
            other => panic!("{what}: not rejected on cl100k ({other:?})"),
        }
    }
}

#[test]
fn unclosed_constructs_are_never_accepting() {
    let bytes = byte_vocab();
    let start = python_start(&bytes);
    for source in ["x = (1 + 2\n", "def f():\n", "s = '''open\n", "if x:"] {
        assert!(!cpython_parses(source), "{source:?}");
        let tokens: Vec<u32> = source.bytes().map(u32::from).collect();
        assert_eq!(
            feed(&bytes, &start, &tokens),
            Fed::All { accepting: false },
            "{source:?}"
        );
    }
}

/// Valid Python in the forms real code uses.
const VALID: &[(&str, &str)] = &[
    (
        "numbers",
        "a = [0, 00, 0_0, 7, 1_000, 025.5, 025e3, 025j, 0.5, .5, 5., 1e-3, 0x_ff, 0o17, 0b1_0, 3j]\n",
    ),
    (
        "Unicode identifiers",
        "caf\u{e9} = 1\n\u{3c0} = 3.14\n\u{6570}\u{636e}_2 = [caf\u{e9}, \u{3c0}]\n",
    ),
    (
        "implicit line joining",
        "total = (1 +\n         2)\nvals = [\n    1,\n    2,\n]\nd = {\n  'a': 1,  # note\n}\nprint(total,\n      vals)\ndef f(\n    a: int,\n    b: str = 'x',\n) -> int:\n    return a\n",
    ),
    (
        "string literals",
        "a = 'x'\nb = \"y\"\nc = '''multi\nline'''\nd = \"\"\"doc \"quoted\" \"\"\"\ne = r'\\d+'\nf = b'bytes'\ng = f'{a!r:>{10}} {{literal}}'\nh = f\"{'nested'}\"\ni = 'esc\\'aped\\n'\nj = rb'raw'\nk = 'con' 'cat'\nl = F'''{a}\n{b}'''\n",
    ),
    (
        "comments and blank lines",
        "# header\n\nx = 1  # trailing\n\n\n# between\ndef f():\n    # inside\n\n    return 1\n# end\n",
    ),
    (
        "backslash continuation",
        "x = 1 + \\\n    2\nif x and \\\n        x:\n    pass\n",
    ),
    (
        "tab indentation",
        "def f():\n\tif True:\n\t\treturn 1\n\treturn 2\n",
    ),
    (
        "two-space then irregular indentation",
        "def f(x):\n  if x:\n     return 1\n  return 2\n",
    ),
    (
        "decorators and classes",
        "@dataclass(frozen=True)\nclass P(Base, metaclass=M):\n    x: int = 0\n    @property\n    def m(self) -> int:\n        return self.x\n",
    ),
    (
        "comprehensions, lambdas, walrus",
        "ys = [y for x in range(3) if (y := x * 2) > 1]\nf = lambda a, *b, c=1, **d: a\ng = {k: v for k, v in zip('ab', range(2))}\nh = (i for i in [1])\ns = {1, 2}\n",
    ),
    (
        "try statements",
        "try:\n    pass\nexcept (ValueError, TypeError) as e:\n    raise RuntimeError() from e\nelse:\n    pass\nfinally:\n    pass\ntry:\n    pass\nexcept* OSError:\n    pass\n",
    ),
    (
        "match statement",
        "match x:\n    case [a, *rest] if a > 0:\n        pass\n    case {'k': v} | None:\n        pass\n    case Point(x=0) as p:\n        pass\n    case _:\n        pass\n",
    ),
    (
        "async",
        "async def f():\n    async with a as b:\n        await b\n    async for i in c:\n        pass\n    return [x async for x in d]\n",
    ),
    (
        "simple statements",
        "global g\ndel a[0], b\nassert x, 'msg'\nx: list[int] = []\nx += 1; y = 2;\nif x: pass\nelif y: pass\nelse: pass\nwhile False: break\nfor i in range(3): continue\nelse: pass\nfrom . import a\nfrom ..b import (c,\n    d as e)\nimport os.path as p\nwith open('f') as fh, open('g'): pass\n",
    ),
    (
        "operators and numbers",
        "a[1:2, ::3]\nb = not x is not None and y in z or w not in v\nc = -x ** -2 // 3 % 4 @ m\nd = x if y else z\ne = ...\nf = 0x_FF + 0b1 + 0o7 + 1_000 + 1.5e-3 + 2j + .5\nprint(*args, **kw)\n",
    ),
    ("no final newline", "x = 1"),
    ("trailing blank lines and comment", "x = 1\n\n\n# done\n"),
];

#[test]
fn valid_forms_are_accepted() {
    let bytes = byte_vocab();
    let cl100k = SyntaxVocab::cl100k_base().unwrap();
    let (byte_start, cl100k_start) = (python_start(&bytes), python_start(&cl100k));
    for (what, source) in VALID {
        assert!(cpython_parses(source), "{what}: CPython rejects {source:?}");
        let tokens: Vec<u32> = source.bytes().map(u32::from).collect();
        assert_eq!(
            feed(&bytes, &byte_start, &tokens),
            Fed::All { accepting: true },
            "{what} (bytes)"
        );
        assert_eq!(
            feed(&cl100k, &cl100k_start, &cl100k.encode(source)),
            Fed::All { accepting: true },
            "{what} (cl100k)"
        );
    }
}

#[test]
fn the_default_limits_cover_o200k_and_the_llguidance_defaults_are_recorded() {
    let chosen = LlguidanceLimits::default();
    let defaults = LlguidanceLimits::llguidance_defaults();
    assert_eq!(chosen.step_max_items, 10 * defaults.step_max_items);
    assert_eq!(chosen.step_lexer_fuel, 10 * defaults.step_lexer_fuel);
    // The heaviest steps are expression starts; force-feed a program full
    // of them on o200k with the chosen limits.
    let vocab = SyntaxVocab::o200k_base().unwrap();
    let start = python_start(&vocab);
    let source = "def f(a: int, b: list[int]) -> int:\n    return sum(x * a for x in b if x > a) + max(b, default=0)\n";
    assert_eq!(
        feed(&vocab, &start, &vocab.encode(source)),
        Fed::All { accepting: true }
    );
}

#[test]
fn grammar_source_reads_files_by_extension() {
    let dir = std::env::temp_dir().join(format!("ananke-grammar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lark = dir.join("g.lark");
    std::fs::write(&lark, "start: \"a\"\n").unwrap();
    assert_eq!(
        GrammarSource::from_file(&lark).unwrap(),
        GrammarSource::Lark("start: \"a\"\n".into())
    );
    let unknown = dir.join("g.txt");
    std::fs::write(&unknown, "x").unwrap();
    let err = GrammarSource::from_file(&unknown).unwrap_err();
    assert!(err.to_string().contains("extension `txt`"), "{err}");
    assert!(GrammarSource::from_file(&dir.join("missing.lark")).is_err());
}
