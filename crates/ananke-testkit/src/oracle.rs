//! The external oracles: CPython (`python3`) and `mypy --strict`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The CPython that judges syntax: `ANANKE_PYTHON`, else `python3` on the
/// `PATH`.
pub fn python() -> PathBuf {
    std::env::var_os("ANANKE_PYTHON").map_or_else(|| PathBuf::from("python3"), PathBuf::from)
}

/// Runs a Python `script` on `stdin` with [`python`]; its standard output.
///
/// # Panics
///
/// When Python cannot start or the script fails.
pub fn run_python(script: &str, stdin: &str) -> String {
    crate::run(Command::new(python()).arg("-c").arg(script), stdin)
}

/// mypy 2.4.1: `ANANKE_MYPY`, else `.cache/venv/bin/mypy` (what `cargo
/// xtask test` installs), else `mypy` on the `PATH`.
pub fn mypy() -> PathBuf {
    if let Some(path) = std::env::var_os("ANANKE_MYPY") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/venv/bin/mypy");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("mypy")
}

/// One error `mypy --strict` reports.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MypyError {
    /// 1-based line.
    pub line: u32,
    /// Its error code (`return-value`), or empty.
    pub code: String,
    /// The whole line mypy printed.
    pub text: String,
}

/// What `mypy --strict --python-version 3.11` reports for each of `files`
/// (every file has an entry), run from `dir` with no cache, each error
/// with its code. Files CPython cannot compile are reported by CPython
/// instead (one error on the line it names, code `syntax`), and mypy does
/// not see them: it stops at a file it cannot parse. Such a file gets
/// CPython's error only, even where CPython's complaint is one mypy reports
/// among others (`await` outside a coroutine), so a test that needs mypy's
/// other errors keeps that construct in a file of its own.
///
/// # Panics
///
/// When mypy cannot run or crashes.
pub fn mypy_errors(dir: &Path, files: &[PathBuf]) -> BTreeMap<PathBuf, Vec<MypyError>> {
    let mut errors: BTreeMap<PathBuf, Vec<MypyError>> =
        files.iter().map(|f| (f.clone(), Vec::new())).collect();
    let script = "import sys\nfor f in sys.argv[1:]:\n    try:\n        compile(open(f, encoding='utf-8').read(), f, 'exec')\n    except (SyntaxError, ValueError) as e:\n        print(f + '\\t' + str(getattr(e, 'lineno', 0) or 0) + '\\t' + repr(e))\n";
    let compiled = crate::run(
        Command::new(python())
            .current_dir(dir)
            .arg("-c")
            .arg(script)
            .args(files),
        "",
    );
    for line in compiled.lines() {
        let mut parts = line.splitn(3, '\t');
        if let (Some(file), Some(number), Some(message)) =
            (parts.next(), parts.next(), parts.next())
        {
            errors
                .entry(PathBuf::from(file))
                .or_default()
                .push(MypyError {
                    line: number.parse().unwrap_or(0),
                    code: "syntax".into(),
                    text: format!("CPython: {message}"),
                });
        }
    }
    let remaining: Vec<&PathBuf> = files
        .iter()
        .filter(|f| errors.get(*f).is_none_or(Vec::is_empty))
        .collect();
    if remaining.is_empty() {
        return errors;
    }
    let output = Command::new(mypy())
        .current_dir(dir)
        .args(["--strict", "--python-version", "3.11", "--no-error-summary"])
        .args(["--show-error-codes", "--hide-error-context"])
        .args(["--cache-dir", "/dev/null"])
        .args(&remaining)
        .output()
        .expect("mypy 2.4.1 runs (cargo xtask test installs it; or set ANANKE_MYPY)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "mypy failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in stdout.lines().filter(|l| l.contains(": error:")) {
        let mut parts = line.splitn(3, ':');
        let (Some(file), Some(number)) = (parts.next(), parts.next()) else {
            continue;
        };
        let code = line
            .rsplit_once('[')
            .and_then(|(_, c)| c.strip_suffix(']'))
            .unwrap_or_default()
            .to_owned();
        errors
            .entry(PathBuf::from(file))
            .or_default()
            .push(MypyError {
                line: number.parse().unwrap_or(0),
                code,
                text: line.to_owned(),
            });
    }
    errors
}
