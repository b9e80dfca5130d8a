//! The control-flow mask: which candidates break no requirement, decided
//! by group where the state's answer for a group settles it (by column at
//! a line start, by the word finished or the name called mid-line) and
//! token by token for the rest. Apart from the domain: the domain is the
//! lattice's contract (observe, explain); this is the fast path that must
//! agree with `observe`, token for token.
//!
//! Under the default requirements only line starts decide: the mask asks
//! [`Sketch::decide_at`] once per indentation width and removes the
//! tokens of a breaking width whole (grouped by their leading blanks once
//! per vocabulary), does the same for comment lines under
//! `indented_comments`, and tries in full only the tokens that start a
//! line inside themselves (or lead with a tab). With a mid-line rule
//! (`no_while`, a nesting or complexity limit, `no_recursion`, `avoid`)
//! it also decides mid-line by [`Shape`](crate::shape::Shape): groups are
//! removed with word-level mask operations, and only the tokens that may
//! finish a word that matters or call a name that matters are tried.
//! Inside a string or comment only the tokens that can leave it (a quote,
//! a line break) are tried; after a `;`, every candidate is.

use ananke_core::{MeetSemilattice, TokenId, TokenMask, Vocabulary};

use crate::constraint::CfgConstraint;
use crate::index::TokenIndex;
use crate::requirements::Requirements;
use crate::shape::{CallKind, RULE_BREAKING_WORDS};
use crate::sketch::Sketch;

/// Writes into `out` the `candidates` that reading from `state` keeps
/// (see [`ananke_core::Domain::token_mask`]), `index` grouping `vocab`'s
/// tokens.
pub(crate) fn token_mask(
    state: &CfgConstraint,
    index: &TokenIndex,
    vocab: &Vocabulary,
    candidates: &TokenMask,
    out: &mut TokenMask,
) {
    out.copy_from(candidates);
    if state.is_bottom() {
        out.fill(false);
        return;
    }
    let reqs = state.requirements();
    if *reqs == Requirements::NONE {
        return;
    }
    let sketch = state.sketch();
    let try_token = |t: TokenId, out: &mut TokenMask| {
        if candidates.contains(t)
            && !vocab.is_special(t)
            && state
                .breach(vocab.token_bytes(t).unwrap_or_default())
                .is_some()
        {
            out.set(t, false);
        }
    };
    if sketch.decide_end(reqs).is_some() {
        for &eos in vocab.eos() {
            if (eos as usize) < out.len() {
                out.set(eos, false);
            }
        }
    }
    if Sketch::mid_line_rules(reqs) || sketch.after_semicolon() {
        // A statement's first word or a call may break a rule inside
        // a token, and after a `;` any code starts a statement.
        if sketch.after_semicolon() {
            for t in candidates.iter() {
                try_token(t, out);
            }
            return;
        }
        if sketch.at_line_start() {
            // Indentation then a word begun: where the statement
            // starts is all that counts.
            reject_by_column(
                &index.words_by_lead,
                sketch.column(),
                candidates,
                out,
                |col| sketch.decide_at(reqs, col).is_some(),
            );
            for t in candidates.iter_common(&index.not_words) {
                try_token(t, out);
            }
            return;
        }
        // Inside a string or comment nothing counts until a quote or a
        // line break leaves it.
        if sketch.in_text() {
            for t in candidates.iter_common(&index.leaves_text) {
                try_token(t, out);
            }
            return;
        }
        // Mid-line, rules fall where a word ends or at a `(`: a token
        // of name bytes breaks none, and one that ends the current word
        // and starts another breaks what a space would.
        // Each group is handled as a whole, by word-level mask
        // operations; only the tokens that may finish a word that
        // matters, and the rest, are tried one by one.
        let space_breaks = state.breach(b" ").is_some();
        if space_breaks {
            out.and_not_with(&index.ends_word);
            out.and_not_with(&index.calls[CallKind::Fresh as usize]);
            out.and_not_with(&index.calls[CallKind::Method as usize]);
        }
        if state.breach(b"(").is_some() {
            out.and_not_with(&index.opens_paren);
        }
        let partial = sketch.partial_word();
        for word in RULE_BREAKING_WORDS {
            if let Some(head) = word.as_bytes().strip_prefix(partial)
                && let Some(tokens) = index.by_head.get(head)
            {
                for &t in tokens {
                    try_token(t, out);
                }
            }
        }
        let calls = Calls {
            reqs,
            sketch: &sketch,
            index,
            candidates,
        };
        calls.mask(out, space_breaks, &try_token);
        for t in candidates.iter_common(&index.other) {
            try_token(t, out);
        }
        return;
    }
    if sketch.at_line_start() {
        let column = sketch.column();
        reject_by_column(&index.by_lead, column, candidates, out, |col| {
            sketch.decide_at(reqs, col).is_some()
        });
        for &t in &index.tabbed {
            try_token(t, out);
        }
        if reqs.indented_comments {
            reject_by_column(&index.comment_by_lead, column, candidates, out, |col| {
                sketch.decide_comment(col).is_some()
            });
        }
    }
    for &t in &index.inner_line {
        try_token(t, out);
    }
    if reqs.indented_comments {
        for &t in &index.inner_comment {
            try_token(t, out);
        }
    }
}

/// The call tokens of one mid-line step (see [`Shape::Call`](crate::shape::Shape::Call)).
struct Calls<'a> {
    reqs: &'a Requirements,
    sketch: &'a Sketch,
    index: &'a TokenIndex,
    candidates: &'a TokenMask,
}

impl Calls<'_> {
    /// The names a call may break a rule by calling: keywords, avoided
    /// names, the function itself.
    fn called(&self) -> impl Iterator<Item = &[u8]> + '_ {
        RULE_BREAKING_WORDS
            .iter()
            .map(|w| w.as_bytes())
            .chain(self.reqs.avoid.iter().map(str::as_bytes))
            .chain(
                self.sketch
                    .function_name()
                    .filter(|_| self.reqs.no_recursion),
            )
    }

    /// Masks the call tokens that break a rule: those calling a name
    /// that may are tried in full, the rest need nothing more (those of
    /// kinds that end a word were masked with the word when `space_breaks`).
    fn mask(
        &self,
        out: &mut TokenMask,
        space_breaks: bool,
        try_token: &impl Fn(TokenId, &mut TokenMask),
    ) {
        let by_name = |kind: CallKind, name: &[u8], out: &mut TokenMask| {
            for &t in self.index.calls_by_name[kind as usize]
                .get(name)
                .into_iter()
                .flatten()
            {
                try_token(t, out);
            }
        };
        let every = |kind: CallKind, out: &mut TokenMask| {
            for t in self
                .candidates
                .iter_common(&self.index.calls[kind as usize])
            {
                try_token(t, out);
            }
        };
        // The name goes on with the chain being read.
        match self.sketch.partial_chain() {
            Some(chain) => {
                for word in self.called() {
                    if let Some(head) = word.strip_prefix(chain) {
                        by_name(CallKind::Continues, head, out);
                    }
                }
            }
            None => every(CallKind::Continues, out),
        }
        if space_breaks {
            return;
        }
        // A name on its own.
        for word in self.called() {
            by_name(CallKind::Fresh, word, out);
        }
        // An attribute: of the chain being read (only an avoided name is
        // dotted), or of a value (no call that counts, but its name still
        // ends a word).
        match self.sketch.raw_chain() {
            Some([]) => {
                for word in self.called() {
                    by_name(CallKind::Method, word, out);
                }
            }
            Some(chain) => {
                for target in self.reqs.avoid.iter() {
                    if let Some(name) = target
                        .as_bytes()
                        .strip_prefix(chain)
                        .and_then(|rest| rest.strip_prefix(b"."))
                    {
                        by_name(CallKind::Method, name, out);
                    }
                }
            }
            None => every(CallKind::Method, out),
        }
    }
}

/// Masks the line-start tokens of `groups` (by leading spaces) that put
/// their first byte at a column `breaks` refuses, the line being at
/// `column` so far.
pub(crate) fn reject_by_column(
    groups: &[Vec<TokenId>],
    column: u16,
    candidates: &TokenMask,
    out: &mut TokenMask,
    breaks: impl Fn(u16) -> bool,
) {
    for (spaces, tokens) in groups.iter().enumerate() {
        if tokens.is_empty() || !breaks(column.saturating_add(spaces as u16)) {
            continue;
        }
        for &t in tokens {
            if candidates.contains(t) {
                out.set(t, false);
            }
        }
    }
}
