//! How a reply is decoded: the [`Arm`] (which constraints, if any), the
//! [`Sampler`], the [`DecodeConfig`], and the spec a generation runs
//! under. Apart from the decoder: settings a caller writes, with no state.

use ananke_runtime::{Spec, TypeIgnore};

use crate::ModelError;

/// The control-flow requirements a generation has when its spec names
/// none: the checker's default (`returns_if_typed`), plus what keeps a
/// small model writing the body it was asked for — a `while True` it can
/// leave, no dead code after a `return`, and comments indented with the
/// body (a comment at column 0 is where such a model starts its `#
/// Example usage:` lines, which never end).
pub const GENERATION_CFG: &str =
    "returns_if_typed; terminating_loops; no_dead_code; indented_comments";

/// `spec` for generation: the control-flow requirements default to
/// [`GENERATION_CFG`], and `# type: ignore` to
/// [`TypeIgnore::Forbid`]: a model that writes one must not silence the
/// checks it is generated under.
pub fn generation_spec(spec: &Spec) -> Spec {
    let mut spec = spec.clone();
    if spec.cfg.requirements.is_none() {
        spec.cfg.requirements = Some(GENERATION_CFG.to_owned());
    }
    spec.types.type_ignore.get_or_insert(TypeIgnore::Forbid);
    spec
}

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
    /// As [`Full`](Arm::Full), with the default call policy where the
    /// spec has none (`[policy]`: no `eval`, `os.system`, shell
    /// subprocesses, ... by any name).
    Policy,
}

impl Arm {
    /// Every arm, in report order.
    pub const ALL: [Arm; 5] = [
        Arm::Unconstrained,
        Arm::ForcedPrefix,
        Arm::Syntax,
        Arm::Full,
        Arm::Policy,
    ];

    /// The arm's name in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Arm::Unconstrained => "unconstrained",
            Arm::ForcedPrefix => "forced-prefix",
            Arm::Syntax => "syntax",
            Arm::Full => "full",
            Arm::Policy => "policy",
        }
    }

    /// The arm with this name.
    pub fn parse(name: &str) -> Result<Arm, ModelError> {
        Arm::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| {
                ModelError::Task(format!(
                    "unknown arm `{name}` (unconstrained, forced-prefix, syntax, full, policy)"
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
    /// more than [`LINE_LIMIT`](super::LINE_LIMIT) tokens, or a line that
    /// repeats one of the [`REPEAT_WINDOW`](super::REPEAT_WINDOW) non-blank
    /// lines before it, or a line that ends in a short token cycle repeated
    /// [`CYCLE_REPEATS`](super::CYCLE_REPEATS) times or more
    /// (`_case_case_case…`). The session rolls back to the line's start
    /// (for a cycle, to the end of its first copy), the token that began
    /// the runaway is banned there, and decoding goes on (at most
    /// [`MAX_BACKTRACKS`](super::MAX_BACKTRACKS) times a reply, and at most
    /// twice `max_tokens` tokens drawn in all). A small model under a mask
    /// that will not let it end an unfinished body otherwise loops until
    /// the budget is gone; the mask still decides every token.
    pub backtrack: bool,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_forbids_type_ignore_unless_the_spec_says_otherwise() {
        let spec = generation_spec(&Spec::python("cl100k_base"));
        assert_eq!(spec.types.type_ignore, Some(TypeIgnore::Forbid));
        assert_eq!(spec.cfg.requirements.as_deref(), Some(GENERATION_CFG));
        let mut honour = Spec::python("cl100k_base");
        honour.types.type_ignore = Some(TypeIgnore::Honour);
        assert_eq!(
            generation_spec(&honour).types.type_ignore,
            Some(TypeIgnore::Honour)
        );
    }
}
