//! Session costs: the fused syntax + types mask against the syntax domain
//! alone, the types mask alone and the imports mask alone (over the MBPP
//! corpus, side by side, on cl100k and o200k), commit + propagate,
//! checkpoint, fork, and the memory a session and a fork hold.
//!
//! Run with `cargo xtask bench` (or `cargo bench -p ananke-runtime`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use ananke_core::{Domain, MeetSemilattice, StepContext, TokenMask};
use ananke_imports::{ImportPolicy, ImportsConstraint, ImportsDomain};
use ananke_runtime::{Ananke, Spec};
use ananke_syntax::{LlguidanceBackend, SyntaxDomain, python};
use ananke_types::{TypesConstraint, TypesDomain};
use criterion::{BatchSize, Criterion};

/// Counts live heap bytes, for the memory figures.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call forwards to the system allocator unchanged; the
// counter only observes sizes.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same layout, passed through.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

mod common;

use common::{programs, quantile};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn fused_against_syntax(tokenizer: &str, programs: &[String]) {
    let ananke =
        Ananke::with_domains(&Spec::python(tokenizer), &["syntax", "types"]).expect("compile");
    let vocab = ananke.vocab().clone();
    let n = vocab.len();
    // The syntax domain alone, on parsers of its own: no shared mask cache,
    // no reuse, the cost fusion would pay without its tricks.
    let alone = SyntaxDomain::new(Arc::new(LlguidanceBackend::new(&vocab).expect("backend")));
    let alone_start = alone
        .constraint(&python::grammar(), "python")
        .expect("grammar");
    // The types domain alone, twice: asked about the syntax survivors (as
    // fusion asks it) and about every token.
    let types = TypesDomain::new(vocab.vocabulary());
    let ctx = StepContext::new(vocab.vocabulary());
    let full = TokenMask::new_full(n);
    let (mut out, mut syntax_out, mut types_out) = (
        TokenMask::new_empty(n),
        TokenMask::new_empty(n),
        TokenMask::new_empty(n),
    );
    let (mut fused_us, mut syntax_us, mut commit_us) = (Vec::new(), Vec::new(), Vec::new());
    let (mut types_us, mut types_full_us) = (Vec::new(), Vec::new());
    // The imports domain alone, with a policy forbidding modules the
    // corpus never imports (so it rejects nothing and every step pays the
    // full check), split by whether an import statement is being written.
    let imports = ImportsDomain::new();
    let policy =
        ImportPolicy::parse("!os; !subprocess; !socket; !shutil; !pickle").expect("policy");
    let (mut imports_code_us, mut imports_stmt_us) = (Vec::new(), Vec::new());
    let mut imports_out = TokenMask::new_empty(n);
    // The control-flow domain alone with its default requirements: its
    // mask on the syntax survivors, and observe.
    let cfg = ananke_cfg::CfgDomain::new();
    let cfg_start = ananke_cfg::CfgConstraint::from(
        ananke_cfg::Requirements::parse(ananke_runtime::CfgSpec::DEFAULT).expect("requirements"),
    );
    let (mut cfg_mask_us, mut cfg_observe_us) = (Vec::new(), Vec::new());
    // And with the requirements decided mid-line (a statement's first
    // word, a call, a decision word).
    let strict_start = ananke_cfg::CfgConstraint::from(
        ananke_cfg::Requirements::parse(
            "max_nesting=12; max_loop_nesting=8; max_complexity=90; avoid=eval",
        )
        .expect("requirements"),
    );
    let mut strict_mask_us = Vec::new();
    for (p, program) in programs.iter().enumerate() {
        let mut session = ananke.session().expect("session");
        let mut imported = ImportsConstraint::from(policy.clone());
        let mut flow = cfg_start.clone();
        let mut strict = strict_start.clone();
        let mut line = String::new();
        let mut syntax = alone_start.fork().expect("fork");
        let (mut typed, mut typed_full) = (TypesConstraint::module(), TypesConstraint::module());
        for (i, token) in vocab.encode(program).into_iter().enumerate() {
            for fused_turn in [(p + i) % 2 == 0, (p + i) % 2 == 1] {
                if fused_turn {
                    let t = Instant::now();
                    session.compute_mask(&mut out).expect("fused");
                    fused_us.push(t.elapsed().as_secs_f64() * 1e6);
                } else {
                    let t = Instant::now();
                    alone
                        .token_mask(&syntax, ctx, &full, &mut syntax_out)
                        .expect("syntax");
                    syntax_us.push(t.elapsed().as_secs_f64() * 1e6);
                }
            }
            let t = Instant::now();
            types
                .token_mask(&typed, ctx, &syntax_out, &mut types_out)
                .expect("types");
            types_us.push(t.elapsed().as_secs_f64() * 1e6);
            let t = Instant::now();
            types
                .token_mask(&typed_full, ctx, &full, &mut types_out)
                .expect("types");
            types_full_us.push(t.elapsed().as_secs_f64() * 1e6);
            let t = Instant::now();
            imports
                .token_mask(&imported, ctx, &syntax_out, &mut imports_out)
                .expect("imports");
            let elapsed = t.elapsed().as_secs_f64() * 1e6;
            let head = line.trim_start();
            if head.starts_with("import ") || head.starts_with("from ") {
                imports_stmt_us.push(elapsed);
            } else {
                imports_code_us.push(elapsed);
            }
            imported = imports.observe(&imported, token, ctx).expect("observe");
            let t = Instant::now();
            cfg.token_mask(&flow, ctx, &syntax_out, &mut imports_out)
                .expect("cfg");
            cfg_mask_us.push(t.elapsed().as_secs_f64() * 1e6);
            let t = Instant::now();
            flow = cfg.observe(&flow, token, ctx).expect("observe");
            cfg_observe_us.push(t.elapsed().as_secs_f64() * 1e6);
            let t = Instant::now();
            cfg.token_mask(&strict, ctx, &syntax_out, &mut imports_out)
                .expect("cfg");
            strict_mask_us.push(t.elapsed().as_secs_f64() * 1e6);
            strict = cfg.observe(&strict, token, ctx).expect("observe");
            assert!(!strict.is_bottom(), "no MBPP program breaks these");
            let piece = String::from_utf8_lossy(&vocab.decode(&[token])).into_owned();
            line.push_str(&piece);
            if let Some(at) = line.rfind('\n') {
                line.drain(..=at);
            }
            let t = Instant::now();
            session.commit(token).expect("commit");
            commit_us.push(t.elapsed().as_secs_f64() * 1e6);
            syntax = alone.observe(&syntax, token, ctx).expect("observe");
            typed = types.observe(&typed, token, ctx).expect("observe");
            typed_full = types.observe(&typed_full, token, ctx).expect("observe");
        }
    }
    let row = |name: &str, samples: &mut [f64]| {
        let (m, p) = (quantile(samples, 0.5), quantile(samples, 0.99));
        println!("  {name:<34} median {m:9.1}  p99 {p:9.1}");
        m
    };
    println!(
        "\n{tokenizer}, {} MBPP programs ({} steps), µs per step:",
        programs.len(),
        commit_us.len()
    );
    let fm = row("fused mask, syntax + types", &mut fused_us);
    let sm = row("syntax domain alone", &mut syntax_us);
    let tm = row("types mask on syntax survivors", &mut types_us);
    let tf = row("types mask on every token", &mut types_full_us);
    let ic = row("imports mask, no import statement", &mut imports_code_us);
    let is = row("imports mask, in import statements", &mut imports_stmt_us);
    let cm = row("control-flow mask on survivors", &mut cfg_mask_us);
    let co = row("control-flow observe", &mut cfg_observe_us);
    let cs = row("control-flow mask, mid-line rules", &mut strict_mask_us);
    row("commit + propagate", &mut commit_us);
    println!(
        "  fused/syntax {:.3}   types(survivors)/syntax {:.3}   types(all)/syntax {:.3}",
        fm / sm,
        tm / sm,
        tf / sm
    );
    println!(
        "  imports(no import statement)/syntax {:.4} ({} steps)   imports(import statements)/syntax {:.3} ({} steps)",
        ic / sm,
        imports_code_us.len(),
        is / sm,
        imports_stmt_us.len()
    );
    println!(
        "  cfg (mask + observe)/syntax {:.4}   cfg with mid-line rules (mask + observe)/syntax {:.4}",
        (cm + co) / sm,
        (cs + co) / sm
    );
}

fn memory(ananke: &Ananke, program: &str) {
    let vocab = ananke.vocab().clone();
    let tokens = vocab.encode(program);
    let before = LIVE.load(Ordering::Relaxed);
    let mut session = ananke.session().expect("session");
    let fresh = LIVE.load(Ordering::Relaxed) - before;
    session.commit_many(&tokens).expect("commit");
    // Masks the commits added to the shared cache belong to the compiled
    // spec, not to the session.
    let cached = (ananke.mask_cache_len() * vocab.len().div_ceil(8)) as isize;
    let grown = LIVE.load(Ordering::Relaxed) - before - cached;
    let before_fork = LIVE.load(Ordering::Relaxed);
    // Ten thousand live forks (a wide beam, many samples of one prompt).
    let forks: Vec<_> = (0..10_000).map(|_| session.fork().expect("fork")).collect();
    let per_fork = (LIVE.load(Ordering::Relaxed) - before_fork) / 10_000;
    println!(
        "memory: fresh session {:.1} KiB, after {} tokens {:.1} KiB (shared mask cache excluded), per fork {:.1} KiB (10,000 live forks)",
        fresh as f64 / 1024.0,
        tokens.len(),
        grown as f64 / 1024.0,
        per_fork as f64 / 1024.0
    );
    drop(forks);
}

fn main() {
    let programs = programs();
    for tokenizer in ["cl100k_base", "o200k_base"] {
        fused_against_syntax(tokenizer, &programs);
    }
    let ananke = Ananke::new(&Spec::python("cl100k_base")).expect("compile");
    memory(&ananke, &programs[0]);

    let vocab = ananke.vocab().clone();
    let prefix = vocab
        .encode("def f(xs: list[int]) -> int:\n    total = 0\n    for x in xs:\n        total += ");
    let mut session = ananke.session().expect("session");
    session.commit_many(&prefix).expect("prefix");
    let next = vocab.encode("x")[0];
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    criterion.bench_function("session_commit_and_propagate", |b| {
        b.iter_batched_ref(
            || session.fork().expect("fork"),
            |s| s.commit(black_box(next)).expect("commit"),
            BatchSize::SmallInput,
        )
    });
    criterion.bench_function("session_checkpoint_and_release", |b| {
        b.iter(|| {
            let id = session.checkpoint();
            session.release(black_box(id));
        })
    });
    criterion.bench_function("session_fork", |b| {
        b.iter(|| black_box(session.fork().expect("fork")))
    });
    criterion.final_summary();
}
