//! What one Z3 judgement costs: the semantics domain reading the line
//! break that ends `return perimeter + 1` under MBPP/17's contract (two
//! solver checks: reachability, then the postcondition), with this
//! thread's Z3 state dropped before each read (cold: the formulas are
//! parsed again) and kept (warm: the verdict cache answers). The per-step
//! latency over whole programs, and the fused mask with the domain idle,
//! are in `crates/ananke-runtime/benches/semantics.rs`.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p ananke-semantics`).

use std::hint::black_box;
use std::time::Duration;

use ananke_core::{Domain, MeetSemilattice, StepContext, Vocabulary};
use ananke_semantics::{Contract, SemanticsConstraint, SemanticsDomain, Signature};
use criterion::Criterion;

fn main() {
    let header = "def square_perimeter(a: int) -> int:\n";
    let body = "    perimeter = 4 * a\n    return perimeter + 1";
    let tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    let vocab = Vocabulary::new("bytes", tokens, &[], &[]).expect("vocabulary");
    let ctx = StepContext::new(&vocab);
    let contract = Contract::new(Signature::from_python_header(header).expect("header"))
        .requires("(>= a 0)")
        .and_then(|c| c.ensures("(= result (* 4 a))"))
        .and_then(|c| c.ensures("(>= result 0)"))
        .expect("contract");
    let domain = SemanticsDomain::new();
    let mut state = SemanticsConstraint::new(contract);
    for b in header.bytes().chain(body.bytes()) {
        state = domain.observe(&state, u32::from(b), ctx).expect("observe");
    }
    let newline = u32::from(b'\n');
    assert!(
        domain
            .observe(&state, newline, ctx)
            .expect("observe")
            .is_bottom()
    );

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    criterion.bench_function("semantics_return_check_cold", |b| {
        b.iter(|| {
            ananke_semantics::clear_solver_caches();
            black_box(
                domain
                    .observe(&state, black_box(newline), ctx)
                    .expect("observe"),
            )
        })
    });
    criterion.bench_function("semantics_return_check_warm", |b| {
        b.iter(|| {
            black_box(
                domain
                    .observe(&state, black_box(newline), ctx)
                    .expect("observe"),
            )
        })
    });
    criterion.final_summary();
}
