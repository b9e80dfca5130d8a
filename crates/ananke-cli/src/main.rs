//! `ananke`: check programs against the fused constraints, explain token
//! decisions, generate with a real model under the fused mask, and run the
//! generation evaluation.
//!
//! ```text
//! ananke check --tokenizer cl100k_base --jsonl ../shared/data/mbpp_typed.jsonl --json
//! ananke check --file prog.py --domains syntax,imports --spec spec.toml
//! ananke check --file prog.py --plugin target/plugins/debug/libananke_plugin_deny_calls.so
//! ananke explain --file prog.py --offset 120
//! ananke generate --spec demo/flatten.toml --model smollm2
//! ananke eval --jsonl ../shared/data/mbpp_typed.jsonl --limit 20 --mypy .cache/venv/bin/mypy
//! ananke corpus stdlib --tokenizer cl100k_base --backend xgrammar --sample 40
//! ananke corpus packages --dir .cache/packages/src --tokenizer o200k_base
//! ```
//!
//! Exit status, as checkers people script (mypy, ruff, pytest) use it:
//! 0 when every program is accepted, 1 when some program is rejected or
//! ends incomplete (`check`) or some module is rejected (`corpus`), 2 for a
//! usage or input error (bad arguments, an unreadable file or spec, a bad
//! JSON Lines record). A bad record is reported and skipped and the other
//! programs still run, but the status is 2: the verdict covers less than
//! was asked for.

mod corpus;
mod generate;
mod plot;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use ananke_core::TokenMask;
use ananke_runtime::fusion::FusionStats;
use ananke_runtime::{Ananke, RuntimeError, Spec};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(
    name = "ananke",
    version,
    about = "Constrained decoding for typed Python: check, explain, generate, evaluate"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Force-feed programs token by token through a session and report
    /// where the fused mask rejects them.
    ///
    /// Exit status: 0 every program accepted; 1 some program rejected or
    /// incomplete; 2 a usage or input error (bad arguments, an unreadable
    /// file or spec, a bad JSON Lines record: reported, skipped, the rest
    /// still checked).
    Check(CheckArgs),
    /// Explain why the token at a byte offset is allowed or rejected.
    Explain(ExplainArgs),
    /// Print a spec's hole tree without generating: each hole's kind and
    /// line in `task.template`, its expected type, and the constraints
    /// that reach it with where each comes from.
    Holes(HolesArgs),
    /// Generate a function's body with a real model (SmolLM2-135M) under
    /// the fused mask; the program on stdout, its costs on stderr.
    Generate(generate::GenerateArgs),
    /// Decode tasks under several arms (unconstrained, forced prefix,
    /// syntax only, every domain, every domain with the default call
    /// policy) and judge the programs with CPython,
    /// mypy --strict and the tests.
    Eval(generate::EvalArgs),
    /// Decode tasks without constraints and write each program to a
    /// folder (the model-errors loop's programs; a program already there
    /// is kept, so an interrupted run resumes).
    Sample(generate::SampleArgs),
    /// Force-feed a corpus of real Python and report every module it
    /// rejects: the standard library through the syntax domain alone, or
    /// strictly typed packages through the fused mask of every domain.
    Corpus(corpus::CorpusArgs),
}

#[derive(Args)]
struct Common {
    /// cl100k_base, o200k_base, or a path to a tokenizer.json (default:
    /// the spec's, else cl100k_base).
    #[arg(long)]
    tokenizer: Option<String>,
    /// Grammar backend: llguidance or xgrammar (default: the spec's, else
    /// llguidance).
    #[arg(long)]
    backend: Option<String>,
    /// Domains to compose, comma-separated (default: every domain built in).
    #[arg(long, value_delimiter = ',')]
    domains: Option<Vec<String>>,
    /// A spec file (TOML); --tokenizer and --backend override its values.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// A plugin domain: a library, or a directory of them (repeatable).
    /// It joins with its default policy; a spec's `[[plugins]]` entries
    /// can give another.
    #[arg(long = "plugin", value_name = "PATH")]
    plugins: Vec<PathBuf>,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    common: Common,
    /// One Python file.
    #[arg(long, conflicts_with = "jsonl")]
    file: Option<PathBuf>,
    /// A JSON Lines file of programs.
    #[arg(long)]
    jsonl: Option<PathBuf>,
    /// The field holding the program.
    #[arg(long, default_value = "source")]
    field: String,
    /// The field holding the record id.
    #[arg(long, default_value = "id")]
    id_field: String,
    /// One JSON object per program on stdout.
    #[arg(long)]
    json: bool,
    /// Print mask-fusion counters summed over the programs (per domain:
    /// masks computed, reused, taken from the cache, skipped; candidates in
    /// and kept; time) on stderr.
    #[arg(long)]
    stats: bool,
    /// Write every mask computed, in order, to this file as raw
    /// little-endian int32 words (`ceil(vocab / 32)` per mask): what the
    /// Python package's tests compare their bitmasks with, bit for bit.
    #[arg(long, value_name = "FILE")]
    dump_masks: Option<PathBuf>,
    /// With --json: the mean time of a step (mask and commit), and of each
    /// domain's mask, over the tokens of the 50 lines that end at each of
    /// these lines (`--windows 250,1000,4000`), as `window_us` — how the
    /// cost of a token grows with the code before it (`cargo xtask bench
    /// --scaling`).
    #[arg(long, value_delimiter = ',')]
    windows: Vec<usize>,
}

#[derive(Args)]
struct ExplainArgs {
    #[command(flatten)]
    common: Common,
    /// The Python file.
    #[arg(long)]
    file: PathBuf,
    /// The byte offset whose token to explain.
    #[arg(long)]
    offset: usize,
}

#[derive(Args)]
struct HolesArgs {
    #[command(flatten)]
    common: Common,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Explain(args) => explain(args),
        Command::Holes(args) => holes(args),
        Command::Generate(args) => generate::generate(args).map(|()| ExitCode::SUCCESS),
        Command::Eval(args) => generate::eval(args).map(|()| ExitCode::SUCCESS),
        Command::Sample(args) => generate::sample(args).map(|()| ExitCode::SUCCESS),
        Command::Corpus(args) => corpus::corpus(args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn compile(common: &Common) -> Result<Ananke, String> {
    let mut spec = match &common.spec {
        Some(path) => Spec::from_file(path).map_err(|e| e.to_string())?,
        None => Spec::default(),
    };
    if let Some(tokenizer) = &common.tokenizer {
        spec.syntax.tokenizer.clone_from(tokenizer);
    }
    if let Some(backend) = &common.backend {
        spec.syntax.backend.clone_from(backend);
    }
    for path in &common.plugins {
        spec.plugins.push(ananke_runtime::PluginSpec {
            path: path.clone(),
            constraint: None,
        });
    }
    let domains: Vec<String> = common.domains.clone().unwrap_or_else(|| {
        ananke_runtime::DOMAINS
            .iter()
            .map(|d| (*d).to_owned())
            .collect()
    });
    let names: Vec<&str> = domains.iter().map(String::as_str).collect();
    if !names.contains(&"syntax") {
        return Err("--domains must include syntax (it decides where a program ends)".into());
    }
    Ananke::with_domains(&spec, &names).map_err(|e| e.to_string())
}

/// Per-program result of force-feeding.
struct Outcome {
    tokens: usize,
    accepted: bool,
    rejected_at: Option<RejectedAt>,
    /// When every token was allowed but the end is not accepting: the
    /// domains that refuse the end-of-sequence token there, and why.
    unfinished: Option<(Vec<String>, String)>,
    mask_us: Vec<f64>,
    /// Mask and commit, per token, with the line the token starts on.
    step_us: Vec<(usize, f64)>,
    /// Each domain's share of the mask, per token (in `stats`' order).
    domain_us: Vec<Vec<f64>>,
    stats: FusionStats,
}

impl Outcome {
    /// The mean step time (`step`) and each domain's mean share of the
    /// mask over the tokens starting in the 50 lines that end at each of
    /// `windows` (1-based lines).
    fn windows(&self, windows: &[usize]) -> Value {
        let mut out = serde_json::Map::new();
        let mean = |values: &[f64]| {
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            json!((mean * 10.0).round() / 10.0)
        };
        for &end in windows {
            let inside: Vec<usize> = (0..self.step_us.len())
                .filter(|&i| {
                    let line = self.step_us[i].0;
                    line + 50 > end && line <= end
                })
                .collect();
            if inside.is_empty() {
                continue;
            }
            let mut window = serde_json::Map::new();
            let steps: Vec<f64> = inside.iter().map(|&i| self.step_us[i].1).collect();
            window.insert("step".into(), mean(&steps));
            for (d, domain) in self.stats.domains.iter().enumerate() {
                let times: Vec<f64> = inside
                    .iter()
                    .filter_map(|&i| self.domain_us.get(i)?.get(d).copied())
                    .collect();
                if !times.is_empty() {
                    window.insert(domain.name.clone(), mean(&times));
                }
            }
            out.insert(end.to_string(), Value::Object(window));
        }
        Value::Object(out)
    }
}

/// The first token the fused mask (or the commit) refused.
struct RejectedAt {
    token_index: usize,
    byte_offset: usize,
    token: String,
    /// The domains that reject it.
    domains: Vec<String>,
    /// Their reasons, `; `-separated.
    reason: String,
}

impl RejectedAt {
    fn to_json(&self) -> Value {
        json!({
            "token_index": self.token_index,
            "byte_offset": self.byte_offset,
            "token": self.token,
            "domains": self.domains,
            "reason": self.reason,
        })
    }
}

fn force_feed(
    ananke: &Ananke,
    source: &str,
    mut dump: Option<&mut Vec<u8>>,
) -> Result<Outcome, RuntimeError> {
    let vocab = ananke.vocab().clone();
    let tokens = vocab.encode(source);
    let mut session = ananke.session()?;
    let mut mask = TokenMask::new_empty(vocab.len());
    let mut mask_us = Vec::with_capacity(tokens.len());
    let mut step_us = Vec::with_capacity(tokens.len());
    let mut domain_us = Vec::with_capacity(tokens.len());
    let domain_nanos =
        |stats: &FusionStats| -> Vec<u64> { stats.domains.iter().map(|d| d.nanos).collect() };
    let mut offset = 0usize;
    let mut line = 1usize;
    for (index, &token) in tokens.iter().enumerate() {
        let before = domain_nanos(session.stats());
        let started = Instant::now();
        session.compute_mask(&mut mask)?;
        let masked = started.elapsed();
        domain_us.push(
            domain_nanos(session.stats())
                .iter()
                .zip(before.iter().chain(std::iter::repeat(&0)))
                .map(|(after, before)| after.saturating_sub(*before) as f64 / 1e3)
                .collect(),
        );
        mask_us.push(masked.as_secs_f64() * 1e6);
        if let Some(dump) = dump.as_deref_mut() {
            for word in mask.as_u32_words() {
                dump.extend_from_slice(&word.to_le_bytes());
            }
        }
        let bytes = vocab
            .vocabulary()
            .token_bytes(token)
            .unwrap_or_default()
            .to_vec();
        let allowed = mask.contains(token);
        let committing = Instant::now();
        let committed = allowed && session.commit(token).is_ok();
        step_us.push((line, (masked + committing.elapsed()).as_secs_f64() * 1e6));
        line += bytes.iter().filter(|&&b| b == b'\n').count();
        if !committed {
            let explanation = session.explain(token)?;
            let (domains, reasons): (Vec<String>, Vec<String>) = explanation
                .rejections
                .iter()
                .map(|r| (r.domain.clone(), r.reason.clone()))
                .unzip();
            return Ok(Outcome {
                tokens: tokens.len(),
                accepted: false,
                rejected_at: Some(RejectedAt {
                    token_index: index,
                    byte_offset: offset,
                    token: String::from_utf8_lossy(&bytes).into_owned(),
                    domains,
                    reason: reasons.join("; "),
                }),
                unfinished: None,
                mask_us,
                step_us,
                domain_us,
                stats: session.stats().clone(),
            });
        }
        offset += bytes.len();
    }
    let accepted = session.is_accepting()?;
    let unfinished = match vocab.vocabulary().eos().first() {
        Some(&eos) if !accepted => {
            let explanation = session.explain(eos)?;
            let (domains, reasons): (Vec<String>, Vec<String>) = explanation
                .rejections
                .into_iter()
                .map(|r| (r.domain, r.reason))
                .unzip();
            Some((domains, reasons.join("; ")))
        }
        _ => None,
    };
    Ok(Outcome {
        tokens: tokens.len(),
        accepted,
        rejected_at: None,
        unfinished,
        mask_us,
        step_us,
        domain_us,
        stats: session.stats().clone(),
    })
}

/// Adds `more` to `total`, domain by domain (matched by name).
fn add_stats(total: &mut FusionStats, more: &FusionStats) {
    total.steps += more.steps;
    total.parallel_steps += more.parallel_steps;
    for d in &more.domains {
        match total.domains.iter_mut().find(|t| t.name == d.name) {
            Some(t) => {
                t.computed += d.computed;
                t.reused += d.reused;
                t.cache_hits += d.cache_hits;
                t.skipped += d.skipped;
                t.candidates_in += d.candidates_in;
                t.candidates_out += d.candidates_out;
                t.nanos += d.nanos;
            }
            None => total.domains.push(d.clone()),
        }
    }
}

fn print_stats(stats: &FusionStats) {
    eprintln!(
        "fusion: {} masks, {} with domains in parallel",
        stats.steps, stats.parallel_steps
    );
    eprintln!(
        "  {:<10} {:>9} {:>9} {:>9} {:>9} {:>15} {:>8} {:>10}",
        "domain", "computed", "reused", "cached", "skipped", "candidates in", "kept %", "µs/mask"
    );
    for d in &stats.domains {
        let kept = if d.candidates_in == 0 {
            0.0
        } else {
            100.0 * d.candidates_out as f64 / d.candidates_in as f64
        };
        eprintln!(
            "  {:<10} {:>9} {:>9} {:>9} {:>9} {:>15} {:>8.2} {:>10.1}",
            d.name,
            d.computed,
            d.reused,
            d.cache_hits,
            d.skipped,
            d.candidates_in,
            kept,
            d.nanos as f64 / 1e3 / d.computed.max(1) as f64
        );
    }
}

fn quantile(samples: &[f64], q: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// A record's id and its program, or why the record is unusable.
type Record = (Value, Result<String, String>);

fn read_programs(args: &CheckArgs) -> Result<Vec<Record>, String> {
    if let Some(path) = &args.file {
        let source = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return Ok(vec![(
            Value::String(path.display().to_string()),
            Ok(source),
        )]);
    }
    let Some(path) = &args.jsonl else {
        return Err("give --file F.py or --jsonl F.jsonl".into());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| match serde_json::from_str::<Value>(line) {
            Ok(record) => {
                let id = record.get(&args.id_field).cloned().unwrap_or(Value::Null);
                match record.get(&args.field).and_then(Value::as_str) {
                    Some(source) => (id, Ok(source.to_owned())),
                    None => (
                        id,
                        Err(format!(
                            "{}:{}: no string field `{}`",
                            path.display(),
                            n + 1,
                            args.field
                        )),
                    ),
                }
            }
            Err(e) => (
                Value::Null,
                Err(format!(
                    "{}:{}: not a JSON record ({e})",
                    path.display(),
                    n + 1
                )),
            ),
        })
        .collect())
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let programs = read_programs(&args)?;
    let ananke = compile(&args.common)?;
    let progress = if programs.len() > 1 {
        let bar = ProgressBar::new(programs.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} programs {elapsed}")
                .expect("valid template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let (mut accepted, mut rejected, mut bad_records) = (0usize, 0usize, 0usize);
    let mut all_mask_us = Vec::new();
    let mut stats = FusionStats::default();
    let mut dump = args.dump_masks.as_ref().map(|_| Vec::new());
    for (id, program) in programs {
        progress.inc(1);
        let source = match program {
            Ok(source) => source,
            Err(message) => {
                // A bad record is reported and skipped; the run goes on.
                progress.suspend(|| eprintln!("error: {message}; skipped"));
                bad_records += 1;
                continue;
            }
        };
        let outcome =
            force_feed(&ananke, &source, dump.as_mut()).map_err(|e| format!("{id}: {e}"))?;
        if outcome.accepted {
            accepted += 1;
        } else {
            rejected += 1;
        }
        let (median, p99) = (
            quantile(&outcome.mask_us, 0.5),
            quantile(&outcome.mask_us, 0.99),
        );
        all_mask_us.extend_from_slice(&outcome.mask_us);
        add_stats(&mut stats, &outcome.stats);
        let rejected_at = outcome.rejected_at.as_ref().map(RejectedAt::to_json);
        progress.suspend(|| {
            if args.json {
                let mut record = json!({
                    "id": id,
                    "tokens": outcome.tokens,
                    "accepted": outcome.accepted,
                    "rejected_at": rejected_at,
                    "mask_us_median": (median * 10.0).round() / 10.0,
                    "mask_us_p99": (p99 * 10.0).round() / 10.0,
                });
                if !args.windows.is_empty() {
                    record["window_us"] = outcome.windows(&args.windows);
                }
                println!("{record}");
            } else {
                let id_text = id.as_str().map_or_else(|| id.to_string(), str::to_owned);
                match &rejected_at {
                    None if outcome.accepted => {
                        println!("{id_text}: accepted ({} tokens)", outcome.tokens)
                    }
                    None => println!(
                        "{id_text}: incomplete (every token allowed, but the end is not accepting)"
                    ),
                    Some(at) => println!(
                        "{id_text}: rejected at token {} (byte {}, {}) by {}: {}",
                        at["token_index"],
                        at["byte_offset"],
                        at["token"],
                        at["domains"],
                        at["reason"]
                    ),
                }
            }
        });
    }
    progress.finish_and_clear();
    if let (Some(path), Some(dump)) = (&args.dump_masks, &dump) {
        std::fs::write(path, dump).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    eprintln!(
        "{accepted} accepted, {rejected} rejected, {bad_records} bad records; mask time median {:.1} µs, p99 {:.1} µs",
        quantile(&all_mask_us, 0.5),
        quantile(&all_mask_us, 0.99)
    );
    if args.stats {
        print_stats(&stats);
    }
    Ok(check_status(rejected, bad_records))
}

/// The exit status of `check`: input errors outrank rejections, since the
/// verdict then covers less than was asked for.
fn check_status(rejected: usize, bad_records: usize) -> ExitCode {
    if bad_records > 0 {
        ExitCode::from(2)
    } else if rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn explain(args: ExplainArgs) -> Result<ExitCode, String> {
    let source = std::fs::read_to_string(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    if args.offset >= source.len() {
        return Err(format!(
            "--offset {} is past the end of {} ({} bytes)",
            args.offset,
            display(&args.file),
            source.len()
        ));
    }
    let ananke = compile(&args.common)?;
    let vocab = ananke.vocab().clone();
    let tokens = vocab.encode(&source);
    let mut session = ananke.session().map_err(|e| e.to_string())?;
    let mut offset = 0usize;
    for (index, &token) in tokens.iter().enumerate() {
        let len = vocab.vocabulary().token_bytes(token).map_or(0, <[u8]>::len);
        if offset + len > args.offset {
            let explanation = session.explain(token).map_err(|e| e.to_string())?;
            println!(
                "token {index} at bytes {offset}..{}: {:?} is {}",
                offset + len,
                explanation.text,
                if explanation.allowed {
                    "allowed"
                } else {
                    "rejected"
                }
            );
            for domain in ananke.product().names() {
                match explanation.rejections.iter().find(|r| r.domain == domain) {
                    Some(r) => {
                        println!("  {domain}: rejects it: {}", r.reason);
                        for p in &r.provenance {
                            println!("    from {p}");
                        }
                    }
                    None => println!("  {domain}: allows it"),
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        if let Err(e) = session.commit(token) {
            println!("token {index} at byte {offset} is rejected before the offset: {e}");
            return Ok(ExitCode::SUCCESS);
        }
        offset += len;
    }
    Err("the offset is past the last token".into())
}

fn holes(args: HolesArgs) -> Result<ExitCode, String> {
    let Some(path) = &args.common.spec else {
        return Err("holes needs --spec".into());
    };
    let spec = Spec::from_file(path).map_err(|e| e.to_string())?;
    let template = spec.template().map_err(|e| e.to_string())?;
    let ananke = compile(&args.common)?;
    let session = ananke.session().map_err(|e| e.to_string())?;
    let tree = session.holes();
    let product = ananke.product();
    let mut stack = vec![(tree.root(), 0usize)];
    while let Some((id, depth)) = stack.pop() {
        let Some(hole) = tree.get(id) else { continue };
        let pad = "  ".repeat(depth);
        let place = template
            .as_ref()
            .and_then(|t| t.hole(&hole.name))
            .map(|h| {
                let text = template.as_ref().map_or("", |t| t.text());
                let line = text[..h.marker.start].matches('\n').count() + 1;
                let expected = h
                    .expected
                    .as_ref()
                    .map(|e| format!(", expects {e}"))
                    .unwrap_or_default();
                format!("{} at template line {line}{expected}", h.kind)
            })
            .unwrap_or_else(|| hole.granularity.to_string());
        println!("{pad}{} ({place})", hole.name);
        for (domain, why) in &hole.provenance {
            println!("{pad}  {}: {why}", product.name(*domain));
        }
        for &child in hole.children.iter().rev() {
            stack.push((child, depth + 1));
        }
    }
    if let Some(template) = &template {
        let order: Vec<&str> = template.unfilled().map(|h| h.name.as_str()).collect();
        println!("written in this order: {}", order.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
