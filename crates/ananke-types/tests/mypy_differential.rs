//! The checker against mypy --strict: on the typed MBPP corpus (whose mypy
//! verdicts the data records) and on hand-written programs that run
//! through the real mypy (2.4.1, installed by `cargo xtask test` or CI).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ananke_testkit::{mutants, mypy_errors, typed_programs};
use ananke_types::check_source;

#[test]
fn no_errors_on_the_programs_mypy_accepts() {
    let programs = typed_programs();
    assert_eq!(programs.len(), 264);
    let mut false_positives = Vec::new();
    for program in &programs {
        let diagnostics = check_source(&program.source).expect("the corpus parses");
        for d in diagnostics {
            false_positives.push(format!("{} {d}", program.id));
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
    let mutants = mutants();
    assert_eq!(mutants.len(), 737);
    let mut per_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for mutant in &mutants {
        let bad_line = mutant.line() as u32;
        let caught = check_source(&mutant.source)
            .expect("mutants parse")
            .iter()
            .any(|d| d.line == bad_line);
        let entry = per_kind.entry(mutant.kind.clone()).or_default();
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

/// Error lines per file, as mypy --strict reports them.
fn mypy_error_lines(files: &[PathBuf]) -> BTreeMap<PathBuf, BTreeSet<u32>> {
    let scratch = std::env::temp_dir().join(format!("ananke-mypy-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    mypy_errors(&scratch, files)
        .into_iter()
        .map(|(file, errors)| (file, errors.iter().map(|e| e.line).collect()))
        .collect()
}

fn programs(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/programs")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "py"))
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
