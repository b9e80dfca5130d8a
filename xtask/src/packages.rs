//! The packages corpus (`cargo xtask corpus packages`): strictly typed
//! pure-Python distributions, pinned, fetched once into `.cache/packages`,
//! checked with `mypy --strict`, then force-fed through the fused mask of
//! every domain by `ananke corpus packages`.
//!
//! The six differ in style: async context managers (async-timeout), plain
//! functions and a `NamedTuple` (mdurl), classes, parsers and generics
//! (packaging), abstract base classes and properties (platformdirs),
//! generic-heavy code with `TypeVar` and `ParamSpec` (result), plain
//! functions and a parser (tomli).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::{ananke_cli, ensure_mypy, pip_download, run};

/// The distributions: `name==version`, the wheel pip fetches for it (pure
/// Python, `py3-none-any`) and the wheel's sha256.
const PACKAGES: &[(&str, &str, &str)] = &[
    (
        "async-timeout==5.0.1",
        "async_timeout-5.0.1-py3-none-any.whl",
        "39e3809566ff85354557ec2398b55e096c8364bacac9405a7a1fa429e77fe76c",
    ),
    (
        "mdurl==0.1.2",
        "mdurl-0.1.2-py3-none-any.whl",
        "84008a41e51615a49fc9966191ff91509e3c40b939176e643fd50a5c2196b8f8",
    ),
    (
        "packaging==26.3",
        "packaging-26.3-py3-none-any.whl",
        "d7193f7c8e4e93f444fde0262bf90af30e16fa0ad0ad44cb553c87339b23cd1c",
    ),
    (
        "platformdirs==4.3.6",
        "platformdirs-4.3.6-py3-none-any.whl",
        "73e575e1408ab8103900836b97580d5307456908a03e92031bab39e4554cc3fb",
    ),
    (
        "result==0.17.0",
        "result-0.17.0-py3-none-any.whl",
        "49fd668b4951ad15800b8ccefd98b6b94effc789607e19c65064b775570933e8",
    ),
    (
        "tomli==2.5.0",
        "tomli-2.5.0-py3-none-any.whl",
        "32a7b79ac57a2e83670ce329ccf675798bc5a2094783a63676866b70503f2e2b",
    ),
];

/// What pip is told besides the pin: the pure-Python wheel, whatever the
/// machine (tomli also ships compiled ones, which pip would prefer).
const PURE_PYTHON: &[&str] = &["--platform", "any", "--python-version", "3.11"];

/// The distribution's folder name: its name as pinned.
fn dist_name(package: &str) -> &str {
    package.split_once("==").map_or(package, |(name, _)| name)
}

/// The `*.dist-info` folder a wheel holds: `name-version` from the wheel's
/// file name.
fn dist_info(wheel: &str) -> String {
    let mut parts = wheel.splitn(3, '-');
    let name = parts.next().unwrap_or_default();
    let version = parts.next().unwrap_or_default();
    format!("{name}-{version}.dist-info")
}

/// `.cache/packages/src`, one folder per pinned distribution (the
/// unzipped wheel), each wheel downloaded into `.cache/packages/wheels`
/// (pip, no dependencies) and its sha256 checked on first use; folders of
/// distributions no longer pinned are removed.
pub(crate) fn ensure_packages(root: &Path) -> Result<PathBuf> {
    let base = root.join(".cache").join("packages");
    let wheels = base.join("wheels");
    let src = base.join("src");
    std::fs::create_dir_all(&wheels)?;
    std::fs::create_dir_all(&src)?;
    for &(package, wheel, sha256) in PACKAGES {
        let out = src.join(dist_name(package));
        if out.join(dist_info(wheel)).is_dir() {
            continue;
        }
        let file = wheels.join(wheel);
        if !file.is_file() {
            eprintln!("==> fetching {package} — once");
            pip_download(root, package, &wheels, PURE_PYTHON)?;
            if !file.is_file() {
                bail!(
                    "pip did not fetch {wheel} for {package}: the packages corpus is pinned to \
                     that wheel"
                );
            }
        }
        run(
            &format!("check and unzip {wheel}"),
            Command::new("python3")
                .args(["-c", include_str!("fetch.py"), "wheel"])
                .arg(&file)
                .arg(sha256)
                .arg(&out),
        )?;
    }
    let pinned: Vec<&str> = PACKAGES.iter().map(|(p, _, _)| dist_name(p)).collect();
    for entry in std::fs::read_dir(&src)? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() && !pinned.contains(&name.as_ref()) {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(src)
}

/// What `mypy --strict` said about one distribution.
struct MypyVerdict {
    dist: String,
    errors: usize,
    /// The error lines about imports mypy cannot resolve (a third-party
    /// module without stubs), wherever they are: `Any` to Ananke.
    unresolved_imports: Vec<String>,
    /// The other error lines inside a function's body.
    in_bodies: Vec<String>,
    /// The other error lines outside (signatures, module level).
    elsewhere: Vec<String>,
}

/// Runs the pinned `mypy --strict` over each distribution's code (its
/// folders and modules but the `*.dist-info`), from the distribution's
/// folder, and counts the errors inside function bodies (`mypy_bodies.py`
/// reads each module's AST), imports it cannot resolve apart; prints a
/// table and those errors. Returns the modules (`dist/path`, as `ananke
/// corpus packages` names them) with an error outside function bodies
/// (a signature mypy rejects: the mask may rightly reject the module).
fn mypy_report(root: &Path, src: &Path) -> Result<Vec<String>> {
    let mypy = ensure_mypy(root)?;
    let cache = root.join(".cache").join("packages").join("mypy_cache");
    let mut verdicts = Vec::new();
    for &(package, _, _) in PACKAGES {
        let dist = src.join(dist_name(package));
        let mut targets: Vec<String> = std::fs::read_dir(&dist)
            .with_context(|| format!("listing {}", dist.display()))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".dist-info"))
            .collect();
        targets.sort();
        let step = format!("mypy --strict ({package})");
        eprintln!("==> {step}");
        let output = Command::new(&mypy)
            .current_dir(&dist)
            .args([
                "--strict",
                "--no-error-summary",
                "--show-error-codes",
                "--no-pretty",
                "--no-color-output",
            ])
            .arg("--cache-dir")
            .arg(&cache)
            .args(&targets)
            .output()
            .with_context(|| format!("could not start `{step}`"))?;
        // 0: no error; 1: errors reported; anything else: mypy failed.
        if !matches!(output.status.code(), Some(0 | 1)) {
            bail!(
                "`{step}` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        verdicts.push(in_bodies(dist_name(package), &dist, &output.stdout)?);
    }
    println!(
        "\nmypy --strict (mypy {}): errors, imports it cannot resolve, other errors inside \
         function bodies\n{:<14} {:>7} {:>11} {:>10}",
        crate::MYPY_VERSION,
        "package",
        "errors",
        "unresolved",
        "in bodies"
    );
    for v in &verdicts {
        println!(
            "{:<14} {:>7} {:>11} {:>10}",
            v.dist,
            v.errors,
            v.unresolved_imports.len(),
            v.in_bodies.len()
        );
    }
    for v in &verdicts {
        for line in &v.unresolved_imports {
            println!("  {} (unresolved import): {line}", v.dist);
        }
        for line in &v.in_bodies {
            println!("  {} (in a body): {line}", v.dist);
        }
        for line in &v.elsewhere {
            println!("  {} (outside bodies): {line}", v.dist);
        }
    }
    println!();
    let mut rejected: Vec<String> = verdicts
        .iter()
        .flat_map(|v| {
            v.elsewhere.iter().filter_map(|line| {
                let path = line.split(':').next()?;
                Some(format!("{}/{path}", v.dist))
            })
        })
        .collect();
    rejected.sort();
    rejected.dedup();
    Ok(rejected)
}

/// Sorts mypy's error lines for one distribution with `mypy_bodies.py`.
fn in_bodies(dist: &str, dir: &Path, mypy_output: &[u8]) -> Result<MypyVerdict> {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args(["-c", include_str!("mypy_bodies.py")])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("could not start python3")?;
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(mypy_output)?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!("mypy_bodies.py failed on {dist} ({})", output.status);
    }
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("reading mypy_bodies.py's answer")?;
    let lines = |key: &str| -> Vec<String> {
        json[key]
            .as_array()
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(|l| l.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(MypyVerdict {
        dist: dist.to_owned(),
        errors: json["errors"].as_u64().unwrap_or_default() as usize,
        unresolved_imports: lines("unresolved_imports"),
        in_bodies: lines("in_bodies"),
        elsewhere: lines("elsewhere"),
    })
}

/// `cargo xtask corpus packages`: fetch, mypy's verdict, then
/// `ananke corpus packages` on both tokenizers with llguidance (every
/// module, or `sample` of them).
pub(crate) fn corpus(root: &Path, sample: Option<usize>, jobs: Option<usize>) -> Result<()> {
    let src = ensure_packages(root)?;
    let mypy_rejects = mypy_report(root, &src)?;
    let mut command = ananke_cli(root);
    command.args(["corpus", "packages", "--dir"]).arg(&src);
    // Modules mypy --strict rejects in a signature are not the mask's to
    // accept (`crates/ananke-cli/tests/packages.rs` checks it rejects them).
    for module in &mypy_rejects {
        command.args(["--skip", module]);
    }
    if let Some(sample) = sample {
        command.args(["--sample", &sample.to_string()]);
    }
    if let Some(jobs) = jobs {
        command.args(["--jobs", &jobs.to_string()]);
    }
    run("ananke corpus packages (llguidance)", &mut command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_pins() {
        assert_eq!(dist_name("async-timeout==5.0.1"), "async-timeout");
        assert_eq!(
            dist_info("async_timeout-5.0.1-py3-none-any.whl"),
            "async_timeout-5.0.1.dist-info"
        );
        for (package, wheel, sha256) in PACKAGES {
            let version = package.split_once("==").unwrap().1;
            assert!(wheel.ends_with("-py3-none-any.whl"), "{wheel}");
            assert!(
                dist_info(wheel).contains(&format!("-{version}.")),
                "{wheel}"
            );
            assert_eq!(sha256.len(), 64);
        }
    }
}
