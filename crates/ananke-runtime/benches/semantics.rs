//! The semantics domain's cost in the fused mask, side by side in one run
//! on cl100k_base:
//!
//! 1. idle — every MBPP program written from its start, the product with
//!    and without the semantics domain (no contract: the domain copies its
//!    candidates), steps interleaved so both see the same machine state;
//!    and each one's commit, where the cfg→semantics morphism runs;
//! 2. active — the functions of `crates/ananke-semantics/contracts/mbpp.toml`
//!    written as body holes under their contracts, with and without the
//!    domain, and the domain's own step (mask on the other domains'
//!    survivors plus observe) with Z3's state dropped before each body:
//!    its latency per step, and at the steps that end a `return`/`assert`
//!    (where Z3 runs).
//!
//! Run with `cargo xtask bench` (or `cargo bench -p ananke-runtime
//! --bench semantics`).

mod common;

use std::time::Instant;

use ananke_core::{Domain, StepContext, TokenMask};
use ananke_runtime::{Ananke, Session, Spec};
use ananke_semantics::{SemanticsConstraint, SemanticsDomain};
use common::{programs, quantile};

const WITHOUT: &[&str] = &["syntax", "imports", "types", "cfg"];
const WITH: &[&str] = &["syntax", "imports", "types", "cfg", "semantics"];

fn us(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e6
}

fn row(name: &str, samples: &mut [f64]) -> f64 {
    let (m, p) = (quantile(samples, 0.5), quantile(samples, 0.99));
    println!("  {name:<46} median {m:9.1}  p99 {p:9.1}");
    m
}

/// Samples of both sessions (with the semantics domain, without).
type Pair = (Vec<f64>, Vec<f64>);

/// Feeds `tokens` to both sessions (with the semantics domain, without),
/// timing each one's fused mask at every step into `times` and its commit
/// (observe and propagate: with the domain, the cfg→semantics morphism
/// runs at every token) into `commits`; which goes first alternates with
/// the step and the program `p`.
fn interleaved(
    (mut with, mut without): (Session, Session),
    tokens: &[u32],
    p: usize,
    n_vocab: usize,
    (times, commits): (&mut Pair, &mut Pair),
) {
    let mut out = TokenMask::new_empty(n_vocab);
    for (i, &token) in tokens.iter().enumerate() {
        let even = (p + i).is_multiple_of(2);
        for first in [even, !even] {
            let t = Instant::now();
            if first {
                with.compute_mask(&mut out).expect("mask");
                times.0.push(us(t));
            } else {
                without.compute_mask(&mut out).expect("mask");
                times.1.push(us(t));
            }
        }
        let t = Instant::now();
        with.commit(token).expect("commit");
        commits.0.push(us(t));
        let t = Instant::now();
        without.commit(token).expect("commit");
        commits.1.push(us(t));
    }
}

fn idle(programs: &[String]) {
    let spec = Spec::python("cl100k_base");
    let with = Ananke::with_domains(&spec, WITH).expect("compile");
    let without = Ananke::with_domains(&spec, WITHOUT).expect("compile");
    let vocab = with.vocab().clone();
    let (mut times, mut commits) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    for (p, program) in programs.iter().enumerate() {
        let sessions = (
            with.session().expect("session"),
            without.session().expect("session"),
        );
        let tokens = vocab.encode(program);
        interleaved(
            sessions,
            &tokens,
            p,
            vocab.len(),
            (&mut times, &mut commits),
        );
    }
    let (mut with_us, mut without_us) = times;
    println!(
        "\nidle (no contract), {} MBPP programs, {} steps, µs per fused mask:",
        programs.len(),
        with_us.len()
    );
    let w = row("syntax+imports+types+cfg+semantics", &mut with_us);
    let wo = row("syntax+imports+types+cfg", &mut without_us);
    println!(
        "  overhead of the idle semantics domain: {:+.2}%",
        (w / wo - 1.0) * 100.0
    );
    let (mut with_us, mut without_us) = commits;
    println!("  commit (observe + propagate), µs per token:");
    let cw = row("with semantics (and its two edges)", &mut with_us);
    let cwo = row("without", &mut without_us);
    println!(
        "  commit cost of the idle semantics domain and its edges: {:+.2}% of the fused mask",
        (cw - cwo) / wo * 100.0
    );
}

struct Case {
    header: String,
    body: String,
    requires: Vec<String>,
    ensures: Vec<String>,
}

fn cases() -> Vec<Case> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("../ananke-semantics/contracts/mbpp.toml"))
        .expect("contracts");
    let doc: toml::Table = text.parse().expect("TOML");
    let corpus = ananke_testkit::typed_programs();
    let strings = |v: &toml::Value| -> Vec<String> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|s| s.as_str().expect("string").to_owned())
            .collect()
    };
    doc["contract"]
        .as_array()
        .expect("contracts")
        .iter()
        .map(|c| {
            let program = corpus
                .iter()
                .find(|p| Some(p.id.as_str()) == c["id"].as_str())
                .expect("record");
            let source = program.source.as_str();
            let def = source
                .find(&format!("def {}(", program.entry_point))
                .expect("def");
            let end = def + source[def..].find(":\n").expect("header") + 2;
            Case {
                header: source[..end].to_owned(),
                body: source[end..].to_owned(),
                requires: strings(&c["requires"]),
                ensures: strings(&c["ensures"]),
            }
        })
        .collect()
}

fn active(cases: &[Case]) {
    let (mut times, mut commits) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    let (mut step_us, mut end_us) = (Vec::new(), Vec::new());
    for (p, case) in cases.iter().enumerate() {
        let mut spec = Spec::python("cl100k_base");
        spec.types.body_prefix = Some(case.header.clone());
        spec.semantics.requires = case.requires.clone();
        spec.semantics.ensures = case.ensures.clone();
        let with = Ananke::with_domains(&spec, WITH).expect("compile");
        let without = Ananke::with_domains(&spec, WITHOUT).expect("compile");
        let vocab = with.vocab().clone();
        let ctx = StepContext::new(vocab.vocabulary());
        let mut out = TokenMask::new_empty(vocab.len());
        let mut survivors = TokenMask::new_empty(vocab.len());
        // The fused masks, interleaved, before anything else fills the
        // shared mask caches.
        let body = vocab.encode(&case.body);
        let sessions = (
            with.session().expect("session"),
            without.session().expect("session"),
        );
        interleaved(sessions, &body, p, vocab.len(), (&mut times, &mut commits));
        // The domain on its own, fed the same text, with Z3's state dropped
        // at the start of each body (what a fresh process pays), on the
        // candidates the other domains leave.
        let mut plain = without.session().expect("session");
        let domain = SemanticsDomain::new();
        let contract = spec
            .semantics
            .contract(&spec)
            .expect("contract")
            .expect("formulas");
        let mut state = SemanticsConstraint::new(contract);
        for token in vocab.encode(&case.header) {
            state = domain.observe(&state, token, ctx).expect("observe");
        }
        ananke_semantics::clear_solver_caches();
        let mut line = String::new();
        for &token in &body {
            plain.compute_mask(&mut survivors).expect("mask");
            let t = Instant::now();
            domain
                .token_mask(&state, ctx, &survivors, &mut out)
                .expect("mask");
            state = domain.observe(&state, token, ctx).expect("observe");
            let elapsed = us(t);
            step_us.push(elapsed);
            let piece = String::from_utf8_lossy(&vocab.decode(&[token])).into_owned();
            let head = line.trim_start();
            if piece.contains('\n') && (head.starts_with("return") || head.starts_with("assert")) {
                end_us.push(elapsed);
            }
            line.push_str(&piece);
            if let Some(at) = line.rfind('\n') {
                line.drain(..=at);
            }
            plain.commit(token).expect("commit");
        }
    }
    let (mut with_us, mut without_us) = times;
    println!(
        "\nactive, {} MBPP bodies under their contracts, {} steps, µs:",
        cases.len(),
        step_us.len()
    );
    let w = row("fused mask with semantics", &mut with_us);
    let wo = row("fused mask without semantics", &mut without_us);
    row("semantics mask + observe, every step", &mut step_us);
    row(
        &format!("  … at the {} ends of return/assert", end_us.len()),
        &mut end_us,
    );
    println!(
        "  overhead of the active semantics domain: {:+.2}%",
        (w / wo - 1.0) * 100.0
    );
}

fn main() {
    idle(&programs());
    active(&cases());
}
