//! Many sessions at once: 64 sessions over the MBPP programs on a pool of
//! threads share one compiled spec (vocabulary, grammar, tables, typeshed
//! data) and must give exactly what the same sessions give one by one.

mod common;

use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, Session, Spec};

fn programs(n: usize) -> Vec<String> {
    ananke_testkit::typed_programs()
        .into_iter()
        .take(n)
        .map(|p| p.source)
        .collect()
}

/// What one session sees of a program: a digest of its first masks, how
/// many tokens it accepted, and whether it may end.
fn run(ananke: &Ananke, source: &str) -> (u64, usize, bool) {
    let vocab = ananke.vocab();
    let tokens = vocab.encode(source);
    let mut session: Session = ananke.session().unwrap();
    let mut mask = TokenMask::new_empty(vocab.len());
    let mut digest = std::collections::hash_map::DefaultHasher::new();
    for &token in tokens.iter().take(16) {
        session.compute_mask(&mut mask).unwrap();
        mask.as_u32_words().hash(&mut digest);
        session.commit(token).unwrap();
    }
    let accepted = session
        .commit_many(&tokens[tokens.len().min(16)..])
        .unwrap();
    (
        digest.finish(),
        accepted + tokens.len().min(16),
        session.is_accepting().unwrap(),
    )
}

fn assert_send<T: Send>() {}
fn assert_sync<T: Sync>() {}

#[test]
fn sixty_four_sessions_on_eight_threads_match_one_at_a_time() {
    assert_send::<Session>();
    assert_sync::<Ananke>();
    let ananke = Ananke::new(&Spec::python("cl100k_base")).unwrap();
    let programs = programs(64);
    let alone: Vec<(u64, usize, bool)> = programs.iter().map(|p| run(&ananke, p)).collect();
    assert!(
        alone.iter().all(|&(_, _, ok)| ok),
        "every program is accepted"
    );

    // 64 sessions, 8 threads taking them in turn, all sharing `ananke`.
    let results = Mutex::new(vec![None; programs.len()]);
    let next = Mutex::new(0usize);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                loop {
                    let i = {
                        let mut next = next.lock().unwrap();
                        let i = *next;
                        *next += 1;
                        i
                    };
                    let Some(program) = programs.get(i) else {
                        break;
                    };
                    let outcome = run(&ananke, program);
                    results.lock().unwrap()[i] = Some(outcome);
                }
            });
        }
    });
    let together: Vec<(u64, usize, bool)> = results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect();
    assert_eq!(together, alone);
    // The mask cache all of them shared stays within its bound.
    assert!(ananke.mask_cache_len() <= ananke_runtime::fusion::MASK_CACHE_MASKS);
    assert!(ananke.mask_cache_len() > 0, "the cache was used");
}
