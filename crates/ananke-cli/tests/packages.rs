//! `ananke corpus packages` on a CI-sized sample of the packages corpus:
//! strictly typed pure-Python distributions (`cargo xtask corpus packages`
//! runs every module), force-fed through the fused mask of every domain.

use std::process::Command;

/// Modules of the corpus's sorted list the sample takes, spread evenly: the
/// fewest that reach all six distributions.
const SAMPLE: &str = "16";

/// The distributions `cargo xtask` fetches into `ANANKE_PACKAGES_DIR`.
const DISTRIBUTIONS: &[&str] = &[
    "async-timeout",
    "mdurl",
    "packaging",
    "platformdirs",
    "result",
    "tomli",
];

#[test]
fn a_sample_of_every_distribution_is_accepted_by_every_domain() {
    let dir = std::env::var("ANANKE_PACKAGES_DIR").unwrap_or_else(|_| {
        panic!(
            "ANANKE_PACKAGES_DIR is not set: run `cargo xtask test`, which fetches the \
             packages corpus into .cache/packages/src and sets it (or set it to that folder \
             after `cargo xtask corpus packages`)"
        )
    });
    let out = Command::new(env!("CARGO_BIN_EXE_ananke"))
        .args([
            "corpus",
            "packages",
            "--dir",
            &dir,
            "--sample",
            SAMPLE,
            "--tokenizer",
            "cl100k_base",
        ])
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "every module of the sample is accepted\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("a sample of {SAMPLE}")),
        "{stdout}"
    );
    for dist in DISTRIBUTIONS {
        assert!(
            stdout.lines().any(|l| l.starts_with(&format!("{dist} "))),
            "the table has a row for {dist}\n{stdout}"
        );
    }
    assert!(stdout.contains("0 rejected"), "{stdout}");
}
