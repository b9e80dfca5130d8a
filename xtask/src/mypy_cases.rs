//! The mypy test-cases corpus (`cargo xtask corpus mypy-cases`): mypy's own
//! `test-data/unit/check-*.test` cases as a differential corpus for the
//! type checker and the fused mask.
//!
//! The pinned mypy's source distribution is fetched once into
//! `.cache/mypy-cases/sdist` (sha256-checked); `mypy_cases.py` extracts
//! every single-file case (which are skipped, and why, is in its header),
//! runs the real `mypy --strict` on them with the real typeshed for the
//! ground truth, then the checker (ananke-types' `typecheck` example); the
//! handled cases are force-fed through the fused mask of every domain by
//! `ananke corpus packages` (one folder per test file), and the report
//! compares the three: per test file and in total, to stdout and
//! `.cache/mypy-cases/report.md`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::{ananke_cli, cargo, ensure_mypy, run};

/// The source distribution of the pinned mypy (`crate::MYPY_VERSION`) and
/// its sha256.
const SDIST: &str = "mypy-2.4.1.tar.gz";
const SDIST_SHA256: &str = "63b590965691e540a335fa74dadf31a7069142f6b72e234689bbd244edf55623";

/// The tokenizer the mask runs on (one run: the corpus is large).
const TOKENIZER: &str = "cl100k_base";

/// `python mypy_cases.py STEP ARGS`, with the Python mypy runs on (the
/// extraction compiles each case with it: CPython 3.11).
fn step(root: &Path, name: &str) -> Result<Command> {
    corpus_script(
        root,
        concat!(include_str!("oracles.py"), include_str!("mypy_cases.py")),
        name,
    )
}

/// `python -c SCRIPT STEP` in the repository root, on the Python mypy runs
/// on (CPython 3.11): how xtask runs a corpus script (`script` holds
/// `oracles.py` first); the caller appends the step's arguments.
pub(crate) fn corpus_script(root: &Path, script: &str, name: &str) -> Result<Command> {
    let python = ensure_mypy(root)?.with_file_name("python");
    let mut command = Command::new(python);
    command.args(["-c", script, name]).current_dir(root);
    Ok(command)
}

/// `.cache/mypy-cases`, with every kept case extracted into `cases/` (one
/// folder per test file) and listed in `cases.json`. The sdist is
/// downloaded on first use (pip, no dependencies; only mypy itself from
/// source, so that pip prepares its metadata with wheels of its build
/// requirements instead of building them too) and checked at every
/// extraction.
pub(crate) fn ensure_cases(root: &Path) -> Result<PathBuf> {
    let base = root.join(".cache").join("mypy-cases");
    let sdist_dir = base.join("sdist");
    let sdist = sdist_dir.join(SDIST);
    std::fs::create_dir_all(&sdist_dir)?;
    if !sdist.is_file() {
        eprintln!("==> fetching mypy's source distribution ({SDIST}) — once");
        run(
            &format!("pip download {SDIST}"),
            crate::pip_download_into(root, &sdist_dir)?
                .args(["--no-binary", "mypy"])
                .arg(format!("mypy=={}", crate::MYPY_VERSION)),
        )?;
        if !sdist.is_file() {
            bail!("pip did not fetch {SDIST}: the mypy-cases corpus is pinned to that file");
        }
    }
    run(
        "extract mypy's test cases",
        step(root, "extract")?
            .arg(&sdist)
            .arg(SDIST_SHA256)
            .arg(&base),
    )?;
    Ok(base)
}

/// The `typecheck` example of ananke-types, built in the profile the
/// corpus commands use.
fn typecheck(root: &Path) -> Result<PathBuf> {
    run(
        "cargo build (typecheck example)",
        cargo(root).args([
            "build",
            "--quiet",
            "--profile",
            crate::GENERATION_PROFILE,
            "-p",
            "ananke-types",
            "--example",
            "typecheck",
        ]),
    )?;
    let profile_dir = match crate::GENERATION_PROFILE {
        "dev" => "debug",
        other => other,
    };
    let binary = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join(profile_dir)
        .join("examples")
        .join("typecheck");
    if !binary.is_file() {
        bail!("{} was not built", binary.display());
    }
    Ok(binary)
}

/// `cargo xtask corpus mypy-cases`: fetch and extract, mypy's verdict, the
/// checker's, the fused mask on every handled case (or `sample` of them,
/// spread evenly), then the report; fails while the checker reports a
/// false error or the mask rejects a case mypy accepts or an ill-typed
/// one before mypy's first error.
pub(crate) fn corpus(root: &Path, sample: Option<usize>, jobs: Option<usize>) -> Result<()> {
    let base = ensure_cases(root)?;
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mypy = ensure_mypy(root)?;
    run(
        "mypy --strict on every case",
        step(root, "mypy")?
            .arg(&mypy)
            .arg(&base)
            .arg(jobs.to_string()),
    )?;
    let typecheck = typecheck(root)?;
    run(
        "the checker on every case",
        step(root, "checker")?
            .arg(&typecheck)
            .arg(&base)
            .arg(jobs.to_string()),
    )?;
    let mut mask_dir = step(root, "mask-dir")?;
    mask_dir.arg(&base);
    if let Some(sample) = sample {
        mask_dir.arg(sample.to_string());
    }
    run("the cases to force-feed", &mut mask_dir)?;
    let mask_txt = base.join("mask.txt");
    feed_packages(
        root,
        &base.join("mask"),
        &mask_txt,
        jobs,
        "the handled cases",
    )?;
    let report = base.join("report.md");
    eprintln!("==> mypy-cases report");
    let status = step(root, "report")?
        .arg(&base)
        .arg(&mask_txt)
        .status()
        .context("could not start the mypy-cases report")?;
    match status.code() {
        Some(0) => Ok(()),
        // The report is written; what it found misses the targets.
        Some(1) => bail!(
            "the checker reports false errors or the mask rejects falsely or early (the \
             targets are none); every one is listed in {}",
            report.display()
        ),
        _ => bail!("the mypy-cases report failed ({status})"),
    }
}

/// `ananke corpus packages --dir DIR` on [`TOKENIZER`], its report
/// written to `report`: the rejections the corpus scripts read.
pub(crate) fn feed_packages(
    root: &Path,
    dir: &Path,
    report: &Path,
    jobs: usize,
    what: &str,
) -> Result<()> {
    let out =
        std::fs::File::create(report).with_context(|| format!("creating {}", report.display()))?;
    let step_name = format!("ananke corpus packages ({what}, {TOKENIZER})");
    eprintln!("==> {step_name}");
    let started = std::time::Instant::now();
    let status = ananke_cli(root)
        .args(["corpus", "packages", "--dir"])
        .arg(dir)
        .args(["--tokenizer", TOKENIZER, "--jobs", &jobs.to_string()])
        .stdout(Stdio::from(out))
        .status()
        .with_context(|| format!("could not start `{step_name}`"))?;
    eprintln!("    {step_name}: {:.1} s", started.elapsed().as_secs_f64());
    // 0: nothing rejected; 1: rejections, which the report sorts out.
    if !matches!(status.code(), Some(0 | 1)) {
        bail!(
            "`{step_name}` failed ({status}); its output is in {}",
            report.display()
        );
    }
    Ok(())
}
