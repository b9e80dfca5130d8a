//! How a constrained reply ends near the end of its budget: closed at a
//! line start where the constraints accept the code, else `return` written
//! there for the model to finish ([`Finish`]), its value made to end
//! ([`Ending`]), and as a last resort `return` with a placeholder value
//! ([`Rescue`]). Apart from the decoding loop: each is one decision over
//! the session and the trail, taken when the loop asks.

use ananke_core::{TokenMask, Vocabulary};
use ananke_runtime::Session;

use super::trail::Trail;
use crate::ModelError;
use crate::tokenizer::ModelTokenizer;

/// Tokens before the budget ends from which a constrained reply is
/// finished: closed at the first line start where the constraints accept
/// the code; at a line start where they do not, `return` is written at
/// the shallowest indentation they take — the body's, else one to three
/// levels deeper — and the model writes the value, under the mask. A line
/// start that takes neither (inside brackets or a string, say) sends the
/// reply back to the latest one that does; so does a mask that allows
/// nothing, and a line still open a quarter of this before the end. At
/// most [`MAX_FINISH_TRIES`] times a reply.
pub const FINISH_WITHIN: usize = 48;

/// Times a reply being finished may have `return` written for it.
pub const MAX_FINISH_TRIES: usize = 8;

/// Tokens into the value of a `return` written by the finish after which
/// the value has to end: it may open no more brackets or strings, and where the
/// constraints allow a token that closes one (else one that ends the
/// line), it gets one of those (`max(max(max(…` or `.lower().lower()…`
/// would not end within the budget). The same holds once half of
/// [`FINISH_WITHIN`] is left.
pub const VALUE_LIMIT: usize = 24;

/// Token classes, built once per vocabulary, that make a forced `return`
/// value end (see [`VALUE_LIMIT`]).
pub(super) struct Ending {
    /// Tokens that open more brackets than they close, or a string.
    opening: TokenMask,
    /// Tokens of closing brackets (and spaces) only.
    closing: TokenMask,
    /// Tokens of blanks with a line break.
    breaking: TokenMask,
}

impl Ending {
    /// The classes of `vocab`'s tokens, over masks of `n` bits.
    pub(super) fn new(vocab: &Vocabulary, n: usize) -> Ending {
        let mut ending = Ending {
            opening: TokenMask::new_empty(n),
            closing: TokenMask::new_empty(n),
            breaking: TokenMask::new_empty(n),
        };
        for (id, bytes) in vocab.iter() {
            let count = |set: &[u8]| bytes.iter().filter(|b| set.contains(b)).count();
            let only = |set: &[u8]| bytes.iter().all(|b| set.contains(b));
            ending
                .opening
                .set(id, count(b"([{") > count(b")]}") || count(b"'\"") > 0);
            ending.closing.set(id, count(b")]}") > 0 && only(b")]} "));
            ending.breaking.set(
                id,
                bytes.contains(&b'\n') && bytes.iter().all(u8::is_ascii_whitespace),
            );
        }
        ending
    }

    /// No opening tokens; closing ones only where the mask has some, else
    /// line breaks only where it has some.
    pub(super) fn restrict(&self, mask: &mut TokenMask) {
        mask.and_not_with(&self.opening);
        if mask.intersects(&self.closing) {
            mask.and_with(&self.closing);
        } else if mask.intersects(&self.breaking) {
            mask.and_with(&self.breaking);
        }
    }
}

/// Where a reply being finished goes.
pub(super) enum Finish {
    /// Cut back to a line start where the constraints accept the code:
    /// close the block there.
    Close,
    /// `return` was written at a line start (after `dropped` tokens were
    /// taken back); the model writes the value.
    Return { dropped: usize },
    /// No line start takes either.
    Nowhere,
}

/// Finishes a reply: at the latest line start (the current position
/// first) where the constraints accept the code as it stands, or take a
/// `return` at one of the `indents`, where a statement may start.
/// The session and trail are cut back there.
pub(super) fn finish_point(
    session: &mut Session,
    trail: &mut Trail,
    tokenizer: &ModelTokenizer,
    indents: &[String],
) -> Result<Finish, ModelError> {
    for (tokens, at, written) in trail.statement_starts() {
        let dropped = trail.kept.len() - tokens;
        if trail.accepting.contains(&(tokens, at)) {
            session.rollback(dropped)?;
            trail.cut(tokens, at);
            return Ok(Finish::Close);
        }
        let checkpoint = session.checkpoint();
        session.rollback(dropped)?;
        for indent in indents {
            let Some(rest) = indent.strip_prefix(written.as_str()) else {
                continue;
            };
            let statement = tokenizer.encode(&format!("{rest}return"))?;
            if session.validate(&statement)? == statement.len() {
                session.release(checkpoint);
                session.commit_many(&statement)?;
                // Written here before: its value went nowhere, so it starts
                // differently this time.
                let value = tokens + statement.len();
                let again = trail.kept.get(tokens..value) == Some(&statement[..]);
                let mut bans: Vec<_> = trail
                    .banned
                    .iter()
                    .filter(|b| b.0 == value)
                    .copied()
                    .collect();
                bans.extend(trail.kept.get(value).map(|&first| (value, first)));
                trail.cut(tokens, at);
                if again {
                    trail.banned.extend(bans);
                }
                trail.reply.extend_from_slice(&tokenizer.bytes(&statement));
                trail.kept.extend_from_slice(&statement);
                return Ok(Finish::Return { dropped });
            }
        }
        session.restore(checkpoint)?;
        session.release(checkpoint);
    }
    Ok(Finish::Nowhere)
}

/// The last resort of a reply the model could not finish (see
/// [`Stop::Rescued`](super::Stop::Rescued)): `return` and one of `values` (placeholders of the
/// declared return type), at one of the `indents`.
pub(super) struct Rescue<'a> {
    /// Where a statement of the body may start.
    pub(super) indents: &'a [String],
    /// Placeholder values of the declared return type.
    pub(super) values: &'a [String],
    /// The tokens that end the model's turn (where the code may end).
    pub(super) eos: &'a [u32],
}

impl Rescue<'_> {
    /// At the latest statement start (the current position first) where
    /// the constraints take the statement, line break included, and then
    /// accept the code, writes it. The session and trail are cut back
    /// there; nothing changes when no statement start takes one.
    pub(super) fn write(
        &self,
        session: &mut Session,
        trail: &mut Trail,
        tokenizer: &ModelTokenizer,
        mask: &mut TokenMask,
    ) -> Result<bool, ModelError> {
        let Rescue {
            indents,
            values,
            eos,
        } = *self;
        for (tokens, at, written) in trail.statement_starts() {
            let checkpoint = session.checkpoint();
            session.rollback(trail.kept.len() - tokens)?;
            for rest in indents
                .iter()
                .filter_map(|i| i.strip_prefix(written.as_str()))
            {
                // The keyword first: most indentations refuse it already.
                let keyword = tokenizer.encode(&format!("{rest}return"))?;
                if session.validate(&keyword)? < keyword.len() {
                    continue;
                }
                for value in values {
                    let statement = tokenizer.encode(&format!("{rest}return {value}\n"))?;
                    if session.validate(&statement)? < statement.len() {
                        continue;
                    }
                    let before = session.checkpoint();
                    session.commit_many(&statement)?;
                    session.compute_mask(mask)?;
                    if eos.iter().any(|&e| mask.contains(e)) {
                        session.release(before);
                        session.release(checkpoint);
                        trail.cut(tokens, at);
                        trail.reply.extend_from_slice(&tokenizer.bytes(&statement));
                        trail.kept.extend_from_slice(&statement);
                        return Ok(true);
                    }
                    session.restore(before)?;
                    session.release(before);
                }
            }
            session.restore(checkpoint)?;
            session.release(checkpoint);
        }
        Ok(false)
    }
}
