//! The constructs of typed Python that real code uses (the coverage table
//! in ARCHITECTURE.md): one small program each in `tests/constructs/`,
//! which the pinned `mypy --strict` accepts, force-fed token by token
//! through the fused mask of every domain at the spec's defaults. A
//! construct a domain does not model must pass through it, never be
//! rejected.

use std::path::{Path, PathBuf};
use std::process::Command;

fn constructs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/constructs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_construct_mypy_accepts_is_accepted_by_every_domain() {
    let files = constructs();
    assert!(files.len() >= 30, "{} construct programs", files.len());
    // The ground truth: mypy --strict accepts every program.
    let mypy = std::env::var("ANANKE_MYPY")
        .expect("ANANKE_MYPY is not set: run `cargo xtask test`, which installs the pinned mypy");
    let out = Command::new(mypy)
        .args(["--strict", "--no-incremental", "--cache-dir", "/dev/null"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "mypy --strict rejects a construct program:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // One JSON Lines file of them, checked in one process.
    let records: String = files
        .iter()
        .map(|f| {
            let record = serde_json::json!({
                "id": f.file_stem().unwrap().to_string_lossy(),
                "source": std::fs::read_to_string(f).unwrap(),
            });
            format!("{record}\n")
        })
        .collect();
    let jsonl =
        std::env::temp_dir().join(format!("ananke-constructs-{}.jsonl", std::process::id()));
    std::fs::write(&jsonl, records).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ananke"))
        .args(["check", "--json", "--jsonl"])
        .arg(&jsonl)
        .output()
        .unwrap();
    std::fs::remove_file(&jsonl).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rejected: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("\"accepted\":false"))
        .collect();
    assert!(
        rejected.is_empty(),
        "rejected constructs:\n{}",
        rejected.join("\n")
    );
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains("\"accepted\":true"))
            .count(),
        files.len()
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
