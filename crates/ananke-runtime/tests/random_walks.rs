//! Random walks through the fused syntax + types + control-flow mask: tokens drawn
//! uniformly from the mask (seeded), for function bodies under the MBPP
//! signatures, until the session accepts. Every finished program must pass
//! the real `mypy --strict` (2.4.1, installed by `cargo xtask test` or CI) —
//! so none may end with a path that returns nothing.
//!
//! Two kinds of walk per signature: a `return` body (`    return ` is
//! forced, the expression drawn), which finishes often; and a free body,
//! drawn from its first byte, which rarely finishes within the cap (a
//! uniform draw seldom picks `return`) but exercises statements.

use std::path::PathBuf;

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, Spec, TypeIgnore};

/// The code before each MBPP entry point's body: imports, helpers and the
/// typed `def` line.
fn signatures() -> Vec<(String, String)> {
    ananke_testkit::typed_programs()
        .into_iter()
        .map(|p| {
            let def = format!("def {}(", p.entry_point);
            let start = p.source.find(&def).expect("the entry point");
            let end = start + p.source[start..].find(":\n").expect("a def line") + 2;
            (p.id, p.source[..end].to_owned())
        })
        .collect()
}

/// SplitMix64: a seeded generator, so walks are reproducible.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// Walks from `prefix` + `forced`; the finished program, if the session
/// accepts within `cap` drawn tokens.
fn walk(ananke: &Ananke, forced: &str, cap: usize, rng: &mut Rng) -> Option<String> {
    let vocab = ananke.vocab().clone();
    let mut session = ananke.session().expect("the prefix is accepted");
    let forced_tokens = vocab.encode(forced);
    assert_eq!(
        session.commit_many(&forced_tokens).unwrap(),
        forced_tokens.len()
    );
    let mut mask = TokenMask::new_empty(vocab.len());
    let eos = vocab.vocabulary().eos().to_vec();
    for _ in 0..cap {
        if session.is_accepting().unwrap() {
            return Some(String::from_utf8_lossy(&session.text()).into_owned());
        }
        session.compute_mask(&mut mask).unwrap();
        let allowed: Vec<u32> = mask.iter().filter(|t| !eos.contains(t)).collect();
        assert!(
            !allowed.is_empty(),
            "a dead end after {:?}",
            String::from_utf8_lossy(&session.text())
        );
        let token = allowed[rng.below(allowed.len())];
        session
            .commit(token)
            .expect("a token from the mask is accepted");
    }
    session
        .is_accepting()
        .unwrap()
        .then(|| String::from_utf8_lossy(&session.text()).into_owned())
}

#[test]
fn finished_walks_pass_mypy() {
    let signatures = signatures();
    let dir = std::env::temp_dir().join(format!("ananke-walks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(0x5eed_0001);
    let mut finished: Vec<(String, PathBuf, String)> = Vec::new();
    let (mut walks, mut free_finished) = (0, 0);
    for (i, (id, prefix)) in signatures.iter().enumerate() {
        // As generation reads `# type: ignore`: refused, so that a type
        // error is rejected where it is drawn (honouring the comment, one
        // is certain only at its line's end, and a uniform draw that
        // wrote one seldom draws the comment that would let the line end).
        let mut spec = Spec::python("cl100k_base").body_of(prefix);
        spec.types.type_ignore = Some(TypeIgnore::Forbid);
        let ananke = Ananke::with_domains(&spec, &["syntax", "types", "cfg"]).expect("compile");
        // A third `return` walk on every other signature: the types
        // domain leaves more to a statement's end than it did (an
        // attribute of an `object`, a literal argument), so fewer uniform
        // draws close their statement within the cap.
        let kinds: &[(&str, &str)] = match i % 4 {
            0 => &[
                ("return", "    return "),
                ("return2", "    return "),
                ("return3", "    return "),
                ("free", ""),
            ],
            2 => &[
                ("return", "    return "),
                ("return2", "    return "),
                ("return3", "    return "),
            ],
            _ => &[("return", "    return "), ("return2", "    return ")],
        };
        for (kind, forced) in kinds {
            walks += 1;
            if let Some(program) = walk(&ananke, forced, 80, &mut rng) {
                free_finished += usize::from(*kind == "free");
                let file = dir.join(format!("walk_{}_{kind}.py", id.replace('/', "_")));
                std::fs::write(&file, &program).unwrap();
                finished.push((format!("{id} {kind}"), file, program));
            }
        }
    }
    let files: Vec<PathBuf> = finished.iter().map(|(_, f, _)| f.clone()).collect();
    // mypy --strict, or CPython's verdict for a file it cannot compile.
    let errors = ananke_testkit::mypy_errors(&dir, &files);
    let failures: Vec<String> = finished
        .iter()
        .filter_map(|(name, file, program)| {
            let texts: Vec<&str> = errors
                .get(file)
                .into_iter()
                .flatten()
                .map(|e| e.text.as_str())
                .collect();
            (!texts.is_empty()).then(|| format!("{name}: {texts:?}\n{program}"))
        })
        .collect();
    println!(
        "{walks} walks, {} finished ({free_finished} free bodies), {} pass mypy --strict ({:.1}%)",
        finished.len(),
        finished.len() - failures.len(),
        100.0 * (finished.len() - failures.len()) as f64 / finished.len().max(1) as f64
    );
    for failure in &failures {
        println!("FAILED {failure}");
    }
    assert!(walks >= 200);
    assert!(finished.len() >= 100, "too few walks finished to judge");
    assert!(
        failures.is_empty(),
        "{} finished walks fail mypy",
        failures.len()
    );
    std::fs::remove_dir_all(&dir).ok();
}
