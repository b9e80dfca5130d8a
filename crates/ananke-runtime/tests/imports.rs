//! The imports domain in generation, on real tokenizers and the MBPP
//! corpus: an empty policy rejects nothing; forbidding a module a program
//! uses rejects exactly the token that commits to it (CPython's `ast` says
//! where that is); a use of a module the code never imported becomes a
//! requirement on the module hole; and both morphisms between types and
//! imports obey the laws.

use std::collections::BTreeMap;

use ananke_core::laws::{LawConfig, assert_laws, check_morphism};
use ananke_core::{
    Domain, DynConstraint, MeetSemilattice, StepContext, TokenId, TokenMask, Vocabulary,
};
use ananke_imports::{ImportPolicy, ImportsConstraint, ImportsDomain};
use ananke_runtime::morphisms::{ImportsToTypes, TypesToImports};
use ananke_runtime::{Ananke, HoleSpec, RuntimeError, Spec, TypeIgnore};
use ananke_types::TypesConstraint;
use proptest::prelude::*;

/// CPython's view of each program: for each module it imports (by
/// top-level name), the byte offset where the text first commits to that
/// name (the byte after the name in an import statement, or the dot of a
/// qualified use), and the source with that module's import statements
/// removed (with where its first use commits then).
const ORACLE: &str = r#"
import ast, json, re, sys
out = []
for line in sys.stdin:
    src = json.loads(line)
    data = src.encode()
    starts = [0]
    for l in data.split(b"\n"):
        starts.append(starts[-1] + len(l) + 1)
    def at(lineno, col):
        return starts[lineno - 1] + col
    tree = ast.parse(src)
    modules = []
    for node in sorted(ast.walk(tree), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            if name.split(".")[0] not in modules:
                modules.append(name.split(".")[0])
    facts = []
    for module in modules:
        def commits(tree, data):
            best = None
            for node in ast.walk(tree):
                spots = []
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    seg = data[at(node.lineno, node.col_offset):at(node.end_lineno, node.end_col_offset)]
                    head = 4 if isinstance(node, ast.ImportFrom) else 6
                    for m in re.finditer(rb"(?<![\w.])" + module.encode() + rb"(?!\w)", seg):
                        if m.start() >= head:
                            spots.append(at(node.lineno, node.col_offset) + m.end())
                            break
                    if isinstance(node, ast.ImportFrom) and (node.level or node.module.split(".")[0] != module):
                        spots = []
                    if isinstance(node, ast.Import) and not any(a.name.split(".")[0] == module for a in node.names):
                        spots = []
                elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == module:
                    spots.append(at(node.value.end_lineno, node.value.end_col_offset))
                for s in spots:
                    best = s if best is None else min(best, s)
            return best
        stripped_lines = []
        for l in src.split("\n"):
            if re.match(r"\s*(import|from)\s+" + re.escape(module) + r"\b", l):
                continue
            stripped_lines.append(l)
        stripped = "\n".join(stripped_lines)
        sdata = stripped.encode()
        starts = [0]
        for l in sdata.split(b"\n"):
            starts.append(starts[-1] + len(l) + 1)
        try:
            use = commits(ast.parse(stripped), sdata)
        except SyntaxError:
            use = None
        starts = [0]
        for l in data.split(b"\n"):
            starts.append(starts[-1] + len(l) + 1)
        facts.append({"module": module, "commit": commits(tree, data), "stripped": stripped, "use": use})
    out.append(facts)
print(json.dumps(out))
"#;

#[derive(Debug)]
struct Case {
    id: String,
    source: String,
    module: String,
    commit: usize,
    stripped: String,
    use_at: Option<usize>,
}

fn cases() -> Vec<Case> {
    let programs = ananke_testkit::typed_programs();
    let input: String = programs
        .iter()
        .map(|p| serde_json::to_string(&p.source).unwrap() + "\n")
        .collect();
    let out = ananke_testkit::run_python(ORACLE, &input);
    let facts: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    programs
        .iter()
        .zip(facts)
        .flat_map(|(p, facts)| {
            facts
                .as_array()
                .unwrap()
                .iter()
                .map(|f| Case {
                    id: p.id.clone(),
                    source: p.source.clone(),
                    module: f["module"].as_str().unwrap().to_owned(),
                    commit: f["commit"].as_u64().unwrap() as usize,
                    stripped: f["stripped"].as_str().unwrap().to_owned(),
                    use_at: f["use"].as_u64().map(|u| u as usize),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Feeds `source`; returns the byte span of the first rejected token, its
/// reasons, and whether the mask left it out too.
fn first_rejection(ananke: &Ananke, source: &str) -> Option<((usize, usize), String, bool)> {
    let vocab = ananke.vocab();
    let mut session = ananke.session().unwrap();
    let mut offset = 0;
    for token in vocab.encode(source) {
        let len = vocab.decode(&[token]).len();
        match session.commit(token) {
            Ok(()) => {}
            Err(RuntimeError::Rejected { reasons, .. }) => {
                let mut mask = TokenMask::new_empty(vocab.len());
                session.compute_mask(&mut mask).unwrap();
                return Some((
                    (offset, offset + len),
                    format!("{reasons:?}"),
                    !mask.contains(token),
                ));
            }
            Err(other) => panic!("{other}"),
        }
        offset += len;
    }
    None
}

#[test]
fn an_empty_policy_rejects_no_corpus_program() {
    let programs = ananke_testkit::typed_programs();
    for tokenizer in ["cl100k_base", "o200k_base"] {
        let ananke = Ananke::new(&Spec::python(tokenizer)).unwrap();
        let rejected: Vec<String> = programs
            .iter()
            .filter(|p| {
                let vocab = ananke.vocab();
                let mut session = ananke.session().unwrap();
                session.commit_many(&vocab.encode(&p.source)).unwrap()
                    < vocab.encode(&p.source).len()
                    || !session.is_accepting().unwrap()
            })
            .map(|p| p.id.clone())
            .collect();
        assert!(rejected.is_empty(), "{tokenizer}: {rejected:?}");
    }
}

#[test]
fn forbidding_a_used_module_rejects_the_token_that_commits_to_it() {
    let cases = cases();
    assert!(
        cases.len() >= 150,
        "{} programs import a module",
        cases.len()
    );
    let mut per_module: BTreeMap<String, usize> = BTreeMap::new();
    for tokenizer in ["cl100k_base", "o200k_base"] {
        let mut anankes: BTreeMap<String, Ananke> = BTreeMap::new();
        for case in &cases {
            let ananke = anankes.entry(case.module.clone()).or_insert_with(|| {
                Ananke::new(&Spec::python(tokenizer).forbid(&case.module)).unwrap()
            });
            let (span, reasons, masked) = first_rejection(ananke, &case.source)
                .unwrap_or_else(|| panic!("{tokenizer} {}: not rejected", case.id));
            assert!(
                span.0 <= case.commit && case.commit < span.1,
                "{tokenizer} {}: rejected at {span:?}, CPython says `{}` commits at byte {}",
                case.id,
                case.module,
                case.commit
            );
            assert!(
                reasons.contains("imports") && reasons.contains(&format!("!{}", case.module)),
                "{reasons}"
            );
            assert!(masked, "{tokenizer} {}: the mask kept the token", case.id);
            *per_module.entry(case.module.clone()).or_default() += 1;
        }
    }
    eprintln!(
        "forbidden-module rejections at the committing token, both tokenizers: {} (program, module) pairs: {per_module:?}",
        cases.len()
    );
    assert!(per_module.len() >= 5, "{per_module:?}");
}

#[test]
fn a_forbidden_module_used_without_an_import_is_rejected_at_its_dot() {
    let cases = cases();
    let mut checked = 0;
    for case in cases.iter().filter(|c| c.module != "typing") {
        let Some(use_at) = case.use_at else { continue };
        let ananke = Ananke::new(&Spec::python("cl100k_base").forbid(&case.module)).unwrap();
        let (span, reasons, masked) = first_rejection(&ananke, &case.stripped)
            .unwrap_or_else(|| panic!("{}: not rejected", case.id));
        assert!(
            span.0 <= use_at && use_at < span.1,
            "{}: rejected at {span:?} ({reasons}), the use's dot is at byte {use_at}",
            case.id
        );
        assert!(reasons.contains("imports"), "{reasons}");
        assert!(masked, "{}: the mask kept the token", case.id);
        checked += 1;
    }
    eprintln!("forbidden uses without an import rejected at their dot: {checked}");
    assert!(
        checked >= 20,
        "{checked} programs use their module qualified"
    );
}

#[test]
fn a_use_without_an_import_becomes_a_requirement_of_the_module() {
    let cases = cases();
    let ananke = Ananke::new(&Spec::python("cl100k_base")).unwrap();
    let vocab = ananke.vocab().clone();
    let mut checked = 0;
    for case in cases
        .iter()
        .filter(|c| c.use_at.is_some() && c.module != "typing")
    {
        let mut session = ananke.session().unwrap();
        let tokens = vocab.encode(&case.stripped);
        assert_eq!(
            session.commit_many(&tokens).unwrap(),
            tokens.len(),
            "{}: a missing import is no reason to reject a token",
            case.id
        );
        let root = session.holes().get(session.holes().root()).unwrap();
        let must = format!("the module must import `{}`", case.module);
        assert!(
            root.provenance.iter().any(|(_, r)| r.contains(&must)),
            "{}: {:?}",
            case.id,
            root.provenance
        );
        assert!(
            !session.is_accepting().unwrap(),
            "{}: the module cannot end without the import",
            case.id
        );
        let eos = vocab.vocabulary().eos()[0];
        let why = session.explain(eos).unwrap();
        assert!(
            why.rejections
                .iter()
                .any(|r| r.domain == "imports" && r.reason.contains(&case.module)),
            "{why:?}"
        );
        checked += 1;
    }
    eprintln!("uses without an import recorded as module requirements: {checked}");
    assert!(checked >= 20, "{checked}");
}

#[test]
fn a_relative_import_binds_its_names_whatever_the_standard_library_calls_them() {
    let ananke = Ananke::new(&Spec::python("cl100k_base")).unwrap();
    let vocab = ananke.vocab().clone();
    // trio's `from . import abc`: `abc.` is the package's own module, not a
    // use of the standard library's `abc` that would need `import abc`.
    for source in [
        "from . import abc, lowlevel\n\nprint(abc.__name__, lowlevel.x)\n",
        "from .abc import Instrument\n\nx: Instrument = Instrument.make(1, \"a\")\n",
    ] {
        let mut session = ananke.session().unwrap();
        let tokens = vocab.encode(source);
        assert_eq!(
            session.commit_many(&tokens).unwrap(),
            tokens.len(),
            "{source}"
        );
        assert!(
            session.is_accepting().unwrap(),
            "{source}: the module can end"
        );
    }
    // An absolute import of the same name still means the library's.
    let mut session = ananke.session().unwrap();
    let tokens = vocab.encode("print(abc.ABC)\n");
    assert_eq!(session.commit_many(&tokens).unwrap(), tokens.len());
    assert!(
        !session.is_accepting().unwrap(),
        "`abc.` without an import needs one"
    );
}

#[test]
fn required_imports_gate_the_end_and_their_names_are_typed() {
    let ananke = Ananke::new(&Spec::python("cl100k_base").require("math")).unwrap();
    let vocab = ananke.vocab().clone();
    let mut session = ananke.session().unwrap();
    let body = "def f(x: float) -> float:\n    return math.sqrt(x)\n";
    let tokens = vocab.encode(body);
    assert_eq!(session.commit_many(&tokens).unwrap(), tokens.len());
    assert!(!session.is_accepting().unwrap(), "`import math` is missing");
    let tokens = vocab.encode("import math\n");
    assert_eq!(session.commit_many(&tokens).unwrap(), tokens.len());
    assert!(session.is_accepting().unwrap());

    // The required module's members are typed: `math.sqrt` returns a float.
    let mut session = ananke.session().unwrap();
    let bad = vocab.encode("def f(x: float) -> str:\n    return math.sqrt(x)\n");
    let accepted = session.commit_many(&bad).unwrap();
    assert!(accepted < bad.len(), "a float returned as str is rejected");
    // ... and an attribute math does not have is rejected: at once where
    // no `# type: ignore` may come to silence it, at the line's end where
    // one may.
    let mut forbidding = Spec::python("cl100k_base").require("math");
    forbidding.types.type_ignore = Some(TypeIgnore::Forbid);
    let eager = Ananke::new(&forbidding).unwrap();
    let mut session = eager.session().unwrap();
    let tokens = vocab.encode("y = math.");
    assert_eq!(session.commit_many(&tokens).unwrap(), tokens.len());
    let mut mask = TokenMask::new_empty(vocab.len());
    session.compute_mask(&mut mask).unwrap();
    assert!(mask.contains(vocab.encode("sqrt")[0]));
    let nope = vocab.encode("appendleft")[0];
    assert!(
        !mask.contains(nope),
        "math has no `{:?}`",
        vocab.decode(&[nope])
    );
    let mut session = ananke.session().unwrap();
    let line = vocab.encode("y = math.appendleft\n");
    let accepted = session.commit_many(&line).unwrap();
    assert_eq!(accepted, line.len() - 1, "rejected at the line break");
}

#[test]
fn aliases_bind_their_names_with_typeshed_signatures() {
    let ananke = Ananke::new(&Spec::python("o200k_base")).unwrap();
    let vocab = ananke.vocab().clone();
    let good = "from math import sqrt as root\nimport collections as c\n\ndef f(x: float) -> float:\n    d: c.Counter[str] = c.Counter()\n    return root(x)\n";
    let mut session = ananke.session().unwrap();
    let tokens = vocab.encode(good);
    assert_eq!(session.commit_many(&tokens).unwrap(), tokens.len());
    assert!(session.is_accepting().unwrap());
    let bad = "from math import sqrt as root\n\ndef f(x: float) -> str:\n    return root(x)\n";
    let mut session = ananke.session().unwrap();
    let tokens = vocab.encode(bad);
    assert!(
        session.commit_many(&tokens).unwrap() < tokens.len() || !session.is_accepting().unwrap()
    );
}

#[test]
fn dynamic_imports_of_forbidden_modules_are_rejected() {
    let ananke = Ananke::new(&Spec::python("cl100k_base").forbid("subprocess")).unwrap();
    for (source, module) in [
        ("m = __import__(\"subprocess\")\n", "subprocess"),
        (
            "import importlib\nm = importlib.import_module('subprocess')\n",
            "subprocess",
        ),
        ("from subprocess import run\n", "subprocess"),
        ("import os, subprocess as sp\n", "subprocess"),
    ] {
        let (span, reasons, masked) =
            first_rejection(&ananke, source).unwrap_or_else(|| panic!("{source:?} not rejected"));
        let end = source.find(module).unwrap() + module.len();
        assert!(
            span.0 <= end && end < span.1,
            "{source:?}: {span:?} {reasons}"
        );
        assert!(masked);
    }
    for fine in [
        "import subprocessing\n",
        "s = 'import subprocess'\n",
        "# import subprocess\nx = 1\n",
    ] {
        assert!(first_rejection(&ananke, fine).is_none(), "{fine:?}");
    }
}

#[test]
fn incompatible_versions_from_spec_and_hole_name_both() {
    let mut hole = HoleSpec {
        name: "solve".into(),
        ..HoleSpec::default()
    };
    hole.imports.versions.push("numpy<1.20".into());
    let mut spec = Spec::python("cl100k_base").hole(hole);
    spec.imports.versions.push("numpy>=2".into());
    let err = match Ananke::new(&spec).and_then(|a| a.session()) {
        Ok(_) => panic!("incompatible versions were accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("spec [imports]") || err.contains("numpy"),
        "{err}"
    );
    assert!(err.contains("holes[0].imports"), "{err}");
    assert!(err.contains(">=2") && err.contains("<1.20"), "{err}");
}

fn toy_vocab() -> Vocabulary {
    Vocabulary::new(
        "toy",
        ["<eos>", "import", " os", " math", "\n", "x", " =", " 1"],
        &[0],
        &[0],
    )
    .unwrap()
}

fn imports_constraints() -> impl Strategy<Value = ImportsConstraint> {
    let policies = prop::sample::select(&["", "!os", "math", "!math", "os; !json", "numpy>=2"][..]);
    const TEXTS: &[&[u32]] = &[&[], &[1, 2, 4], &[1, 3, 4], &[5, 6, 7]];
    let texts = prop::sample::select(TEXTS);
    (policies, texts).prop_map(|(policy, text)| {
        let vocab = toy_vocab();
        let domain = ImportsDomain::new();
        let mut state = ImportsConstraint::from(ImportPolicy::parse(policy).unwrap());
        for &t in text {
            state = domain
                .observe(&state, t as TokenId, StepContext::new(&vocab))
                .unwrap();
        }
        state
    })
}

fn types_states() -> impl Strategy<Value = TypesConstraint> {
    let texts = prop::sample::select(
        &[
            "",
            "x = math.",
            "import math\nx = math.",
            "def f(s: str) -> int:\n    return re.",
            "y = 1\n",
        ][..],
    );
    const ASSUMED: &[&[&str]] = &[&[], &["math"], &["re", "os"]];
    let assumed = prop::sample::select(ASSUMED);
    (texts, assumed, any::<bool>()).prop_map(|(text, assumed, with_text)| {
        let base = if with_text {
            TypesConstraint::after(text)
        } else {
            TypesConstraint::top()
        };
        base.meet(&TypesConstraint::assuming(assumed.iter().copied()))
    })
}

#[test]
fn both_morphisms_are_monotone_and_preserve_bottom() {
    let config = LawConfig::default();
    let report = assert_laws(check_morphism(
        &TypesToImports,
        &TypesConstraint::contradiction("test"),
        &types_states(),
        &config,
    ));
    assert!(report.cases_per_law > 0);
    let report = assert_laws(check_morphism(
        &ImportsToTypes,
        &ImportsConstraint::contradiction("test"),
        &imports_constraints(),
        &config,
    ));
    assert!(report.cases_per_law > 0);
    // The images say what they should.
    use ananke_core::Morphism;
    let used = TypesToImports.apply(&TypesConstraint::after("x = math."));
    assert_eq!(used.policy().required().next().unwrap().as_str(), "math");
    let bound = TypesToImports.apply(&TypesConstraint::after("import math\nx = math."));
    assert!(bound.policy().required().next().is_none());
    let local = TypesToImports.apply(&TypesConstraint::after("math = 3\nx = math."));
    assert!(local.policy().required().next().is_none());
    let assumed = ImportsToTypes.apply(&ImportPolicy::parse("re; !os").unwrap().into());
    assert_eq!(assumed.assumed_imports(), ["re".to_owned()]);
    let _ = DynConstraint::new(assumed);
}
