//! Load: masks per second and per-mask latency for N sessions at once
//! (N = 1, 2, 8, 64 threads, one session each, sharing one compiled spec)
//! with every built-in domain on, over the MBPP programs, on cl100k_base
//! and o200k_base. Each configuration runs for a fixed wall time.
//!
//! Run with `cargo xtask bench --load` (or `cargo bench -p ananke-runtime
//! --bench load`).

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, Spec};
use common::{programs, quantile};

/// Wall time per configuration.
const RUN: Duration = Duration::from_secs(4);

fn load(ananke: &Ananke, programs: &[String], sessions: usize) -> (f64, f64, f64) {
    let latencies = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for worker in 0..sessions {
            let latencies = &latencies;
            scope.spawn(move || {
                let vocab = ananke.vocab();
                let mut mask = TokenMask::new_empty(vocab.len());
                let mut own = Vec::new();
                let mut next = worker;
                'run: loop {
                    let program = &programs[next % programs.len()];
                    next += sessions;
                    let mut session = ananke.session().expect("session");
                    for token in vocab.encode(program) {
                        if started.elapsed() >= RUN {
                            break 'run;
                        }
                        let t = Instant::now();
                        session.compute_mask(&mut mask).expect("mask");
                        own.push(t.elapsed().as_secs_f64() * 1e6);
                        session.commit(token).expect("commit");
                    }
                }
                latencies.lock().expect("no panics").extend(own);
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut all = latencies.into_inner().expect("no panics");
    let masks = all.len() as f64;
    (
        masks / elapsed,
        quantile(&mut all, 0.5),
        quantile(&mut all, 0.99),
    )
}

fn main() {
    let programs = programs();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("\nload: every built-in domain, MBPP programs, {RUN:?} per row, {cores} cores");
    println!(
        "{:<12} {:>9} {:>13} {:>16} {:>13}",
        "tokenizer", "sessions", "masks / s", "median µs/mask", "p99 µs/mask"
    );
    for tokenizer in ["cl100k_base", "o200k_base"] {
        let ananke = Ananke::new(&Spec::python(tokenizer)).expect("compile");
        for sessions in [1, 2, 8, 64] {
            let (throughput, median, p99) = load(&ananke, &programs, sessions);
            println!("{tokenizer:<12} {sessions:>9} {throughput:>13.0} {median:>16.1} {p99:>13.1}");
        }
    }
}
