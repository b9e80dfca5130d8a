//! What Ananke's tests share: the evaluation data, real Python beyond it,
//! and the external oracles that judge our domains.
//!
//! Tests across the workspace read the same corpus (`../shared/data`, or
//! `ANANKE_DATA_DIR`), run the same `mypy --strict` and ask the same
//! `python3`; reading them in one place keeps every test's ground truth the
//! same. This crate is a dev-dependency only: it depends on no Ananke crate,
//! so any crate's tests may use it.
//!
//! ```
//! let programs = ananke_testkit::typed_programs();
//! assert_eq!(programs.len(), 264);
//! assert!(programs[0].source.contains("def "));
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod oracle;

pub use oracle::{MypyError, mypy, mypy_errors, python, run_python};

/// The folder holding the evaluation data: `ANANKE_DATA_DIR`, else
/// `../shared/data` beside the repository.
pub fn data_dir() -> PathBuf {
    std::env::var_os("ANANKE_DATA_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

/// The records of a JSON Lines file in [`data_dir`].
///
/// # Panics
///
/// When the file is missing or a line is not JSON: a test cannot run
/// without its data, and says where it looked.
pub fn records(file: &str) -> Vec<serde_json::Value> {
    let path = data_dir().join(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| {
            panic!(
                "cannot read {} ({e}); set ANANKE_DATA_DIR to the folder holding the evaluation data",
                path.display()
            )
        })
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON record"))
        .collect()
}

/// A typed MBPP program (`mbpp_typed.jsonl`).
#[derive(Clone, Debug)]
pub struct Program {
    /// The record's id (`mbpp_…`).
    pub id: String,
    /// The whole module.
    pub source: String,
    /// The function the task asks for.
    pub entry_point: String,
    /// The record as read, for fields this struct does not name.
    pub record: serde_json::Value,
}

/// An ill-typed mutant of a typed program (`mbpp_mutants.jsonl`).
#[derive(Clone, Debug)]
pub struct Mutant {
    /// The mutant's id (`MBPP/3:m1`).
    pub id: String,
    /// The mutated module.
    pub source: String,
    /// The byte offset where the mutated span starts (the data gives it in
    /// code points): a mask should reject the mutant at or after it.
    pub offset: usize,
    /// The kind of mutation (`return_literal`, `call_arg`, ...).
    pub kind: String,
    /// The record as read, for fields this struct does not name.
    pub record: serde_json::Value,
}

impl Mutant {
    /// The 1-based line where the mutated span starts.
    pub fn line(&self) -> usize {
        self.source[..self.offset].matches('\n').count() + 1
    }
}

fn text(record: &serde_json::Value, field: &str) -> String {
    record[field]
        .as_str()
        .unwrap_or_else(|| panic!("record without `{field}`: {record}"))
        .to_owned()
}

/// The 264 well-typed programs.
pub fn typed_programs() -> Vec<Program> {
    records("mbpp_typed.jsonl")
        .into_iter()
        .map(|record| Program {
            id: text(&record, "id"),
            source: text(&record, "source"),
            entry_point: text(&record, "entry_point"),
            record,
        })
        .collect()
}

/// The 737 ill-typed mutants.
pub fn mutants() -> Vec<Mutant> {
    records("mbpp_mutants.jsonl")
        .into_iter()
        .map(|record| {
            let source = text(&record, "source");
            let chars = record["first_bad_offset"]
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or_else(|| panic!("record without `first_bad_offset`: {record}"));
            let offset = source
                .char_indices()
                .nth(chars)
                .map_or(source.len(), |(i, _)| i);
            let mutation = text(&record, "mutation");
            Mutant {
                id: text(&record, "id"),
                kind: mutation.split(':').next().unwrap_or_default().to_owned(),
                source,
                offset,
                record,
            }
        })
        .collect()
}

/// The `.py` modules of the standard library of [`python`] (its
/// `sysconfig` `stdlib` path), sorted, without test suites, `site-packages`
/// and the `lib2to3` / `idlelib` test data that CPython itself cannot
/// compile.
pub fn stdlib_modules() -> Vec<PathBuf> {
    let root = run_python(
        "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        "",
    );
    let root = PathBuf::from(root.trim());
    let mut found = Vec::new();
    collect_modules(&root, &mut found);
    found.sort();
    found
}

fn collect_modules(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            let skipped = ["site-packages", "test", "tests", "__pycache__", "idle_test"];
            if !skipped.contains(&name.as_str()) && !name.starts_with("lib2to3") {
                collect_modules(&path, found);
            }
        } else if name.ends_with(".py") {
            found.push(path);
        }
    }
}

/// Counts by key, for reports that print a table.
pub fn tally<K: Ord>(keys: impl IntoIterator<Item = K>) -> BTreeMap<K, usize> {
    let mut counts = BTreeMap::new();
    for key in keys {
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

/// Runs `program` with `stdin` and returns its standard output.
///
/// # Panics
///
/// When it cannot start or fails: an oracle that does not answer leaves a
/// test without ground truth.
pub fn run(program: &mut Command, stdin: &str) -> String {
    use std::io::Write;
    let mut child = program
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program:?}: {e}"));
    let mut input = child.stdin.take().expect("piped stdin");
    let stdin = stdin.to_owned();
    let writer = std::thread::spawn(move || input.write_all(stdin.as_bytes()));
    let output = child.wait_with_output().expect("the child's output");
    writer
        .join()
        .expect("the writer thread")
        .expect("writing stdin");
    assert!(
        output.status.success(),
        "{program:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}
