//! The checker against mypy --strict: on the typed MBPP corpus (whose mypy
//! verdicts the data records) and on hand-written programs that run
//! through the real mypy (2.4.1, installed by `cargo xtask test` or CI).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use ananke_types::check_source;

fn data_dir() -> PathBuf {
    std::env::var_os("ANANKE_DATA_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

fn records(file: &str) -> Vec<serde_json::Value> {
    let path = data_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {} ({e}); set ANANKE_DATA_DIR", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).expect("JSON record"))
        .collect()
}

#[test]
fn no_errors_on_the_programs_mypy_accepts() {
    let programs = records("mbpp_typed.jsonl");
    assert_eq!(programs.len(), 264);
    let mut false_positives = Vec::new();
    for record in &programs {
        let diagnostics =
            check_source(record["source"].as_str().unwrap()).expect("the corpus parses");
        for d in diagnostics {
            false_positives.push(format!("{} {d}", record["id"]));
        }
    }
    println!(
        "false positives on {} mypy-clean programs: {false_positives:?}",
        programs.len()
    );
    assert!(false_positives.is_empty(), "{false_positives:#?}");
}

#[test]
fn mutants_are_caught_on_their_mutated_line() {
    let mutants = records("mbpp_mutants.jsonl");
    assert_eq!(mutants.len(), 737);
    let mut per_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for record in &mutants {
        let source = record["source"].as_str().unwrap();
        let offset = record["first_bad_offset"].as_u64().unwrap() as usize;
        let bad_line = source.chars().take(offset).filter(|&c| c == '\n').count() as u32 + 1;
        let kind = record["mutation"]
            .as_str()
            .unwrap()
            .split(':')
            .next()
            .unwrap()
            .to_owned();
        let caught = check_source(source)
            .expect("mutants parse")
            .iter()
            .any(|d| d.line == bad_line);
        let entry = per_kind.entry(kind).or_default();
        entry.0 += usize::from(caught);
        entry.1 += 1;
    }
    let (caught, total) = per_kind
        .values()
        .fold((0, 0), |(c, t), (a, b)| (c + a, t + b));
    for (kind, (c, t)) in &per_kind {
        println!(
            "{kind:<15} {c}/{t} caught ({:.1}%)",
            100.0 * *c as f64 / *t as f64
        );
    }
    println!(
        "overall         {caught}/{total} caught ({:.1}%)",
        100.0 * caught as f64 / total as f64
    );
    assert!(caught * 10 >= total * 9, "fewer than 90% of mutants caught");
}

/// mypy 2.4.1: `ANANKE_MYPY`, else `.cache/venv/bin/mypy` (what
/// `cargo xtask test` installs), else `mypy` on the PATH.
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

/// Error lines per file, as mypy --strict reports them.
fn mypy_error_lines(files: &[PathBuf]) -> BTreeMap<PathBuf, BTreeSet<u32>> {
    let scratch = std::env::temp_dir().join(format!("ananke-mypy-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let output = Command::new(mypy())
        .current_dir(&scratch)
        .args([
            "--strict",
            "--python-version",
            "3.11",
            "--no-error-summary",
            "--show-error-codes",
            "--hide-error-context",
        ])
        .args(["--cache-dir", "/dev/null"])
        .args(files)
        .output()
        .expect("mypy 2.4.1 runs (cargo xtask test installs it; or set ANANKE_MYPY)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "mypy failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines: BTreeMap<PathBuf, BTreeSet<u32>> =
        files.iter().map(|f| (f.clone(), BTreeSet::new())).collect();
    for line in stdout.lines().filter(|l| l.contains(": error:")) {
        let mut parts = line.splitn(3, ':');
        let (Some(file), Some(number)) = (parts.next(), parts.next()) else {
            continue;
        };
        if let Ok(n) = number.parse() {
            lines.entry(PathBuf::from(file)).or_default().insert(n);
        }
    }
    lines
}

fn programs(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/programs")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn hand_written_programs_agree_with_real_mypy() {
    let valid = programs("valid");
    let invalid = programs("invalid");
    let all: Vec<PathBuf> = valid.iter().chain(&invalid).cloned().collect();
    let oracle = mypy_error_lines(&all);
    for file in &all {
        let source = std::fs::read_to_string(file).unwrap();
        // The intended errors are marked `# error`; mypy must agree.
        let marked: BTreeSet<u32> = source
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim_end().ends_with("# error"))
            .map(|(i, _)| i as u32 + 1)
            .collect();
        assert_eq!(
            oracle[file],
            marked,
            "{}: mypy's error lines differ from the marked ones",
            file.display()
        );
        let ours: BTreeSet<u32> = check_source(&source)
            .unwrap()
            .iter()
            .map(|d| d.line)
            .collect();
        assert_eq!(
            ours,
            marked,
            "{}: the checker's error lines differ from mypy's",
            file.display()
        );
    }
    println!(
        "{} valid and {} invalid programs agree with mypy line by line",
        valid.len(),
        invalid.len()
    );
}
