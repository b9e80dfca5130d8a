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
use ananke_pylex::{Class, PyLexer};
use ananke_runtime::{Ananke, Session, Spec};
use ananke_syntax::SyntaxVocab;
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};

use crate::ModelError;
use crate::model::LanguageModel;
use crate::placeholder::placeholders;
use crate::protocol::{Task, fence_closed};
use crate::tokenizer::ModelTokenizer;

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
    /// [`REPEAT_WINDOW`] non-blank lines before it, or a line that ends
    /// in a short token cycle repeated [`CYCLE_REPEATS`] times or more
    /// (`_case_case_case…`). The session rolls back to the line's start
    /// (for a cycle, to the end of its first copy), the token that began
    /// the runaway is banned there, and decoding goes on (at most
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

/// A token cycle repeated this many times in one line runs away.
pub const CYCLE_REPEATS: usize = 4;
/// ... and covers at least this many tokens (`[0, 0, 0]` is code; twelve
/// `_case` pieces in one name are a loop).
pub const CYCLE_TOKENS: usize = 12;
/// The longest token cycle looked for.
pub const CYCLE_PERIOD: usize = 16;

/// Whether the tokens of the line starting at `line` end with a short
/// cycle repeated over and over (`_case_case_case…`, `list + list + …`):
/// the position where its second copy starts, to go back to (one copy
/// stays).
fn cycle(kept: &[u32], line: usize) -> Option<usize> {
    let tail = &kept[line..];
    let n = tail.len();
    (1..=CYCLE_PERIOD).find_map(|p| {
        let unit = tail.get(n.checked_sub(p)?..)?;
        let copies = tail.rchunks_exact(p).take_while(|c| *c == unit).count();
        (copies >= CYCLE_REPEATS && copies * p >= CYCLE_TOKENS).then(|| line + n - copies * p + p)
    })
}

/// The reply as decoded so far, and the places it may go back to.
struct Trail {
    /// The forced start, then the bytes of `kept`.
    reply: Vec<u8>,
    body_start: usize,
    /// The chosen (and finishing) tokens still in the reply.
    kept: Vec<u32>,
    /// Where lines start: (tokens kept, reply length).
    marks: Vec<(usize, usize)>,
    /// Tokens banned at a position by a backtrack.
    banned: Vec<(usize, u32)>,
    /// Line starts where the constraints accepted the code: where a reply
    /// that runs out of budget is closed.
    accepting: Vec<(usize, usize)>,
}

impl Trail {
    fn new(reply: Vec<u8>, body_start: usize) -> Trail {
        Trail {
            reply,
            body_start,
            kept: Vec::new(),
            marks: vec![(0, body_start)],
            banned: Vec::new(),
            accepting: Vec::new(),
        }
    }

    /// The current position: (tokens kept, reply length).
    fn here(&self) -> (usize, usize) {
        (self.kept.len(), self.reply.len())
    }

    /// The indentation written so far when the reply (up to `at`) stands
    /// at the start of a line, before anything but white space.
    fn indentation(&self, at: usize) -> Option<&[u8]> {
        let text = &self.reply[self.body_start..at];
        let line = &text[text.iter().rposition(|&b| b == b'\n')? + 1..];
        line.iter()
            .all(|&b| b == b' ' || b == b'\t')
            .then_some(line)
    }

    /// The mark to go back to when the line being written runs away.
    fn runaway(&self, token: &[u8]) -> Option<(usize, usize)> {
        let body = &self.reply[self.body_start..];
        runaway(body, token, &self.kept, &self.marks, self.body_start).map(|i| self.marks[i])
    }

    /// Back to `tokens` kept tokens (`at` bytes of reply): what was
    /// learnt past that point is forgotten.
    fn cut(&mut self, tokens: usize, at: usize) {
        self.kept.truncate(tokens);
        self.reply.truncate(at);
        self.marks.retain(|&(t, _)| t <= tokens);
        if self.marks.last().is_none_or(|&(t, _)| t < tokens) && self.indentation(at).is_some() {
            self.marks.push((tokens, at));
        }
        self.accepting.retain(|&(t, _)| t <= tokens);
        self.banned.retain(|&(t, _)| t <= tokens);
    }

    /// The line starts where a statement may start, latest first (the
    /// current position too, when it is one): (tokens kept, reply length,
    /// indentation written there).
    fn statement_starts(&self) -> Vec<(usize, usize, String)> {
        let mut marks = self.marks.clone();
        if self.indentation(self.reply.len()).is_some() && marks.last() != Some(&self.here()) {
            marks.push(self.here());
        }
        marks
            .into_iter()
            .rev()
            .filter_map(|(tokens, at)| {
                let written = self.indentation(at)?;
                let statement = lex(&self.reply[self.body_start..at]).1;
                statement.then(|| (tokens, at, String::from_utf8_lossy(written).into_owned()))
            })
            .collect()
    }

    /// Ends the reply's code block at the current line start.
    fn close(&mut self) {
        while self.reply.last().is_some_and(|&b| b == b' ' || b == b'\t') {
            self.reply.pop();
        }
        self.reply.extend_from_slice(CLOSE_FENCE.as_bytes());
    }
}

/// Token classes, built once per vocabulary, that make a forced `return`
/// value end (see [`VALUE_LIMIT`]).
struct Ending {
    /// Tokens that open more brackets than they close, or a string.
    opening: TokenMask,
    /// Tokens of closing brackets (and spaces) only.
    closing: TokenMask,
    /// Tokens of blanks with a line break.
    breaking: TokenMask,
}

impl Ending {
    fn new(vocab: &ananke_core::Vocabulary, n: usize) -> Ending {
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
    fn restrict(&self, mask: &mut TokenMask) {
        mask.and_not_with(&self.opening);
        if mask.intersects(&self.closing) {
            mask.and_with(&self.closing);
        } else if mask.intersects(&self.breaking) {
            mask.and_with(&self.breaking);
        }
    }
}

/// Where a reply being finished goes.
enum Finish {
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
fn finish_point(
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
/// [`Stop::Rescued`]): `return` and one of `values` (placeholders of the
/// declared return type), at one of the `indents`.
struct Rescue<'a> {
    indents: &'a [String],
    values: &'a [String],
    eos: &'a [u32],
}

impl Rescue<'_> {
    /// At the latest statement start (the current position first) where
    /// the constraints take the statement, line break included, and then
    /// accept the code, writes it. The session and trail are cut back
    /// there; nothing changes when no statement start takes one.
    fn write(
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
    model: &'m mut LanguageModel,
    /// Tokens that close the code block: optional line breaks, three
    /// backticks, then only white space. The number is how many line
    /// breaks come first.
    closers: Vec<(u32, usize)>,
    /// What makes a forced value end (see [`VALUE_LIMIT`]).
    ending: Ending,
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

        let mut sampler = LogitsProcessor::from_sampling(
            config.seed,
            match config.sampler {
                Sampler::Greedy => Sampling::ArgMax,
                Sampler::TopP { p, temperature } => Sampling::TopP { p, temperature },
            },
        );
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

/// Reads a function body so far: the lexer's state at its end, and
/// whether a statement may start there (after a line break that ends a
/// statement, and blanks, outside brackets, strings and comments).
fn lex(body: &[u8]) -> (PyLexer, bool) {
    let mut lexer = PyLexer::default();
    let mut logical = false;
    for &b in body {
        match lexer.step(b) {
            Class::LineEnd { logical: ends } => logical = ends,
            Class::Blank => {}
            _ => logical = false,
        }
    }
    (lexer, logical && lexer.in_code() && lexer.depth() == 0)
}

/// The indentation of the prompt's last line (the docstring's closing
/// line): the function body's.
fn body_indent(task: &Task) -> &str {
    let last = forced_prompt(task).rsplit('\n').next().unwrap_or_default();
    &last[..last.len() - last.trim_start().len()]
}

/// The prompt as forced into a reply: without its final line break, so
/// that the model itself writes the break and the next line's indentation
/// (its tokenizer merges them into one token, which a forced lone break
/// would rule out — the break would sit on a token boundary the model
/// never saw in training).
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
        assert!(!lex(b"    x = 1\n    '''\n    a\n").1);
        assert!(lex(b"    \"\"\"a\"\"\"\n    x = 1\n    ").1);
        assert!(!lex(b"    x = [\n    ").1);
        assert!(!lex(b"    x = 1 + \\\n    ").1);
        assert!(!lex(b"    x = 1  # a").1);
        assert!(lex(b"    x = [1,\n    2]\n").1);
    }

    #[test]
    fn token_cycles_in_a_line_send_the_decoder_back_to_their_second_copy() {
        // `toggle_string_case_case_case…`: 1 then 12 copies of 5.
        let mut kept = vec![9, 9, 1];
        kept.extend([5; 12]);
        assert_eq!(cycle(&kept, 2), Some(4));
        // Eleven copies are not enough for a one-token cycle …
        assert_eq!(cycle(&kept[..kept.len() - 1], 2), None);
        // … nor tokens before the line's start.
        assert_eq!(cycle(&kept, 6), None);
        // `list + list + list …`: a two-token cycle, six times.
        let mut kept = vec![3, 4];
        for _ in 0..6 {
            kept.extend([7, 4]);
        }
        assert_eq!(cycle(&kept, 0), Some(4));
        // A cycle that has just been broken is no runaway.
        kept.push(8);
        assert_eq!(cycle(&kept, 0), None);
    }

    #[test]
    fn a_trail_cuts_back_and_closes_at_line_starts() {
        let mut trail = Trail::new(b"```python\ndef f():".to_vec(), 18);
        assert_eq!(trail.indentation(18), None);
        for (token, bytes) in [
            (1, &b"\n    "[..]),
            (2, b"x = ("),
            (3, b"\n        "),
            (4, b"1"),
        ] {
            trail.kept.push(token);
            trail.reply.extend_from_slice(bytes);
            if bytes.contains(&b'\n') {
                let here = trail.here();
                trail.marks.push(here);
            }
        }
        assert_eq!(trail.indentation(23), Some(&b"    "[..]));
        assert_eq!(trail.indentation(trail.reply.len()), None);
        trail.banned.push((3, 4));
        trail.accepting.push((3, 37));
        trail.cut(1, 23);
        assert_eq!(trail.reply, b"```python\ndef f():\n    ");
        assert_eq!(trail.marks, [(0, 18), (1, 23)]);
        assert!(trail.banned.is_empty() && trail.accepting.is_empty());
        trail.close();
        assert_eq!(trail.reply, b"```python\ndef f():\n```");
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
