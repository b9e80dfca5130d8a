//! `cargo xtask model-errors`: the type errors the model makes, as a
//! differential corpus for the fused mask.
//!
//! 1. `ananke sample` decodes every MBPP prompt without constraints, once
//!    per run (greedy, then top-p sampling at several temperatures and
//!    seeds), into `.cache/model-errors/programs/<run>/<task>.py`; a
//!    program already there is kept, so the loop resumes and a second run
//!    costs no decoding.
//! 2. `model_errors.py truth`: CPython compiles each program or not, and
//!    the pinned `mypy --strict` gives its errors.
//! 3. `ananke corpus packages` force-feeds every program through every
//!    domain at spec defaults (each run's folder is one "package").
//! 4. `model_errors.py report`: the catch rate (per run and per mypy error
//!    code), the false rejections and every miss, in
//!    `.cache/model-errors/report.md`. It fails while a program mypy
//!    accepts is rejected.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{ananke_cli, ensure_model, ensure_mypy, run};

/// The decoding runs when `--runs` names none: greedy, then three seeds
/// at each of two temperatures — 7 × 264 programs on MBPP.
pub(crate) const DEFAULT_RUNS: &str = "greedy,0.7:1,0.7:2,0.7:3,1.0:1,1.0:2,1.0:3";

/// One decoding run: greedy, or top-p at a temperature with a seed.
#[derive(Debug, PartialEq)]
struct DecodingRun {
    temperature: f64,
    seed: u64,
}

impl DecodingRun {
    /// `greedy` or `TEMPERATURE:SEED`.
    fn parse(text: &str) -> Result<DecodingRun> {
        if text == "greedy" {
            return Ok(DecodingRun {
                temperature: 0.0,
                seed: 1,
            });
        }
        let bad = || format!("`{text}` is not a run: write `greedy` or TEMPERATURE:SEED (`0.7:1`)");
        let (t, s) = text.split_once(':').with_context(bad)?;
        let temperature: f64 = t.parse().ok().with_context(bad)?;
        let seed: u64 = s.parse().ok().with_context(bad)?;
        if !(temperature > 0.0 && temperature <= 2.0) {
            bail!("`{text}`: the temperature must be above 0 and at most 2 (`greedy` for 0)");
        }
        Ok(DecodingRun { temperature, seed })
    }

    /// The run's folder name: `greedy` or `t0.7-s1`.
    fn folder(&self) -> String {
        if self.temperature == 0.0 {
            "greedy".into()
        } else {
            format!("t{:?}-s{}", self.temperature, self.seed)
        }
    }
}

/// `python model_errors.py STEP ARGS` (with the shared `oracles.py`
/// before it), on the Python mypy runs on: CPython 3.11.
fn step(root: &Path, name: &str) -> Result<Command> {
    crate::mypy_cases::corpus_script(
        root,
        concat!(include_str!("oracles.py"), include_str!("model_errors.py")),
        name,
    )
}

/// The whole loop (see the module doc): decode what is missing, judge,
/// force-feed, report; fails while a mypy-clean program is rejected.
pub(crate) fn model_errors(
    root: &Path,
    jsonl: Option<PathBuf>,
    runs: &str,
    limit: Option<usize>,
    jobs: Option<usize>,
) -> Result<()> {
    let runs: Vec<DecodingRun> = runs
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(DecodingRun::parse)
        .collect::<Result<_>>()?;
    if runs.is_empty() {
        bail!("--runs names no run");
    }
    let jsonl = jsonl.unwrap_or_else(|| root.join("../shared/data/mbpp_typed.jsonl"));
    let base = root.join(".cache").join("model-errors");
    let programs = base.join("programs");
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let model = ensure_model(root)?;
    let mypy = ensure_mypy(root)?;
    let fed = base.join("fed");
    let _ = std::fs::remove_dir_all(&fed);
    for decoding in &runs {
        let folder = programs.join(decoding.folder());
        let mut sample = ananke_cli(root);
        sample
            .arg("sample")
            .arg("--jsonl")
            .arg(&jsonl)
            .arg("--out")
            .arg(&folder)
            .args(["--temperature", &decoding.temperature.to_string()])
            .args(["--seed", &decoding.seed.to_string()])
            .env(
                "ANANKE_MODEL_DIR",
                model.parent().expect("the model file has a directory"),
            );
        if let Some(limit) = limit {
            sample.args(["--limit", &limit.to_string()]);
        }
        let listed = crate::output(
            &format!("ananke sample ({})", decoding.folder()),
            &mut sample,
        )?;
        let to = fed.join(decoding.folder());
        std::fs::create_dir_all(&to).with_context(|| format!("creating {}", to.display()))?;
        for line in listed.lines().filter(|l| l.ends_with(".py")) {
            let path = Path::new(line);
            let name = path.file_name().context("a program path has a file name")?;
            std::fs::copy(path, to.join(name))
                .with_context(|| format!("copying {}", path.display()))?;
        }
    }
    run(
        "CPython and mypy --strict on every program",
        step(root, "truth")?
            .arg(&mypy)
            .arg(&base)
            .arg(jobs.to_string()),
    )?;
    let mask_txt = base.join("mask.txt");
    crate::mypy_cases::feed_packages(root, &fed, &mask_txt, jobs, "the programs")?;
    eprintln!("==> model-errors report");
    let status = step(root, "report")?
        .arg(&base)
        .arg(&mask_txt)
        .arg(&jsonl)
        .status()
        .context("could not start the model-errors report")?;
    match status.code() {
        Some(0) => Ok(()),
        Some(1) => bail!(
            "the mask rejects programs mypy accepts (the target is none); each is listed in {}",
            base.join("report.md").display()
        ),
        _ => bail!("the model-errors report failed ({status})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_greedy_or_a_temperature_and_a_seed() {
        let greedy = DecodingRun::parse("greedy").unwrap();
        assert_eq!(greedy.folder(), "greedy");
        let sampled = DecodingRun::parse("0.7:3").unwrap();
        assert_eq!((sampled.temperature, sampled.seed), (0.7, 3));
        assert_eq!(sampled.folder(), "t0.7-s3");
        assert_eq!(DecodingRun::parse("1:2").unwrap().folder(), "t1.0-s2");
        for bad in ["0.7", "hot:1", "0.7:x", "0:1", "3:1"] {
            assert!(DecodingRun::parse(bad).is_err(), "{bad}");
        }
        for run in DEFAULT_RUNS.split(',') {
            DecodingRun::parse(run).unwrap();
        }
    }
}
