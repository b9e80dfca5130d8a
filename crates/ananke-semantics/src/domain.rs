//! [`SemanticsDomain`]: the semantics domain as a [`Domain`] — `observe`
//! reads a token into the constraint's reader and turns a violation into
//! ⊥, `explain` gives Z3's unsat core, and the mask judges only the tokens
//! that can end a judged statement (and the digits of a returned
//! literal). It holds only the per-vocabulary token index; every state is
//! in the constraint.
//!
//! The mask does work only while a judged `return` or `assert` is being
//! written: it tries the candidates with a line break (listed once per
//! vocabulary), judging each distinct text up to its last line break once
//! (what follows the last one ends no statement, so cannot change the
//! verdict), and
//! the end of the output; while a returned integer literal is written, it
//! compares each candidate with a digit (also listed once) against the
//! range of `result` Z3's optimiser finds.

use std::collections::HashMap;
use std::fmt;

use ananke_core::{
    Bounded, CostHint, Domain, Error, MeetSemilattice, PerVocab, StepContext, TokenId, TokenMask,
    Vocabulary,
};

use crate::constraint::SemanticsConstraint;
use crate::literal::literal_after;
use crate::reader::Pending;
use crate::solver;

/// Tokens the mask may have to judge, found once per vocabulary.
struct TokenIndex {
    /// Tokens with a line break (they can end a statement).
    ends_line: Vec<TokenId>,
    /// Tokens with a digit (only they can extend a returned literal).
    digits: Vec<TokenId>,
}

impl TokenIndex {
    /// The tokens of `vocab` the mask may judge.
    fn new(vocab: &Vocabulary) -> TokenIndex {
        let mut index = TokenIndex {
            ends_line: Vec::new(),
            digits: Vec::new(),
        };
        for (t, bytes) in vocab.iter() {
            if vocab.is_special(t) {
                continue;
            }
            if bytes.contains(&b'\n') {
                index.ends_line.push(t);
            }
            if bytes.iter().any(u8::is_ascii_digit) {
                index.digits.push(t);
            }
        }
        index
    }
}

/// The semantics domain (see the crate docs). Its vocabulary facts are
/// built on first use and tied to that vocabulary.
#[derive(Default)]
pub struct SemanticsDomain {
    index: PerVocab<TokenIndex>,
}

impl fmt::Debug for SemanticsDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SemanticsDomain")
    }
}

impl SemanticsDomain {
    /// The domain's name in a product.
    pub const NAME: &'static str = "semantics";

    /// A new semantics domain.
    pub fn new() -> SemanticsDomain {
        SemanticsDomain::default()
    }

    /// Why reading `token` from `state` breaks the contract, if it does
    /// (the one judgement `observe` and `explain` share).
    fn verdict(
        &self,
        state: &SemanticsConstraint,
        token: TokenId,
        vocab: &Vocabulary,
    ) -> Option<String> {
        if let Some(c) = state.conflict() {
            return Some(c.to_owned());
        }
        if state.contract().is_empty() {
            return None;
        }
        let end = vocab.eos().contains(&token);
        if vocab.is_special(token) && !end {
            return None;
        }
        let bytes = if end {
            &[][..]
        } else {
            vocab.token_bytes(token)?
        };
        if let Err(v) = state.read(bytes, end) {
            return Some(v.to_string());
        }
        let reader = state.reader();
        let written = reader.return_text(state.control_facts())?;
        let (low, high) =
            reader.with_return_query(state.contract(), |q| solver::bounds(q, "result"))?;
        let literal = literal_after(written, bytes)?;
        (!literal.can_reach(low, high)).then(|| {
            format!(
                "no integer literal that starts `return {}` can satisfy the postcondition{}",
                literal.text,
                state
                    .contract()
                    .ensures_formulas()
                    .map(|f| format!(" {}", f))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
    }
}

impl Domain for SemanticsDomain {
    type Constraint = SemanticsConstraint;

    fn name(&self) -> &str {
        SemanticsDomain::NAME
    }

    fn top(&self) -> SemanticsConstraint {
        SemanticsConstraint::top()
    }

    fn bottom(&self) -> SemanticsConstraint {
        <SemanticsConstraint as Bounded>::bottom()
    }

    fn token_mask(
        &self,
        state: &SemanticsConstraint,
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
        if state.contract().is_empty() {
            return Ok(());
        }
        let reader = state.reader();
        let Some(pending) = reader.pending(state.control_facts()) else {
            return Ok(());
        };
        let index = self
            .index
            .get(SemanticsDomain::NAME, vocab, TokenIndex::new)?;
        // Tokens that end the statement (and the end of the output):
        // judged in full, once per text. Only a judged `return`/`assert`
        // gets here.
        let mut verdicts: HashMap<Vec<u8>, bool> = HashMap::new();
        let ends = index.ends_line.iter().map(|&t| (t, false));
        for (t, end) in ends.chain(vocab.eos().iter().map(|&t| (t, true))) {
            if !candidates.contains(t) {
                continue;
            }
            let bytes = if end {
                &[][..]
            } else {
                vocab.token_bytes(t).unwrap_or_default()
            };
            let key = match bytes.iter().rposition(|&b| b == b'\n') {
                Some(nl) => bytes[..=nl].to_vec(),
                None => Vec::new(),
            };
            let bad = *verdicts
                .entry(key)
                .or_insert_with(|| state.read(bytes, end).is_err());
            if bad {
                out.set(t, false);
            }
        }
        // Digits of a returned literal.
        if pending == Pending::Return
            && let Some(written) = reader.return_text(state.control_facts())
            && let Some((low, high)) =
                reader.with_return_query(state.contract(), |q| solver::bounds(q, "result"))
            && (low.is_some() || high.is_some())
        {
            for &t in &index.digits {
                if candidates.contains(t)
                    && let Some(bytes) = vocab.token_bytes(t)
                    && let Some(literal) = literal_after(written, bytes)
                    && !literal.can_reach(low, high)
                {
                    out.set(t, false);
                }
            }
        }
        Ok(())
    }

    fn observe(
        &self,
        state: &SemanticsConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<SemanticsConstraint, Error> {
        let bytes = ctx.vocab.try_token_bytes(token)?;
        if state.is_bottom() {
            return Ok(state.clone());
        }
        if let Some(reason) = self.verdict(state, token, ctx.vocab) {
            return Ok(SemanticsConstraint::contradiction(reason));
        }
        let end = ctx.vocab.eos().contains(&token);
        if ctx.vocab.is_special(token) && !end {
            return Ok(state.clone());
        }
        let bytes = if end { &[][..] } else { bytes };
        let reader = state.read(bytes, end).map_err(|v| Error::Domain {
            domain: SemanticsDomain::NAME.to_owned(),
            message: v.to_string(),
        })?;
        Ok(state.with_reader(reader))
    }

    fn explain(
        &self,
        state: &SemanticsConstraint,
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
            relative_cost: 0.02,
            keep_ratio: 0.999,
            scales_with_candidates: true,
        }
    }
}
