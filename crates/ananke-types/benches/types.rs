//! Checking time per program over the typed MBPP corpus, and unification
//! and meet throughput.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p ananke-types`).

use std::hint::black_box;
use std::time::Duration;

use ananke_core::MeetSemilattice;
use ananke_types::check_source;
use ananke_types::hole_type::HoleType;
use ananke_types::types::Type;
use ananke_types::unify::Substitution;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn programs() -> Vec<String> {
    ananke_testkit::typed_programs()
        .into_iter()
        .map(|program| program.source)
        .collect()
}

fn bench_checker(c: &mut Criterion) {
    let programs = programs();
    // Load the stub database outside the measurement.
    check_source("x = 1\n").expect("warm-up");
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Elements(programs.len() as u64));
    group.bench_function("mbpp_typed_264_programs", |b| {
        b.iter(|| {
            for program in &programs {
                black_box(check_source(program).expect("parses"));
            }
        })
    });
    group.finish();
}

fn nested(depth: usize, leaf: Type) -> Type {
    (0..depth).fold(leaf, |t, i| {
        if i % 2 == 0 {
            Type::list(t)
        } else {
            Type::dict(Type::str(), t)
        }
    })
}

fn bench_unify(c: &mut Criterion) {
    let mut group = c.benchmark_group("unify");
    group.throughput(Throughput::Elements(1));
    let with_var = nested(6, Substitution::fresh(0));
    let ground = nested(6, Type::int());
    group.bench_function("unify_depth6_variable_against_ground", |b| {
        b.iter(|| {
            let mut s = Substitution::new();
            s.unify(black_box(&with_var), black_box(&ground))
                .expect("unifies");
            s
        })
    });
    let a = HoleType::expecting(Type::dict(
        Substitution::fresh(0),
        Type::list(Substitution::fresh(1)),
    ))
    .with_binding("xs", Type::list(Substitution::fresh(1)))
    .with_binding("n", Type::int());
    let b2 = HoleType::expecting(Type::dict(Type::str(), Type::list(Type::float())))
        .with_binding("n", Type::int())
        .with_binding("s", Type::str());
    group.bench_function("type_constraint_meet", |bench| {
        bench.iter(|| black_box(&a).meet(black_box(&b2)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = bench_checker, bench_unify
}
criterion_main!(benches);
