//! The shipped Python grammar's mask-cache key ([`ananke_syntax::layout`])
//! against the masks it stands for: every step of the typed MBPP programs
//! and a sample of the standard library is force-fed, each
//! step's mask computed and remembered by the constraint's cache key, and
//! wherever a key comes back its mask must be the same. A key shared by
//! two states that allow different tokens would hand the fused mask a
//! wrong mask from the cache; this is the test that looks for one.
//!
//! `ANANKE_LAYOUT_STRIDE=N` samples one standard-library module in N
//! (default 100; 1 is the whole library, which takes hours).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ananke_core::{MeetSemilattice, TokenMask};
use ananke_syntax::{LlguidanceBackend, SyntaxConstraint, SyntaxDomain, SyntaxVocab, python};
use ananke_testkit::{stdlib_modules, typed_programs};

/// Where a key was first seen: the mask's hash and the text before it.
struct Seen {
    mask: u64,
    source: usize,
    offset: usize,
}

fn mask_hash(mask: &TokenMask) -> u64 {
    std::hash::BuildHasher::hash_one(
        &std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default(),
        mask,
    )
}

struct Check {
    vocab: Arc<SyntaxVocab>,
    start: SyntaxConstraint,
    seen: HashMap<u64, Seen>,
    sources: Vec<String>,
    /// Hashes of every text a mask was computed after.
    texts: HashSet<u64>,
    steps: usize,
    repeats: usize,
    /// Repeats after a text not seen before: what a key by the tokens
    /// alone would have missed.
    shared: usize,
    mismatches: Vec<String>,
}

impl Check {
    fn new(vocab: Arc<SyntaxVocab>) -> Check {
        let domain = SyntaxDomain::new(Arc::new(LlguidanceBackend::new(&vocab).unwrap()));
        let start = domain.constraint(&python::grammar(), "python").unwrap();
        Check {
            vocab,
            start,
            seen: HashMap::new(),
            sources: Vec::new(),
            texts: HashSet::new(),
            steps: 0,
            repeats: 0,
            shared: 0,
            mismatches: Vec::new(),
        }
    }

    fn feed(&mut self, source: &str) {
        let index = self.sources.len();
        self.sources.push(source.to_owned());
        let full = TokenMask::new_full(self.vocab.len());
        let mut out = TokenMask::new_empty(self.vocab.len());
        let mut state = self.start.fork().unwrap();
        let mut offset = 0;
        let mut text = 0xcbf2_9ce4_8422_2325u64;
        for token in self.vocab.encode(source) {
            let new_text = self.texts.insert(text);
            let key = state.cache_key().expect("a live constraint has a key");
            state.mask(&full, &mut out).unwrap();
            let mask = mask_hash(&out);
            self.steps += 1;
            match self.seen.get(&key) {
                Some(first) if first.mask != mask => {
                    let before = |s: &str, mut at: usize| {
                        while !s.is_char_boundary(at) {
                            at -= 1;
                        }
                        let tail = s[..at].char_indices().rev().nth(60).map_or(0, |(i, _)| i);
                        s[tail..at].to_owned()
                    };
                    self.mismatches.push(format!(
                        "same key, different masks: after {:?} and after {:?}",
                        before(&self.sources[first.source], first.offset),
                        before(source, offset)
                    ));
                }
                Some(_) => {
                    self.repeats += 1;
                    self.shared += usize::from(new_text);
                }
                None => {
                    self.seen.insert(
                        key,
                        Seen {
                            mask,
                            source: index,
                            offset,
                        },
                    );
                }
            }
            state = state.observe(token).unwrap();
            if state.is_bottom() {
                return;
            }
            for b in self.vocab.decode(&[token]) {
                text = (text ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
                offset += 1;
            }
        }
    }
}

#[test]
fn equal_layout_keys_have_equal_masks() {
    let mut check = Check::new(SyntaxVocab::cl100k_base().unwrap());
    for program in typed_programs() {
        check.feed(&program.source);
    }
    let stride = std::env::var("ANANKE_LAYOUT_STRIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    for path in stdlib_modules().iter().step_by(stride) {
        if let Ok(source) = std::fs::read_to_string(path) {
            check.feed(&source);
        }
    }
    println!(
        "{} sources, {} steps, {} distinct keys, {} steps answered by a key seen before ({} after a text not seen before)",
        check.sources.len(),
        check.steps,
        check.seen.len(),
        check.repeats,
        check.shared
    );
    assert!(
        check.mismatches.is_empty(),
        "{} mismatches, first: {:#?}",
        check.mismatches.len(),
        &check.mismatches[..check.mismatches.len().min(10)]
    );
    // The key is worth having: an eighth of the steps follow text not
    // seen before yet share a key with an earlier step.
    assert!(check.shared * 8 > check.steps, "too few shared keys");
}
