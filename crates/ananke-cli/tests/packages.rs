//! `ananke corpus packages` on a CI-sized sample of the packages corpus:
//! strictly typed pure-Python distributions (`cargo xtask corpus packages`
//! runs every module), force-fed through the fused mask of every domain.

use std::process::Command;

/// Modules of the corpus's sorted list the sample takes, spread evenly: the
/// fewest that reach all six distributions.
const SAMPLE: &str = "16";

/// The modules `mypy --strict` rejects outside function bodies, where the
/// mask may rightly reject them too: not in the sample, and checked apart.
/// mdurl's `_decode.py` annotates a parameter `re.Match`, a generic class
/// without its type arguments (`type-arg`).
const MYPY_REJECTS: &[(&str, &str)] = &[(
    "mdurl/mdurl/_decode.py",
    "Missing type arguments for generic type \"re.Match\"  [type-arg]",
)];

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
    let mut command = Command::new(env!("CARGO_BIN_EXE_ananke"));
    command.args([
        "corpus",
        "packages",
        "--dir",
        &dir,
        "--sample",
        SAMPLE,
        "--tokenizer",
        "cl100k_base",
    ]);
    for (module, _) in MYPY_REJECTS {
        command.args(["--skip", module]);
    }
    let out = command.output().expect("the binary runs");
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

#[test]
fn a_module_mypy_rejects_in_a_signature_is_rejected_for_that_error() {
    let dir = std::env::var("ANANKE_PACKAGES_DIR").expect("set by `cargo xtask test`");
    for (module, error) in MYPY_REJECTS {
        let alone = std::env::temp_dir().join(format!(
            "ananke-packages-{}-{}",
            std::process::id(),
            module.replace('/', "_")
        ));
        let target = alone.join(module);
        std::fs::create_dir_all(target.parent().expect("a folder")).expect("a scratch folder");
        std::fs::copy(std::path::Path::new(&dir).join(module), &target).expect("the module");
        let out = Command::new(env!("CARGO_BIN_EXE_ananke"))
            .args(["corpus", "packages", "--tokenizer", "cl100k_base", "--dir"])
            .arg(&alone)
            .output()
            .expect("the binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        std::fs::remove_dir_all(&alone).ok();
        assert_eq!(out.status.code(), Some(1), "{module} is rejected\n{stdout}");
        assert!(stdout.contains("1 rejected"), "{stdout}");
        assert!(
            stdout.contains(error),
            "{module} is rejected for {error}\n{stdout}"
        );
    }
}
