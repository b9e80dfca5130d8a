//! Core overheads: product meet, product clone (a checkpoint), and one
//! propagation through a network shaped like the standard one.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p ananke-core`).

use std::hint::black_box;
use std::time::Duration;

use ananke_core::reference::Interval;
use ananke_core::{
    DomainHandle, FnMorphism, LatticeDomain, MeetSemilattice, ProductConstraint, ProductDomain,
    PropagationEngine, Seed,
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

type D = LatticeDomain<Interval>;

const NAMES: [&str; 5] = ["syntax", "types", "imports", "cfg", "semantics"];

fn five_domains() -> (ProductDomain, Vec<DomainHandle<D>>) {
    let mut builder = ProductDomain::builder();
    let handles = NAMES
        .iter()
        .map(|name| builder.add(D::new(*name)).unwrap())
        .collect();
    (builder.build(), handles)
}

fn product_with(
    product: &ProductDomain,
    handles: &[DomainHandle<D>],
    offset: i64,
) -> ProductConstraint {
    let mut c = product.top();
    for (i, h) in handles.iter().enumerate() {
        c.set(*h, Interval::new(offset + i as i64, 1_000 - offset))
            .unwrap();
    }
    c
}

fn bench_product(c: &mut Criterion) {
    let (product, handles) = five_domains();
    let a = product_with(&product, &handles, 0);
    let b = product_with(&product, &handles, 3);
    c.bench_function("product_meet_5_domains", |bench| {
        bench.iter(|| black_box(&a).meet(black_box(&b)))
    });
    c.bench_function("product_clone_5_domains", |bench| {
        bench.iter(|| black_box(&a).clone())
    });
}

fn bench_propagation(c: &mut Criterion) {
    let (product, h) = five_domains();
    let [syntax, types, imports, cfg, semantics] = [h[0], h[1], h[2], h[3], h[4]];
    let copy = |name: &'static str| FnMorphism::new(name, |i: &Interval| *i);
    let mut network = PropagationEngine::builder(&product);
    // The standard morphisms, in DESIGN.md's priority order.
    network
        .connect(syntax, types, 0, copy("syntax→types"))
        .unwrap();
    network
        .connect(types, syntax, 1, copy("types→syntax"))
        .unwrap();
    network
        .connect(types, imports, 2, copy("types→imports"))
        .unwrap();
    network
        .connect(imports, types, 3, copy("imports→types"))
        .unwrap();
    network.connect(syntax, cfg, 4, copy("syntax→cfg")).unwrap();
    network
        .connect(cfg, semantics, 5, copy("cfg→semantics"))
        .unwrap();
    network
        .connect(semantics, types, 6, copy("semantics→types"))
        .unwrap();
    let mut engine = network.build();

    let base = product.top();
    let seeds = [Seed {
        domain: syntax.id(),
        reason: "token observed",
    }];
    let mut narrowed = 0i64;
    c.bench_function("propagate_standard_network_5_nodes_7_edges", |bench| {
        bench.iter_batched_ref(
            || {
                narrowed = (narrowed + 1) % 500;
                let mut state = base.clone();
                state.set(syntax, Interval::new(narrowed, 1_000)).unwrap();
                state
            },
            |state| {
                let result = engine.propagate(state, &seeds).unwrap();
                debug_assert_eq!(result.changed.len(), 4);
                result
            },
            BatchSize::SmallInput,
        )
    });
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_product, bench_propagation
}
criterion_main!(benches);
