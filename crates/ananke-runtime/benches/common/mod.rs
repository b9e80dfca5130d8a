// Each benchmark binary uses a part of this module.
#![allow(dead_code)]

//! Shared by the runtime's benchmarks: the corpus, quantiles, and for the
//! plugin benchmarks a plugin domain's mask through the ABI
//! (a loaded library, opaque values, ABI-stable calls) against the same
//! policy linked in and called directly, side by side over the MBPP corpus
//! on cl100k_base, with the syntax domain's survivors as candidates (what
//! fusion hands a plugin). One binary per plugin: two plugin crates linked
//! into one binary would export the same root-module symbol twice.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use ananke_core::{Domain, StepContext, TokenMask};
use ananke_plugin_abi::{Policy, Vocab, VocabView};
use ananke_runtime::Plugin;
use ananke_syntax::{LlguidanceBackend, SyntaxDomain, SyntaxVocab, python};

/// The typed MBPP programs' sources.
pub fn programs() -> Vec<String> {
    ananke_testkit::typed_programs()
        .into_iter()
        .map(|p| p.source)
        .collect()
}

/// Builds the plugins with optimisations, in a target directory of their
/// own, and returns where they are.
fn release_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "--target-dir",
            "target/plugins",
            "-p",
            "ananke-plugin-deny-calls",
            "-p",
            "ananke-plugin-style",
        ])
        .status()
        .expect("cargo runs");
    assert!(status.success());
    root.join("target/plugins/release")
}

/// The `q` quantile of `samples` (sorted in place).
pub fn quantile(samples: &mut [f64], q: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[((samples.len() - 1) as f64 * q).round() as usize]
}

/// Prints the comparison for policy `P`, whose library is
/// `ananke_plugin_<library>`.
pub fn compare<P: Policy>(
    library: &str,
    vocab: &Arc<SyntaxVocab>,
    syntax: &SyntaxDomain,
    programs: &[String],
) {
    let dir = release_dir();
    let path = dir.join(format!(
        "{}ananke_plugin_{library}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let loaded = Plugin::load(&path)
        .expect("plugin loads")
        .domain(vocab.vocabulary())
        .expect("domain");
    let (bytes, offsets) = vocab.vocabulary().flat();
    let special: Vec<u32> = vocab.vocabulary().special_ids().collect();
    let own = Vocab::from_view(&VocabView::new(
        vocab.name(),
        bytes,
        offsets,
        &special,
        vocab.vocabulary().eos(),
    ));
    let direct = P::new(&own).expect("policy");
    let ctx = StepContext::new(vocab.vocabulary());
    let n = vocab.len();
    let full = TokenMask::new_full(n);
    let (mut survivors, mut out) = (TokenMask::new_empty(n), TokenMask::new_empty(n));
    let mut direct_out = vec![0u32; n.div_ceil(32)];
    let (mut abi_us, mut direct_us) = (Vec::new(), Vec::new());
    let start = syntax
        .constraint(&python::grammar(), "python")
        .expect("grammar");
    for (p, program) in programs.iter().enumerate() {
        let mut grammar = start.fork().expect("fork");
        let mut through = loaded.parse("").expect("policy");
        let mut linked = direct.parse("").expect("policy");
        for (i, token) in vocab.encode(program).into_iter().enumerate() {
            syntax
                .token_mask(&grammar, ctx, &full, &mut survivors)
                .expect("syntax");
            for abi_turn in [(p + i) % 2 == 0, (p + i) % 2 == 1] {
                let t = Instant::now();
                if abi_turn {
                    loaded
                        .token_mask(&through, ctx, &survivors, &mut out)
                        .expect("plugin mask");
                    abi_us.push(t.elapsed().as_secs_f64() * 1e6);
                } else {
                    direct.token_mask(&own, &linked, survivors.as_u32_words(), &mut direct_out);
                    direct_us.push(t.elapsed().as_secs_f64() * 1e6);
                }
            }
            assert_eq!(
                out.as_u32_words(),
                &direct_out[..],
                "the same mask both ways"
            );
            grammar = syntax.observe(&grammar, token, ctx).expect("observe");
            through = loaded.observe(&through, token, ctx).expect("observe");
            linked = direct.observe(&own, &linked, token);
        }
    }
    let (am, ap) = (quantile(&mut abi_us, 0.5), quantile(&mut abi_us, 0.99));
    let (dm, dp) = (
        quantile(&mut direct_us, 0.5),
        quantile(&mut direct_us, 0.99),
    );
    println!(
        "{:<11} {:>7} steps   through the ABI median {am:7.2} p99 {ap:8.2}   linked median {dm:7.2} p99 {dp:8.2}   ABI/linked {:.3}",
        P::NAME,
        abi_us.len(),
        am / dm
    );
}

/// Runs the comparison for `P` on cl100k_base over the corpus.
pub fn run<P: Policy>(library: &str) {
    let programs = programs();
    let vocab = SyntaxVocab::by_name("cl100k_base").expect("vocabulary");
    let syntax = SyntaxDomain::new(Arc::new(LlguidanceBackend::new(&vocab).expect("backend")));
    println!(
        "\nplugin mask on cl100k_base, {} MBPP programs, µs per step (syntax survivors as candidates, default policy):",
        programs.len()
    );
    compare::<P>(library, &vocab, &syntax, &programs);
}
