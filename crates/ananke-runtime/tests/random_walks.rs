//! Random walks through the fused syntax + types + control-flow mask: tokens drawn
//! uniformly from the mask (seeded), for function bodies under the MBPP
//! signatures, until the session accepts. Every finished program must pass
//! the real `mypy --strict` (2.4.1, installed by `cargo xtask test` or CI) —
//! so none may end with a path that returns nothing.
//!
//! Two kinds of walk per signature: a `return` body (`    return ` is
//! forced, the expression drawn), which finishes often; and a free body,
//! drawn from its first byte, which rarely finishes within the cap (a
//! uniform draw seldom picks `return`) but exercises statements.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, Spec};

fn data_dir() -> PathBuf {
    std::env::var_os("ANANKE_DATA_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

/// The code before each MBPP entry point's body: imports, helpers and the
/// typed `def` line.
fn signatures() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(data_dir().join("mbpp_typed.jsonl"))
        .expect("the evaluation data (set ANANKE_DATA_DIR)");
    text.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .map(|r| {
            let source = r["source"].as_str().unwrap();
            let def = format!("def {}(", r["entry_point"].as_str().unwrap());
            let start = source.find(&def).expect("the entry point");
            let end = start + source[start..].find(":\n").expect("a def line") + 2;
            (
                r["id"].as_str().unwrap().to_owned(),
                source[..end].to_owned(),
            )
        })
        .collect()
}

/// SplitMix64: a seeded generator, so walks are reproducible.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// Walks from `prefix` + `forced`; the finished program, if the session
/// accepts within `cap` drawn tokens.
fn walk(ananke: &Ananke, forced: &str, cap: usize, rng: &mut Rng) -> Option<String> {
    let vocab = ananke.vocab().clone();
    let mut session = ananke.session().expect("the prefix is accepted");
    let forced_tokens = vocab.encode(forced);
    assert_eq!(
        session.commit_many(&forced_tokens).unwrap(),
        forced_tokens.len()
    );
    let mut mask = TokenMask::new_empty(vocab.len());
    let eos = vocab.vocabulary().eos().to_vec();
    for _ in 0..cap {
        if session.is_accepting().unwrap() {
            return Some(String::from_utf8_lossy(&session.text()).into_owned());
        }
        session.compute_mask(&mut mask).unwrap();
        let allowed: Vec<u32> = mask.iter().filter(|t| !eos.contains(t)).collect();
        assert!(
            !allowed.is_empty(),
            "a dead end after {:?}",
            String::from_utf8_lossy(&session.text())
        );
        let token = allowed[rng.below(allowed.len())];
        session
            .commit(token)
            .expect("a token from the mask is accepted");
    }
    session
        .is_accepting()
        .unwrap()
        .then(|| String::from_utf8_lossy(&session.text()).into_owned())
}

fn mypy() -> PathBuf {
    if let Some(path) = std::env::var_os("ANANKE_MYPY") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/venv/bin/mypy");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("mypy")
}

/// Files CPython cannot compile, with its message (mypy stops at the first
/// such file, so they are judged here first).
fn syntax_errors(files: &[PathBuf]) -> BTreeMap<PathBuf, Vec<String>> {
    let script = "import sys\nfor f in sys.argv[1:]:\n    try:\n        compile(open(f, encoding='utf-8').read(), f, 'exec')\n    except (SyntaxError, ValueError) as e:\n        print(f + '\\t' + repr(e))\n";
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(files)
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(f, e)| (PathBuf::from(f), vec![format!("CPython: {e}")]))
        .collect()
}

/// mypy's error lines per file (files CPython rejects are reported as
/// such and not given to mypy).
fn mypy_errors(dir: &std::path::Path, files: &[PathBuf]) -> BTreeMap<PathBuf, Vec<String>> {
    let mut errors = syntax_errors(files);
    let remaining: Vec<&PathBuf> = files.iter().filter(|f| !errors.contains_key(*f)).collect();
    if remaining.is_empty() {
        return errors;
    }
    let output = Command::new(mypy())
        .current_dir(dir)
        .args(["--strict", "--python-version", "3.11", "--no-error-summary"])
        .args([
            "--show-error-codes",
            "--hide-error-context",
            "--cache-dir",
            "/dev/null",
        ])
        .args(&remaining)
        .output()
        .expect("mypy 2.4.1 runs (cargo xtask test installs it; or set ANANKE_MYPY)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "mypy failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in stdout.lines().filter(|l| l.contains(": error:")) {
        let file = line.split(':').next().unwrap_or_default();
        errors
            .entry(PathBuf::from(file))
            .or_default()
            .push(line.to_owned());
    }
    errors
}

#[test]
fn finished_walks_pass_mypy() {
    let signatures = signatures();
    let dir = std::env::temp_dir().join(format!("ananke-walks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(0x5eed_0001);
    let mut finished: Vec<(String, PathBuf, String)> = Vec::new();
    let (mut walks, mut free_finished) = (0, 0);
    for (i, (id, prefix)) in signatures.iter().enumerate() {
        let ananke = Ananke::with_domains(
            &Spec::python("cl100k_base").body_of(prefix),
            &["syntax", "types", "cfg"],
        )
        .expect("compile");
        let kinds: &[(&str, &str)] = if i % 4 == 0 {
            &[
                ("return", "    return "),
                ("return2", "    return "),
                ("free", ""),
            ]
        } else {
            &[("return", "    return "), ("return2", "    return ")]
        };
        for (kind, forced) in kinds {
            walks += 1;
            if let Some(program) = walk(&ananke, forced, 64, &mut rng) {
                free_finished += usize::from(*kind == "free");
                let file = dir.join(format!("walk_{}_{kind}.py", id.replace('/', "_")));
                std::fs::write(&file, &program).unwrap();
                finished.push((format!("{id} {kind}"), file, program));
            }
        }
    }
    let files: Vec<PathBuf> = finished.iter().map(|(_, f, _)| f.clone()).collect();
    let errors = mypy_errors(&dir, &files);
    let failures: Vec<String> = finished
        .iter()
        .filter_map(|(name, file, program)| {
            errors
                .get(file)
                .map(|e| format!("{name}: {e:?}\n{program}"))
        })
        .collect();
    println!(
        "{walks} walks, {} finished ({free_finished} free bodies), {} pass mypy --strict ({:.1}%)",
        finished.len(),
        finished.len() - failures.len(),
        100.0 * (finished.len() - failures.len()) as f64 / finished.len().max(1) as f64
    );
    for failure in &failures {
        println!("FAILED {failure}");
    }
    assert!(walks >= 200);
    assert!(finished.len() >= 100, "too few walks finished to judge");
    assert!(
        failures.is_empty(),
        "{} finished walks fail mypy",
        failures.len()
    );
    std::fs::remove_dir_all(&dir).ok();
}
