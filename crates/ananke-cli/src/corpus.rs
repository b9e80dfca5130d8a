//! `ananke corpus stdlib`: the syntax domain against real Python.
//!
//! Every module of the standard library of the `python3` in use is
//! force-fed, token by token, through the syntax domain alone (the shipped
//! Python grammar, no other domain), and must be accepted at every token
//! and at its end: a false rejection forces a model off correct code, so
//! the grammar must never reject what CPython accepts. Only committing is
//! checked (no masks), which is what makes the whole library affordable.
//!
//! It is a module of its own because it shares nothing with `check` beyond
//! the compiled spec: it reads files instead of records, runs modules on
//! several threads, and reports by package folder.

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
    /// PATH, without test suites and `site-packages`.
    Stdlib,
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
}

/// One module of the corpus.
struct Module {
    /// Relative to the corpus root, with `/` separators.
    name: String,
    /// Top-level folder, or `(top)` for a module directly in the root.
    package: String,
    source: String,
}

/// The corpus as read: the modules to feed and those skipped, with why.
struct Corpus {
    root: PathBuf,
    python_version: String,
    modules: Vec<Module>,
    skipped: Vec<(String, &'static str)>,
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

fn collect_files(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() {
            if !SKIPPED_FOLDERS.contains(&name.as_ref()) {
                collect_files(&path, found)?;
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

fn read_stdlib() -> Result<Corpus, String> {
    let found = python(FIND_STDLIB, "")?;
    let mut lines = found.lines();
    let root = PathBuf::from(lines.next().unwrap_or_default().trim());
    let python_version = lines.next().unwrap_or_default().trim().to_owned();
    let mut files = Vec::new();
    collect_files(&root, &mut files)?;
    files.sort();
    let listed: String = files.iter().map(|p| format!("{}\n", p.display())).collect();
    let uncompilable: Vec<PathBuf> = python(UNCOMPILABLE, &listed)?
        .lines()
        .map(PathBuf::from)
        .collect();
    let mut corpus = Corpus {
        root: root.clone(),
        python_version,
        modules: Vec::new(),
        skipped: Vec::new(),
    };
    for path in files {
        let name = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if uncompilable.contains(&path) {
            corpus.skipped.push((name, "CPython cannot compile it"));
            continue;
        }
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        match String::from_utf8(bytes) {
            Ok(source) => corpus.modules.push(Module {
                package: package_of(&name),
                name,
                source,
            }),
            Err(_) => corpus.skipped.push((name, "not UTF-8")),
        }
    }
    Ok(corpus)
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
    reason: String,
}

/// What force-feeding one module found.
struct Fed {
    tokens: usize,
    rejection: Option<Rejection>,
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

    /// Commits every token of `source`, then asks whether the end is
    /// accepted. `start` is the worker's own fork of the start.
    fn feed(&self, start: &DynConstraint, source: &str) -> Result<Fed, String> {
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
                    rejection: Some(Rejection { offset, reason }),
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
        })
    }
}

/// Feeds `picked` modules on `jobs` threads, largest first so that one
/// big module does not finish last alone.
fn feed_all(
    syntax: &Syntax,
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
                    // Each worker forks the start once: a lineage of its own.
                    let start = syntax
                        .domain
                        .fork(&syntax.start)
                        .map_err(|e| e.to_string())?;
                    let mut done = Vec::new();
                    loop {
                        let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            return Ok(done);
                        };
                        let module = &modules[index];
                        let fed = syntax
                            .feed(&start, &module.source)
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

/// Modules, lines, tokens and rejections of one package folder.
#[derive(Default)]
struct Row {
    modules: usize,
    lines: usize,
    tokens: usize,
    rejected: usize,
}

impl Row {
    fn add(&mut self, other: &Row) {
        self.modules += other.modules;
        self.lines += other.lines;
        self.tokens += other.tokens;
        self.rejected += other.rejected;
    }
}

/// The report of one run: the table by package folder, then every
/// rejection.
fn report(modules: &[Module], fed: &[(usize, Fed)]) -> (String, usize) {
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
        });
        if let Some(r) = &fed.rejection {
            let _ = writeln!(
                rejections,
                "{} byte {} line {}: {}\n    {}",
                module.name,
                r.offset,
                line_of(&module.source, r.offset),
                context_at(&module.source, r.offset, 40),
                r.reason
            );
        }
    }
    let width = rows
        .keys()
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    let mut table = format!(
        "{:<width$} {:>8} {:>9} {:>10} {:>9}\n",
        "package", "modules", "lines", "tokens", "rejected"
    );
    let mut total = Row::default();
    for (package, row) in &rows {
        total.add(row);
        let _ = writeln!(
            table,
            "{package:<width$} {:>8} {:>9} {:>10} {:>9}",
            row.modules, row.lines, row.tokens, row.rejected
        );
    }
    let _ = writeln!(
        table,
        "{:<width$} {:>8} {:>9} {:>10} {:>9}",
        "total", total.modules, total.lines, total.tokens, total.rejected
    );
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
        CorpusName::Stdlib => read_stdlib()?,
    };
    let picked = sample_indices(corpus.modules.len(), args.sample);
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    println!(
        "standard library of Python {} at {}: {} modules, {} skipped{}",
        corpus.python_version,
        corpus.root.display(),
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
        let syntax = Syntax::new(tokenizer, &args.backend)?;
        let progress = ProgressBar::new(picked.len() as u64);
        progress.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} modules {elapsed}")
                .expect("valid template"),
        );
        let fed = feed_all(&syntax, &corpus.modules, &picked, jobs, &progress)?;
        progress.finish_and_clear();
        let (table, n) = report(&corpus.modules, &fed);
        println!(
            "\n{} on {tokenizer} ({jobs} jobs): {:.1} s\n{table}",
            args.backend,
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
    fn rejections_are_located_by_line_and_context() {
        let source = "x = 1\ny = é\n";
        assert_eq!(line_of(source, 0), 1);
        assert_eq!(line_of(source, 6), 2);
        assert_eq!(context_at(source, 6, 3), " 1\\n⟪⟫y =");
        // Widened to whole characters on both sides.
        assert_eq!(context_at(source, 11, 2), " ⟪⟫é\\n");
    }
}
