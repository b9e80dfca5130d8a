//! [`Requirements`]: what the code's control flow must respect, as a
//! lattice (meet takes every requirement of both, and the smaller of each
//! limit), and their textual form (`returns; max_nesting=3`). Apart from
//! the reading: the requirements are the spec's words, fixed before any
//! code is read.

use std::sync::Arc;

use ananke_pylex::{is_name_byte, is_name_start};

/// A malformed requirement list.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{item}`: {message}")]
pub struct ParseError {
    /// The item at fault.
    pub item: String,
    /// What is wrong.
    pub message: String,
}

/// Names for the reachability requirements: sorted, without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Targets(Option<Arc<[String]>>);

impl Targets {
    /// No names.
    pub const NONE: Targets = Targets(None);

    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.0
            .iter()
            .flat_map(|names| names.iter().map(String::as_str))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Whether `name` is one of them.
    pub fn contains(&self, name: &[u8]) -> bool {
        self.iter().any(|t| t.as_bytes() == name)
    }

    fn with(&self, name: &str) -> Targets {
        self.union(&Targets(Some(Arc::from([name.to_owned()]))))
    }

    fn union(&self, other: &Targets) -> Targets {
        let mut all: Vec<String> = self.iter().chain(other.iter()).map(str::to_owned).collect();
        all.sort();
        all.dedup();
        Targets((!all.is_empty()).then(|| Arc::from(all)))
    }
}

/// Whether `name` is a name or a dotted name (`os.system`), in ASCII (a
/// target is matched byte for byte against the code's names).
fn is_target(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.split('.').all(|part| {
            part.bytes()
                .next()
                .is_some_and(|b| b.is_ascii() && is_name_start(b))
                && part.bytes().all(|b| b.is_ascii() && is_name_byte(b))
        })
}

/// What the code's control flow must respect (see the crate docs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Requirements {
    /// Every function returns on every path.
    pub must_return: bool,
    /// Functions whose annotation wants a value return on every path.
    pub returns_if_typed: bool,
    /// No statement after a terminator in its block.
    pub no_dead_code: bool,
    /// `while True` needs a way out.
    pub terminating_loops: bool,
    /// No `while` loops.
    pub no_while: bool,
    /// No function calls itself by name.
    pub no_recursion: bool,
    /// Blocks nest at most this deep inside a function.
    pub max_nesting: Option<u8>,
    /// Loops nest at most this deep inside a function.
    pub max_loop_nesting: Option<u8>,
    /// A function's cyclomatic complexity (1 + its `if`, `elif`, `for`,
    /// `while`, `except`, `case`, `and`, `or`) stays at most this.
    pub max_complexity: Option<u16>,
    /// Comment lines inside a function are indented at least as deep as
    /// its body.
    pub indented_comments: bool,
    /// Names every function must reach.
    pub reach: Targets,
    /// Names no function may reach.
    pub avoid: Targets,
}

impl Requirements {
    /// Nothing required.
    pub const NONE: Requirements = Requirements {
        must_return: false,
        returns_if_typed: false,
        no_dead_code: false,
        terminating_loops: false,
        no_while: false,
        no_recursion: false,
        max_nesting: None,
        max_loop_nesting: None,
        max_complexity: None,
        indented_comments: false,
        reach: Targets::NONE,
        avoid: Targets::NONE,
    };

    /// Parses `returns; no_dead_code; max_nesting=3` (items separated by
    /// `;`; names as the fields, `returns` for `must_return`).
    pub fn parse(text: &str) -> Result<Requirements, ParseError> {
        let mut r = Requirements::NONE;
        for item in text.split(';').map(str::trim).filter(|i| !i.is_empty()) {
            let error = |message: &str| ParseError {
                item: item.to_owned(),
                message: message.to_owned(),
            };
            let limit = |value: &str| -> Result<Option<u8>, ParseError> {
                value
                    .trim()
                    .parse::<u8>()
                    .ok()
                    .filter(|&n| n > 0)
                    .map(Some)
                    .ok_or_else(|| error("expected a number from 1 to 255"))
            };
            match item.split_once('=') {
                None => match item {
                    "returns" => r.must_return = true,
                    "returns_if_typed" => r.returns_if_typed = true,
                    "no_dead_code" => r.no_dead_code = true,
                    "terminating_loops" => r.terminating_loops = true,
                    "no_while" => r.no_while = true,
                    "no_recursion" => r.no_recursion = true,
                    "indented_comments" => r.indented_comments = true,
                    _ => return Err(error("unknown requirement")),
                },
                Some((key, value)) => match key.trim() {
                    "reach" | "avoid" => {
                        let name = value.trim();
                        if !is_target(name) {
                            return Err(error("expected a name or a dotted name"));
                        }
                        if key.trim() == "reach" {
                            r.reach = r.reach.with(name);
                        } else {
                            r.avoid = r.avoid.with(name);
                        }
                    }
                    "max_nesting" => r.max_nesting = limit(value)?,
                    "max_loop_nesting" => r.max_loop_nesting = limit(value)?,
                    "max_complexity" => {
                        r.max_complexity = Some(
                            value
                                .trim()
                                .parse::<u16>()
                                .ok()
                                .filter(|&n| n > 0)
                                .ok_or_else(|| error("expected a number from 1 to 65535"))?,
                        );
                    }
                    _ => return Err(error("unknown limit")),
                },
            }
        }
        Ok(r)
    }

    /// Every requirement of both, and the smaller of each limit.
    pub(crate) fn meet(&self, other: &Requirements) -> Requirements {
        let min = |a: Option<u8>, b: Option<u8>| match (a, b) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        Requirements {
            must_return: self.must_return || other.must_return,
            returns_if_typed: self.returns_if_typed || other.returns_if_typed,
            no_dead_code: self.no_dead_code || other.no_dead_code,
            terminating_loops: self.terminating_loops || other.terminating_loops,
            no_while: self.no_while || other.no_while,
            no_recursion: self.no_recursion || other.no_recursion,
            max_nesting: min(self.max_nesting, other.max_nesting),
            max_loop_nesting: min(self.max_loop_nesting, other.max_loop_nesting),
            max_complexity: match (self.max_complexity, other.max_complexity) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            },
            indented_comments: self.indented_comments || other.indented_comments,
            reach: self.reach.union(&other.reach),
            avoid: self.avoid.union(&other.avoid),
        }
    }
}
