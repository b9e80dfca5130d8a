//! [`CfgDomain`]: the control-flow domain as a [`Domain`] — `observe` reads
//! a token into the constraint's sketch and turns a breach into ⊥,
//! `explain` says which requirement, and the mask (see [`crate::mask`])
//! keeps what `observe` accepts. It holds only the per-vocabulary token
//! index; every state is in the constraint.

use std::fmt;

use ananke_core::{
    Bounded, CostHint, Domain, Error, MeetSemilattice, PerVocab, StepContext, TokenId, TokenMask,
    Vocabulary,
};

use crate::constraint::CfgConstraint;
use crate::index::TokenIndex;
use crate::mask;

/// The control-flow domain (see the crate docs). Its vocabulary facts are
/// built on first use and tied to that vocabulary.
#[derive(Default)]
pub struct CfgDomain {
    index: PerVocab<TokenIndex>,
}

impl fmt::Debug for CfgDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CfgDomain")
    }
}

impl CfgDomain {
    /// The domain's name in a product.
    pub const NAME: &'static str = "cfg";

    /// A new control-flow domain.
    pub fn new() -> CfgDomain {
        CfgDomain::default()
    }

    fn index(&self, vocab: &Vocabulary) -> Result<&TokenIndex, Error> {
        self.index.get(CfgDomain::NAME, vocab, TokenIndex::new)
    }

    /// Why reading `token` from `state` breaks a requirement, if it does
    /// (the one judgement `observe` and `explain` share).
    fn verdict(&self, state: &CfgConstraint, token: TokenId, vocab: &Vocabulary) -> Option<String> {
        if let Some(v) = state.violation() {
            return Some(v.to_owned());
        }
        if vocab.eos().contains(&token) {
            return state
                .sketch()
                .decide_end(state.requirements())
                .map(|b| b.to_string());
        }
        if vocab.is_special(token) {
            return None;
        }
        state
            .breach(vocab.token_bytes(token)?)
            .map(|b| b.to_string())
    }
}

impl Domain for CfgDomain {
    type Constraint = CfgConstraint;

    fn name(&self) -> &str {
        CfgDomain::NAME
    }

    fn top(&self) -> CfgConstraint {
        CfgConstraint::top()
    }

    fn bottom(&self) -> CfgConstraint {
        CfgConstraint::bottom()
    }

    fn token_mask(
        &self,
        state: &CfgConstraint,
        ctx: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        let index = self.index(ctx.vocab)?;
        mask::token_mask(state, index, ctx.vocab, candidates, out);
        Ok(())
    }

    fn observe(
        &self,
        state: &CfgConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<CfgConstraint, Error> {
        let bytes = ctx.vocab.try_token_bytes(token)?;
        if state.is_bottom() {
            return Ok(state.clone());
        }
        if let Some(reason) = self.verdict(state, token, ctx.vocab) {
            return Ok(CfgConstraint::contradiction(reason));
        }
        if ctx.vocab.is_special(token) {
            return Ok(state.clone());
        }
        Ok(state.after(bytes))
    }

    fn explain(
        &self,
        state: &CfgConstraint,
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
            keep_ratio: 0.99,
            scales_with_candidates: true,
        }
    }
}
