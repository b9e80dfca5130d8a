//! Filling a template's holes with the model (fill in the middle).
//!
//! The model is shown the whole template and asked for the code that
//! replaces one hole; its reply is forced to start with an opening fence
//! and the template's code before the hole, so what it writes next is the
//! hole. Constrained, every token is drawn from the hole's mask
//! ([`HoleSession`](ananke_runtime::HoleSession)); where the hole may
//! close, the end of the turn, a closing fence and any token that starts
//! the code after the hole (the model going on with the suffix it was
//! shown) close it. When the budget runs out first, the hole is cut back
//! to the last point where it could close ([`Stop::Finished`]); where
//! there was none, the first placeholder the constraints let close is
//! written instead ([`Stop::Rescued`]: a value of the expected or
//! declared type, a name the code after the hole reads bound to one,
//! `pass`); where none does, `pass` (or a value) stands there unclosed,
//! so the program still parses and the judges say what is wrong.
//! Unconstrained, the reply runs to the end of the turn, the closing fence
//! or the budget, and the hole's text is what the model wrote before the
//! suffix's first line (an expression: before its first line break).

use std::time::{Duration, Instant};

use ananke_pylex::{TokenKind, is_keyword, tokenize};
use ananke_runtime::{Ananke, Explanation, HoleKind, Template, TemplateHole};

use super::config::DecodeConfig;
use super::decoder::{Decoder, Stop, apply_mask, argmax, draw, new_sampler};
use super::forced::{CLOSE_FENCE, OPEN_FENCE};
use crate::ModelError;
use crate::placeholder::placeholders;

/// At most this many tokens for an expression hole (less when the
/// decoding budget is smaller).
pub const EXPRESSION_TOKENS: usize = 48;

/// At most this many tokens for a statement hole.
pub const STATEMENT_TOKENS: usize = 128;

/// One hole written by the model.
#[derive(Clone, Debug)]
pub struct HoleReply {
    /// The hole's name.
    pub name: String,
    /// What it stands for.
    pub kind: HoleKind,
    /// The text written for it.
    pub text: String,
    /// Whether the constraints closed it (always `false` unconstrained).
    pub closed: bool,
    /// Why decoding stopped.
    pub stop: Stop,
    /// Tokens the model chose.
    pub generated: usize,
    /// Mask time at each step (empty when unconstrained).
    pub mask_times: Vec<Duration>,
    /// Wall time, prompt included.
    pub wall: Duration,
    /// Each step where the constraints took the model's first choice
    /// away: the token, and each rejecting domain's reason with where its
    /// constraint came from.
    pub rejections: Vec<String>,
}

/// The user message for writing `hole`, whose template reads `prefix`
/// before it: that code, to complete, and what the hole is. The code after
/// it is not shown (tried on the first typed MBPP tasks, SmolLM2-135M
/// copied a template's markers and wrote no better with the suffix in
/// view); the constraints hold the hole to it.
pub fn hole_message(hole: &TemplateHole, prefix: &str) -> String {
    let what = match hole.kind {
        HoleKind::Body => "the rest of the block it stands in: one or more statements".to_owned(),
        HoleKind::Statement => "exactly one statement".to_owned(),
        HoleKind::Expression | HoleKind::Block => match &hole.expected {
            Some(ty) => format!("exactly one expression, of type `{ty}`"),
            None => "exactly one expression".to_owned(),
        },
    };
    let before = &prefix[..hole.statement_start.min(prefix.len())];
    format!(
        "Complete the following Python code; the next thing to write is {what}. Reply with only the code in a ```python code block.\n\n```python\n{before}```"
    )
}

impl Decoder<'_> {
    /// Writes hole `name` of `template` (the first hole left, in the
    /// order of the text, when the constraints judge it), under the
    /// constraints' mask when `constraints` is given (see the module
    /// docs). At most `config.max_tokens` tokens, and for an expression
    /// or a statement [`EXPRESSION_TOKENS`] or [`STATEMENT_TOKENS`].
    pub fn fill_hole(
        &mut self,
        template: &Template,
        name: &str,
        constraints: Option<&Ananke>,
        config: &DecodeConfig,
    ) -> Result<HoleReply, ModelError> {
        let started = Instant::now();
        let hole = template
            .hole(name)
            .ok_or_else(|| ModelError::Task(format!("no hole `{name}` in the template")))?
            .clone();
        let (prefix, suffix, _) = template
            .around(name)
            .map_err(ananke_runtime::RuntimeError::from)?;
        let tokenizer = self.model.tokenizer();
        let mut start = tokenizer.encode(&tokenizer.chat(&hole_message(&hole, &prefix))?)?;
        start.extend(tokenizer.encode(&format!("{OPEN_FENCE}{prefix}"))?);
        let eos = tokenizer.eos().to_vec();
        let signals = close_signals(self, &suffix);
        self.model.reset();
        self.model.feed(&start, &mut self.logits)?;
        let mut sampler = new_sampler(config);
        let mut session = constraints
            .map(|ananke| ananke.hole_session(template, name))
            .transpose()?;
        let mut reply = HoleReply {
            name: name.to_owned(),
            kind: hole.kind,
            text: String::new(),
            closed: false,
            stop: Stop::MaxTokens,
            generated: 0,
            mask_times: Vec::new(),
            wall: Duration::ZERO,
            rejections: Vec::new(),
        };
        let mut chosen: Vec<u32> = Vec::new();
        let mut last_closable = None;
        let budget = match hole.kind {
            HoleKind::Expression | HoleKind::Block => EXPRESSION_TOKENS,
            HoleKind::Statement => STATEMENT_TOKENS,
            HoleKind::Body => config.max_tokens,
        }
        .min(config.max_tokens);
        while chosen.len() < budget {
            let mut may_close = false;
            if let Some(session) = session.as_mut() {
                let t = Instant::now();
                session.compute_mask(&mut self.mask)?;
                may_close = eos.iter().any(|&e| self.mask.contains(e));
                if may_close {
                    last_closable = Some(chosen.len());
                    for &s in &signals {
                        self.mask.set(s, true);
                    }
                }
                if self.mask.is_empty() {
                    reply.stop = Stop::DeadEnd;
                    break;
                }
                let first = argmax(&self.logits);
                reply.mask_times.push(t.elapsed());
                if !self.mask.contains(first) {
                    let why = session.explain(first)?;
                    reply
                        .rejections
                        .push(rejection_note(&why, session.text().len()));
                }
                apply_mask(&self.mask, &mut self.logits);
            }
            let token = draw(&mut sampler, config, &self.logits)?;
            reply.generated += 1;
            let ends = eos.contains(&token);
            let fence = self.closers.iter().any(|&(id, _)| id == token);
            if let Some(session) = session.as_mut() {
                if may_close && (ends || fence || signals.contains(&token)) {
                    session.commit(eos[0])?;
                    reply.stop = if ends { Stop::EndOfTurn } else { Stop::Fence };
                    break;
                }
                session.commit(token)?;
            } else if ends || fence {
                reply.stop = if ends { Stop::EndOfTurn } else { Stop::Fence };
                break;
            }
            chosen.push(token);
            self.model.feed(&[token], &mut self.logits)?;
        }
        let written = String::from_utf8_lossy(&self.model.tokenizer().bytes(&chosen)).into_owned();
        match (session, constraints) {
            (Some(session), _) if session.is_closed() => {
                reply.text = session.text();
                reply.closed = true;
            }
            (Some(_), Some(ananke)) => {
                reply.text = written;
                if let Some(n) = last_closable {
                    // Cut back to where the hole could last close.
                    let mut again = ananke.hole_session(template, name)?;
                    for &token in &chosen[..n] {
                        again.commit(token)?;
                    }
                    again.commit(eos[0])?;
                    reply.text = again.text();
                    reply.closed = true;
                    reply.stop = Stop::Finished;
                } else if let Some(text) = rescue(ananke, template, &hole, &prefix, &suffix)? {
                    reply.text = text;
                    reply.closed = true;
                    reply.stop = Stop::Rescued;
                } else {
                    // Nothing closes it: the hole is left as a
                    // placeholder that parses (the program still fails
                    // where the code after it cannot follow), not as
                    // text cut off anywhere.
                    reply.text = match hole.kind {
                        HoleKind::Body | HoleKind::Statement => {
                            on_its_line(template, &hole, "pass")
                        }
                        _ => placeholders(hole.expected.as_deref()).remove(0),
                    };
                }
            }
            _ => reply.text = unconstrained_text(&written, hole.kind, &suffix),
        }
        reply.wall = started.elapsed();
        Ok(reply)
    }

    /// Writes every hole of `template` the model writes, in the order of
    /// the text: the template filled (as far as it could be) and each
    /// hole's reply.
    pub fn fill_template(
        &mut self,
        template: &Template,
        constraints: Option<&Ananke>,
        config: &DecodeConfig,
    ) -> Result<(String, Vec<HoleReply>), ModelError> {
        let mut current = template.clone();
        let mut replies = Vec::new();
        loop {
            let Some(next) = current.unfilled().next().map(|h| h.name.clone()) else {
                break;
            };
            let reply = self.fill_hole(&current, &next, constraints, config)?;
            let text = current
                .splice(&next, &reply.text)
                .map_err(ananke_runtime::RuntimeError::from)?;
            let unclosed = constraints.is_some() && !reply.closed;
            let filled = current.fill(&next, &reply.text);
            replies.push(reply);
            match filled {
                Ok(filled) if !unclosed => current = filled,
                // A hole the constraints could not close, or unconstrained
                // text that breaks the template: the rest stays unwritten.
                _ => return Ok((text, replies)),
            }
        }
        Ok((current.text().to_owned(), replies))
    }
}

/// A text that closes a hole the model could not: a placeholder value
/// of the expected type for an expression; for a body or a statement,
/// `return` with a placeholder of the enclosing function's declared
/// return type, `pass`, or `raise NotImplementedError`. The first the
/// constraints let close, if any.
fn rescue(
    ananke: &Ananke,
    template: &Template,
    hole: &TemplateHole,
    prefix: &str,
    suffix: &str,
) -> Result<Option<String>, ModelError> {
    let candidates: Vec<String> = match hole.kind {
        HoleKind::Expression | HoleKind::Block => placeholders(hole.expected.as_deref()),
        HoleKind::Body | HoleKind::Statement => {
            let returns = enclosing_returns(prefix, hole.indent);
            let values = placeholders(returns.as_deref());
            // A name the code after the hole reads is what the hole may
            // have to bind: those the code before it never wrote first
            // (one it did may be a function of the same name), at most
            // four.
            let before = names(prefix);
            let (mut unbound, seen): (Vec<&str>, Vec<&str>) =
                names(suffix).into_iter().partition(|n| !before.contains(n));
            unbound.extend(seen);
            unbound.truncate(4);
            // Bound with the declared return type first (what the code
            // after a statement most often does with the name is return
            // it), then with each value alone.
            let mut annotated = Vec::new();
            if let Some(ty) = &returns {
                for name in &unbound {
                    annotated.extend(values.iter().map(|v| format!("{name}: {ty} = {v}")));
                }
            }
            let plain = unbound
                .iter()
                .flat_map(|name| values.iter().map(move |v| format!("{name} = {v}")));
            let binds: Vec<String> = annotated.into_iter().chain(plain).collect();
            values
                .iter()
                .filter(|_| returns.is_some())
                .map(|v| format!("return {v}"))
                .chain(binds)
                .chain(["pass".to_owned(), "raise NotImplementedError".to_owned()])
                .map(|line| on_its_line(template, hole, &line))
                .collect()
        }
    };
    let vocab = ananke.vocab();
    let eos = vocab.vocabulary().eos()[0];
    for text in candidates {
        let mut session = ananke.hole_session(template, &hole.name)?;
        let written = vocab
            .encode(&text)
            .into_iter()
            .chain([eos])
            .all(|token| session.commit(token).is_ok());
        if written {
            return Ok(Some(text));
        }
    }
    Ok(None)
}

/// One step where the constraints took the model's first choice away:
/// the token, where (`at` bytes into the hole), and each rejecting
/// domain's reason with where its constraint came from.
fn rejection_note(why: &Explanation, at: usize) -> String {
    let reasons: Vec<String> = why
        .rejections
        .iter()
        .map(|r| {
            let from = if r.provenance.is_empty() {
                String::new()
            } else {
                format!(" (from {})", r.provenance.join("; "))
            };
            format!("{}: {}{from}", r.domain, r.reason)
        })
        .collect();
    format!("{:?} after {at} bytes: {}", why.text, reasons.join("; "))
}

/// `line` as a body or statement hole's text: on a line of its own at
/// the hole's indentation (see [`Template::fill`]).
fn on_its_line(template: &Template, hole: &TemplateHole, line: &str) -> String {
    let start = hole.statement_start;
    let pad = &template.text()[start..start + hole.indent];
    format!("\n{pad}{line}")
}

/// The names `code` reads or writes (not attributes, not keywords), in
/// order.
fn names(code: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for token in tokenize(code.as_bytes()) {
        let name = &code[token.start..token.end];
        let attribute = code[..token.start].trim_end().ends_with('.');
        if token.kind == TokenKind::Name
            && !attribute
            && !is_keyword(name.as_bytes())
            && !out.contains(&name)
        {
            out.push(name);
        }
    }
    out
}

/// The declared return type of the function whose body holds a line
/// indented `indent` at the end of `prefix`.
fn enclosing_returns(prefix: &str, indent: usize) -> Option<String> {
    prefix.lines().rev().find_map(|line| {
        let code = line.trim_start();
        let column = line.len() - code.len();
        let def = code.strip_prefix("async ").unwrap_or(code);
        if column >= indent || !def.starts_with("def ") {
            return None;
        }
        let (_, returns) = def.rsplit_once("->")?;
        Some(returns.trim().trim_end_matches(':').trim().to_owned())
    })
}

/// Tokens that, where the hole may close, close it: those that start the
/// code after the hole (its leading line breaks optional).
fn close_signals(decoder: &Decoder<'_>, suffix: &str) -> Vec<u32> {
    let vocab = decoder.model.tokenizer().vocab().clone();
    let vocabulary = vocab.vocabulary();
    let trimmed = suffix.trim_start_matches('\n');
    vocabulary
        .iter()
        .filter(|(id, bytes)| {
            !vocabulary.is_special(*id)
                && !bytes.is_empty()
                && [suffix, trimmed]
                    .iter()
                    .any(|s| !s.is_empty() && s.as_bytes().starts_with(bytes))
        })
        .map(|(id, _)| id)
        .collect()
}

/// An unconstrained reply's text for a hole: what it wrote before a
/// closing fence and before the suffix's first non-blank line; an
/// expression's up to its first line break; a block's ending with one.
fn unconstrained_text(written: &str, kind: HoleKind, suffix: &str) -> String {
    let mut text = written
        .find(&format!("\n{CLOSE_FENCE}"))
        .map_or(written, |i| &written[..=i])
        .to_owned();
    match kind {
        HoleKind::Expression | HoleKind::Block => {
            text.truncate(text.find('\n').unwrap_or(text.len()));
            // What stands after the hole on its line the model may write
            // again (`sum(xs)` for `sum(...)`): that much is cut.
            let rest = suffix.split('\n').next().unwrap_or_default();
            if !rest.is_empty() && text.ends_with(rest) {
                text.truncate(text.len() - rest.len());
            }
        }
        HoleKind::Body | HoleKind::Statement => {
            if let Some(line) = suffix.lines().find(|l| !l.trim().is_empty()) {
                let mut at = 0;
                for piece in text.split_inclusive('\n') {
                    if piece.trim_end() == line.trim_end() {
                        break;
                    }
                    at += piece.len();
                }
                text.truncate(at);
            }
            // The hole's text ends where its last line does.
            let kept = text.trim_end().len();
            text.truncate(kept);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enclosing_function_declares_the_return_type() {
        let prefix = "class C:\n    def f(self, x: int) -> list[int]:\n        y = x\n        ";
        assert_eq!(enclosing_returns(prefix, 8).as_deref(), Some("list[int]"));
        assert_eq!(enclosing_returns("x = 1\n", 0), None);
    }

    #[test]
    fn unconstrained_text_stops_where_the_suffix_or_the_fence_begins() {
        let suffix = ")\n    return best\n";
        assert_eq!(
            unconstrained_text("xs)\n    return best\n", HoleKind::Expression, suffix),
            "xs"
        );
        let suffix = "\n\nprint(f(1))\n";
        let written = "\n    return x + 1\n\nprint(f(1))\n```\nDone.";
        assert_eq!(
            unconstrained_text(written, HoleKind::Body, suffix),
            "\n    return x + 1"
        );
        assert_eq!(
            unconstrained_text("\n    y = 2\n", HoleKind::Statement, ""),
            "\n    y = 2"
        );
    }
}
