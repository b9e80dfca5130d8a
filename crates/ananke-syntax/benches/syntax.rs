//! Per-step syntax mask time while force-feeding the typed MBPP programs.
//!
//! For each tokenizer (cl100k_base, o200k_base) and every step of every
//! program, three masks are timed side by side on the same parser state:
//! (a) a raw llguidance `Matcher`, (b) Ananke's syntax domain on
//! llguidance, (c) Ananke's syntax domain on xgrammar-rs. (a) and (b) run
//! on the whole corpus, alternating which goes first; (c) costs hundreds of
//! milliseconds a step on this grammar, so it runs on the first steps of a
//! few programs (`ANANKE_BENCH_XGRAMMAR_STEPS`, default 40). A criterion
//! group then times the mask repeated on one expression-start state, where
//! llguidance answers from its cache: what remains is Ananke's fixed
//! per-step overhead (copying the mask out and intersecting candidates).
//!
//! Run with `cargo xtask bench` (or `cargo bench -p ananke-syntax`).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ananke_core::{Domain, StepContext, TokenMask};
use ananke_syntax::{LlguidanceBackend, SyntaxDomain, SyntaxVocab, XgrammarBackend, python};
use criterion::Criterion;
use llguidance::Matcher;

/// A raw llguidance matcher for the Python grammar, from the backend's
/// own factory (same tokenizer environment, slices and limits).
fn raw_matcher(vocab: &Arc<SyntaxVocab>) -> Matcher {
    LlguidanceBackend::new(vocab)
        .expect("llguidance")
        .raw_matcher(python::lark())
        .expect("grammar")
}

struct Samples(Vec<f64>);

impl Samples {
    fn quantile(&self, q: f64) -> f64 {
        let mut sorted = self.0.clone();
        sorted.sort_by(f64::total_cmp);
        sorted[((sorted.len() - 1) as f64 * q).round() as usize]
    }

    fn row(&self, label: &str) -> String {
        format!(
            "{label:<44} {:>7} {:>10.3} {:>10.3} {:>10.3}",
            self.0.len(),
            self.quantile(0.5),
            self.quantile(0.99),
            self.0.iter().sum::<f64>() / self.0.len() as f64
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn corpus_report(vocab_name: &str, programs: &[String], xgrammar_steps: usize) {
    let vocab = SyntaxVocab::by_name(vocab_name).expect("vocabulary");
    let n = vocab.len();
    let ctx = StepContext::new(vocab.vocabulary());
    let full = TokenMask::new_full(n);
    let mut out = TokenMask::new_empty(n);

    let template = raw_matcher(&vocab);
    let domain = SyntaxDomain::new(Arc::new(
        LlguidanceBackend::new(&vocab).expect("llguidance"),
    ));
    let start = domain
        .constraint(&python::grammar(), "python")
        .expect("grammar");
    let (mut raw, mut ananke) = (Samples(Vec::new()), Samples(Vec::new()));
    for (p, program) in programs.iter().enumerate() {
        let mut matcher = template.deep_clone();
        let mut constraint = start.fork().expect("fork");
        for (i, token) in vocab.encode(program).into_iter().enumerate() {
            // Alternate the order so neither side always runs on a warm cache.
            let raw_first = (p + i) % 2 == 0;
            for side in [raw_first, !raw_first] {
                if side {
                    let t = Instant::now();
                    black_box(matcher.compute_mask().expect("raw mask"));
                    raw.0.push(ms(t.elapsed()));
                } else {
                    let t = Instant::now();
                    domain
                        .token_mask(&constraint, ctx, &full, &mut out)
                        .expect("domain mask");
                    ananke.0.push(ms(t.elapsed()));
                }
            }
            matcher.consume_token(token).expect("raw consume");
            constraint = domain.observe(&constraint, token, ctx).expect("observe");
        }
    }

    let xgrammar = SyntaxDomain::new(Arc::new(XgrammarBackend::new(&vocab).expect("xgrammar")));
    let compile = Instant::now();
    let xstart = xgrammar
        .constraint(&python::grammar_for("xgrammar"), "python")
        .expect("xgrammar grammar");
    let compile = compile.elapsed();
    let mut xgr = Samples(Vec::new());
    'programs: for program in programs {
        let mut constraint = xstart.fork().expect("fork");
        for token in vocab.encode(program).into_iter().take(12) {
            let t = Instant::now();
            xgrammar
                .token_mask(&constraint, ctx, &full, &mut out)
                .expect("xgrammar mask");
            xgr.0.push(ms(t.elapsed()));
            constraint = xgrammar.observe(&constraint, token, ctx).expect("observe");
            if xgr.0.len() >= xgrammar_steps {
                break 'programs;
            }
        }
    }

    println!("\n{vocab_name}: per-step mask time in ms (Python grammar, MBPP force-fed)");
    println!(
        "{:<44} {:>7} {:>10} {:>10} {:>10}",
        "", "steps", "median", "p99", "mean"
    );
    println!("{}", raw.row("(a) raw llguidance Matcher"));
    println!("{}", ananke.row("(b) Ananke syntax domain, llguidance"));
    println!("{}", xgr.row("(c) Ananke syntax domain, xgrammar-rs"));
    println!(
        "(b)/(a): median {:.3}, mean {:.3}; xgrammar compile {:.1} s",
        ananke.quantile(0.5) / raw.quantile(0.5),
        ananke.0.iter().sum::<f64>() / raw.0.iter().sum::<f64>(),
        compile.as_secs_f64()
    );
}

fn criterion_group(c: &mut Criterion) {
    let vocab = SyntaxVocab::cl100k_base().expect("vocabulary");
    let n = vocab.len();
    let ctx = StepContext::new(vocab.vocabulary());
    let prefix = vocab.encode("def f(xs: list[int]) -> int:\n    return ");
    let mut matcher = raw_matcher(&vocab);
    matcher.consume_tokens(&prefix).expect("prefix");
    let domain = SyntaxDomain::new(Arc::new(
        LlguidanceBackend::new(&vocab).expect("llguidance"),
    ));
    let mut constraint = domain
        .constraint(&python::grammar(), "python")
        .expect("grammar");
    for &token in &prefix {
        constraint = constraint.observe(token).expect("observe");
    }
    let full = TokenMask::new_full(n);
    let mut out = TokenMask::new_empty(n);
    let mut group = c.benchmark_group("syntax_repeated_mask_cl100k");
    group.bench_function("raw_llguidance", |b| {
        b.iter(|| black_box(matcher.compute_mask().expect("mask")))
    });
    group.bench_function("ananke_llguidance", |b| {
        b.iter(|| {
            domain
                .token_mask(&constraint, ctx, &full, &mut out)
                .expect("mask")
        })
    });
    group.finish();
}

fn main() {
    let programs: Vec<String> = ananke_testkit::typed_programs()
        .into_iter()
        .map(|program| program.source)
        .collect();
    let xgrammar_steps = std::env::var("ANANKE_BENCH_XGRAMMAR_STEPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    for vocab in ["cl100k_base", "o200k_base"] {
        corpus_report(vocab, &programs, xgrammar_steps);
    }
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    criterion_group(&mut criterion);
    criterion.final_summary();
}
