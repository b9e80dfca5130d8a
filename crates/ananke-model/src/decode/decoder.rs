//! [`Decoder`]: the decoding loop — the model's logits, the session's
//! mask on them (with the closing fence, the bans and the finish's
//! limits), the token drawn, committed and fed back, and the going back a
//! runaway or a finish asks for — and what a reply cost ([`Generation`],
//! [`Stop`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ananke_core::TokenMask;
use ananke_runtime::{Ananke, PolicySpec, Spec};
use ananke_syntax::SyntaxVocab;
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};

use super::config::{Arm, DecodeConfig, Sampler, generation_spec};
use super::finish::{
    Ending, FINISH_WITHIN, Finish, MAX_FINISH_TRIES, Rescue, VALUE_LIMIT, finish_point,
};
use super::forced::{OPEN_FENCE, body_indent, forced_prompt, start_session};
use super::runaway::{MAX_BACKTRACKS, cycle};
use super::trail::{Trail, lex};
use crate::ModelError;
use crate::model::LanguageModel;
use crate::placeholder::placeholders;
use crate::protocol::{Task, fence_closed};

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
    /// The reply was finished near the end of its budget (see
    /// [`FINISH_WITHIN`]), or the budget ran out, or the mask allowed
    /// nothing: the block was closed at a line start where the
    /// constraints accept the code.
    Finished,
    /// The model could not finish the reply (its tries to write a value
    /// after a `return` ran out, or its budget did, with no line start the
    /// constraints accept): the decoder wrote `return` and a placeholder
    /// value of the declared return type that the constraints accept
    /// (`[]` for `List[int]`), and closed the block.
    Rescued,
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
    /// Time in the model after the prompt: the chosen tokens, and the
    /// cache rebuilt after a backtrack or a finish goes back.
    pub decode_time: Duration,
    /// Mask time at each step that drew a token (empty when
    /// unconstrained); the work of a finish counts with the next step.
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
    pub(super) model: &'m mut LanguageModel,
    /// Tokens that close the code block: optional line breaks, three
    /// backticks, then only white space. The number is how many line
    /// breaks come first.
    pub(super) closers: Vec<(u32, usize)>,
    /// What makes a forced value end (see [`VALUE_LIMIT`]).
    ending: Ending,
    pub(super) logits: Vec<f32>,
    pub(super) mask: TokenMask,
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
        let ending = Ending::new(vocab.vocabulary(), n);
        Decoder {
            model,
            closers,
            ending,
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
    /// control-flow requirements defaulting to
    /// [`GENERATION_CFG`](super::GENERATION_CFG). One compilation serves
    /// every task: each reply gets a [`body_session`](Ananke::body_session)
    /// for its function.
    pub fn compile(&self, arm: Arm, spec: &Spec) -> Result<Option<Ananke>, ModelError> {
        let mut spec = generation_spec(spec);
        let domains: Vec<&str> = match arm {
            Arm::Unconstrained | Arm::ForcedPrefix => return Ok(None),
            Arm::Syntax => vec!["syntax"],
            Arm::Full => Ananke::default_domains(&spec),
            Arm::Policy => {
                spec.policy.get_or_insert_with(PolicySpec::default);
                Ananke::default_domains(&spec)
            }
        };
        Ok(Some(Ananke::with_vocab(
            &spec,
            self.vocab().clone(),
            &domains,
        )?))
    }

    /// Brings the model's cache up to the chat text, the forced start and
    /// `kept`: it feeds what is missing when the cache holds a prefix of
    /// that, and everything again when `dropped` tokens it held were taken
    /// back.
    fn catch_up(&mut self, start: &[u32], kept: &[u32], dropped: usize) -> Result<(), ModelError> {
        let fed = self.model.position() - start.len();
        if dropped == 0 && fed < kept.len() {
            return self.model.feed(&kept[fed..], &mut self.logits);
        }
        self.model.reset();
        let input: Vec<u32> = start.iter().chain(kept).copied().collect();
        self.model.feed(&input, &mut self.logits)
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
        let finish: Vec<String> = (0..4)
            .map(|depth| format!("{}{}", body_indent(task), "    ".repeat(depth)))
            .collect();
        let mut finish_tries = 0;
        let placeholders = placeholders(task.returns.as_deref());
        let eos = tokenizer.eos().to_vec();
        let rescue = Rescue {
            indents: &finish,
            values: &placeholders,
            eos: &eos,
        };
        let mut session = match constraints {
            Some(ananke) => Some(start_session(ananke, task)?),
            None => None,
        };

        self.model.reset();
        let mut start = prompt.clone();
        start.extend_from_slice(&forced);
        self.model.feed(&start, &mut self.logits)?;
        let prompt_time = started.elapsed();

        let mut sampler = new_sampler(config);
        let reply = forced_text.into_bytes();
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
        let mut trail = Trail::new(reply, body_start);
        // Set once the reply is being finished (see `FINISH_WITHIN`): it
        // stays so after a cut back gives tokens back.
        let mut finishing = false;
        // Where the value of the `return` the finish wrote starts, while its
        // line lasts.
        let mut value_from = None;
        // Mask work of steps that drew no token (a finish), counted with
        // the next step that does (or the last).
        let mut carried = Duration::ZERO;
        // Finishing may draw a few tokens more than the rest.
        while trail.kept.len() < config.max_tokens
            && generation.generated < 2 * config.max_tokens + usize::from(finishing) * FINISH_WITHIN
        {
            let mut may_end = false;
            if let Some(session) = session.as_mut() {
                let t = Instant::now();
                session.compute_mask(&mut self.mask)?;
                may_end = eos.iter().any(|&e| self.mask.contains(e));
                let line_start = trail.indentation(trail.reply.len()).is_some();
                if may_end && line_start {
                    trail.accepting.push(trail.here());
                }
                let left = (config.max_tokens - trail.kept.len())
                    .min((2 * config.max_tokens).saturating_sub(generation.generated));
                finishing |= line_start && left <= FINISH_WITHIN;
                if finishing && line_start && may_end {
                    trail.close();
                    generation.stop = Stop::Finished;
                    carried += t.elapsed();
                    break;
                }
                // Where the code may end, a fence line may close the
                // block; anywhere else (inside a string, say) a line
                // starting with three backticks would end the block for
                // the reader, so it may not be written.
                let fresh_line = trail.reply.last() == Some(&b'\n');
                for &(id, breaks) in &self.closers {
                    if breaks > 0 || fresh_line {
                        self.mask.set(id, may_end);
                    }
                }
                for &(at, token) in &trail.banned {
                    if at == trail.kept.len() {
                        self.mask.set(token, false);
                    }
                }
                if value_from.is_some_and(|from| {
                    trail.kept.len() >= from + VALUE_LIMIT || left <= FINISH_WITHIN / 2
                }) && lex(&trail.reply[trail.body_start..]).0.in_code()
                {
                    self.ending.restrict(&mut self.mask);
                }
                // Finishing at a line start that can neither close nor
                // take a `return`, or stuck where the mask allows nothing:
                // back to the latest line start that can.
                // A line still open near the very end of the budget is
                // given up the same way.
                // So is a forced value that runs on for twice its limit:
                // a value that can never end (of the wrong type, say).
                let endless =
                    value_from.is_some_and(|from| trail.kept.len() >= from + 2 * VALUE_LIMIT);
                let stuck =
                    self.mask.is_empty() || endless || (!finishing && left <= FINISH_WITHIN / 4);
                if ((finishing && line_start) || stuck)
                    && finish_tries >= MAX_FINISH_TRIES
                    && rescue.write(session, &mut trail, self.model.tokenizer(), &mut self.mask)?
                {
                    trail.close();
                    generation.stop = Stop::Rescued;
                    carried += t.elapsed();
                    break;
                }
                if ((finishing && line_start) || stuck) && finish_tries < MAX_FINISH_TRIES {
                    finish_tries += 1;
                    finishing = true;
                    let finished =
                        finish_point(session, &mut trail, self.model.tokenizer(), &finish)?;
                    match finished {
                        Finish::Close => {
                            trail.close();
                            generation.stop = Stop::Finished;
                            carried += t.elapsed();
                            break;
                        }
                        Finish::Return { dropped } => {
                            carried += t.elapsed();
                            value_from = Some(trail.kept.len());
                            generation.retracted += dropped;
                            let t = Instant::now();
                            self.catch_up(&start, &trail.kept, dropped)?;
                            generation.decode_time += t.elapsed();
                            continue;
                        }
                        Finish::Nowhere => {}
                    }
                }
                if self.mask.is_empty() {
                    generation.stop = Stop::DeadEnd;
                    carried += t.elapsed();
                    break;
                }
                apply_mask(&self.mask, &mut self.logits);
                generation
                    .mask_times
                    .push(t.elapsed() + std::mem::take(&mut carried));
            }
            let token = draw(&mut sampler, config, &self.logits)?;
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
            trail.reply.extend_from_slice(&bytes);
            trail.kept.push(token);
            // Only a token with a backtick can complete the closing fence
            // line; the whole reply is re-read only then.
            let fence_line = session.is_none()
                && bytes.contains(&b'`')
                && fence_closed(&String::from_utf8_lossy(&trail.reply));
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
            // While finishing, runaways are still cut (the budget bounds
            // them).
            let back_to = if generation.backtracks >= MAX_BACKTRACKS * (1 + usize::from(finishing))
            {
                None
            } else {
                trail.runaway(&bytes).or_else(|| {
                    let line = trail.marks.last().map_or(0, |m| m.0);
                    cycle(&trail.kept, line).map(|tokens| {
                        let dropped = self.model.tokenizer().bytes(&trail.kept[tokens..]);
                        (tokens, trail.reply.len() - dropped.len())
                    })
                })
            };
            if let Some((tokens, at)) = back_to {
                // Back to where the runaway starts, with the token that
                // began it banned there; the model's cache is rebuilt from
                // the text that stays.
                trail.banned.push((tokens, trail.kept[tokens]));
                let dropped = trail.kept.len() - tokens;
                session.rollback(dropped)?;
                trail.cut(tokens, at);
                value_from = value_from.filter(|&from| from <= tokens);
                generation.backtracks += 1;
                generation.retracted += dropped;
                let t = Instant::now();
                self.catch_up(&start, &trail.kept, dropped)?;
                generation.decode_time += t.elapsed();
            } else if bytes.contains(&b'\n') {
                trail.marks.push(trail.here());
                value_from = None;
            }
        }
        match generation.mask_times.last_mut() {
            Some(last) => *last += carried,
            None if carried > Duration::ZERO => generation.mask_times.push(carried),
            None => {}
        }
        if let Some(session) = session.as_mut()
            && matches!(generation.stop, Stop::MaxTokens | Stop::DeadEnd)
        {
            let t = Instant::now();
            if let Some(&(tokens, at)) = trail.accepting.last() {
                // Budget-aware finish: rather than a truncated block, the
                // longest prefix the constraints accept, closed.
                trail.cut(tokens, at);
                trail.close();
                generation.stop = Stop::Finished;
            } else if rescue.write(session, &mut trail, self.model.tokenizer(), &mut self.mask)? {
                trail.close();
                generation.stop = Stop::Rescued;
            }
            if let Some(last) = generation.mask_times.last_mut() {
                *last += t.elapsed();
            }
        }
        generation.reply = String::from_utf8_lossy(&trail.reply).into_owned();
        generation.wall = started.elapsed();
        Ok(generation)
    }
}

/// The sampler `config` asks for, seeded.
pub(super) fn new_sampler(config: &DecodeConfig) -> LogitsProcessor {
    LogitsProcessor::from_sampling(
        config.seed,
        match config.sampler {
            Sampler::Greedy => Sampling::ArgMax,
            Sampler::TopP { p, temperature } => Sampling::TopP { p, temperature },
        },
    )
}

/// The next token from `logits` (disallowed ones already at −∞).
pub(super) fn draw(
    sampler: &mut LogitsProcessor,
    config: &DecodeConfig,
    logits: &[f32],
) -> Result<u32, ModelError> {
    match config.sampler {
        // Greedy needs no tensor: the first largest logit.
        Sampler::Greedy => Ok(argmax(logits)),
        Sampler::TopP { .. } => Tensor::from_slice(logits, logits.len(), &Device::Cpu)
            .and_then(|logits| sampler.sample(&logits))
            .map_err(ModelError::candle),
    }
}

/// The index of the first largest value (NaN never wins).
pub(super) fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &v) in logits.iter().enumerate() {
        if v > logits[best] {
            best = i;
        }
    }
    best as u32
}

/// Sets the logits of disallowed tokens to −∞.
pub(super) fn apply_mask(mask: &TokenMask, logits: &mut [f32]) {
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
    fn argmax_takes_the_first_largest_value() {
        assert_eq!(argmax(&[1.0, f32::NEG_INFINITY, 3.0, 3.0, f32::NAN]), 2);
    }
}
