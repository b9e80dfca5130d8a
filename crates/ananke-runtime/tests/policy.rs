//! The call policy (`[policy]`, enforced by the types domain) against
//! programs that try to reach a denied callable by another name: each is
//! rejected at the token that completes the violation, with a reason
//! naming the rule and the callee it resolved to; programs that only come
//! near one are not rejected; and the typed MBPP corpus is never rejected.

mod common;

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, PolicySpec, Spec};

/// Feeds `source` token by token, asking the fused mask at every step:
/// the byte offset of the first token the mask leaves out and the
/// reasons `commit` gives for refusing it (`commit` must refuse exactly
/// the tokens the mask leaves out), or `None`.
fn first_masked_token(ananke: &Ananke, source: &str) -> Option<(usize, String)> {
    let vocab = ananke.vocab();
    let mut session = ananke.session().unwrap();
    let mut mask = TokenMask::new_empty(vocab.len());
    let mut offset = 0;
    for token in vocab.encode(source) {
        session.compute_mask(&mut mask).unwrap();
        let allowed = mask.contains(token);
        match session.commit(token) {
            Ok(()) => assert!(
                allowed,
                "{source:?}: the mask leaves out a token commit accepts at {offset}"
            ),
            Err(ananke_runtime::RuntimeError::Rejected { reasons, .. }) => {
                assert!(
                    !allowed,
                    "{source:?}: the mask allows a token commit refuses at {offset}"
                );
                return Some((offset, format!("{reasons:?}")));
            }
            Err(other) => panic!("{other}"),
        }
        offset += vocab.decode(&[token]).len();
    }
    None
}

/// A bypass attempt. In `source`, `|` marks where the violation is
/// complete: the byte after it is the first that no continuation can
/// undo, and the token holding that byte must be the one rejected.
struct Attempt {
    source: &'static str,
    /// The callee the reason must name.
    callee: &'static str,
}

const fn attempt(source: &'static str, callee: &'static str) -> Attempt {
    Attempt { source, callee }
}

/// Every attempt, under the default rules with `strict = true`.
const ATTEMPTS: &[Attempt] = &[
    attempt("x = eval|('1 + 1')\n", "builtins.eval"),
    attempt("exec|('y = 1')\n", "builtins.exec"),
    attempt("c = compile|('1', 'f', 'eval')\n", "builtins.compile"),
    attempt("m = __import__|('os')\n", "builtins.__import__"),
    attempt("import os\nos.system|('ls')\n", "os.system"),
    attempt("from os import system|\n", "os.system"),
    attempt("from os import system| as run_it\n", "os.system"),
    attempt("import os as o\no.system|('ls')\n", "os.system"),
    attempt("import os.path\nos.system|('ls')\n", "os.system"),
    attempt("import os\nrun = os.system|\n", "os.system"),
    attempt("import os\nf = getattr(os, 'system'|)\n", "os.system"),
    attempt("import os\ngetattr(os, \"system\"|)('ls')\n", "os.system"),
    attempt(
        "import builtins\nbuiltins.exec|('y = 1')\n",
        "builtins.exec",
    ),
    attempt("from builtins import eval| as e\n", "builtins.eval"),
    attempt("from os import |*\n", "os."),
    attempt(
        "import subprocess as sp\nsp.run('ls', shell=True|)\n",
        "subprocess.run",
    ),
    attempt(
        "from subprocess import check_output\ncheck_output('ls', shell=True|)\n",
        "subprocess.check_output",
    ),
    attempt(
        "import subprocess\nsubprocess.Popen('ls', shell=True|)\n",
        "subprocess.Popen",
    ),
    attempt(
        "import subprocess\nsubprocess.call('ls', shell=1|)\n",
        "subprocess.call",
    ),
    attempt(
        "from subprocess import run as r\nr('ls', shell=True|)\n",
        "subprocess.run",
    ),
    attempt(
        "import subprocess\nout = subprocess.getoutput|('ls')\n",
        "subprocess.getoutput",
    ),
    attempt("e = eval|\n", "builtins.eval"),
    attempt("fs = [eval|]\n", "builtins.eval"),
    attempt("print(eval|)\n", "builtins.eval"),
    attempt(
        "import os\ndef g() -> object:\n    return os.system|\n",
        "os.system",
    ),
    attempt("import os\nf = lambda c: os.system|(c)\n", "os.system"),
    attempt(
        "import functools, os\np = functools.partial(os.system|, 'ls')\n",
        "os.system",
    ),
    attempt(
        "import importlib\nm = importlib.import_module|('os')\n",
        "importlib.import_module",
    ),
    attempt("import os\np = os.popen|('ls')\n", "os.popen"),
    attempt("import os\nos.execv|('/bin/sh', ['sh'])\n", "os.execv"),
    attempt("from os import execvp|\n", "os.execvp"),
    attempt(
        "import os\nos.spawnlp|(os.P_WAIT, 'ls', 'ls')\n",
        "os.spawnlp",
    ),
    attempt("import pty\npty.spawn|('/bin/sh')\n", "pty.spawn"),
    attempt(
        "import ctypes\nlib = ctypes.CDLL|('libc.so.6')\n",
        "ctypes.CDLL",
    ),
    attempt(
        "import ctypes\nctypes.cdll|.LoadLibrary('libc.so.6')\n",
        "ctypes.cdll",
    ),
    attempt(
        "import shutil as sh\nsh.rmtree|('/tmp/x')\n",
        "shutil.rmtree",
    ),
    attempt("from shutil import rmtree| as rm\n", "shutil.rmtree"),
    attempt("import sys\nsys.modules['os'].system|('ls')\n", "os.system"),
    attempt("f = globals()['eval'|]\n", "builtins.eval"),
    attempt("import os\nvars(os)['system'|]('ls')\n", "os.system"),
    attempt("import os\nos.__dict__['system'|]('ls')\n", "os.system"),
    attempt(
        "import os\n@os.system|\ndef f() -> None:\n    pass\n",
        "os.system",
    ),
    attempt("import os\nclass A:\n    run = os.system|\n", "os.system"),
    attempt(
        "import os\nclass A:\n    def m(self) -> None:\n        self.f = os.system|\n",
        "os.system",
    ),
    attempt("import pickle\nobj = pickle.loads|(b'')\n", "pickle.loads"),
    attempt(
        "import marshal\ncode = marshal.loads|(b'')\n",
        "marshal.loads",
    ),
    attempt("import os\nd = {'run': os.system|}\n", "os.system"),
    attempt("xs = ['1']\nys = [exec|(s) for s in xs]\n", "builtins.exec"),
    attempt("if (f := eval|):\n    pass\n", "builtins.eval"),
    attempt(
        "try:\n    pass\nexcept Exception:\n    eval|('1')\n",
        "builtins.eval",
    ),
    attempt("import runpy\nrunpy.run_path|('x.py')\n", "runpy.run_path"),
    attempt("import shelve\ndb = shelve.open|('x')\n", "shelve.open"),
    attempt("f = getattr(__builtins__, 'eval'|)\n", "builtins.eval"),
    attempt("x = __builtins__['exec'|]('y = 1')\n", "builtins.exec"),
    attempt(
        "import sys\nsys.modules.get('os').system|('ls')\n",
        "os.system",
    ),
    attempt("f = globals().get('eval'|)\n", "builtins.eval"),
    attempt("import posix\nposix.system|('ls')\n", "os.system"),
    attempt(
        "import code\ncode.InteractiveConsole|().push('x = 1')\n",
        "code.InteractiveConsole",
    ),
    // Only `strict` rejects these: what they reach is computed.
    attempt("import os\nname = 'system'\nf = getattr(os, name|)\n", "os"),
    attempt("key = 'eval'\nf = globals()[key|]\n", "builtins"),
    attempt(
        "import sys\nm = 'os'\nmod = sys.modules[m|]\n",
        "any module",
    ),
    attempt(
        "import subprocess\nflag = True\nsubprocess.run('ls', shell=flag|)\n",
        "subprocess.run",
    ),
    attempt(
        "import subprocess\nopts = {'shell': True}\nsubprocess.run('ls', **opts|)\n",
        "subprocess.run",
    ),
    attempt("import subprocess\nr = subprocess.run|\n", "subprocess.run"),
    attempt(
        "import operator\ng = operator.attrgetter('system'|)\n",
        "attribute getter",
    ),
    attempt("f = (lambda: 0).__globals__|\n", "__globals__"),
    attempt("subs = object.__subclasses__|()\n", "__subclasses__"),
    attempt("import os\nns = dict(vars(os)|)\n", "os.system"),
];

/// Programs that come near a denied callable without reaching one.
const NEAR_MISSES: &[&str] = &[
    "import os\nprint(os.getcwd())\n",
    "import subprocess\nsubprocess.run(['ls'], check=True)\n",
    "import subprocess\nsubprocess.run(['ls'], shell=False)\n",
    "def eval(x: int) -> int:\n    return x + 1\n\nprint(eval(2))\n",
    "evaluation = 3\nexecuted = evaluation + 1\n",
    "import json\nimport re\nx = json.loads('1')\np = re.compile('a+')\n",
    "import subprocess\ntry:\n    pass\nexcept subprocess.CalledProcessError:\n    pass\n",
    "f = lambda eval: eval + 1\n",
    "import os\npath = os.path.join('a', 'b')\n",
    "class A:\n    def system(self) -> int:\n        return 1\n\nprint(A().system())\n",
];

fn strict_policy() -> PolicySpec {
    PolicySpec {
        strict: true,
        ..PolicySpec::default()
    }
}

fn ananke(tokenizer: &str, policy: PolicySpec) -> Ananke {
    Ananke::with_domains(
        &Spec::python(tokenizer).policy(policy),
        &["syntax", "types"],
    )
    .unwrap()
}

/// The program and the offset of the byte that completes its violation.
fn split(attempt: &Attempt) -> (String, usize) {
    let at = attempt.source.find('|').expect("a marker");
    (attempt.source.replacen('|', "", 1), at)
}

#[test]
fn every_bypass_attempt_is_rejected_where_it_completes() {
    assert!(ATTEMPTS.len() >= 40);
    for tokenizer in ["cl100k_base", "o200k_base"] {
        let ananke = ananke(tokenizer, strict_policy());
        let vocab = ananke.vocab();
        let mut wrong = Vec::new();
        for attempt in ATTEMPTS {
            let (source, at) = split(attempt);
            // The start of the token holding byte `at`, its index and text.
            let mut start = 0;
            let mut expected = None;
            for (i, token) in vocab.encode(&source).into_iter().enumerate() {
                let text = vocab.decode(&[token]);
                let end = start + text.len();
                if (start..end).contains(&at) {
                    expected = Some((start, i, String::from_utf8_lossy(&text).into_owned()));
                    break;
                }
                start = end;
            }
            let got = first_masked_token(&ananke, &source);
            match (got, expected) {
                (Some((offset, why)), Some((start, index, text)))
                    if offset == start
                        && why.contains("call policy")
                        && why.contains(attempt.callee) =>
                {
                    println!(
                        "| {tokenizer} | `{}` | token {index} `{}` | {} |",
                        source.trim_end().replace('\n', "⏎"),
                        text.replace('\n', "⏎"),
                        why.find("call policy")
                            .map_or(why.as_str(), |at| &why[at..])
                            .trim_end_matches(['"', ')', ']'])
                    );
                }
                (got, expected) => wrong.push(format!(
                    "{source:?}: expected a rejection at {expected:?} naming {:?}, got {got:?}",
                    attempt.callee
                )),
            }
        }
        println!(
            "{tokenizer}: {} of {} attempts rejected where they complete",
            ATTEMPTS.len() - wrong.len(),
            ATTEMPTS.len()
        );
        assert!(wrong.is_empty(), "{tokenizer}: {wrong:#?}");
    }
}

#[test]
fn near_misses_are_accepted() {
    for tokenizer in ["cl100k_base", "o200k_base"] {
        let ananke = ananke(tokenizer, strict_policy());
        for source in NEAR_MISSES {
            assert_eq!(
                first_masked_token(&ananke, source),
                None,
                "{tokenizer}: {source:?}"
            );
        }
    }
}

#[test]
fn without_strict_computed_reflection_passes_and_resolved_bypasses_do_not() {
    let ananke = ananke("cl100k_base", PolicySpec::default());
    let (source, _) = split(&ATTEMPTS[0]);
    assert!(common::first_rejected_token(&ananke, &source).is_some());
    let computed = "import os\nname = 'system'\nf = getattr(os, name)\n";
    assert_eq!(common::first_rejected_token(&ananke, computed), None);
}

#[test]
fn a_bad_rule_is_a_spec_error_naming_it() {
    let spec = Spec::from_toml(
        "[syntax]\ntokenizer = \"cl100k_base\"\n[policy]\ndeny_calls = [\"os.system\", \"os.sytem\"]\n",
    );
    let err = spec.unwrap_err();
    assert_eq!(err.field, "policy.deny_calls[1]");
    assert!(err.message.contains("os.sytem"), "{err}");
}

#[test]
fn corpus_programs_are_never_rejected() {
    let programs = ananke_testkit::typed_programs();
    for tokenizer in ["cl100k_base", "o200k_base"] {
        let ananke = ananke(tokenizer, strict_policy());
        let rejected: Vec<String> = programs
            .iter()
            .filter_map(|p| {
                first_masked_token(&ananke, &p.source)
                    .map(|(at, why)| format!("{:?} at {at}: {why}", p.id))
            })
            .collect();
        println!(
            "{tokenizer}: {} of {} corpus programs rejected under the strict default policy",
            rejected.len(),
            programs.len()
        );
        assert!(rejected.is_empty(), "{tokenizer}: {rejected:#?}");
    }
}
