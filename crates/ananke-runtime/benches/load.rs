//! Load: masks per second and per-mask latency for N sessions at once
//! (N = 1, 2, 8, 64 threads, one session each, sharing one compiled spec)
//! with every built-in domain on, over the MBPP programs, on cl100k_base
//! and o200k_base. Each configuration runs for a fixed wall time, once on
//! every core and once pinned to one (`taskset -c 0`), and the table gives
//! the scaling between the two.
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

/// One measured configuration.
struct Row {
    tokenizer: &'static str,
    sessions: usize,
    throughput: f64,
    median: f64,
    p99: f64,
}

const TOKENIZERS: [&str; 2] = ["cl100k_base", "o200k_base"];
const SESSIONS: [usize; 4] = [1, 2, 8, 64];

fn measure(programs: &[String]) -> Vec<Row> {
    let mut rows = Vec::new();
    for tokenizer in TOKENIZERS {
        let ananke = Ananke::new(&Spec::python(tokenizer)).expect("compile");
        for sessions in SESSIONS {
            let (throughput, median, p99) = load(&ananke, programs, sessions);
            rows.push(Row {
                tokenizer,
                sessions,
                throughput,
                median,
                p99,
            });
        }
    }
    rows
}

/// The same measurement on one core: this binary again under `taskset -c
/// 0`, printing its rows as `ROW tokenizer sessions masks/s median p99`.
fn on_one_core() -> Option<Vec<Row>> {
    let output = std::process::Command::new("taskset")
        .args(["-c", "0"])
        .arg(std::env::current_exe().ok()?)
        .env(ONE_CORE, "1")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let rows: Vec<Row> = text
        .lines()
        .filter_map(|line| {
            let mut f = line.strip_prefix("ROW ")?.split(' ');
            let name = f.next()?;
            let tokenizer = TOKENIZERS.into_iter().find(|t| *t == name)?;
            let mut num = || f.next()?.parse::<f64>().ok();
            Some(Row {
                tokenizer,
                sessions: num()? as usize,
                throughput: num()?,
                median: num()?,
                p99: num()?,
            })
        })
        .collect();
    (rows.len() == TOKENIZERS.len() * SESSIONS.len()).then_some(rows)
}

/// Set in the one-core run.
const ONE_CORE: &str = "ANANKE_LOAD_ONE_CORE";

fn main() {
    let programs = programs();
    if std::env::var_os(ONE_CORE).is_some() {
        for r in measure(&programs) {
            println!(
                "ROW {} {} {} {} {}",
                r.tokenizer, r.sessions, r.throughput, r.median, r.p99
            );
        }
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let one = if cores > 1 { on_one_core() } else { None };
    let rows = measure(&programs);
    println!("\nload: every built-in domain, MBPP programs, {RUN:?} per row, {cores} cores");
    println!(
        "\n| tokenizer | sessions | masks/s | median µs/mask | p99 µs/mask | masks/s on 1 core | {cores} cores / 1 |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for (i, r) in rows.iter().enumerate() {
        let (single, ratio) = match one.as_ref().map(|one| &one[i]) {
            Some(o) => (
                format!("{:.0}", o.throughput),
                format!("{:.2}×", r.throughput / o.throughput),
            ),
            None => ("–".into(), "–".into()),
        };
        println!(
            "| {} | {} | {:.0} | {:.1} | {:.1} | {single} | {ratio} |",
            r.tokenizer, r.sessions, r.throughput, r.median, r.p99
        );
    }
    if cores > 1 && one.is_none() {
        println!(
            "(the one-core run under `taskset -c 0` did not report: is util-linux installed?)"
        );
    }
}
