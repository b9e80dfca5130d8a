//! Decoding a reply, with or without Ananke's mask on the logits.
//!
//! Every arm decodes the same chat text with the same sampler and seed, so
//! arms differ only in the decoder:
//!
//! - `unconstrained`: the protocol as is;
//! - `forced-prefix`: the reply starts with a ```` ```python ```` fence and
//!   the prompt's own code, then decodes unconstrained — the effect of
//!   forcing, apart from the effect of masking;
//! - `syntax` and `full`: the same forced start, then every token is drawn
//!   from the fused mask of a session (only the syntax domain, or every
//!   domain built in) whose body hole is the prompt's function; when the
//!   session may end, the closing fence is allowed too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, Session, Spec};
use ananke_syntax::SyntaxVocab;
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};

use crate::ModelError;
use crate::model::LanguageModel;
use crate::protocol::{Task, fence_closed};

/// The control-flow requirements a generation has when its spec names
/// none: the checker's default (`returns_if_typed; terminating_loops`),
/// plus what keeps a small model writing the body it was asked for — no
/// dead code after a `return`, and comments indented with the body (a
/// comment at column 0 is where such a model starts its `# Example
/// usage:` lines, which never end).
pub const GENERATION_CFG: &str =
    "returns_if_typed; terminating_loops; no_dead_code; indented_comments";

/// `spec` for generation: the control-flow requirements default to
/// [`GENERATION_CFG`].
pub fn generation_spec(spec: &Spec) -> Spec {
    let mut spec = spec.clone();
    if spec.cfg.requirements.is_none() {
        spec.cfg.requirements = Some(GENERATION_CFG.to_owned());
    }
    spec
}

/// The opening of every constrained reply.
pub const OPEN_FENCE: &str = "```python\n";

/// What closes a reply's code block (at a line start).
pub const CLOSE_FENCE: &str = "```";

/// How a reply is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arm {
    /// The protocol as is.
    Unconstrained,
    /// The constrained arms' forced start, then no mask.
    ForcedPrefix,
    /// The forced start, then the syntax domain's mask.
    Syntax,
    /// The forced start, then the mask of every domain built in.
    Full,
}

impl Arm {
    /// Every arm, in report order.
    pub const ALL: [Arm; 4] = [
        Arm::Unconstrained,
        Arm::ForcedPrefix,
        Arm::Syntax,
        Arm::Full,
    ];

    /// The arm's name in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Arm::Unconstrained => "unconstrained",
            Arm::ForcedPrefix => "forced-prefix",
            Arm::Syntax => "syntax",
            Arm::Full => "full",
        }
    }

    /// The arm with this name.
    pub fn parse(name: &str) -> Result<Arm, ModelError> {
        Arm::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| {
                ModelError::Task(format!(
                    "unknown arm `{name}` (unconstrained, forced-prefix, syntax, full)"
                ))
            })
    }

    /// Whether the reply starts with the fence and the prompt, forced.
    pub fn forces_prefix(self) -> bool {
        self != Arm::Unconstrained
    }
}

/// The sampler: greedy, or top-p at a temperature.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sampler {
    /// Always the most likely allowed token.
    Greedy,
    /// Nucleus sampling.
    TopP {
        /// The probability mass kept.
        p: f64,
        /// The softmax temperature.
        temperature: f64,
    },
}

/// Decoding settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecodeConfig {
    /// The sampler.
    pub sampler: Sampler,
    /// The random seed, re-applied for every task.
    pub seed: u64,
    /// At most this many new tokens in the reply.
    pub max_tokens: usize,
    /// In the constrained arms, go back when a line runs away: a line of
    /// more than [`LINE_LIMIT`] tokens, or a line that repeats one of the
    /// [`REPEAT_WINDOW`] non-blank lines before it. The session rolls
    /// back to the line's start, the token that began the line is banned
    /// there, and decoding goes on (at most
    /// [`MAX_BACKTRACKS`] times a reply, and at most twice `max_tokens`
    /// tokens drawn in all). A small model under a mask that will not let
    /// it end an unfinished body otherwise loops until the budget is gone;
    /// the mask still decides every token.
    pub backtrack: bool,
}

/// Tokens one line may take before the decoder calls it a runaway.
pub const LINE_LIMIT: usize = 96;
/// Backtracks allowed in one reply.
pub const MAX_BACKTRACKS: usize = 8;

/// Tokens before the budget ends from which a constrained reply is
/// finished: closed at the first line start where the constraints accept
/// the code; at a line start where they do not, `return` is written at
/// the shallowest indentation they take — the body's, else one to three
/// levels deeper (up to [`MAX_FINISH_TRIES`] times) — and the model
/// writes the value, under the mask.
pub const FINISH_WITHIN: usize = 48;

/// Times a reply being finished may have `return` written for it.
pub const MAX_FINISH_TRIES: usize = 4;
/// A line that repeats one of this many non-blank lines before it runs
/// away.
pub const REPEAT_WINDOW: usize = 4;

/// Whether the line being written runs away after `token` (whose bytes
/// were just appended): the index of the mark to go back to.
fn runaway(
    body: &[u8],
    token: &[u8],
    kept: &[u32],
    marks: &[(usize, usize)],
    body_start: usize,
) -> Option<usize> {
    let last = marks.len() - 1;
    if kept.len() - marks[last].0 > LINE_LIMIT {
        return Some(last);
    }
    if !token.contains(&b'\n') {
        return None;
    }
    // The latest complete non-blank line, against the non-blank lines
    // just before it (loops often alternate with blank lines, or cycle
    // through a few).
    let complete = &body[..body.iter().rposition(|&b| b == b'\n')?];
    let mut lines = complete
        .split(|&b| b == b'\n')
        .scan(0usize, |offset, line| {
            let start = *offset;
            *offset += line.len() + 1;
            Some((start, line.trim_ascii_end()))
        })
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .collect::<Vec<_>>()
        .into_iter()
        .rev();
    let (start, newest) = lines.next()?;
    if !lines.take(REPEAT_WINDOW).any(|(_, line)| line == newest) {
        return None;
    }
    // The latest mark at or before the repeated line's start.
    marks.iter().rposition(|&(_, at)| at <= body_start + start)
}

impl Default for DecodeConfig {
    fn default() -> DecodeConfig {
        DecodeConfig {
            sampler: Sampler::Greedy,
            seed: 1,
            max_tokens: 384,
            backtrack: true,
        }
    }
}

/// Why decoding stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The model ended its turn.
    EndOfTurn,
    /// The code block was closed.
    Fence,
    /// The token budget ran out.
    MaxTokens,
    /// The mask allowed nothing (a constraint dead end).
    DeadEnd,
    /// The token budget ran out (or the mask allowed nothing) before the
    /// block closed: the reply was cut back to the last line end where
    /// the constraints accepted the code, and the block closed there.
    Finished,
}

/// One decoded reply and what it cost.
#[derive(Clone, Debug)]
pub struct Generation {
    /// The reply's text (forced start included, stop token excluded).
    pub reply: String,
    /// Tokens the model chose.
    pub generated: usize,
    /// Tokens forced at the start of the reply.
    pub forced: usize,
    /// Tokens of the chat text.
    pub prompt_tokens: usize,
    /// Time to feed the chat text and the forced start.
    pub prompt_time: Duration,
    /// Time in the model for the chosen tokens.
    pub decode_time: Duration,
    /// Mask time at each step (empty when unconstrained).
    pub mask_times: Vec<Duration>,
    /// Wall time of the whole reply.
    pub wall: Duration,
    /// Why it stopped.
    pub stop: Stop,
    /// Times the decoder went back to a line's start (see
    /// [`DecodeConfig::backtrack`]).
    pub backtracks: usize,
    /// Chosen tokens taken back by those backtracks.
    pub retracted: usize,
}

/// Decodes replies with one model; reusable across tasks and arms.
pub struct Decoder<'m> {
    model: &'m mut LanguageModel,
    /// Tokens that close the code block: optional line breaks, three
    /// backticks, then only white space. The number is how many line
    /// breaks come first.
    closers: Vec<(u32, usize)>,
    logits: Vec<f32>,
    mask: TokenMask,
}

impl std::fmt::Debug for Decoder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("closers", &self.closers.len())
            .finish()
    }
}

impl<'m> Decoder<'m> {
    /// A decoder over `model`.
    pub fn new(model: &'m mut LanguageModel) -> Decoder<'m> {
        let vocab = model.tokenizer().vocab().clone();
        let closers = vocab
            .vocabulary()
            .iter()
            .filter(|(id, _)| !vocab.vocabulary().is_special(*id))
            .filter_map(|(id, bytes)| {
                let breaks = bytes.iter().take_while(|&&b| b == b'\n').count();
                let rest = bytes[breaks..].strip_prefix(b"```")?;
                (breaks <= 2 && rest.iter().all(u8::is_ascii_whitespace)).then_some((id, breaks))
            })
            .collect();
        let n = vocab.len();
        Decoder {
            model,
            closers,
            logits: Vec::new(),
            mask: TokenMask::new_empty(n),
        }
    }

    /// The model's vocabulary.
    pub fn vocab(&self) -> &Arc<SyntaxVocab> {
        self.model.tokenizer().vocab()
    }

    /// The constraints `arm` decodes under (`None` for the unconstrained
    /// arms): `spec` compiled on the model's vocabulary, with the
    /// control-flow requirements defaulting to [`GENERATION_CFG`]. One
    /// compilation serves every task: each reply gets a
    /// [`body_session`](Ananke::body_session) for its function.
    pub fn compile(&self, arm: Arm, spec: &Spec) -> Result<Option<Ananke>, ModelError> {
        let domains: Vec<&str> = match arm {
            Arm::Unconstrained | Arm::ForcedPrefix => return Ok(None),
            Arm::Syntax => vec!["syntax"],
            Arm::Full => Ananke::default_domains(spec),
        };
        Ok(Some(Ananke::with_vocab(
            &generation_spec(spec),
            self.vocab().clone(),
            &domains,
        )?))
    }

    /// Decodes one reply to `task`.
    pub fn generate(
        &mut self,
        task: &Task,
        arm: Arm,
        constraints: Option<&Ananke>,
        config: &DecodeConfig,
    ) -> Result<Generation, ModelError> {
        let started = Instant::now();
        let tokenizer = self.model.tokenizer();
        let prompt = tokenizer.encode(&tokenizer.chat(&task.user_message())?)?;
        let forced_text = if arm.forces_prefix() {
            format!("{OPEN_FENCE}{}", forced_prompt(task))
        } else {
            String::new()
        };
        let forced = tokenizer.encode(&forced_text)?;
        // `return` at the body's indentation, then one, two, three levels
        // deeper (an open nested block may need its own first).
        let finish = (0..4)
            .map(|depth| {
                tokenizer.encode(&format!(
                    "{}{}return",
                    body_indent(task),
                    "    ".repeat(depth)
                ))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut finish_tries = 0;
        let eos = tokenizer.eos().to_vec();
        let mut session = match constraints {
            Some(ananke) => Some(start_session(ananke, task)?),
            None => None,
        };

        self.model.reset();
        let mut input = prompt.clone();
        input.extend_from_slice(&forced);
        self.model.feed(&input, &mut self.logits)?;
        let prompt_time = started.elapsed();

        let mut sampler = LogitsProcessor::from_sampling(
            config.seed,
            match config.sampler {
                Sampler::Greedy => Sampling::ArgMax,
                Sampler::TopP { p, temperature } => Sampling::TopP { p, temperature },
            },
        );
        let mut reply = forced_text.into_bytes();
        let body_start = reply.len();
        let mut generation = Generation {
            reply: String::new(),
            generated: 0,
            forced: forced.len(),
            prompt_tokens: prompt.len(),
            prompt_time,
            decode_time: Duration::ZERO,
            mask_times: Vec::new(),
            wall: Duration::ZERO,
            stop: Stop::MaxTokens,
            backtracks: 0,
            retracted: 0,
        };
        // The chosen tokens still in the reply; where lines start (tokens
        // kept, reply length); tokens banned at a position by a backtrack.
        let mut kept: Vec<u32> = Vec::new();
        let mut marks: Vec<(usize, usize)> = vec![(0, body_start)];
        let mut banned: Vec<(usize, u32)> = Vec::new();
        // Line ends where the constraints accepted the code (tokens kept,
        // reply length): where a reply that runs out of budget is closed.
        let mut accepting: Vec<(usize, usize)> = Vec::new();
        while kept.len() < config.max_tokens && generation.generated < 2 * config.max_tokens {
            let mut may_end = false;
            if let Some(session) = session.as_mut() {
                let t = Instant::now();
                session.compute_mask(&mut self.mask)?;
                may_end = eos.iter().any(|&e| self.mask.contains(e));
                let line_start = reply.last() == Some(&b'\n');
                if may_end && line_start {
                    accepting.push((kept.len(), reply.len()));
                }
                if line_start && kept.len() + FINISH_WITHIN >= config.max_tokens {
                    if may_end {
                        reply.extend_from_slice(CLOSE_FENCE.as_bytes());
                        generation.stop = Stop::Finished;
                        generation.mask_times.push(t.elapsed());
                        break;
                    }
                    if finish_tries < MAX_FINISH_TRIES
                        && !inside_triple_quotes(&reply[body_start..])
                    {
                        finish_tries += 1;
                        let mut accepted = None;
                        for tokens in &finish {
                            if session.validate(tokens)? == tokens.len() {
                                accepted = Some(tokens);
                                break;
                            }
                        }
                        if let Some(tokens) = accepted {
                            session.commit_many(tokens)?;
                            reply.extend_from_slice(&self.model.tokenizer().bytes(tokens));
                            kept.extend_from_slice(tokens);
                            generation.mask_times.push(t.elapsed());
                            let t = Instant::now();
                            self.model.feed(tokens, &mut self.logits)?;
                            generation.decode_time += t.elapsed();
                            continue;
                        }
                    }
                }
                // Where the code may end, a fence line may close the
                // block; anywhere else (inside a string, say) a line
                // starting with three backticks would end the block for
                // the reader, so it may not be written.
                let at_line_start = reply.last() == Some(&b'\n');
                for &(id, breaks) in &self.closers {
                    if breaks > 0 || at_line_start {
                        self.mask.set(id, may_end);
                    }
                }
                for &(at, token) in &banned {
                    if at == kept.len() {
                        self.mask.set(token, false);
                    }
                }
                apply_mask(&self.mask, &mut self.logits);
                generation.mask_times.push(t.elapsed());
                if self.mask.is_empty() {
                    generation.stop = Stop::DeadEnd;
                    break;
                }
            }
            let token = match config.sampler {
                // Greedy needs no tensor: the first largest logit.
                Sampler::Greedy => argmax(&self.logits),
                Sampler::TopP { .. } => {
                    Tensor::from_slice(&self.logits, self.logits.len(), &Device::Cpu)
                        .and_then(|logits| sampler.sample(&logits))
                        .map_err(ModelError::candle)?
                }
            };
            generation.generated += 1;
            if eos.contains(&token) {
                generation.stop = Stop::EndOfTurn;
                break;
            }
            let mut closes = false;
            if let Some(session) = session.as_mut() {
                closes = may_end && self.closers.iter().any(|&(id, _)| id == token);
                if !closes {
                    session.commit(token)?;
                }
            }
            let bytes = self.model.tokenizer().bytes(&[token]);
            reply.extend_from_slice(&bytes);
            kept.push(token);
            // Only a token with a backtick can complete the closing fence
            // line; the whole reply is re-read only then.
            let fence_line = session.is_none()
                && bytes.contains(&b'`')
                && fence_closed(&String::from_utf8_lossy(&reply));
            if closes || fence_line {
                generation.stop = Stop::Fence;
                break;
            }
            let t = Instant::now();
            self.model.feed(&[token], &mut self.logits)?;
            generation.decode_time += t.elapsed();
            let Some(session) = session.as_mut().filter(|_| config.backtrack) else {
                continue;
            };
            let runaway = if generation.backtracks >= MAX_BACKTRACKS {
                None
            } else {
                runaway(&reply[body_start..], &bytes, &kept, &marks, body_start)
            };
            if let Some(to) = runaway {
                // Back to the start of the line that runs away, with the
                // token that began it banned there; the model's cache is
                // rebuilt from the text that stays.
                let (tokens, at) = marks[to];
                banned.push((tokens, kept[tokens]));
                let dropped = kept.len() - tokens;
                session.rollback(dropped)?;
                kept.truncate(tokens);
                reply.truncate(at);
                marks.truncate(to + 1);
                accepting.retain(|&(t, _)| t <= tokens);
                generation.backtracks += 1;
                generation.retracted += dropped;
                self.model.reset();
                let mut input = prompt.clone();
                input.extend_from_slice(&forced);
                input.extend_from_slice(&kept);
                self.model.feed(&input, &mut self.logits)?;
            } else if bytes.contains(&b'\n') {
                marks.push((kept.len(), reply.len()));
            }
        }
        if session.is_some()
            && matches!(generation.stop, Stop::MaxTokens | Stop::DeadEnd)
            && let Some(&(_, at)) = accepting.last()
        {
            // Budget-aware finish: rather than a truncated block, the
            // longest prefix the constraints accept, closed.
            reply.truncate(at);
            reply.extend_from_slice(CLOSE_FENCE.as_bytes());
            generation.stop = Stop::Finished;
        }
        generation.reply = String::from_utf8_lossy(&reply).into_owned();
        generation.wall = started.elapsed();
        Ok(generation)
    }
}

/// The prompt as forced into a reply: without its final line break, so
/// that the model itself writes the break and the next line's indentation
/// (its tokenizer merges them into one token, which a forced lone break
/// would rule out — the break would sit on a token boundary the model
/// never saw in training).
/// Whether `text` ends inside a triple-quoted string (an odd number of
/// `"""` or `'''`): a line there is string content, no statement.
fn inside_triple_quotes(text: &[u8]) -> bool {
    let count = |q: &[u8]| text.windows(3).filter(|w| *w == q).count();
    count(b"\"\"\"") % 2 == 1 || count(b"'''") % 2 == 1
}

/// The indentation of the prompt's last line (the docstring's closing
/// line): the function body's.
fn body_indent(task: &Task) -> &str {
    let last = forced_prompt(task).rsplit('\n').next().unwrap_or_default();
    &last[..last.len() - last.trim_start().len()]
}

fn forced_prompt(task: &Task) -> &str {
    task.prompt.strip_suffix('\n').unwrap_or(&task.prompt)
}

/// A session positioned after the task's prompt: a closed body after the
/// function's header, with the docstring committed.
fn start_session(ananke: &Ananke, task: &Task) -> Result<Session, ModelError> {
    let mut session = ananke.body_session(&task.header)?;
    let rest = &forced_prompt(task)[task.header.len()..];
    let tokens = ananke.vocab().encode(rest);
    let committed = session.commit_many(&tokens)?;
    if committed < tokens.len() {
        return Err(ModelError::Task(format!(
            "{}: the constraints reject the prompt's own docstring",
            task.id
        )));
    }
    Ok(session)
}

/// The index of the first largest value (NaN never wins).
fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &v) in logits.iter().enumerate() {
        if v > logits[best] {
            best = i;
        }
    }
    best as u32
}

/// Sets the logits of disallowed tokens to −∞.
fn apply_mask(mask: &TokenMask, logits: &mut [f32]) {
    // A model may have more output rows than its tokenizer has tokens:
    // those ids spell nothing and are never allowed.
    if let Some(tail) = logits.get_mut(mask.len()..) {
        tail.fill(f32::NEG_INFINITY);
    }
    for (chunk, &word) in logits.chunks_mut(32).zip(mask.as_u32_words()) {
        if word == u32::MAX {
            continue;
        }
        for (bit, logit) in chunk.iter_mut().enumerate() {
            if word & (1 << bit) == 0 {
                *logit = f32::NEG_INFINITY;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finishing_reads_the_body_indentation_and_strings() {
        let task = Task::new(
            "MBPP/0",
            "def f(x: int) -> int:\n \"\"\"\n Doc.\n \"\"\"\n return x\n",
            "f",
            "",
        )
        .unwrap();
        assert_eq!(body_indent(&task), " ");
        assert!(inside_triple_quotes(b"    x = 1\n    '''\n    a\n"));
        assert!(!inside_triple_quotes(b"    \"\"\"a\"\"\"\n    x = 1\n"));
    }

    #[test]
    fn runaway_lines_send_the_decoder_back_to_their_start() {
        // Marks: (tokens kept, reply length) at each line start; the body
        // starts at byte 10 of the reply.
        let body = b"    x = 1\n    # a\n    # a\n";
        let marks = [(0, 10), (3, 20), (5, 28)];
        let kept = [7u32; 7];
        // The second `# a` repeats the first: back to where it starts.
        assert_eq!(runaway(body, b"\n", &kept, &marks, 10), Some(2));
        // Loops through a few lines, with blank lines between, too.
        let cycle = b"    x = 1\n    # a\n\n    # b\n    # a\n\n";
        let marks_cycle = [(0, 10), (3, 20), (4, 21), (5, 28)];
        assert_eq!(runaway(cycle, b"\n\n", &kept, &marks_cycle, 10), Some(3));
        // Different lines, or a token without a line break: no.
        let body = b"    x = 1\n    # a\n    # b\n";
        assert_eq!(runaway(body, b"\n", &kept, &marks, 10), None);
        assert_eq!(
            runaway(b"    x = 1\n    # a\n    # a", b" a", &kept, &marks, 10),
            None
        );
        // Blank lines may repeat.
        assert_eq!(runaway(b"x\n\n\n", b"\n", &kept, &[(0, 10)], 10), None);
        assert_eq!(argmax(&[1.0, f32::NEG_INFINITY, 3.0, 3.0, f32::NAN]), 2);
        // A line longer than the limit: back to its start.
        let long = vec![1u32; LINE_LIMIT + 2];
        assert_eq!(
            runaway(b"return (1 + 1 + 1", b" +", &long, &[(0, 10), (1, 12)], 10),
            Some(1)
        );
    }
}
