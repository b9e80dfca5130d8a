//! What the call policy costs: the types domain's mask with the strict
//! default policy against the same domain without one, side by side on
//! the same token sequences (every step of every typed MBPP program,
//! syntax and types fused as a session fuses them, on cl100k_base and
//! o200k_base, alternating which side runs first). The time is the types
//! domain's own (the fusion's per-domain counters), and the fused mask's
//! per step beside it.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p ananke-runtime --bench
//! policy`); `ANANKE_BENCH_PROGRAMS=N` feeds the first N programs only.

mod common;

use std::time::Instant;

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, PolicySpec, Spec};
use common::programs;

/// Time in the types domain and in the whole mask, over the steps.
#[derive(Default)]
struct Totals {
    types_nanos: u64,
    fused_nanos: u128,
    steps: u64,
}

fn feed(ananke: &Ananke, source: &str, totals: &mut Totals) {
    let vocab = ananke.vocab();
    let mut session = ananke.session().expect("session");
    let mut mask = TokenMask::new_empty(vocab.len());
    for token in vocab.encode(source) {
        let start = Instant::now();
        session.compute_mask(&mut mask).expect("mask");
        totals.fused_nanos += start.elapsed().as_nanos();
        totals.steps += 1;
        assert!(mask.contains(token), "a corpus token was masked out");
        session.commit(token).expect("commit");
    }
    totals.types_nanos += session
        .stats()
        .domains
        .iter()
        .filter(|d| d.name == "types")
        .map(|d| d.nanos)
        .sum::<u64>();
}

fn main() {
    let programs = programs();
    println!(
        "| tokenizer | steps | types µs/step, no policy | types µs/step, strict default policy | ratio | fused µs/step, no policy | fused µs/step, policy |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut compile = Vec::new();
    for tokenizer in ["cl100k_base", "o200k_base"] {
        let domains = ["syntax", "types"];
        let start = Instant::now();
        let plain = Ananke::with_domains(&Spec::python(tokenizer), &domains).expect("compile");
        let plain_compile = start.elapsed();
        let policy = PolicySpec {
            strict: true,
            ..PolicySpec::default()
        };
        let start = Instant::now();
        let guarded = Ananke::with_domains(&Spec::python(tokenizer).policy(policy), &domains)
            .expect("compile");
        compile.push((tokenizer, plain_compile, start.elapsed()));
        let (mut without, mut with) = (Totals::default(), Totals::default());
        for (i, source) in programs.iter().enumerate() {
            if i % 2 == 0 {
                feed(&plain, source, &mut without);
                feed(&guarded, source, &mut with);
            } else {
                feed(&guarded, source, &mut with);
                feed(&plain, source, &mut without);
            }
        }
        let per_step = |nanos: f64, t: &Totals| nanos / 1000.0 / t.steps.max(1) as f64;
        let (a, b) = (
            per_step(without.types_nanos as f64, &without),
            per_step(with.types_nanos as f64, &with),
        );
        println!(
            "| {tokenizer} | {} | {a:.1} | {b:.1} | {:.2}× | {:.1} | {:.1} |",
            with.steps,
            b / a,
            per_step(without.fused_nanos as f64, &without),
            per_step(with.fused_nanos as f64, &with),
        );
    }
    for (tokenizer, plain, guarded) in compile {
        println!(
            "{tokenizer}: compiling syntax + types took {:.0} ms, with the policy {:.0} ms (its stubs are read once per process, its token index once per vocabulary)",
            plain.as_secs_f64() * 1e3,
            guarded.as_secs_f64() * 1e3
        );
    }
}
