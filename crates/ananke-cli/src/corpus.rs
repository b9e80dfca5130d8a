//! `ananke corpus`: real Python, force-fed token by token, must be
//! accepted at every token and at its end. A false rejection forces a model
//! off correct code.
//!
//! - `stdlib`: every module of the standard library of the `python3` in
//!   use, through the syntax domain alone (the shipped Python grammar, no
//!   other domain): the grammar must never reject what CPython accepts.
//!   Only committing is checked (no masks), which is what makes the whole
//!   library affordable.
//! - `packages`: strictly typed pure-Python packages, one folder per
//!   distribution (an unzipped wheel) in `--dir` (`cargo xtask corpus
//!   packages` fetches the pinned six), every module through the fused
//!   session with every domain at the spec's defaults, as `ananke check`
//!   force-feeds a program (its `compile` and `force_feed`): the fused mask
//!   is computed before each token, which must be in it and commit, and
//!   the module must be able to end. Imports the type checker cannot
//!   resolve (siblings, third-party packages) are `Any`, so a module that
//!   `mypy --strict` accepts must be accepted whole.
//!
//! It is a module of its own because it reads files instead of records,
//! runs modules on several threads, and reports by package folder or
//! distribution.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use ananke_core::{DynConstraint, DynDomain, Satisfiability, StepContext, Vocabulary};
use ananke_runtime::{Ananke, Spec};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

/// The corpora `ananke corpus` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CorpusName {
    /// Every `.py` module of the standard library of the `python3` on the
    /// PATH, without test suites and `site-packages`, through the syntax
    /// domain alone.
    Stdlib,
    /// Every `.py` module of the distributions in `--dir` (one folder per
    /// distribution: an unzipped wheel), through the fused mask of every
    /// domain.
    Packages,
}

/// Arguments of `ananke corpus`.
#[derive(Args)]
pub struct CorpusArgs {
    /// The corpus to force-feed.
    corpus: CorpusName,
    /// Tokenizers, comma-separated; each is a run of its own.
    #[arg(long, value_delimiter = ',', default_value = "cl100k_base,o200k_base")]
    tokenizer: Vec<String>,
    /// Grammar backend: llguidance or xgrammar.
    #[arg(long, default_value = "llguidance")]
    backend: String,
    /// Only N modules, spread evenly over the sorted list (the same N
    /// always picks the same modules).
    #[arg(long)]
    sample: Option<usize>,
    /// Modules force-fed at once (default: the cores available).
    #[arg(long)]
    jobs: Option<usize>,
    /// The packages corpus: a folder with one folder per distribution
    /// (an unzipped wheel; its `*.dist-info` folder gives the version).
    #[arg(long, value_name = "DIR", required_if_eq("corpus", "packages"))]
    dir: Option<PathBuf>,
    /// A module not to force-feed (repeatable), named as the report names
    /// it: its path relative to `--dir`, such as
    /// `packaging/packaging/licenses/_spdx.py`. It is reported as skipped.
    #[arg(long = "skip", value_name = "PATH")]
    skip: Vec<String>,
}

/// One module of the corpus.
struct Module {
    /// Relative to the corpus root, with `/` separators.
    name: String,
    /// Top-level folder (the distribution, in the packages corpus), or
    /// `(top)` for a module directly in the root.
    package: String,
    source: String,
}

/// Modules skipped, each with why.
type Skipped = Vec<(String, String)>;

/// The corpus as read: the modules to feed and those skipped, with why.
struct Corpus {
    /// What the report's first line calls it.
    title: String,
    modules: Vec<Module>,
    skipped: Skipped,
    /// The packages corpus: each distribution folder's version (`?` when
    /// its metadata does not say).
    versions: Option<BTreeMap<String, String>>,
}

/// Folders that hold no library code: test suites (some of whose data
/// files are deliberately broken) and installed third-party packages.
const SKIPPED_FOLDERS: &[&str] = &["site-packages", "test", "tests", "idle_test", "__pycache__"];

/// Prints the standard-library root and the version of `python3`.
const FIND_STDLIB: &str =
    "import sys, sysconfig; print(sysconfig.get_paths()['stdlib']); print(sys.version.split()[0])";

/// Reads paths on stdin and prints those CPython cannot compile.
const UNCOMPILABLE: &str = r#"
import sys
for path in sys.stdin.read().splitlines():
    try:
        with open(path, "rb") as f:
            compile(f.read(), path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        print(path)
"#;

fn python(script: &str, stdin: &str) -> Result<String, String> {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    let mut input = child.stdin.take().expect("stdin is piped");
    input
        .write_all(stdin.as_bytes())
        .map_err(|e| format!("cannot write to python3: {e}"))?;
    drop(input);
    let output = child
        .wait_with_output()
        .map_err(|e| format!("python3 failed: {e}"))?;
    if !output.status.success() {
        return Err(format!("python3 failed ({})", output.status));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("python3 wrote non-UTF-8: {e}"))
}

/// The `.py` files below `dir`, not descending into folders `skip_folder`
/// names.
fn collect_files(
    dir: &Path,
    skip_folder: fn(&str) -> bool,
    found: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() {
            if !skip_folder(&name) {
                collect_files(&path, skip_folder, found)?;
            }
        } else if name.ends_with(".py") {
            found.push(path);
        }
    }
    Ok(())
}

/// The top-level folder of `name` (a `/`-separated relative path).
fn package_of(name: &str) -> String {
    match name.split_once('/') {
        Some((folder, _)) => folder.to_owned(),
        None => "(top)".to_owned(),
    }
}

/// `path` relative to `root`, with `/` separators.
fn relative_name(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads `files` (below `root`) into modules, skipping those CPython
/// cannot compile, those not UTF-8 and those `skip` names (each of which
/// must name one).
fn read_modules(
    root: &Path,
    mut files: Vec<PathBuf>,
    skip: &[String],
) -> Result<(Vec<Module>, Skipped), String> {
    files.sort();
    let listed: String = files.iter().map(|p| format!("{}\n", p.display())).collect();
    let uncompilable: Vec<PathBuf> = python(UNCOMPILABLE, &listed)?
        .lines()
        .map(PathBuf::from)
        .collect();
    let names: Vec<String> = files.iter().map(|p| relative_name(root, p)).collect();
    if let Some(unknown) = skip.iter().find(|s| !names.contains(s)) {
        return Err(format!(
            "--skip {unknown}: no such module in {} (name it by its path relative to that folder)",
            root.display()
        ));
    }
    let (mut modules, mut skipped) = (Vec::new(), Vec::new());
    for (path, name) in files.into_iter().zip(names) {
        if skip.contains(&name) {
            skipped.push((name, "--skip names it".to_owned()));
            continue;
        }
        if uncompilable.contains(&path) {
            skipped.push((name, "CPython cannot compile it".to_owned()));
            continue;
        }
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        match String::from_utf8(bytes) {
            Ok(source) => modules.push(Module {
                package: package_of(&name),
                name,
                source,
            }),
            Err(_) => skipped.push((name, "not UTF-8".to_owned())),
        }
    }
    Ok((modules, skipped))
}

fn read_stdlib() -> Result<Corpus, String> {
    let found = python(FIND_STDLIB, "")?;
    let mut lines = found.lines();
    let root = PathBuf::from(lines.next().unwrap_or_default().trim());
    let python_version = lines.next().unwrap_or_default().trim().to_owned();
    let mut files = Vec::new();
    collect_files(&root, |name| SKIPPED_FOLDERS.contains(&name), &mut files)?;
    let (modules, skipped) = read_modules(&root, files, &[])?;
    Ok(Corpus {
        title: format!(
            "standard library of Python {python_version} at {}",
            root.display()
        ),
        modules,
        skipped,
        versions: None,
    })
}

/// The `Version:` field of the `METADATA` in a `*.dist-info` folder of
/// `dist`.
fn dist_version(dist: &Path) -> Option<String> {
    let info = std::fs::read_dir(dist)
        .ok()?
        .flatten()
        .find(|e| e.path().is_dir() && e.file_name().to_string_lossy().ends_with(".dist-info"))?;
    let metadata = std::fs::read_to_string(info.path().join("METADATA")).ok()?;
    metadata
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("Version:"))
        .map(|v| v.trim().to_owned())
}

/// The distributions in `dir`: every folder in it (not hidden), each an
/// unzipped wheel.
fn read_packages(dir: &Path, skip: &[String]) -> Result<Corpus, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut dists: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    dists.sort();
    if dists.is_empty() {
        return Err(format!(
            "{} holds no distribution folders (unzipped wheels)",
            dir.display()
        ));
    }
    let mut versions = BTreeMap::new();
    let mut files = Vec::new();
    for dist in &dists {
        versions.insert(
            relative_name(dir, dist),
            dist_version(dist).unwrap_or_else(|| "?".to_owned()),
        );
        collect_files(
            dist,
            |name| name.ends_with(".dist-info") || name == "__pycache__",
            &mut files,
        )?;
    }
    let (modules, skipped) = read_modules(dir, files, skip)?;
    Ok(Corpus {
        title: format!("{} distributions in {}", dists.len(), dir.display()),
        modules,
        skipped,
        versions: Some(versions),
    })
}

/// `n` indices spread evenly over `0..len` (all of them when `n >= len`).
fn sample_indices(len: usize, n: Option<usize>) -> Vec<usize> {
    match n {
        Some(n) if n < len => (0..n).map(|i| i * len / n).collect(),
        _ => (0..len).collect(),
    }
}

/// Where and why a module was rejected.
struct Rejection {
    offset: usize,
    /// The rejecting domains, comma-separated (the fused run only: the
    /// syntax run has one domain).
    domains: Option<String>,
    reason: String,
}

/// What force-feeding one module found.
struct Fed {
    tokens: usize,
    rejection: Option<Rejection>,
    /// Wall time of the module.
    seconds: f64,
}

/// How a run force-feeds one module: what every worker shares, and what
/// each worker holds of its own.
trait Feeder: Sync {
    /// A worker's own state, made on its thread.
    type Worker;
    fn worker(&self) -> Result<Self::Worker, String>;
    fn feed(&self, worker: &Self::Worker, source: &str) -> Result<Fed, String>;
}

/// The syntax domain of a compiled spec, its start, and the vocabulary:
/// what every worker shares.
struct Syntax {
    domain: Arc<dyn DynDomain>,
    start: DynConstraint,
    ananke: Ananke,
}

impl Syntax {
    fn new(tokenizer: &str, backend: &str) -> Result<Syntax, String> {
        let mut spec = Spec::python(tokenizer);
        spec.syntax.backend = backend.to_owned();
        let ananke = Ananke::with_domains(&spec, &["syntax"]).map_err(|e| e.to_string())?;
        let product = ananke.product();
        let id = product
            .id_of("syntax")
            .ok_or("the spec composed no syntax domain")?;
        let domain = product
            .domain(id)
            .expect("the id comes from the product")
            .clone();
        let session = ananke.session().map_err(|e| e.to_string())?;
        let start = session
            .state()
            .component(id)
            .expect("the id comes from the product")
            .clone();
        Ok(Syntax {
            domain,
            start,
            ananke,
        })
    }

    fn vocabulary(&self) -> &Vocabulary {
        self.ananke.vocab().vocabulary()
    }
}

impl Feeder for Syntax {
    /// The worker's fork of the start: a lineage of its own.
    type Worker = DynConstraint;

    fn worker(&self) -> Result<DynConstraint, String> {
        self.domain.fork(&self.start).map_err(|e| e.to_string())
    }

    /// Commits every token of `source`, then asks whether the end is
    /// accepted.
    fn feed(&self, start: &DynConstraint, source: &str) -> Result<Fed, String> {
        let started = Instant::now();
        let error = |e: ananke_core::Error| e.to_string();
        let vocab = self.vocabulary();
        let ctx = StepContext::new(vocab);
        let tokens = self.ananke.vocab().encode(source);
        let mut state = self.domain.fork(start).map_err(error)?;
        let mut offset = 0;
        for &token in &tokens {
            let next = self.domain.observe(&state, token, ctx).map_err(error)?;
            if next.is_bottom() {
                let reason = self
                    .domain
                    .explain(&state, token, ctx)
                    .map_err(error)?
                    .unwrap_or_else(|| "the grammar rejects the token".to_owned());
                return Ok(Fed {
                    tokens: tokens.len(),
                    rejection: Some(Rejection {
                        offset,
                        domains: None,
                        reason,
                    }),
                    seconds: started.elapsed().as_secs_f64(),
                });
            }
            state = next;
            offset += vocab.token_bytes(token).map_or(0, <[u8]>::len);
        }
        let rejection = match self.domain.satisfiability(&state).map_err(error)? {
            Satisfiability::Sat => None,
            _ => {
                let why = match vocab.eos().first() {
                    Some(&eos) => self.domain.explain(&state, eos, ctx).map_err(error)?,
                    None => None,
                };
                Some(Rejection {
                    offset,
                    domains: None,
                    reason: format!(
                        "the module cannot end here: {}",
                        why.unwrap_or_else(|| "the grammar is not accepting".to_owned())
                    ),
                })
            }
        };
        Ok(Fed {
            tokens: tokens.len(),
            rejection,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

/// Every domain at the spec's defaults, fused: the spec `ananke check`
/// compiles when given only a tokenizer and a backend.
struct Fused {
    ananke: Ananke,
}

impl Fused {
    fn new(tokenizer: &str, backend: &str) -> Result<Fused, String> {
        let common = crate::Common {
            tokenizer: Some(tokenizer.to_owned()),
            backend: Some(backend.to_owned()),
            domains: None,
            spec: None,
            plugins: Vec::new(),
        };
        Ok(Fused {
            ananke: crate::compile(&common)?,
        })
    }

    /// The composed domains, in order.
    fn domains(&self) -> Vec<String> {
        self.ananke.product().names().map(str::to_owned).collect()
    }
}

impl Feeder for Fused {
    /// Sessions start from the shared compiled spec: nothing per worker.
    type Worker = ();

    fn worker(&self) -> Result<(), String> {
        Ok(())
    }

    /// Force-feeds `source` as `ananke check` does: the fused mask before
    /// every token, the commit, and at the end whether it may end there.
    /// A session error counts as a rejection (at the start, since its
    /// place is unknown), so that one module cannot stop the run.
    fn feed(&self, (): &(), source: &str) -> Result<Fed, String> {
        let started = Instant::now();
        let named = |domains: Vec<String>| {
            Some(if domains.is_empty() {
                "no domain names itself".to_owned()
            } else {
                domains.join(", ")
            })
        };
        let (tokens, rejection) = match crate::force_feed(&self.ananke, source, None) {
            Err(e) => (
                self.ananke.vocab().encode(source).len(),
                Some(Rejection {
                    offset: 0,
                    domains: Some("(session error)".to_owned()),
                    reason: e.to_string(),
                }),
            ),
            Ok(outcome) => {
                let rejection = match (outcome.rejected_at, outcome.unfinished) {
                    (Some(at), _) => Some(Rejection {
                        offset: at.byte_offset,
                        domains: named(at.domains),
                        reason: format!("{:?} refused: {}", at.token, at.reason),
                    }),
                    (None, _) if outcome.accepted => None,
                    (None, unfinished) => {
                        let (domains, why) = unfinished.unwrap_or_default();
                        Some(Rejection {
                            offset: source.len(),
                            domains: named(domains),
                            reason: format!(
                                "the module cannot end here: {}",
                                if why.is_empty() {
                                    "the end is not accepting"
                                } else {
                                    &why
                                }
                            ),
                        })
                    }
                };
                (outcome.tokens, rejection)
            }
        };
        Ok(Fed {
            tokens,
            rejection,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

/// Feeds `picked` modules on `jobs` threads, largest first so that one
/// big module does not finish last alone.
fn feed_all<F: Feeder>(
    feeder: &F,
    modules: &[Module],
    picked: &[usize],
    jobs: usize,
    progress: &ProgressBar,
) -> Result<Vec<(usize, Fed)>, String> {
    let mut order = picked.to_vec();
    order.sort_by_key(|&i| std::cmp::Reverse(modules[i].source.len()));
    let next = AtomicUsize::new(0);
    let results = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.max(1))
            .map(|_| {
                scope.spawn(|| -> Result<Vec<(usize, Fed)>, String> {
                    let worker = feeder.worker()?;
                    let mut done = Vec::new();
                    loop {
                        let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            return Ok(done);
                        };
                        let module = &modules[index];
                        let fed = feeder
                            .feed(&worker, &module.source)
                            .map_err(|e| format!("{}: {e}", module.name))?;
                        progress.inc(1);
                        done.push((index, fed));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a corpus worker panicked"))
            .collect::<Result<Vec<_>, String>>()
    })?;
    let mut all: Vec<(usize, Fed)> = results.into_iter().flatten().collect();
    all.sort_by_key(|(index, _)| *index);
    Ok(all)
}

/// Line (1-based) of byte `offset`.
fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Up to `width` bytes either side of `offset` (widened to character
/// boundaries), with `⟪⟫` marking the offset, escaped on one line.
fn context_at(source: &str, offset: usize, width: usize) -> String {
    let offset = offset.min(source.len());
    let mut start = offset.saturating_sub(width);
    while !source.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (offset + width).min(source.len());
    while !source.is_char_boundary(end) {
        end += 1;
    }
    let mut at = offset;
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    let escape = |s: &str| {
        let quoted = format!("{s:?}");
        quoted[1..quoted.len() - 1].to_owned()
    };
    format!(
        "{}⟪⟫{}",
        escape(&source[start..at]),
        escape(&source[at..end])
    )
}

/// Modules, lines, tokens, rejections and time of one package folder or
/// distribution.
#[derive(Default)]
struct Row {
    modules: usize,
    lines: usize,
    tokens: usize,
    rejected: usize,
    skipped: usize,
    seconds: f64,
}

impl Row {
    fn add(&mut self, other: &Row) {
        self.modules += other.modules;
        self.lines += other.lines;
        self.tokens += other.tokens;
        self.rejected += other.rejected;
        self.skipped += other.skipped;
        self.seconds += other.seconds;
    }
}

/// How many of the slowest modules the packages report lists.
const SLOWEST: usize = 5;

/// The report of one run: the table by package folder (with each
/// distribution's version, its skipped modules and the seconds its modules
/// took, summed, in the packages corpus), then every rejection.
fn report(corpus: &Corpus, fed: &[(usize, Fed)]) -> (String, usize) {
    let modules = &corpus.modules;
    let mut rows: BTreeMap<&str, Row> = BTreeMap::new();
    let mut rejections = String::new();
    for (index, fed) in fed {
        let module = &modules[*index];
        let row = rows.entry(module.package.as_str()).or_default();
        row.add(&Row {
            modules: 1,
            lines: module.source.lines().count(),
            tokens: fed.tokens,
            rejected: usize::from(fed.rejection.is_some()),
            skipped: 0,
            seconds: fed.seconds,
        });
        if let Some(r) = &fed.rejection {
            let _ = writeln!(
                rejections,
                "{} byte {} line {}: {}\n    {}{}",
                module.name,
                r.offset,
                line_of(&module.source, r.offset),
                context_at(&module.source, r.offset, 40),
                r.domains
                    .as_ref()
                    .map_or_else(String::new, |d| format!("{d}: ")),
                r.reason
            );
        }
    }
    let mut skipped_packages = Vec::new();
    if corpus.versions.is_some() {
        skipped_packages = corpus
            .skipped
            .iter()
            .map(|(name, _)| package_of(name))
            .collect();
    }
    for package in &skipped_packages {
        rows.entry(package.as_str()).or_default().skipped += 1;
    }
    let width = rows
        .keys()
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    let version = |package: &str| {
        corpus
            .versions
            .as_ref()
            .map(|v| v.get(package).map_or("?", String::as_str))
    };
    let line = |package: &str, version: Option<&str>, row: &Row| match version {
        None => format!(
            "{package:<width$} {:>8} {:>9} {:>10} {:>9}\n",
            row.modules, row.lines, row.tokens, row.rejected
        ),
        Some(version) => format!(
            "{package:<width$} {version:<8} {:>8} {:>9} {:>10} {:>9} {:>8} {:>9.1}\n",
            row.modules, row.lines, row.tokens, row.rejected, row.skipped, row.seconds
        ),
    };
    let mut table = match corpus.versions {
        None => format!(
            "{:<width$} {:>8} {:>9} {:>10} {:>9}\n",
            "package", "modules", "lines", "tokens", "rejected"
        ),
        Some(_) => format!(
            "{:<width$} {:<8} {:>8} {:>9} {:>10} {:>9} {:>8} {:>9}\n",
            "package", "version", "modules", "lines", "tokens", "rejected", "skipped", "seconds"
        ),
    };
    let mut total = Row::default();
    for (package, row) in &rows {
        total.add(row);
        table.push_str(&line(package, version(package), row));
    }
    table.push_str(&line("total", version("total").map(|_| ""), &total));
    if corpus.versions.is_some() && !fed.is_empty() {
        let mut slowest: Vec<&(usize, Fed)> = fed.iter().collect();
        slowest.sort_by(|a, b| b.1.seconds.total_cmp(&a.1.seconds));
        table.push_str("\nslowest:\n");
        for (index, fed) in slowest.into_iter().take(SLOWEST) {
            let _ = writeln!(
                table,
                "  {} ({} tokens): {:.1} s",
                modules[*index].name, fed.tokens, fed.seconds
            );
        }
    }
    if !rejections.is_empty() {
        table.push_str("\nrejections:\n");
        table.push_str(&rejections);
    }
    (table, total.rejected)
}

/// Runs `ananke corpus`: exit 1 when some module is rejected.
pub fn corpus(args: CorpusArgs) -> Result<ExitCode, String> {
    let started = Instant::now();
    let corpus = match args.corpus {
        CorpusName::Stdlib => {
            if !args.skip.is_empty() {
                return Err("--skip is for the packages corpus".into());
            }
            read_stdlib()?
        }
        CorpusName::Packages => {
            let dir = args.dir.as_ref().ok_or("the packages corpus needs --dir")?;
            read_packages(dir, &args.skip)?
        }
    };
    let picked = sample_indices(corpus.modules.len(), args.sample);
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    println!(
        "{}: {} modules, {} skipped{}",
        corpus.title,
        corpus.modules.len(),
        corpus.skipped.len(),
        if picked.len() < corpus.modules.len() {
            format!("; a sample of {}", picked.len())
        } else {
            String::new()
        }
    );
    for (name, why) in &corpus.skipped {
        println!("  skipped {name}: {why}");
    }
    let mut rejected = 0;
    for tokenizer in &args.tokenizer {
        let run_started = Instant::now();
        let progress = ProgressBar::new(picked.len() as u64);
        progress.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} modules {elapsed}")
                .expect("valid template"),
        );
        let (what, fed) = match args.corpus {
            CorpusName::Stdlib => {
                let syntax = Syntax::new(tokenizer, &args.backend)?;
                let fed = feed_all(&syntax, &corpus.modules, &picked, jobs, &progress)?;
                (args.backend.clone(), fed)
            }
            CorpusName::Packages => {
                let fused = Fused::new(tokenizer, &args.backend)?;
                let fed = feed_all(&fused, &corpus.modules, &picked, jobs, &progress)?;
                (
                    format!(
                        "fused mask ({}) with {}",
                        fused.domains().join(", "),
                        args.backend
                    ),
                    fed,
                )
            }
        };
        progress.finish_and_clear();
        let (table, n) = report(&corpus, &fed);
        println!(
            "\n{what} on {tokenizer} ({jobs} jobs): {:.1} s\n{table}",
            run_started.elapsed().as_secs_f64()
        );
        rejected += n;
    }
    println!(
        "{rejected} rejected; {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
    Ok(if rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_spread_and_deterministic() {
        assert_eq!(sample_indices(10, Some(3)), vec![0, 3, 6]);
        assert_eq!(sample_indices(3, Some(5)), vec![0, 1, 2]);
        assert_eq!(sample_indices(4, None), vec![0, 1, 2, 3]);
    }

    #[test]
    fn packages_are_top_level_folders() {
        assert_eq!(package_of("asyncio/events.py"), "asyncio");
        assert_eq!(package_of("email/mime/text.py"), "email");
        assert_eq!(package_of("os.py"), "(top)");
    }

    #[test]
    fn distributions_are_folders_with_versions_and_skips() {
        let dir = std::env::temp_dir().join(format!("ananke-corpus-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let info = dir.join("demo").join("demo-1.2.dist-info");
        std::fs::create_dir_all(&info).unwrap();
        std::fs::create_dir_all(dir.join("demo/demo/sub")).unwrap();
        std::fs::create_dir_all(dir.join("bare/bare")).unwrap();
        std::fs::write(
            info.join("METADATA"),
            "Metadata-Version: 2.1\nName: demo\nVersion: 1.2\n\nVersion: 9 (the description)\n",
        )
        .unwrap();
        std::fs::write(info.join("not_code.py"), "x = (\n").unwrap();
        std::fs::write(dir.join("demo/demo/__init__.py"), "x: int = 1\n").unwrap();
        std::fs::write(dir.join("demo/demo/sub/slow.py"), "y = 2\n").unwrap();
        std::fs::write(dir.join("demo/demo/broken.py"), "def f(:\n").unwrap();
        std::fs::write(dir.join("bare/bare/m.py"), "z = 3\n").unwrap();

        let corpus = read_packages(&dir, &["demo/demo/sub/slow.py".to_owned()]).unwrap();
        let names: Vec<(&str, &str)> = corpus
            .modules
            .iter()
            .map(|m| (m.package.as_str(), m.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("bare", "bare/bare/m.py"),
                ("demo", "demo/demo/__init__.py")
            ]
        );
        let skipped: Vec<&str> = corpus.skipped.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(skipped, ["demo/demo/broken.py", "demo/demo/sub/slow.py"]);
        let versions = corpus.versions.as_ref().unwrap();
        assert_eq!(versions["demo"], "1.2");
        assert_eq!(versions["bare"], "?");

        let fed = vec![
            (
                0,
                Fed {
                    tokens: 4,
                    rejection: None,
                    seconds: 0.25,
                },
            ),
            (
                1,
                Fed {
                    tokens: 5,
                    rejection: Some(Rejection {
                        offset: 3,
                        domains: Some("types".to_owned()),
                        reason: "no".to_owned(),
                    }),
                    seconds: 0.5,
                },
            ),
        ];
        let (table, rejected) = report(&corpus, &fed);
        assert_eq!(rejected, 1);
        assert!(table.contains("demo    1.2"), "{table}");
        assert!(table.contains("bare    ?"), "{table}");
        assert!(
            table.contains("demo/demo/__init__.py byte 3 line 1: x: ⟪⟫int = 1\\n\n    types: no"),
            "{table}"
        );

        let unknown = read_packages(&dir, &["demo/nothing.py".to_owned()])
            .err()
            .unwrap();
        assert!(unknown.contains("--skip demo/nothing.py"), "{unknown}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rejections_are_located_by_line_and_context() {
        let source = "x = 1\ny = é\n";
        assert_eq!(line_of(source, 0), 1);
        assert_eq!(line_of(source, 6), 2);
        assert_eq!(context_at(source, 6, 3), " 1\\n⟪⟫y =");
        // Widened to whole characters on both sides.
        assert_eq!(context_at(source, 11, 2), " ⟪⟫é\\n");
    }
}
