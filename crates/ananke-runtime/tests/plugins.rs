//! Plugins as a user meets them: libraries built from `plugins/`, loaded
//! at run time, composed with the built-in domains — and every way loading
//! or calling one can go wrong, with what the user sees.

mod common;

use std::path::{Path, PathBuf};

use ananke_core::laws::{LawConfig, assert_laws, check_meet_semilattice};
use ananke_core::{Domain, MeetSemilattice, StepContext, TokenMask, Vocabulary};
use ananke_runtime::{
    Ananke, Plugin, PluginConstraint, PluginError, PluginSpec, RuntimeError, Spec,
};
use common::{first_rejected_token as first_rejection, library};
use proptest::prelude::*;

fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ananke-plugins-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A shared library that is surely loadable and surely not a plugin: the
/// C library this process runs on.
fn system_library() -> PathBuf {
    let maps = std::fs::read_to_string("/proc/self/maps").expect("Linux /proc");
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.contains("libc.so") || p.contains("libc-"))
        .map(PathBuf::from)
        .expect("libc is mapped")
}

fn spec_with(plugin: &str, constraint: Option<&str>) -> Spec {
    let mut spec = Spec::python("cl100k_base");
    spec.plugins.push(PluginSpec {
        path: library(plugin),
        constraint: constraint.map(str::to_owned),
    });
    spec
}

#[test]
fn load_errors_say_what_is_wrong() {
    // Each row of the load-error matrix: what was tried, what the user sees.
    let missing = Plugin::load(Path::new("/no/such/plugin.so")).unwrap_err();
    eprintln!("missing: {missing}");
    assert!(matches!(missing, PluginError::NotFound(_)), "{missing}");
    assert!(missing.to_string().contains("no such file"));

    let text = scratch("notes.so", b"this is not a library\n");
    let not_a_library = Plugin::load(&text).unwrap_err();
    eprintln!("not a library: {not_a_library}");
    assert!(
        matches!(not_a_library, PluginError::NotALibrary { .. }),
        "{not_a_library}"
    );

    let libc = system_library();
    let not_a_plugin = Plugin::load(&libc).unwrap_err();
    eprintln!("not a plugin: {not_a_plugin}");
    assert!(
        matches!(not_a_plugin, PluginError::NotAPlugin { .. }),
        "{not_a_plugin}"
    );
    assert!(not_a_plugin.to_string().contains("not an Ananke plugin"));

    // Built against another layout of the interface: abi_stable's check.
    let probe = common::fixture_with_another_layout();
    let incompatible = Plugin::load(&probe).unwrap_err();
    assert!(
        matches!(incompatible, PluginError::Incompatible { .. }),
        "{incompatible}"
    );
    eprintln!("another layout: {incompatible}");
    assert!(incompatible.to_string().contains("laid out differently"));
    assert!(
        !incompatible.to_string().contains('\n'),
        "one line, not two layouts"
    );

    // Through a spec: the field is named.
    let mut spec = Spec::python("cl100k_base");
    spec.plugins.push(PluginSpec {
        path: "/no/such/plugin.so".into(),
        constraint: None,
    });
    let err = Ananke::new(&spec).err().unwrap().to_string();
    eprintln!("spec: {err}");
    assert!(err.contains("plugins[0].path"), "{err}");

    // A directory loads every library in it; a bad one stops the load.
    let dir = text.parent().unwrap();
    let err = Plugin::load_dir(dir).unwrap_err();
    assert!(matches!(err, PluginError::NotALibrary { .. }), "{err}");
}

#[test]
fn faults_inside_a_plugin_are_errors_not_crashes() {
    // All fixture checks run in this one test: the ABI-version override is
    // read from the process environment.
    let fixture = library("fixture");
    // SAFETY of the test: no other test in this binary loads the fixture.
    unsafe_env_set("ANANKE_FIXTURE_ABI_VERSION", "999");
    let wrong = Plugin::load(&fixture).unwrap_err();
    unsafe_env_remove("ANANKE_FIXTURE_ABI_VERSION");
    eprintln!("another contract version: {wrong}");
    assert!(
        matches!(
            wrong,
            PluginError::AbiVersion {
                found: 999,
                expected: ananke_plugin_abi::ABI_VERSION,
                ..
            }
        ),
        "{wrong}"
    );
    assert!(wrong.to_string().contains("plugin ABI version 999"));
    let plugin = Plugin::load(&fixture).unwrap();
    assert_eq!(plugin.name(), "fixture");

    // A panic while parsing the spec's constraint: an error naming the call.
    let err = Ananke::new(&spec_with("fixture", Some("panic-in-parse")))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("`parse` failed") && err.contains("panicked"),
        "{err}"
    );
    let err = Ananke::new(&spec_with("fixture", Some("nonsense")))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("unknown fault `nonsense`"), "{err}");

    // A panic in the mask: the call fails, the session refuses to go on,
    // and the host (this test) carries on.
    let ananke = Ananke::new(&spec_with("fixture", Some("panic-in-mask"))).unwrap();
    let mut session = ananke.session().unwrap();
    let mut mask = TokenMask::new_empty(ananke.vocab().len());
    let err = session.compute_mask(&mut mask).unwrap_err().to_string();
    eprintln!("panic in the mask: {err}");
    assert!(
        err.contains("fixture") && err.contains("panicked in `token_mask`"),
        "{err}"
    );
    let again = session.compute_mask(&mut mask).unwrap_err();
    eprintln!("the next call: {again}");
    assert!(matches!(again, RuntimeError::Poisoned(_)), "{again}");

    // A panic in observe: the commit fails, the session is poisoned, and a
    // new session works.
    let ananke = Ananke::new(&spec_with("fixture", Some("panic-in-observe"))).unwrap();
    let mut session = ananke.session().unwrap();
    let x = ananke.vocab().encode("x")[0];
    let err = session.commit(x).unwrap_err().to_string();
    eprintln!("panic in observe: {err}");
    assert!(err.contains("panicked in `observe`"), "{err}");
    assert!(matches!(
        session.commit(x).unwrap_err(),
        RuntimeError::Poisoned(_)
    ));
    assert!(ananke.session().is_ok());

    // A panic in explain is reported as the explanation.
    let ananke = Ananke::new(&spec_with("fixture", Some("panic-in-explain"))).unwrap();
    let mut session = ananke.session().unwrap();
    let why = session.explain(x).unwrap();
    assert!(
        why.rejections
            .iter()
            .any(|r| r.domain == "fixture" && r.reason.contains("panicked in `explain`")),
        "{why:?}"
    );

    // A panic in meet leaves a ⊥ that says so.
    let vocab = toy_vocab();
    let host = plugin.domain(&vocab).unwrap();
    let bad = host.parse("panic-in-meet").unwrap();
    let met = bad.meet(&host.parse("").unwrap());
    assert!(met.is_bottom());
    assert!(met.failure().unwrap().contains("panicked in `meet`"));

    // A domain built for one vocabulary refuses another.
    let other = Vocabulary::new("other", ["a"], &[], &[]).unwrap();
    let top = host.top();
    let mut out = TokenMask::new_empty(1);
    let err = host
        .token_mask(
            &top,
            StepContext::new(&other),
            &TokenMask::new_full(1),
            &mut out,
        )
        .unwrap_err();
    assert!(err.to_string().contains("vocabulary"), "{err}");
}

/// Sets an environment variable (the test harness runs this binary's other
/// tests in threads that never read it).
fn unsafe_env_set(key: &str, value: &str) {
    // SAFETY: only the fixture plugin reads this variable, and only the
    // one test that sets it loads the fixture.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var(key, value);
    }
}

fn unsafe_env_remove(key: &str) {
    // SAFETY: as in `unsafe_env_set`.
    #[allow(unsafe_code)]
    unsafe {
        std::env::remove_var(key);
    }
}

#[test]
fn deny_calls_rejects_the_call_and_nothing_else() {
    let ananke = Ananke::new(&spec_with("deny_calls", None)).unwrap();
    let source = "def run(s: str) -> int:\n    x = eval(s)\n    return int(x)\n";
    let (at, reasons) = first_rejection(&ananke, source).expect("eval( is rejected");
    let paren = source.find("eval(").unwrap() + 4;
    let token = ananke
        .vocab()
        .decode(&ananke.vocab().encode(&source[at..])[..1])
        .len();
    assert!(
        at <= paren && paren < at + token,
        "rejected at {at}: {reasons}"
    );
    assert!(
        reasons.contains("deny-calls") && reasons.contains("`eval`"),
        "{reasons}"
    );
    for fine in [
        "def evaluate(s: str) -> str:\n    return s\n\nx = evaluate('1')\n",
        "import re\np = re.compile('a')\n",
        "s = 'eval(x)'  # eval(y)\n",
        "import subprocess\nsubprocess.run(['ls'], shell=False)\n",
    ] {
        assert!(first_rejection(&ananke, fine).is_none(), "{fine:?}");
    }
    let (at, reasons) = first_rejection(
        &ananke,
        "import subprocess\nsubprocess.run('ls', shell=True)\n",
    )
    .unwrap();
    assert!(
        at >= "import subprocess\nsubprocess.run('ls', shell=Tru".len(),
        "{at}"
    );
    assert!(reasons.contains("shell=True"), "{reasons}");

    // Without the plugin the same program is accepted.
    let plain = Ananke::new(&Spec::python("cl100k_base")).unwrap();
    assert!(first_rejection(&plain, source).is_none());
}

#[test]
fn the_corpus_passes_the_default_call_policy() {
    let ananke = Ananke::new(&spec_with("deny_calls", None)).unwrap();
    let style = Ananke::new(&spec_with("style", None)).unwrap();
    let (mut by_style, mut programs) = (Vec::new(), 0);
    for program in ananke_testkit::typed_programs() {
        let source = program.source.as_str();
        assert!(
            first_rejection(&ananke, source).is_none(),
            "{:?}",
            program.id
        );
        if let Some((_, reasons)) = first_rejection(&style, source) {
            assert!(reasons.contains("style"), "{reasons}");
            by_style.push(program.id.clone());
        }
        programs += 1;
    }
    eprintln!(
        "deny-calls defaults: 0/{programs} corpus programs rejected; style defaults: {}/{programs} rejected",
        by_style.len()
    );
    // MBPP names many functions like `find_Rotations`: the style policy
    // must catch them.
    assert!(by_style.contains(&"MBPP/9".to_owned()), "{by_style:?}");
}

#[test]
fn style_rejects_names_and_long_lines_where_they_settle() {
    let ananke = Ananke::new(&spec_with("style", Some("snake_case; max_line=40"))).unwrap();
    let source = "def find_Max(xs: list[int]) -> int:\n    return max(xs)\n";
    let (at, reasons) = first_rejection(&ananke, source).unwrap();
    assert!(
        at <= "def find_Max".len() && reasons.contains("find_Max"),
        "{at} {reasons}"
    );
    let long = "x = 1\ny = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]\n";
    let (at, reasons) = first_rejection(&ananke, long).unwrap();
    assert!(at > "x = 1\ny = [1, 2, 3, 4, 5, 6, 7, 8, 9".len(), "{at}");
    assert!(reasons.contains("longer than 40"), "{reasons}");
}

fn toy_vocab() -> Vocabulary {
    Vocabulary::new(
        "toy",
        [
            "def", " f", "(", ")", ":", "\n", "x", " =", " eval", " 1", "myVar", " ", "'",
        ],
        &[],
        &[],
    )
    .unwrap()
}

/// Constraints made through the plugin: policies, and texts read.
fn plugin_states(
    plugin: &'static str,
    policies: &'static [&'static str],
) -> impl Strategy<Value = PluginConstraint> {
    let texts: &'static [&'static [u32]] = &[&[], &[6, 7], &[0, 1, 2], &[10, 7, 9, 5]];
    (prop::sample::select(policies), prop::sample::select(texts)).prop_map(move |(policy, text)| {
        let vocab = toy_vocab();
        let plugin = Plugin::load(&library(plugin)).unwrap();
        let host = plugin.domain(&vocab).unwrap();
        let mut state = host.parse(policy).unwrap();
        for &t in text {
            state = host.observe(&state, t, StepContext::new(&vocab)).unwrap();
        }
        state
    })
}

#[test]
fn plugin_lattices_obey_the_laws_through_the_abi() {
    for (name, policies) in [
        (
            "deny_calls",
            &["eval", "exec; os.system", "subprocess.*(shell=True)", ""][..],
        ),
        (
            "style",
            &[
                "snake_case",
                "max_line=10",
                "snake_case=off; max_line=30",
                "",
            ][..],
        ),
    ] {
        let vocab = toy_vocab();
        let host = Plugin::load(&library(name))
            .unwrap()
            .domain(&vocab)
            .unwrap();
        let report = assert_laws(check_meet_semilattice(
            name,
            &host.top(),
            &host.bottom(),
            &plugin_states(name, policies),
            &LawConfig::from_env(),
        ));
        assert!(report.cases_per_law > 0);
    }
}
