//! Each requirement on hand-written code, read byte by byte (a vocabulary
//! of single bytes): where the first rejection falls and why; the mask
//! against `observe` along random texts; the lattice laws.

use ananke_cfg::{CfgConstraint, CfgDomain, Requirements};
use ananke_core::laws::{
    LawConfig, assert_laws, check_mask_agrees_with_observe, check_meet_semilattice,
    mask_agrees_along,
};
use ananke_core::{Bounded, Domain, MeetSemilattice, StepContext, Vocabulary};
use ananke_testkit::{Program, typed_programs};
use proptest::prelude::*;

fn bytes_vocab() -> Vocabulary {
    let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    tokens.push(b"<eos>".to_vec());
    Vocabulary::new("bytes", tokens, &[256], &[256]).unwrap()
}

/// The byte offset of the first rejected byte (the text's length for the
/// end of the output) and why, or `None`.
fn first_rejection(requirements: &str, text: &str) -> Option<(usize, String)> {
    let vocab = bytes_vocab();
    let domain = CfgDomain::new();
    let ctx = StepContext::new(&vocab);
    let mut state = CfgConstraint::from(Requirements::parse(requirements).unwrap());
    for (i, &b) in text.as_bytes().iter().enumerate() {
        let next = domain.observe(&state, u32::from(b), ctx).unwrap();
        if next.is_bottom() {
            return Some((i, next.violation().unwrap().to_owned()));
        }
        state = next;
    }
    let end = domain.observe(&state, 256, ctx).unwrap();
    end.is_bottom()
        .then(|| (text.len(), end.violation().unwrap().to_owned()))
}

#[test]
fn every_path_must_return() {
    let r = "returns_if_typed";
    let missing = "def f(x: int) -> int:\n    if x:\n        return 1\n\nprint(f(1))\n";
    let (at, why) = first_rejection(r, missing).unwrap();
    assert_eq!(at, missing.find("print").unwrap(), "{why}");
    assert!(why.contains("`f`"), "{why}");
    let (at, _) =
        first_rejection(r, "def f(x: int) -> int:\n    if x:\n        return 1\n").unwrap();
    assert_eq!(
        at,
        "def f(x: int) -> int:\n    if x:\n        return 1\n".len(),
        "at the end"
    );
    for fine in [
        "def f(x: int) -> int:\n    if x:\n        return 1\n    else:\n        return 2\n",
        "def f(x: int) -> int:\n    if x:\n        return 1\n    elif x > 2:\n        raise ValueError()\n    else:\n        return 2\nx = 1\n",
        "def f(x: int) -> int:\n    while True:\n        if x:\n            return 1\n",
        "def f(x: int) -> int:\n    try:\n        return 1\n    except ValueError:\n        return 2\n",
        "def f(x: int) -> int:\n    try:\n        pass\n    finally:\n        return 2\n",
        "def f(x: int) -> int:\n    with open('a') as h:\n        return 1\n",
        "def f(x: int) -> None:\n    if x:\n        return\n",
        "def f(x: int) -> Optional[int]:\n    if x:\n        return 1\n",
        "def f(x: int):\n    pass\n",
        "def f(x: int) -> int:\n    sys.exit(1)\n",
        "def f(x: int) -> int:\n    if x:\n        return 1\n    assert False\n",
        "def f(x: int) -> int:\n    if x:\n        return 1\n    assert False, \"unreachable\"\n",
        "def f(x: int) -> int:\n    if x:\n        return 1\n    assert False, f\"bad tag {x}\"\n\ny = 1\n",
        "def f(x: int) -> int:\n    match x:\n        case 1:\n            return 1\n        case _:\n            assert False\n\ny = 1\n",
        "def f(x: int) -> Iterator[int]:\n    yield x\n",
        "def f(x: int) -> int:\n    if x: return 1\n    else: return 2\n",
        "def f(x: int) -> int:\n    match x:\n        case 1:\n            return 1\n        case _:\n            return 2\n",
        // Cases may be exhaustive for the subject's type, which only types
        // can tell (`int | str` matched by `int()` and `str()`).
        "def f(x: int | str) -> int:\n    match x:\n        case int():\n            return 1\n        case str():\n            return 2\n",
        "def f(x: int) -> int:\n    def g() -> None:\n        pass\n    return 1\n",
        "def f(xs: list[int]) -> int:\n    for x in xs:\n        pass\n    else:\n        return 1\n",
        "def f(n: int) -> int:\n    while n > 0:\n        n -= 1\n    else:\n        return 2\n",
        "def f(xs: list[int]) -> int:\n    for x in xs:\n        for y in xs:\n            break\n    else:\n        return 1\n",
        "class A:\n    def f(self) -> int:\n        return 1\n    def g(self) -> int:\n        return 2\n",
        "def f(x: int) -> int:\n    return (x)",
        "def f(x: int) -> int:\n    if x:\n        return 1\n    return x; ",
        "def f(x: int) -> int:\n    return x  # done\n",
        // Stub bodies mypy allows: an abstract method, a protocol's
        // method, an overload (decorated, or in a protocol).
        "class A(ABC):\n    @abstractmethod\n    def f(self) -> int:\n        \"\"\"Doc.\"\"\"\n\n    @property\n    @abc.abstractmethod\n    def g(self) -> int:\n        ...\nx = 1\n",
        "class P(typing.Protocol):\n    def f(self) -> int: ...\n    def g(self) -> int:\n        pass\nx = 1\n",
        "@overload\ndef f(x: int) -> int: ...\n@overload\ndef f(x: str) -> str: ...\ndef f(x: Any) -> Any:\n    return x\n",
        // A path ending in a call may end there (`parser.error(...)` is
        // `NoReturn`): the types domain, which knows the callee, judges.
        "def f(x: int) -> int:\n    if x:\n        return 1\n    else:\n        fail(x)\n\ny = 1\n",
        "def f(x: int) -> int:\n    if x:\n        return 1\n    self.bail(\"no\", x)\ny = 1\n",
        // `# type: ignore` on the header silences mypy's missing return.
        "def f(x: int) -> int: ...  # type: ignore\ny = 1\n",
        "class A:\n    def __eq__(self, o: 'A') -> bool:  # type:ignore\n        ...\nx = 1\n",
        "def f(x: int) -> int:\n    if x:  # a comment\n        return 1  # one\n    else:\n        return 2  # two\n# after\ny = 1\n",
        "def f(x: int) -> t.Any:\n    if x:\n        return 1\n\ny = 1\n",
        "def f(x: int) -> typing.Optional[int]:\n    if x:\n        return 1\n\ny = 1\n",
        // mypy checks nothing of a `@no_type_check` function.
        "@no_type_check\ndef foo(x: 'bar', y: {'x': 4}) -> 42:\n    1 + 'x'\n\ny = 1\n",
        "class A:\n    @typing.no_type_check\n    @staticmethod\n    def f() -> int:\n        pass\n\n    x = 1\n",
        // mypy asks nothing of a function under `if TYPE_CHECKING:`.
        "class R:\n    if TYPE_CHECKING:\n\n        def __getattr__(self, name: str) -> Hook: ...\n\n\nx = 1\n",
        "if typing.TYPE_CHECKING:\n    def f(x: int) -> int:\n        if x:\n            return 1\nx = 1\n",
        // Tests that may cover every value of what they narrow (each
        // member of a union, of an enumeration): the types domain judges
        // the path past them, as for a call.
        "def f(v: A | B) -> int:\n    if isinstance(v, A):\n        return 1\n    elif isinstance(v, B):\n        return 2\n\ny = 1\n",
        "def f(c: Color) -> int:\n    if c is Color.RED:\n        return 1\n    elif c is Color.BLUE: return 2\n\ny = 1\n",
        "class C:\n    def f(self) -> int:\n        if self.sock is None:\n            return 0\n\n    x = 1\n",
    ] {
        assert_eq!(first_rejection(r, fine), None, "{fine}");
    }
    for missing in [
        "def f(x: int) -> int:\n    for i in range(x):\n        return i\n",
        "def f(xs: list[int]) -> int:\n    for x in xs:\n        if x:\n            break\n    else:\n        return 1\n",
        "def f(xs: list[int]) -> int:\n    for x in xs:\n        pass\n    x = 1\n",
        "def f(x: int) -> int:\n    while True:\n        if x:\n            break\n",
        "def f(x: int) -> int:\n    try:\n        return 1\n    except ValueError:\n        pass\n",
        "class A:\n    def f(self) -> int:\n        pass\n    def g(self) -> int:\n        return 2\n",
        // Not stubs: a plain method or function, or a body that does more.
        "class A:\n    def f(self) -> int:\n        \"\"\"Doc.\"\"\"\n    def g(self) -> int:\n        return 2\n",
        "def f(x: int) -> int: ...\nx = 1\n",
        "def f(x: int) -> int: ...  # not type: ignore\nx = 1\n",
        // Not a path ending in a call: more after it, or a call's value.
        "def f(x: int) -> int:\n    fail(x)\n    y = 1\n\nz = 1\n",
        "def f(x: int) -> int:\n    y = fail(x)\n\nz = 1\n",
        "def f(x: int) -> int:\n    y=(5*x)\n\nz = 1\n",
        "def f(x: int) -> int:\n    fail(x).y\n\nz = 1\n",
        "def f(x: int) -> int: ...  # type: ignore[override]\nx = 1\n",
        "def f(x: int) -> int:\n    pass  # type: ignore\nx = 1\n",
        "def f(x: int) -> int:\n    if x:\n        return 1\n    assert x\n",
        "def f(x: int) -> int:\n    if x:\n        return 1\n    assert False or x\n",
        "def f(x: int) -> int:\n    if x:\n        return 1\n    assert not False\n",
        "class P(Protocol):\n    def f(self) -> int:\n        ...\n        y = 1\nx = 1\n",
        "def f(x: int) -> t.List[int]:\n    if x:\n        return [1]\n\ny = 1\n",
        // (A decorated function's body of only `pass` may be a stub.)
        "@no_type_check_if_you_like\ndef f(x: int) -> int:\n    x = 1\ny = 1\n",
        "@no_type_check\ndef g() -> None:\n    pass\n\ndef f(x: int) -> int:\n    x = 1\ny = 1\n",
        // Only the `if TYPE_CHECKING:` body, and only that whole condition.
        "if TYPE_CHECKING:\n    pass\nelse:\n    def f(x: int) -> int: ...\nx = 1\n",
        "if TYPE_CHECKING or x:\n    def f(x: int) -> int: ...\nx = 1\n",
        "if not TYPE_CHECKING:\n    def f(x: int) -> int: ...\nx = 1\n",
        // Tests that narrow nothing (an order, a value), or a branch that
        // goes on.
        "def f(x: int) -> int:\n    if x > 1:\n        return 1\n    elif x == 0:\n        return 2\n\ny = 1\n",
        "def f(v: object) -> int:\n    if isinstance(v, int):\n        return 1\n    elif v:\n        pass\n\ny = 1\n",
        "def f(this: int) -> int:\n    if this:\n        return 1\n\ny = 1\n",
        "def f(nothing: int) -> int:\n    if nothing:\n        return 1\n\ny = 1\n",
    ] {
        assert!(first_rejection(r, missing).is_some(), "{missing}");
    }
    // `returns` asks it of every function.
    assert!(first_rejection("returns", "def f(x):\n    if x:\n        return 1\n").is_some());
}

#[test]
fn dead_code_endless_loops_while_nesting_and_recursion() {
    let dead = "def f(x: int) -> int:\n    return x\n    print(x)\n";
    let (at, why) = first_rejection("no_dead_code", dead).unwrap();
    assert_eq!(at, dead.find("print").unwrap(), "{why}");
    assert!(why.contains("dead code"));
    assert_eq!(
        first_rejection(
            "no_dead_code",
            "def f(x: int) -> int:\n    if x:\n        return 1\n    return 2\n"
        ),
        None
    );
    let endless = "def f() -> None:\n    while True:\n        print(1)\nf()\n";
    let (at, why) = first_rejection("terminating_loops", endless).unwrap();
    assert_eq!(at, endless.rfind("f()").unwrap(), "{why}");
    assert_eq!(
        first_rejection(
            "terminating_loops",
            "def f() -> None:\n    while True:\n        break\n"
        ),
        None
    );
    let (at, why) = first_rejection("no_while", "x = 1\nwhile x:\n    x -= 1\n").unwrap();
    assert_eq!(at, "x = 1\nwhile".len(), "{why}");
    assert_eq!(first_rejection("no_while", "whilex = 1\n"), None);
    let deep = "def f(x: int) -> None:\n    if x:\n        for i in x:\n            if i:\n                pass\n";
    let (at, why) = first_rejection("max_nesting=2", deep).unwrap();
    assert_eq!(at, deep.rfind("if i").unwrap() + 2, "{why}");
    let loops = "def f(x: int) -> None:\n    for i in x:\n        for j in x:\n            pass\n";
    assert!(first_rejection("max_loop_nesting=1", loops).is_some());
    assert_eq!(first_rejection("max_loop_nesting=2", loops), None);
    let branchy = "def f(x: int) -> int:\n    if x and x > 1:\n        return 1\n    return 2\n";
    let (at, why) = first_rejection("max_complexity=2", branchy).unwrap();
    assert_eq!(at, branchy.find(" and").unwrap() + 4, "{why}");
    assert!(
        why.contains("`f`") && why.contains("complexity of 2"),
        "{why}"
    );
    assert_eq!(first_rejection("max_complexity=3", branchy), None);
    let recursive = "def fact(n: int) -> int:\n    return n * fact(n - 1)\n";
    let (at, why) = first_rejection("no_recursion", recursive).unwrap();
    assert_eq!(at, recursive.rfind("fact(").unwrap() + 4, "{why}");
    assert!(why.contains("`fact`"));
    assert_eq!(
        first_rejection(
            "no_recursion",
            "def fact(n: int) -> int:\n    return obj.fact(n)\n"
        ),
        None
    );
}

#[test]
fn comments_stay_indented_with_the_body() {
    let r = "indented_comments";
    let body = "def f(x: int) -> int:\n    y = x\n";
    for (text, bad) in [
        (format!("{body}# Example usage:\n"), Some(body.len())),
        (format!("{body}  # half way\n"), Some(body.len() + 2)),
        (
            "def f(x: int) -> int:\n# first\n    return x\n".to_owned(),
            Some(22),
        ),
        (
            "class A:\n    def f(self) -> int:\n    # at the def\n".to_owned(),
            Some(37),
        ),
        (
            format!("{body}    # fine\n        # deeper is fine\n    return y\n"),
            None,
        ),
        (
            format!("{body}    if x:\n        y = 2\n    # back at the body\n    return y\n"),
            None,
        ),
        (
            "# a module comment\nx = 1\n  # continued\n".to_owned(),
            None,
        ),
        (
            format!("{body}    z = (1,\n# inside brackets\n    2)\n    return z[0]\n"),
            None,
        ),
        (
            format!("{body}    s = '''\n# in a string\n'''\n    return y\n"),
            None,
        ),
        // The line after an indented comment starts at column 0 again.
        (
            format!("{body}    # fine\n# not fine\n"),
            Some(body.len() + 11),
        ),
    ] {
        let got = first_rejection(r, &text);
        assert_eq!(got.as_ref().map(|g| g.0), bad, "{text:?}: {got:?}");
        if let Some((_, why)) = got {
            assert!(why.contains("indented"), "{why}");
        }
    }
    // Without the requirement, Python's rules: comments go anywhere.
    assert_eq!(
        first_rejection("returns", "def f() -> int:\n# c\n    return 1\n"),
        None
    );
}

#[test]
fn reachability_requirements() {
    // The body may not end before it reaches the required call.
    let text = "def f(x: int) -> int:\n    if x:\n        validate(x)\n    return x\n";
    assert_eq!(first_rejection("reach=validate", text), None);
    let missing = "def f(x: int) -> int:\n    return x\n\ny = 1\n";
    let (at, why) = first_rejection("reach=validate", missing).unwrap();
    assert_eq!(at, missing.find("y = 1").unwrap(), "{why}");
    assert!(why.contains("`f`") && why.contains("`validate`"), "{why}");
    let (at, _) =
        first_rejection("reach=validate", "def f(x: int) -> int:\n    return x\n").unwrap();
    assert_eq!(
        at,
        "def f(x: int) -> int:\n    return x\n".len(),
        "at the end"
    );
    // Dead code reaches nothing.
    let dead = "def f(x: int) -> int:\n    return x\n    validate(x)\n";
    assert!(first_rejection("reach=validate", dead).is_some());
    // A keyword target, and one reached in a nested helper's body counts
    // for the function around it.
    let raises =
        "def f(x: int) -> int:\n    if x < 0:\n        raise ValueError(x)\n    return x\n";
    assert_eq!(first_rejection("reach=raise", raises), None);
    // Forbidden names are rejected where they are settled.
    let (at, why) =
        first_rejection("avoid=os.system", "def f() -> None:\n    os.system('ls')\n").unwrap();
    assert_eq!(at, "def f() -> None:\n    os.system".len(), "{why}");
    assert!(why.contains("avoid=os.system"), "{why}");
    let (at, _) = first_rejection("avoid=raise", raises).unwrap();
    assert_eq!(at, raises.find("raise ").unwrap() + "raise".len());
    assert_eq!(
        first_rejection(
            "avoid=print",
            "def f() -> None:\n    x.print()\n    printer(1)\n    return\n    print(1)\n"
        ),
        None,
        "methods, other names and dead code are not the target"
    );
    // Meet keeps every target.
    let r = Requirements::parse("reach=a; avoid=b").unwrap();
    let both = CfgConstraint::from(r).meet(&CfgConstraint::from(
        Requirements::parse("reach=c").unwrap(),
    ));
    let names: Vec<&str> = both.requirements().reach.iter().collect();
    assert_eq!(names, ["a", "c"]);
}

#[test]
fn bad_requirements_are_errors() {
    assert!(Requirements::parse("reach=").is_err());
    assert!(Requirements::parse("avoid=os..system").is_err());
    assert!(Requirements::parse("reach=1x").is_err());
    assert!(Requirements::parse("returns; sometimes").is_err());
    assert!(Requirements::parse("max_nesting=0").is_err());
    assert!(Requirements::parse("max_nesting=x").is_err());
    let r = Requirements::parse("max_nesting=3; returns").unwrap();
    assert!(r.must_return && r.max_nesting == Some(3));
}

const PIECES: &[&str] = &[
    "def f(x: int) -> int:\n",
    "    ",
    "if x:\n",
    "return 1\n",
    "\n",
    "x = 2\n",
    "    return 0\n",
    "        ",
    "else:\n",
    "while True:\n",
    "break\n",
    "pass\n",
    "while",
    " x:\n",
    "f(",
    "x)\n",
    "\n    return",
    " ",
    "for i in x:\n",
    "# c\n",
    "'''\n",
    "try:\n",
    "except E:\n",
    "; ",
    "while 1 or x:\n",
    "\n# c\n",
    "  # d",
    "validate(",
    "raise E\n",
    "os.system(",
    "ile",
    " x",
    ".y",
    ",",
    "wh",
    " or",
    ")) ",
    "(f",
    "(x(",
    " (",
    "f ",
    "i",
    "f x",
    "if y",
    "or z",
    "x or ",
    "x, y",
    // Strings and comments opened within a token, ending a word first.
    "\"",
    " \"a",
    "x\"",
    "turn\"",
    "(\"",
    "(#",
    " # c",
    "'",
    "if\"",
    "or#",
    "\"\"",
    "re",
    "le'x",
    "\"a\" if",
    " if\"",
    "x or#",
    // Names called within a token, with and without blanks before them.
    "f(x",
    " f(",
    "validate(",
    " validate(",
    "ate(",
    "system(",
    " system(",
    "while(",
    " while(",
    "elif(",
    " raise(",
    "g(",
    " g(\"",
    "os.",
    "valid",
    "\tf(",
    // Methods and names called after punctuation; line breaks that end
    // a token.
    ".system(",
    " .system(",
    ".f(",
    ".if(",
    "=f(",
    ", g(",
    "=while(",
    "os",
    "):\n",
    "x\n",
    "if\n",
    " or\n    ",
    "True\n",
    ")\n\n        ",
    // Whole strings, parens after punctuation, statement ends.
    "\"a\".join(",
    "\", \"",
    "'x'",
    ").f(",
    " (",
    "*(",
    "((",
    ";",
    ";\n",
    " \\\n",
    "\\",
    "\"\")",
    "x\"y\"z",
    " \"if\" if",
    "=\"\".f(",
];

fn pieces_vocab() -> Vocabulary {
    let mut tokens: Vec<&str> = PIECES.to_vec();
    tokens.push("<eos>");
    let eos = PIECES.len() as u32;
    Vocabulary::new("pieces", tokens, &[eos], &[eos]).unwrap()
}

/// The requirements the mask is held to `observe` under.
const MASK_REQUIREMENTS: &[&str] = &[
    "returns_if_typed",
    "returns; no_dead_code; terminating_loops",
    "no_while; max_nesting=2",
    "no_recursion; max_loop_nesting=1",
    "max_complexity=3",
    "indented_comments",
    "returns; indented_comments; no_dead_code",
    "reach=validate; returns",
    "avoid=raise; avoid=os.system; reach=f",
    "avoid=f; max_complexity=1",
];

/// Along random texts, the mask keeps exactly what `observe` accepts
/// (300 texts unless `ANANKE_LAW_CASES` says otherwise).
#[test]
fn mask_agrees_with_observe() {
    let vocab = pieces_vocab();
    let domain = CfgDomain::new();
    let cases = (
        prop::sample::select(MASK_REQUIREMENTS),
        prop::collection::vec(0..PIECES.len() as u32, 0..14),
    )
        .prop_map(|(requirements, text)| {
            let start = CfgConstraint::from(Requirements::parse(requirements).unwrap());
            (start, text)
        });
    let mut config = LawConfig::from_env();
    if std::env::var_os("ANANKE_LAW_CASES").is_none() {
        config.cases = 300;
    }
    let report = assert_laws(check_mask_agrees_with_observe(
        "CfgDomain",
        &domain,
        &vocab,
        &cases,
        &config,
    ));
    assert!(report.cases_per_law > 0);
    // Texts the property once failed on, kept as fixed cases.
    for (requirements, text) in [
        (
            "returns; no_dead_code; terminating_loops",
            &[2, 16, 23, 0][..],
        ),
        ("max_complexity=3", &[0, 1, 9, 1, 0]),
        ("max_complexity=3", &[0, 1, 27, 24, 0]),
        ("avoid=raise; avoid=os.system; reach=f", &[0, 0]),
    ] {
        let start = CfgConstraint::from(Requirements::parse(requirements).unwrap());
        if let Err(e) = mask_agrees_along(&domain, &vocab, &start, text) {
            panic!("under {requirements}: {e}");
        }
    }
}

/// After text that leaves the line inside a string or comment (or just
/// out of an empty one), the mask still keeps exactly what `observe`
/// accepts: only a quote or a line break can leave the text, and after
/// `""` any code can.
#[test]
fn mask_agrees_with_observe_inside_strings_and_comments() {
    let prefixes = [
        "def f(x: int) -> int:\n    x = \"\"",
        "def f(x: int) -> int:\n    x = \"a",
        "def f(x: int) -> int:\n    x = 1  # c",
        "def f(x: int) -> int:\n    x = '''a''",
        "def f(x: int) -> int:\n    x = ''",
        "def f(x: int) -> int:\n    x = f\"{x}",
        "def f(x: int) -> int:\n    x = y ",
        "def f(x: int) -> int:\n    x = y if z else ",
    ];
    let mut tokens: Vec<&str> = PIECES.to_vec();
    tokens.extend(prefixes);
    tokens.push("<eos>");
    let eos = tokens.len() as u32 - 1;
    let vocab = Vocabulary::new("probe", tokens, &[eos], &[eos]).unwrap();
    let domain = CfgDomain::new();
    for requirements in [
        "avoid=f; max_complexity=1",
        "no_while; max_nesting=2",
        "avoid=raise; reach=f",
    ] {
        for (i, prefix) in prefixes.iter().enumerate() {
            let start = CfgConstraint::from(Requirements::parse(requirements).unwrap());
            let prefix_token = (PIECES.len() + i) as u32;
            if let Err(e) = mask_agrees_along(&domain, &vocab, &start, &[prefix_token]) {
                panic!("after {prefix:?} under {requirements}: {e}");
            }
        }
    }
}

#[test]
fn states_obey_the_meet_laws() {
    let vocab = pieces_vocab();
    let states = (
        prop::sample::select(
            &[
                "",
                "returns",
                "no_while; max_nesting=3",
                "max_nesting=2; no_dead_code",
                "indented_comments",
                "reach=validate",
                "avoid=raise; reach=validate",
            ][..],
        ),
        prop::collection::vec(0..PIECES.len(), 0..4),
    )
        .prop_map(move |(r, text)| {
            let domain = CfgDomain::new();
            let ctx = StepContext::new(&vocab);
            let mut state = CfgConstraint::from(Requirements::parse(r).unwrap());
            for t in text {
                state = domain.observe(&state, t as u32, ctx).unwrap();
            }
            state
        });
    let report = assert_laws(check_meet_semilattice(
        "CfgConstraint",
        &CfgConstraint::top(),
        &CfgConstraint::bottom(),
        &states,
        &LawConfig::from_env(),
    ));
    assert!(report.cases_per_law > 0);
    let a = CfgConstraint::from(Requirements::parse("max_nesting=3").unwrap());
    let b = CfgConstraint::from(Requirements::parse("max_nesting=2; returns").unwrap());
    let m = a.meet(&b);
    assert_eq!(m.requirements().max_nesting, Some(2));
    assert!(m.requirements().must_return);
}

/// The state after reading `text` with no requirements.
fn read(text: &str) -> CfgConstraint {
    let vocab = bytes_vocab();
    let domain = CfgDomain::new();
    let ctx = StepContext::new(&vocab);
    let mut state = CfgConstraint::top();
    for b in text.bytes() {
        state = domain.observe(&state, u32::from(b), ctx).unwrap();
    }
    state
}

#[test]
fn function_graphs() {
    use ananke_cfg::graph::Node;
    let text = "def f(x: int) -> int:\n    if x > 1:\n        return 1\n    elif x:\n        y = 2\n    else:\n        raise ValueError()\n    while True:\n        if x:\n            break\n        x -= 1\n    return 0\n";
    let graphs = read(text).graphs(true);
    assert_eq!(graphs.len(), 1);
    let g = &graphs[0];
    assert_eq!(g.name, "f");
    assert!(!g.falls_off());
    assert!(g.reaches(g.returns) && g.reaches(g.raises));
    assert!(g.unreachable_lines().is_empty());
    // if/elif (2), the loop's test (none: `while True`), the inner if (1).
    assert_eq!(g.cyclomatic_complexity(), 4, "{}", g.to_dot());
    // Dead code and a missing return.
    let text = "def g(x: int) -> int:\n    while True:\n        pass\n    y = 1\n\ndef h(x: int) -> int:\n    for i in range(x):\n        return i\n";
    let graphs = read(text).graphs(true);
    assert_eq!(graphs[0].unreachable_lines(), [4]);
    assert!(!graphs[0].falls_off());
    assert!(graphs[1].falls_off(), "the loop may run no time");
    // While the body is written, it goes on at a hole.
    let graphs = read("def f(x: int) -> int:\n    if x:\n        return 1\n").graphs(false);
    let hole = graphs[0].hole.expect("open");
    assert!(graphs[0].reaches(hole) && !graphs[0].falls_off());
    assert!(matches!(graphs[0].graph[hole], Node::Hole));
}

/// The graph and the sketch's block folding are two readings of one
/// question: can a function fall off its end? On every MBPP program, and
/// on each with its last line removed, they agree — but where the path
/// falling off ends in a call (`xs.sort(key=...)`), which may never come
/// back: the sketch leaves that to the types domain.
#[test]
fn graphs_and_sketch_agree_on_falling_off() {
    let ends_in_call = |program: &str| {
        let last = program
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or_default();
        let callee = last.split('(').next().unwrap_or_default();
        last.ends_with(')')
            && !callee.is_empty()
            && callee
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
    };
    let (mut compared, mut falling, mut calls) = (0, 0, 0);
    for Program { source, .. } in typed_programs() {
        let trimmed = {
            let body = source.trim_end_matches('\n');
            format!("{}\n", &body[..body.rfind('\n').unwrap_or(0)])
        };
        for program in [source.clone(), trimmed] {
            let graphs = read(&program).graphs(true);
            let by_graph = graphs.iter().any(|g| !g.generator && g.falls_off());
            let by_sketch = first_rejection("returns", &program)
                .is_some_and(|(_, why)| why.contains("returns no value"));
            if by_graph && !by_sketch {
                assert!(ends_in_call(&program), "{program}");
                calls += 1;
            } else {
                assert_eq!(by_graph, by_sketch, "{program}");
            }
            compared += 1;
            falling += usize::from(by_graph);
        }
    }
    assert_eq!(compared, 2 * 264);
    assert!(falling > 100, "only {falling} programs fall off");
    assert!(calls < falling / 4, "{calls} of {falling} end in a call");
}

/// The lines of the statements the reading's control facts call
/// unreachable, and the header lines of the bodies they say leave.
fn fact_lines(text: &str) -> (Vec<usize>, Vec<usize>) {
    let facts = read(text).control_facts();
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let starts: Vec<usize> = (0..text.len()).collect();
    let pick = |f: &dyn Fn(u32) -> bool| {
        starts
            .iter()
            .filter(|&&o| f(o as u32))
            .map(|&o| line_of(o))
            .collect()
    };
    (
        pick(&|o| facts.is_unreachable(o)),
        pick(&|o| facts.leaves(o)),
    )
}

#[test]
fn control_facts_name_unreachable_statements_and_leaving_bodies() {
    let text = "def f(n: int) -> int:\n    if n < 0:\n        sys.exit(1)\n    elif n == 0:\n        return 0\n    while True:\n        n -= 1\n    x = n\n    return x\n";
    let (unreachable, leaving) = fact_lines(text);
    // After an endless loop nothing runs; both branches leave.
    assert_eq!(unreachable, [8, 9]);
    assert_eq!(leaving, [2, 4]);
    // A call that may not happen leaves nothing; a comment after one does
    // not make it conditional.
    let text = "def f(n: int) -> int:\n    if n:\n        sys.exit(1) if n > 3 else None\n    if n > 1:\n        sys.exit(2)  # done\n    return n\n";
    assert_eq!(fact_lines(text), (vec![], vec![4]));
    // A settled chain: every branch returns, so what follows is dead;
    // `finally` continues a chain and runs.
    let text = "def f(n: int) -> int:\n    if n:\n        return 1\n    else:\n        return 2\n    print(n)\n";
    assert_eq!(fact_lines(text), (vec![6], vec![2, 4]));
    let text = "def f(n: int) -> int:\n    try:\n        return 1\n    except ValueError:\n        return 2\n    finally:\n        print(n)\n";
    assert_eq!(fact_lines(text).0, Vec::<usize>::new());
}

/// The facts and the control-flow graph agree on which statements no path
/// reaches, on every MBPP program with dead code put after each of its
/// return statements.
#[test]
fn unreachable_facts_agree_with_the_graph() {
    let mut dead = 0;
    for Program { source, .. } in typed_programs() {
        let mut program = String::new();
        for l in source.lines() {
            program.push_str(l);
            program.push('\n');
            let code = l.trim_start();
            if code.starts_with("return") {
                let indent = &l[..l.len() - code.len()];
                program.push_str(&format!("{indent}print(0)\n"));
            }
        }
        let mut by_graph: Vec<usize> = read(&program)
            .graphs(true)
            .iter()
            .flat_map(|g| g.unreachable_lines())
            .map(|l| l as usize)
            .collect();
        by_graph.sort_unstable();
        by_graph.dedup();
        let (by_facts, _) = fact_lines(&program);
        assert_eq!(by_facts, by_graph, "{program}");
        dead += by_facts.len();
    }
    assert!(dead > 264, "only {dead} dead statements");
}
