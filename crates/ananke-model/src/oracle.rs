//! The real oracles that judge a generated program: CPython's parser,
//! `mypy --strict`, and the record's tests in a fresh, limited subprocess.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::ModelError;
use crate::protocol::Task;

/// What the oracles say about one program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// CPython's `ast.parse` accepts it.
    pub parses: bool,
    /// `mypy --strict` exits 0 with no `error:` line.
    pub mypy_clean: bool,
    /// mypy's error codes, one entry per error.
    pub mypy_codes: Vec<String>,
    /// The tests exit 0 within the time limit.
    pub tests_pass: bool,
}

/// The oracle programs and a scratch directory.
#[derive(Debug)]
pub struct Oracles {
    python: PathBuf,
    mypy: PathBuf,
    scratch: PathBuf,
}

impl Oracles {
    /// Oracles that run `python` (CPython 3.11) and `mypy` (2.4.1), writing
    /// files under `scratch`.
    pub fn new(python: PathBuf, mypy: PathBuf, scratch: PathBuf) -> Result<Oracles, ModelError> {
        std::fs::create_dir_all(&scratch).map_err(|e| ModelError::io(&scratch, e))?;
        // The tools run inside the scratch directory: a relative path
        // (`.cache/venv/bin/mypy`) must not change meaning there.
        let absolute = |tool: PathBuf| {
            if tool.components().count() > 1 {
                std::fs::canonicalize(&tool).unwrap_or(tool)
            } else {
                tool
            }
        };
        let (python, mypy) = (absolute(python), absolute(mypy));
        for (tool, args) in [(&python, "--version"), (&mypy, "--version")] {
            let ok = Command::new(tool)
                .arg(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return Err(ModelError::Missing {
                    path: tool.clone(),
                    hint: "the oracles need python3 and mypy (`cargo xtask eval` installs mypy into .cache/venv)",
                });
            }
        }
        Ok(Oracles {
            python,
            mypy,
            scratch,
        })
    }

    /// Judges several programs of one task (one per name, such as an arm):
    /// mypy checks them in one run, each file on its own (they import
    /// nothing from each other).
    pub fn judge(
        &self,
        task: &Task,
        programs: &[(&str, &str)],
    ) -> Result<BTreeMap<String, Verdict>, ModelError> {
        let dir = self.scratch.join(sanitize(&task.id));
        std::fs::create_dir_all(&dir).map_err(|e| ModelError::io(&dir, e))?;
        let mut verdicts = BTreeMap::new();
        let mut files = Vec::new();
        for (name, program) in programs {
            let file = format!("{}.py", sanitize(name));
            let path = dir.join(&file);
            std::fs::write(&path, program).map_err(|e| ModelError::io(&path, e))?;
            let parses = self.run_python(
                &dir,
                &[
                    "-c",
                    "import ast, sys; ast.parse(open(sys.argv[1], encoding='utf-8').read())",
                    &file,
                ],
                None,
            );
            let tests_pass = parses && {
                let test_file = format!("test_{file}");
                let text = format!(
                    "{program}\n\n{}\n\ncheck({})\n",
                    task.tests, task.entry_point
                );
                let path = dir.join(&test_file);
                std::fs::write(&path, text).map_err(|e| ModelError::io(&path, e))?;
                self.run_python(&dir, &[&test_file], Some(10))
            };
            if parses {
                files.push(file.clone());
            }
            verdicts.insert(
                (*name).to_owned(),
                Verdict {
                    parses,
                    tests_pass,
                    ..Verdict::default()
                },
            );
        }
        if !files.is_empty() {
            let output = Command::new(&self.mypy)
                .current_dir(&dir)
                .args([
                    "--strict",
                    "--python-version",
                    "3.11",
                    "--no-error-summary",
                    "--show-error-codes",
                    "--hide-error-context",
                    "--show-column-numbers",
                    "--cache-dir",
                ])
                .arg(self.scratch.join(".mypy_cache"))
                .args(&files)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| ModelError::io(&self.mypy, e))?;
            let stdout = String::from_utf8_lossy(&output.stdout);
            if output.status.code().is_none_or(|c| c > 1) {
                return Err(ModelError::Task(format!(
                    "{}: mypy failed: {}{}",
                    task.id,
                    stdout,
                    String::from_utf8_lossy(&output.stderr)
                )));
            }
            for (name, verdict) in verdicts.iter_mut() {
                let prefix = format!("{}.py:", sanitize(name));
                if !verdict.parses {
                    continue;
                }
                verdict.mypy_codes = stdout
                    .lines()
                    .filter(|l| l.starts_with(&prefix) && l.contains(" error: "))
                    .map(|l| error_code(l).to_owned())
                    .collect();
                verdict.mypy_clean = verdict.mypy_codes.is_empty();
            }
        }
        Ok(verdicts)
    }

    /// Runs python in `dir` with no input and a 2 GiB address-space limit;
    /// true when it exits 0 (within `timeout` seconds, if given).
    fn run_python(&self, dir: &Path, args: &[&str], timeout: Option<u32>) -> bool {
        let mut script = String::from("ulimit -v 2097152; exec ");
        if let Some(seconds) = timeout {
            script.push_str(&format!("timeout -k 1 {seconds} "));
        }
        script.push_str("\"$0\" \"$@\"");
        Command::new("sh")
            .current_dir(dir)
            .arg("-c")
            .arg(script)
            .arg(&self.python)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

/// The `[code]` at the end of a mypy error line (`misc` if none).
fn error_code(line: &str) -> &str {
    line.trim_end()
        .strip_suffix(']')
        .and_then(|l| l.rsplit_once('['))
        .map_or("misc", |(_, code)| code)
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_read_from_the_line_end() {
        assert_eq!(
            error_code("a.py:3:5: error: Missing return statement  [empty-body]"),
            "empty-body"
        );
        assert_eq!(error_code("a.py:3:5: error: odd"), "misc");
        assert_eq!(sanitize("MBPP/3"), "MBPP_3");
    }
}
