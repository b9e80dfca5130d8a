//! The fused mask of every domain (the spec's defaults, as `Ananke::new`
//! composes them) against a raw llguidance `Matcher` on the same grammar,
//! side by side on the same token sequences: every step of every typed
//! MBPP program, on cl100k_base and o200k_base, alternating which of the
//! two runs first. Means and p99 as well as medians: a cache that answers
//! most steps in microseconds hides the steps that cost milliseconds.
//!
//! The fused session shares one compiled spec (and so its mask cache)
//! across the programs, as a server's sessions do; the raw matcher has no
//! cache to share. Each side's masks are checked against the other's
//! survivors: every fused mask is a subset of llguidance's (the other
//! domains only remove tokens).
//!
//! Run with `cargo xtask bench` (or `cargo bench -p ananke-runtime --bench
//! fused`); `ANANKE_BENCH_PROGRAMS=N` feeds the first N programs only.

mod common;

use std::time::Instant;

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, Spec};
use ananke_syntax::{LlguidanceBackend, python};
use common::{programs, quantile};

/// Per-step times of one side, in microseconds.
struct Side {
    name: String,
    micros: Vec<f64>,
}

impl Side {
    fn new(name: impl Into<String>) -> Side {
        Side {
            name: name.into(),
            micros: Vec::new(),
        }
    }

    fn mean(&self) -> f64 {
        self.micros.iter().sum::<f64>() / self.micros.len().max(1) as f64
    }

    fn row(&mut self) -> (f64, f64, f64) {
        let mean = self.mean();
        let median = quantile(&mut self.micros, 0.5);
        let p99 = quantile(&mut self.micros, 0.99);
        println!(
            "| {} | {} | {mean:.1} | {median:.1} | {p99:.1} |",
            self.name,
            self.micros.len()
        );
        (mean, median, p99)
    }
}

fn side_by_side(tokenizer: &str, programs: &[String]) {
    let ananke = Ananke::new(&Spec::python(tokenizer)).expect("compile");
    let vocab = ananke.vocab().clone();
    let raw_template = LlguidanceBackend::new(&vocab)
        .expect("llguidance")
        .raw_matcher(python::lark())
        .expect("grammar");
    let mut fused = Side::new(format!(
        "Ananke fused mask ({})",
        ananke.product().names().collect::<Vec<_>>().join(" + ")
    ));
    let mut raw = Side::new("raw llguidance `Matcher`");
    let mut out = TokenMask::new_empty(vocab.len());
    let mut raw_mask = TokenMask::new_empty(vocab.len());
    // Per domain: masks computed, reused, from the cache, and time spent.
    let mut totals: Vec<(String, [u64; 4])> = Vec::new();
    for (p, program) in programs.iter().enumerate() {
        let mut session = ananke.session().expect("session");
        let mut matcher = raw_template.deep_clone();
        for (i, token) in vocab.encode(program).into_iter().enumerate() {
            let fused_first = (p + i) % 2 == 0;
            let mut allowed = None;
            for fused_turn in [fused_first, !fused_first] {
                let t = Instant::now();
                if fused_turn {
                    session.compute_mask(&mut out).expect("fused mask");
                    fused.micros.push(t.elapsed().as_secs_f64() * 1e6);
                } else {
                    allowed = Some(matcher.compute_mask().expect("raw mask"));
                    raw.micros.push(t.elapsed().as_secs_f64() * 1e6);
                }
            }
            raw_mask.copy_from_u32_words(allowed.expect("the raw side ran").as_slice());
            assert!(
                out.is_subset(&raw_mask),
                "program {p}, step {i}: the fused mask allows a token llguidance does not"
            );
            session.commit(token).expect("commit");
            matcher.consume_token(token).expect("raw consume");
        }
        for (k, d) in session.stats().domains.iter().enumerate() {
            if totals.len() <= k {
                totals.push((d.name.clone(), [0; 4]));
            }
            let t = &mut totals[k].1;
            for (slot, add) in t
                .iter_mut()
                .zip([d.computed, d.reused, d.cache_hits, d.nanos])
            {
                *slot += add;
            }
        }
    }
    println!(
        "\n{tokenizer}: {} MBPP programs, {} steps, µs per mask\n",
        programs.len(),
        fused.micros.len()
    );
    println!("| mask | steps | mean | median | p99 |\n|---|---:|---:|---:|---:|");
    let (fm, fmed, fp) = fused.row();
    let (rm, rmed, rp) = raw.row();
    println!(
        "\nfused/raw: mean {:.3}, median {:.3}, p99 {:.3} (targets: mean ≤ 0.5, fused p99 ≤ 2,000 µs)",
        fm / rm,
        fmed / rmed,
        fp / rp
    );
    println!(
        "\n| domain | computed | reused | from cache | mean µs per step |\n|---|---:|---:|---:|---:|"
    );
    let steps = fused.micros.len().max(1) as f64;
    for (name, [computed, reused, cached, nanos]) in &totals {
        println!(
            "| {name} | {computed} | {reused} | {cached} | {:.1} |",
            *nanos as f64 / 1e3 / steps
        );
    }
}

fn main() {
    let mut programs = programs();
    if let Some(n) = std::env::var("ANANKE_BENCH_PROGRAMS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        programs.truncate(n);
    }
    for tokenizer in ["cl100k_base", "o200k_base"] {
        side_by_side(tokenizer, &programs);
    }
}
