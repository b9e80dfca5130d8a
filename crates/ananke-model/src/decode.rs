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
//!   session may end, the closing fence is allowed too, and elsewhere a
//!   line starting with a fence may not be written (it would end the block
//!   for the reader).
//!
//! In a constrained arm the mask decides every token, forced ones
//! included: forced text is checked with `Session::validate` and committed
//! with `Session::commit_many`, and every token the model draws is
//! committed to the session before it is fed back. Going back (a runaway
//! line, a finish that cuts the reply) rolls the session back and feeds
//! the model the text that stays again from the start, since candle's
//! llama cache cannot be truncated. The search only chooses which allowed
//! path to try.
//!
//! The loop is [`Decoder`]; its settings are in `config`, the forced start
//! of a constrained reply in `forced`, the reply so far in `trail`, the
//! runaway line that sends it back in `runaway`, and how a reply near the
//! end of its budget is finished (or rescued) in `finish`.

mod config;
mod decoder;
mod fill;
mod finish;
mod forced;
mod runaway;
mod trail;

pub use config::{Arm, DecodeConfig, GENERATION_CFG, Sampler, generation_spec};
pub use decoder::{Decoder, Generation, Stop};
pub use fill::{EXPRESSION_TOKENS, HoleReply, STATEMENT_TOKENS, hole_message};
pub use finish::{FINISH_WITHIN, MAX_FINISH_TRIES, VALUE_LIMIT};
pub use forced::{CLOSE_FENCE, OPEN_FENCE};
pub use runaway::{
    CYCLE_PERIOD, CYCLE_REPEATS, CYCLE_TOKENS, LINE_LIMIT, MAX_BACKTRACKS, REPEAT_WINDOW,
};
