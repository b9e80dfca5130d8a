//! [`ImportsDomain`]: the imports policy as a token mask.
//!
//! A token is rejected when it makes the text commit to a forbidden module
//! (an import statement's name, a `from` module or imported submodule, a
//! literal `__import__`/`import_module` argument, or a qualified use
//! `os.` of an unbound name, in code or in an f-string's replacement
//! field), and the end of the sequence is rejected while a required module
//! is missing.
//!
//! Only tokens that could commit to a forbidden name at all are tried:
//! those holding a forbidden module's first or last component followed by
//! a non-name byte (a per-name class built once per vocabulary), and those
//! that finish the name the text ends in (a prefix range of the vocabulary
//! sorted by bytes; every candidate once that name is complete, as in
//! `import os`, where the syntax survivors are few). Trying a token copies
//! the scanner; nothing is allocated.
//!
//! The mask and `observe` run the same check on a token's bytes (the
//! constraint's one scan for a violation), so the mask removes exactly
//! the tokens `observe` turns into ⊥; a property test tries every token of
//! a small vocabulary at every step of random texts.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use ananke_core::{
    CostHint, Domain, Error, MeetSemilattice, PerVocab, Satisfiability, StepContext, TokenId,
    TokenMask, Vocabulary,
};
use ananke_pylex::is_name_byte;

use crate::ImportsConstraint;
use crate::scan::MAX_NAME;

/// The vocabulary facts the mask needs, built once.
struct VocabIndex {
    n_vocab: usize,
    /// Ordinary (non-special, non-empty) tokens sorted by their bytes.
    sorted: Vec<TokenId>,
    /// Per forbidden top-level name: the tokens that contain it whole,
    /// followed by a non-name byte.
    flagged: Mutex<HashMap<String, Arc<TokenMask>>>,
}

impl VocabIndex {
    fn new(vocab: &Vocabulary) -> VocabIndex {
        let mut sorted: Vec<TokenId> = (0..vocab.len() as TokenId)
            .filter(|&t| {
                !vocab.is_special(t) && vocab.token_bytes(t).is_some_and(|b| !b.is_empty())
            })
            .collect();
        sorted.sort_by(|&a, &b| vocab.token_bytes(a).cmp(&vocab.token_bytes(b)));
        VocabIndex {
            n_vocab: vocab.len(),
            sorted,
            flagged: Mutex::new(HashMap::new()),
        }
    }

    fn flagged(&self, name: &str, vocab: &Vocabulary) -> Arc<TokenMask> {
        let mut table = self.flagged.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mask) = table.get(name) {
            return mask.clone();
        }
        let mut mask = TokenMask::new_empty(self.n_vocab);
        for &t in &self.sorted {
            if contains_word(vocab.token_bytes(t).unwrap_or_default(), name.as_bytes()) {
                mask.set(t, true);
            }
        }
        let mask = Arc::new(mask);
        table.insert(name.to_owned(), mask.clone());
        mask
    }

    /// The tokens whose bytes start with `prefix`.
    fn starting_with<'a>(&'a self, prefix: &[u8], vocab: &'a Vocabulary) -> &'a [TokenId] {
        let bytes = |t: TokenId| vocab.token_bytes(t).unwrap_or_default();
        let from = self.sorted.partition_point(|&t| bytes(t) < prefix);
        let len = self.sorted[from..].partition_point(|&t| bytes(t).starts_with(prefix));
        &self.sorted[from..from + len]
    }
}

/// Whether `bytes` holds `word` with a non-name byte after it and no name
/// byte right before it.
fn contains_word(bytes: &[u8], word: &[u8]) -> bool {
    if word.is_empty() || bytes.len() <= word.len() {
        return false;
    }
    (0..bytes.len() - word.len()).any(|i| {
        &bytes[i..i + word.len()] == word
            && !is_name_byte(bytes[i + word.len()])
            && (i == 0 || !is_name_byte(bytes[i - 1]))
    })
}

/// The imports domain (see the module docs). Its vocabulary facts are
/// built on first use and tied to that vocabulary.
#[derive(Default)]
pub struct ImportsDomain {
    index: PerVocab<VocabIndex>,
}

impl ImportsDomain {
    /// The domain's name in a product.
    pub const NAME: &'static str = "imports";

    /// A new imports domain.
    pub fn new() -> ImportsDomain {
        ImportsDomain::default()
    }

    fn index(&self, vocab: &Vocabulary) -> Result<&VocabIndex, Error> {
        self.index.get(ImportsDomain::NAME, vocab, VocabIndex::new)
    }

    /// Why `token` is rejected in `state`, if it is.
    fn verdict(
        &self,
        state: &ImportsConstraint,
        token: TokenId,
        vocab: &Vocabulary,
    ) -> Option<String> {
        if let Some(v) = state.violation() {
            return Some(v);
        }
        if vocab.eos().contains(&token) {
            return state.missing_required().map(|m| {
                format!("the module must import `{m}` (required by the policy) before it ends")
            });
        }
        if vocab.is_special(token) {
            return None;
        }
        let bytes = vocab.token_bytes(token)?;
        state.violation_of(bytes)
    }
}

impl fmt::Debug for ImportsDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ImportsDomain")
    }
}

impl Domain for ImportsDomain {
    type Constraint = ImportsConstraint;

    fn name(&self) -> &str {
        ImportsDomain::NAME
    }

    fn top(&self) -> ImportsConstraint {
        ImportsConstraint::top()
    }

    fn bottom(&self) -> ImportsConstraint {
        <ImportsConstraint as ananke_core::Bounded>::bottom()
    }

    fn satisfiability(&self, state: &ImportsConstraint) -> Satisfiability {
        if state.is_bottom() {
            Satisfiability::Unsat
        } else if state.missing_required().is_none() {
            Satisfiability::Sat
        } else {
            Satisfiability::Unknown
        }
    }

    fn token_mask(
        &self,
        state: &ImportsConstraint,
        ctx: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        let vocab = ctx.vocab;
        out.copy_from(candidates);
        if state.is_bottom() {
            out.fill(false);
            return Ok(());
        }
        if state.missing_required().is_some() {
            for &eos in vocab.eos() {
                if (eos as usize) < out.len() {
                    out.set(eos, false);
                }
            }
        }
        if state.policy.forbidden().next().is_none() {
            return Ok(());
        }
        let index = self.index(vocab)?;
        let mut try_token = |t: TokenId| {
            let bytes = vocab.token_bytes(t).unwrap_or_default();
            if !vocab.is_special(t) && state.commits_forbidden(bytes) {
                out.set(t, false);
            }
        };
        let scanner = state.scanner();
        let pending = scanner.pending_module();
        let pending = pending.as_ref().and_then(|p| p.as_str());
        let trailing = scanner.trailing_name();
        let mut prefix = [0u8; MAX_NAME + 1];
        for forbidden in state.policy.forbidden() {
            let (top, last) = (forbidden.top_level(), forbidden.last_component());
            // A token that holds a whole component and the byte after it.
            for t in candidates.iter_common(&index.flagged(top, vocab)) {
                try_token(t);
            }
            if last != top {
                for t in candidates.iter_common(&index.flagged(last, vocab)) {
                    try_token(t);
                }
            }
            // A token that finishes the name the text ends in: `import o`
            // + `s\n`, `x = o` + `s.path`.
            let rest = match (pending, trailing) {
                (Some(pending), _) => forbidden.as_str().strip_prefix(pending),
                (None, Some(partial)) => top.strip_prefix(partial).map(|rest| {
                    prefix[..rest.len()].copy_from_slice(rest.as_bytes());
                    prefix[rest.len()] = b'.';
                    // Safe: `rest` plus an ASCII dot.
                    std::str::from_utf8(&prefix[..=rest.len()]).unwrap_or_default()
                }),
                (None, None) => None,
            };
            match rest {
                Some("") => {
                    // The name is complete: any byte that ends it commits.
                    for t in candidates.iter() {
                        try_token(t);
                    }
                }
                Some(rest) => {
                    for &t in index.starting_with(rest.as_bytes(), vocab) {
                        if candidates.contains(t) {
                            try_token(t);
                        }
                    }
                }
                None => {}
            }
        }
        Ok(())
    }

    fn observe(
        &self,
        state: &ImportsConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<ImportsConstraint, Error> {
        let bytes = ctx.vocab.try_token_bytes(token)?;
        if state.is_bottom() {
            return Ok(state.clone());
        }
        if let Some(reason) = self.verdict(state, token, ctx.vocab) {
            return Ok(ImportsConstraint::contradiction(reason));
        }
        if ctx.vocab.is_special(token) {
            return Ok(state.clone());
        }
        Ok(state.read(bytes))
    }

    fn explain(
        &self,
        state: &ImportsConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Option<String> {
        if token as usize >= ctx.vocab.len() {
            return None;
        }
        self.verdict(state, token, ctx.vocab)
    }

    fn cost(&self) -> CostHint {
        CostHint {
            relative_cost: 0.01,
            keep_ratio: 1.0,
            scales_with_candidates: true,
        }
    }

    fn join(&self, a: &ImportsConstraint, b: &ImportsConstraint) -> Option<ImportsConstraint> {
        Some(ananke_core::JoinSemilattice::join(a, b))
    }
}

#[cfg(test)]
mod tests {
    use ananke_core::laws::{LawConfig, assert_laws, check_mask_agrees_with_observe};
    use proptest::prelude::*;

    use super::*;
    use crate::ImportPolicy;

    const TOKENS: &[&str] = &[
        "<eos>",
        "import",
        " o",
        "s",
        "\n",
        " os",
        "s\n",
        ".",
        "path",
        " osmosis",
        "x",
        " =",
        " 1",
        "__import__",
        "(\"",
        "\")",
        "os",
        "math",
        ".sqrt",
        "(x)",
        ",",
        " sys",
        "from",
        " ",
        "s.",
        " import",
        " path\n",
        "s. path",
        "path,",
        " (",
        ")",
        "\n    ",
        "'",
        "ma",
        "th.",
        " as",
        "#",
        "\"\"\"",
        "import os\n",
        "s.path\n",
        ".path",
        "\\",
        "(",
        "[os]",
        ":",
    ];

    fn vocab() -> Vocabulary {
        Vocabulary::new("toy", TOKENS, &[0], &[0]).unwrap()
    }

    fn id(text: &str) -> TokenId {
        TOKENS.iter().position(|t| *t == text).unwrap() as TokenId
    }

    fn run(domain: &ImportsDomain, policy: &str, text: &[&str]) -> ImportsConstraint {
        let vocab = vocab();
        let mut state = ImportsConstraint::from(ImportPolicy::parse(policy).unwrap());
        for piece in text {
            state = domain
                .observe(&state, id(piece), StepContext::new(&vocab))
                .unwrap();
        }
        state
    }

    /// The mask keeps exactly the tokens observe accepts.
    fn allowed(domain: &ImportsDomain, state: &ImportsConstraint) -> Vec<&'static str> {
        let vocab = vocab();
        let ctx = StepContext::new(&vocab);
        let all = TokenMask::new_full(vocab.len());
        let mut out = TokenMask::new_empty(vocab.len());
        domain.token_mask(state, ctx, &all, &mut out).unwrap();
        for t in 0..vocab.len() as TokenId {
            let observed = domain.observe(state, t, ctx).unwrap();
            assert_eq!(
                out.contains(t),
                !observed.is_bottom(),
                "mask and observe disagree on {:?} after {state:?}",
                TOKENS[t as usize]
            );
        }
        out.iter().map(|t| TOKENS[t as usize]).collect()
    }

    #[test]
    fn import_statements_are_rejected_when_the_name_is_settled() {
        let domain = ImportsDomain::new();
        let after_o = run(&domain, "!os", &["import", " o"]);
        let allowed = allowed(&domain, &after_o);
        assert!(allowed.contains(&"s"), "`import os` may still become `osx`");
        assert!(!allowed.contains(&"s\n") && !allowed.contains(&"s."));
        let after = run(&domain, "!os", &["import", " os"]);
        assert!(!allowed_has(&domain, &after, "\n"));
        assert!(!allowed_has(&domain, &after, "."));
        assert!(
            allowed_has(&domain, &after, "s"),
            "`import oss` is another module"
        );
        assert!(!run(&domain, "!os", &["import", " osmosis", "\n"]).is_bottom());
        let path = run(&domain, "!os.path", &["import", " os", "."]);
        assert!(!path.is_bottom(), "`os` itself is allowed");
        let rejected = domain.observe(&path, id("path"), StepContext::new(&vocab()));
        assert!(
            !rejected.unwrap().is_bottom(),
            "not settled until the name ends"
        );
        let end = run(&domain, "!os.path", &["import", " os", ".", "path"]);
        let why = domain
            .explain(&end, id("\n"), StepContext::new(&vocab()))
            .unwrap();
        assert!(
            why.contains("`os.path`") && why.contains("!os.path"),
            "{why}"
        );
        assert!(run(&domain, "!os", &["from", " os", " import"]).is_bottom());
    }

    fn allowed_has(domain: &ImportsDomain, state: &ImportsConstraint, token: &str) -> bool {
        allowed(domain, state).contains(&token)
    }

    #[test]
    fn uses_and_dynamic_imports() {
        let domain = ImportsDomain::new();
        let start = run(&domain, "!math", &["x", " =", " "]);
        assert!(
            allowed_has(&domain, &start, "math"),
            "`math` may be `mathx`"
        );
        let used = run(&domain, "!math", &["x", " =", " ", "math"]);
        assert!(!allowed_has(&domain, &used, ".sqrt"));
        assert!(!allowed_has(&domain, &used, "."));
        assert!(allowed_has(&domain, &used, "(x)"));
        let bound = run(&domain, "!os", &["os", " =", " 1", "\n"]);
        assert!(allowed_has(
            &domain,
            &run(&domain, "!os", &["os", " =", " 1", "\n", "os"]),
            "."
        ));
        assert!(!bound.is_bottom());
        let dynamic = run(&domain, "!os", &["__import__", "(\"", "os"]);
        assert!(!allowed_has(&domain, &dynamic, "\")"));
        assert!(allowed_has(&domain, &dynamic, "s"));
    }

    #[test]
    fn required_modules_gate_the_end() {
        let domain = ImportsDomain::new();
        let none = run(&domain, "math", &["x", " =", " 1", "\n"]);
        assert!(!allowed_has(&domain, &none, "<eos>"));
        let why = domain
            .explain(&none, 0, StepContext::new(&vocab()))
            .unwrap();
        assert!(why.contains("`math`"), "{why}");
        let some = run(&domain, "math", &["import", " ", "math", "\n"]);
        assert!(allowed_has(&domain, &some, "<eos>"));
        assert_eq!(domain.satisfiability(&some), Satisfiability::Sat);
    }

    #[test]
    fn a_policy_refined_after_the_import_is_a_contradiction() {
        let domain = ImportsDomain::new();
        let imported = run(&domain, "", &["import", " os", "\n"]);
        let refined = imported.meet(&ImportPolicy::parse("!os").unwrap().into());
        assert!(refined.is_bottom());
        assert!(
            refined
                .violation()
                .unwrap()
                .contains("already imports `os`")
        );
    }

    /// The cases of the random walks: one of a few policies, and a text of
    /// up to 13 tokens of `vocab` (its end token, 0, left out).
    fn walks(
        vocab: &Vocabulary,
    ) -> impl Strategy<Value = (ImportsConstraint, Vec<TokenId>)> + use<> {
        (
            proptest::sample::select(&["!os", "!os.path", "!math; !sys", "!path"][..])
                .prop_map(|p| ImportsConstraint::from(ImportPolicy::parse(p).unwrap())),
            proptest::collection::vec(1..vocab.len() as TokenId, 0..14),
        )
    }

    /// `ANANKE_LAW_CASES` walks, 200 unless set.
    fn walk_config() -> LawConfig {
        LawConfig {
            cases: std::env::var("ANANKE_LAW_CASES")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(200),
            ..LawConfig::from_env()
        }
    }

    /// Along random token sequences, the mask and observe agree on every
    /// token of the vocabulary at every step.
    #[test]
    fn mask_and_observe_agree_on_random_texts() {
        let vocab = vocab();
        let report = assert_laws(check_mask_agrees_with_observe(
            "ImportsDomain",
            &ImportsDomain::new(),
            &vocab,
            &walks(&vocab),
            &walk_config(),
        ));
        assert_eq!(report.laws.len(), 1);
    }

    /// Pieces of f-strings: the code in their replacement fields.
    const FSTRING_TOKENS: &[&str] = &[
        "<eos>",
        "x",
        " =",
        " f",
        "'",
        "{",
        "os",
        ".sep",
        "}'",
        "\n",
        "__import__",
        "(\"",
        "\")",
        "o",
        "s.",
        "{os",
        ".",
        "path",
        "{{",
        ":",
        "!r",
        " math",
        "'\n",
    ];

    fn fstring_vocab() -> Vocabulary {
        Vocabulary::new("fstrings", FSTRING_TOKENS, &[0], &[0]).unwrap()
    }

    /// The state after `text` (pieces of [`FSTRING_TOKENS`]) under `policy`.
    fn run_fstring(domain: &ImportsDomain, policy: &str, text: &[&str]) -> ImportsConstraint {
        let vocab = fstring_vocab();
        let id = |piece: &str| FSTRING_TOKENS.iter().position(|t| *t == piece).unwrap();
        let mut state = ImportsConstraint::from(ImportPolicy::parse(policy).unwrap());
        for piece in text {
            state = domain
                .observe(&state, id(piece) as TokenId, StepContext::new(&vocab))
                .unwrap();
        }
        state
    }

    /// A module used or imported in an f-string's replacement field is
    /// used or imported: the field is code.
    #[test]
    fn fstring_fields_are_code() {
        let domain = ImportsDomain::new();
        let used = ["x", " =", " f", "'", "{", "os", ".sep", "}'"];
        assert!(
            run_fstring(&domain, "!os", &used[..5])
                .violation()
                .is_none()
        );
        let why = run_fstring(&domain, "!os", &used[..7]).violation().unwrap();
        assert!(why.contains("`os.`") && why.contains("!os"), "{why}");
        assert!(run_fstring(&domain, "!math", &used).violation().is_none());
        let dynamic = [" f", "'", "{", "__import__", "(\"", "os", "\")", "}'"];
        assert!(
            run_fstring(&domain, "!os", &dynamic[..6])
                .violation()
                .is_none()
        );
        let why = run_fstring(&domain, "!os", &dynamic[..7])
            .violation()
            .unwrap();
        assert!(why.contains("dynamically imports `os`"), "{why}");
        let escaped = [" f", "'", "{{", "os", ".sep", "}'"];
        assert!(run_fstring(&domain, "!os", &escaped).violation().is_none());
        let vocab = fstring_vocab();
        let report = assert_laws(check_mask_agrees_with_observe(
            "ImportsDomain on f-strings",
            &domain,
            &vocab,
            &walks(&vocab),
            &walk_config(),
        ));
        assert_eq!(report.laws.len(), 1);
    }

    #[test]
    fn another_vocabulary_is_an_error() {
        let domain = ImportsDomain::new();
        let state = ImportsConstraint::from(ImportPolicy::parse("!os").unwrap());
        let vocab = vocab();
        let mut out = TokenMask::new_empty(vocab.len());
        let all = TokenMask::new_full(vocab.len());
        domain
            .token_mask(&state, StepContext::new(&vocab), &all, &mut out)
            .unwrap();
        let other = Vocabulary::new("other", ["a", "b"], &[], &[]).unwrap();
        let all = TokenMask::new_full(2);
        let mut out = TokenMask::new_empty(2);
        let err = domain
            .token_mask(&state, StepContext::new(&other), &all, &mut out)
            .unwrap_err();
        assert!(err.to_string().contains("toy"), "{err}");
    }
}
