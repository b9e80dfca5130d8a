/*!
The control-flow domain: requirements on the shape of the code being
written, enforced token by token.

[`Requirements`] (a lattice: meet takes every requirement of both, and the
smaller of each limit) say what the code must respect:

- `returns_if_typed` — a function whose return annotation is not
  `None`/`Optional`/`Any`-like must return on every path; `returns` — every
  function must, whatever its annotation;
- `no_dead_code` — no statement after `return`/`raise`/`break`/`continue`
  in the same block;
- `terminating_loops` — a `while True` needs a `break`, `return` or `raise`
  inside;
- `no_while`, `no_recursion`, `max_nesting=N`, `max_loop_nesting=N`,
  `max_complexity=N` (cyclomatic, per function);
- `reach=NAME` — every function must reach `NAME` (a call `NAME(…)`, or
  a statement that starts with the keyword `NAME`, such as `raise`) in
  code that runs: its body may not end before it does; `avoid=NAME` — no
  function may reach `NAME` (rejected at its `(`, or at the end of the
  keyword). Dotted names (`os.system`) are matched as written. Code after
  a terminator in the same block is not reached and counts for neither.
- `indented_comments` — a comment line inside a function is indented at
  least as deep as the function's body. Python allows a comment at column
  0 anywhere, but a model that writes one has usually stopped writing the
  function (`# Example usage:`); this keeps it in the body or makes it
  finish. (A function has visibly ended only when code follows it, so a
  comment at column 0 right after a function counts as inside it: the
  requirement suits a generated body, not a whole module.)

[`CfgDomain`] reads the code into a sketch of its open blocks and
rejects the token that settles a breach: the first code of the line that
closes a function whose body can fall off its end (or the end of the
output), the first code of a statement after a terminator, the end of a
`while` keyword, the `(` of a recursive call. Every rejection says which
requirement.

[`CfgConstraint::graphs`] gives the control-flow graph of each function read so
far (petgraph; see [`graph`]): for tools and tests, built on demand.

# Example

```
use ananke_cfg::{CfgDomain, CfgConstraint, Requirements};
use ananke_core::{Domain, MeetSemilattice, StepContext, Vocabulary};

let tokens = ["def f(x: int) -> int:\n", "    if x:\n", "        return 1\n", "x = 2\n", "    return 0\n"];
let vocab = Vocabulary::new("toy", tokens, &[], &[])?;
let domain = CfgDomain::new();
let ctx = StepContext::new(&vocab);
let mut state = CfgConstraint::from(Requirements::parse("returns_if_typed")?);
for t in [0, 1, 2] {
    state = domain.observe(&state, t, ctx)?;
}
// Leaving the function now would leave the `x == 0` path without a value.
assert!(domain.explain(&state, 3, ctx).unwrap().contains("`f`"));
assert!(!domain.observe(&state, 4, ctx)?.is_bottom());
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/

pub mod graph;
mod sketch;

use std::fmt;
use std::sync::Arc;

use ananke_core::control::ControlFacts;
use ananke_core::{
    Bounded, CostHint, Domain, Error, MeetSemilattice, PerVocab, StepContext, TokenId, TokenMask,
    Vocabulary,
};

use sketch::Sketch;

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

/// Whether `name` is a name or a dotted name (`os.system`).
fn is_target(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
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

    fn meet(&self, other: &Requirements) -> Requirements {
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

/// The control-flow constraint: requirements, the sketch of the code read
/// so far, and why it is ⊥ if it is (all ⊥s are equal).
#[derive(Clone)]
pub struct CfgConstraint {
    requirements: Requirements,
    sketch: Option<Arc<Sketch>>,
    violation: Option<Arc<str>>,
}

impl From<Requirements> for CfgConstraint {
    fn from(requirements: Requirements) -> CfgConstraint {
        CfgConstraint {
            requirements,
            sketch: None,
            violation: None,
        }
    }
}

impl CfgConstraint {
    /// The requirements.
    pub fn requirements(&self) -> &Requirements {
        &self.requirements
    }

    /// Why this is ⊥, if it is.
    pub fn violation(&self) -> Option<&str> {
        self.violation.as_deref()
    }

    /// The control-flow graph of every function in the code read so far
    /// (see [`graph`]). With `at_end`, the output is taken to be complete;
    /// otherwise a function whose body runs to the last statement read
    /// goes on at a hole.
    pub fn graphs(&self, at_end: bool) -> Vec<graph::FunctionGraph> {
        let sketch = self.sketch();
        if at_end {
            // The statement being written ends with the output.
            let done = sketch.ended(&Requirements::NONE).unwrap_or(sketch);
            return graph::functions(done.statements(), true);
        }
        graph::functions(sketch.statements(), false)
    }

    /// What the code read tells other domains: unreachable statements
    /// and bodies that never run off their end, by the offset where each
    /// starts (the control flow → semantics morphism carries them).
    pub fn control_facts(&self) -> ControlFacts {
        self.sketch
            .as_deref()
            .map(|s| s.control().clone())
            .unwrap_or_default()
    }

    fn contradiction(reason: impl Into<String>) -> CfgConstraint {
        CfgConstraint {
            requirements: Requirements::NONE,
            sketch: None,
            violation: Some(reason.into().into()),
        }
    }

    fn sketch(&self) -> Sketch {
        self.sketch.as_deref().cloned().unwrap_or_default()
    }

    /// What reading `bytes` from here breaks.
    fn breach(&self, bytes: &[u8]) -> Option<sketch::Breach> {
        self.sketch().feed(&self.requirements, bytes).err()
    }
}

impl PartialEq for CfgConstraint {
    fn eq(&self, other: &CfgConstraint) -> bool {
        match (&self.violation, &other.violation) {
            (Some(_), Some(_)) => true,
            (None, None) => {
                self.requirements == other.requirements
                    && ananke_core::reading::same(&self.sketch, &other.sketch)
            }
            _ => false,
        }
    }
}

impl fmt::Debug for CfgConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.violation {
            Some(v) => write!(f, "⊥ ({v})"),
            None => write!(
                f,
                "CfgConstraint({:?}, read: {})",
                self.requirements,
                self.sketch.is_some()
            ),
        }
    }
}

impl MeetSemilattice for CfgConstraint {
    fn meet(&self, other: &CfgConstraint) -> CfgConstraint {
        if self.is_bottom() {
            return self.clone();
        }
        if other.is_bottom() {
            return other.clone();
        }
        let Ok(sketch) = ananke_core::reading::meet(&self.sketch, &other.sketch) else {
            return CfgConstraint::contradiction("the constraints follow different texts");
        };
        CfgConstraint {
            requirements: self.requirements.meet(&other.requirements),
            sketch,
            violation: None,
        }
    }

    fn is_top(&self) -> bool {
        self.violation.is_none() && self.sketch.is_none() && self.requirements == Requirements::NONE
    }

    fn is_bottom(&self) -> bool {
        self.violation.is_some()
    }
}

impl Bounded for CfgConstraint {
    fn top() -> CfgConstraint {
        Requirements::NONE.into()
    }

    fn bottom() -> CfgConstraint {
        CfgConstraint::contradiction("contradictory control-flow constraints")
    }
}

/// Longest indentation the mask groups tokens by.
const MAX_LEAD: usize = 128;

/// What a token can do mid-line, by its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// Name bytes only: it ends no word and calls nothing.
    Name,
    /// Blank or punctuation bytes (no `(`, `;`, quote, `#`, backslash or
    /// line break) and name bytes, with no word inside it that matters (a
    /// keyword, `match`, `case`), then perhaps a string or comment opened
    /// and not left within the token, or a line break and blanks: the
    /// first `lead` bytes finish the name being read, and the word ending
    /// there is all that can break a rule (the name being read itself
    /// when `lead` is 0: what a space does). Nothing inside a string or
    /// comment counts, and a line break ends a statement, which breaks
    /// no rule.
    Plain {
        /// Length of the leading run of name bytes.
        lead: u8,
    },
    /// `(`, then blank or punctuation bytes as in `Plain`, then a name
    /// begun, or a string or comment opened and not left: it does what `(`
    /// alone does.
    OpensParen,
    /// A name called: `skip` bytes, then `lead` name bytes, then what
    /// `OpensParen` is (`len(`, ` range(x`, `.append(`). Only the name
    /// then called can break a rule at the `(` — a keyword, an avoided
    /// name, the function itself — besides the word the `skip` bytes end.
    Call {
        /// How the name joins what is being read.
        kind: CallKind,
        /// Bytes before the name.
        skip: u8,
        /// Length of the name.
        lead: u8,
    },
    /// Anything else: tried in full.
    Other,
}

/// How a [`Shape::Call`] token's name joins the code before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CallKind {
    /// No bytes before it: it goes on with the name being read.
    Continues,
    /// Blanks or punctuation (no `.`) before it: they end the word being
    /// read as a space does, and the name starts afresh.
    Fresh,
    /// A `.` before it: an attribute of the chain being read (of nothing
    /// that counts when no chain is being read).
    Method,
}

impl Shape {
    fn of(bytes: &[u8]) -> Shape {
        let name = |b: &u8| ananke_pylex::is_name_byte(*b);
        let plain = |b: &u8| {
            b.is_ascii()
                && !name(b)
                && !matches!(
                    b,
                    b'(' | b';' | b'\'' | b'"' | b'#' | b'\\' | b'\n' | b'\r' | b'\x0c'
                )
        };
        // A string or comment the token opens and does not leave: a quote
        // or `#`, then no quote and no line break (a backslash only
        // escapes inside it).
        let stays_text = |text: &[u8]| match text.split_first() {
            Some((b'#', tail)) => !tail.iter().any(|b| matches!(b, b'\n' | b'\r')),
            Some((b'"' | b'\'', tail)) => !tail
                .iter()
                .any(|b| matches!(b, b'\n' | b'\r' | b'"' | b'\'')),
            _ => false,
        };
        // A string literal the token holds whole (one line, no escapes,
        // not the start of a triple quote) counts as punctuation: it ends
        // the word before it and nothing inside it counts. Replaced byte
        // for byte, so that offsets stay those of the token.
        let owned = whole_strings_as_commas(bytes);
        let bytes = owned.as_slice();
        // The code part of the token; whether text follows it.
        let (code, text) = match bytes.iter().position(|b| matches!(b, b'#' | b'"' | b'\'')) {
            Some(at) if stays_text(&bytes[at..]) => (&bytes[..at], true),
            _ => (bytes, false),
        };
        // What it ends with: a line break, a `;`, a backslash (a line
        // continued), then only those and blanks. It ends the word before
        // it as a space does, and a statement perhaps, which breaks no rule.
        let ending = |b: &u8| matches!(b, b';' | b'\n' | b'\r' | b'\\' | b'\x0c');
        let (code, breaks) = match code.iter().position(ending) {
            Some(at)
                if !text
                    && code[at..]
                        .iter()
                        .all(|b| ending(b) || matches!(b, b' ' | b'\t')) =>
            {
                (&code[..at], true)
            }
            _ => (code, false),
        };
        // Whether the token ends the last name run in it.
        let ended = text || breaks;
        // Name runs that end inside the token, after its first (the last
        // too when text or a line break ends it).
        let inner_words_matter = |rest: &[u8]| {
            rest.split(|b| !name(b))
                .rev()
                .skip(usize::from(!ended))
                .any(|w| !w.is_empty() && matters(w))
        };
        // What may follow a `(` in `OpensParen`: punctuation (more `(`
        // too: after punctuation a `(` calls nothing), then a name begun.
        let after_paren = |rest: &[u8]| {
            let split = rest.iter().position(name).unwrap_or(rest.len());
            !breaks
                && rest[..split].iter().all(|b| plain(b) || *b == b'(')
                && rest[split..].iter().all(name)
                && !(text && split < rest.len())
        };
        let blank = |b: &u8| matches!(b, b' ' | b'\t');
        // A name called: the name run before the first `(`, and what is
        // before it. Without a name, blanks then `(` do what `(` does
        // (the word they end is the one called), and punctuation then `(`
        // only ends the word (punctuation leaves nothing to call).
        let call = || {
            let paren = code.iter().position(|&b| b == b'(')?;
            let lead = code[..paren].iter().rev().take_while(|b| name(b)).count();
            let skip = paren - lead;
            let before = &code[..skip];
            if !before.iter().all(plain) || !after_paren(&code[paren + 1..]) {
                return None;
            }
            let dots = before.iter().filter(|&&b| b == b'.').count();
            if lead == 0 {
                return match before {
                    _ if before.iter().all(blank) => Some(Shape::OpensParen),
                    _ if dots == 0 => Some(Shape::Plain { lead: 0 }),
                    _ => None,
                };
            }
            // One `.` right before the name: after blanks only, an
            // attribute of the chain being read; after punctuation, of a
            // value (the name then only ends a word, as a fresh one does).
            let trailing_dot = dots == 1 && before.last() == Some(&b'.');
            let kind = match before {
                [] => CallKind::Continues,
                _ if trailing_dot && before[..skip - 1].iter().all(blank) => CallKind::Method,
                _ if dots == 0 || trailing_dot => CallKind::Fresh,
                _ => return None,
            };
            (skip <= usize::from(u8::MAX) && lead <= usize::from(u8::MAX)).then_some(Shape::Call {
                kind,
                skip: skip as u8,
                lead: lead as u8,
            })
        };
        match code.split_first() {
            None if ended => Shape::Plain { lead: 0 },
            None => Shape::Other,
            Some(_) if !ended && code.iter().all(name) => Shape::Name,
            Some((b'(', rest)) if after_paren(rest) => Shape::OpensParen,
            Some(_) => call().unwrap_or_else(|| {
                let lead = code.iter().take_while(|b| name(b)).count();
                let rest = &code[lead..];
                if lead > usize::from(u8::MAX)
                    || !rest.iter().all(|b| name(b) || plain(b))
                    || inner_words_matter(rest)
                {
                    Shape::Other
                } else {
                    Shape::Plain { lead: lead as u8 }
                }
            }),
        }
    }
}

/// `bytes` with each string literal it holds whole — a quote, then no
/// quote of its kind, line break or backslash, then the closing quote,
/// not followed by a third one — replaced by as many commas.
fn whole_strings_as_commas(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i < bytes.len() {
        let q = bytes[i];
        if !matches!(q, b'"' | b'\'') {
            i += 1;
            continue;
        }
        let Some(len) = bytes[i + 1..]
            .iter()
            .position(|&b| b == q || matches!(b, b'\n' | b'\r' | b'\\'))
            .filter(|&n| bytes[i + 1 + n] == q)
        else {
            // An unclosed string: the rest is text.
            break;
        };
        let end = i + 1 + len;
        if bytes.get(end + 1) == Some(&q) {
            // `"""`: a triple quote, not an empty string.
            break;
        }
        out[i..=end].fill(b',');
        i = end + 1;
    }
    out
}

/// Whether ending the word `w` can break a mid-line rule: a keyword or a
/// soft keyword that opens a block (`match`, `case`). Other words matter
/// only before a `(`.
fn matters(w: &[u8]) -> bool {
    MATTERING.iter().any(|m| m.as_bytes() == w)
}

/// The words whose end can break a mid-line rule.
const MATTERING: [&str; ananke_pylex::KEYWORDS.len() + 2] = {
    let keywords = ananke_pylex::KEYWORDS;
    let mut words = [""; ananke_pylex::KEYWORDS.len() + 2];
    let mut i = 0;
    while i < keywords.len() {
        words[i] = keywords[i];
        i += 1;
    }
    words[keywords.len()] = "match";
    words[keywords.len() + 1] = "case";
    words
};

/// Vocabulary facts for the mask, built once.
struct TokenIndex {
    /// Tokens of `Shape::Plain { lead: 0 }`.
    ends_word: TokenMask,
    /// Tokens of `Shape::OpensParen`.
    opens_paren: TokenMask,
    /// Tokens of `Shape::Plain` with a lead, by their leading name bytes.
    by_head: std::collections::HashMap<Vec<u8>, Vec<TokenId>>,
    /// Tokens of `Shape::Call`, by kind (`CallKind` as an index), and
    /// by the name they call (the bytes they add to the chain being read,
    /// for `Continues`).
    calls: [TokenMask; 3],
    calls_by_name: [std::collections::HashMap<Vec<u8>, Vec<TokenId>>; 3],
    /// Tokens of `Shape::Other` (tried in full mid-line).
    other: TokenMask,
    /// Tokens with a quote or a line break: inside a string or comment,
    /// the only ones that can leave it (the rest cannot break a rule).
    leaves_text: TokenMask,
    /// By `s`: tokens of `s` spaces then a code byte (what puts code at a
    /// known column when read at a line start).
    by_lead: Vec<Vec<TokenId>>,
    /// By `s`: tokens of `s` spaces then name bytes only. At a line start
    /// such a token starts a statement at a known column and ends no
    /// word: the column alone decides it.
    words_by_lead: Vec<Vec<TokenId>>,
    /// Every token not in `words_by_lead` (tried in full at a line start).
    not_words: TokenMask,
    /// Tokens with a line break followed, in the token, by code or a tab
    /// (they decide a line start inside themselves: tried in full).
    inner_line: Vec<TokenId>,
    /// Tokens that start with tabs then code (column depends on where
    /// the line stands: tried in full at a line start).
    tabbed: Vec<TokenId>,
    /// By `s`: tokens of `s` spaces then `#` (a comment at a known column
    /// when read at a line start).
    comment_by_lead: Vec<Vec<TokenId>>,
    /// Tokens with a line break followed, in the token, by a comment.
    inner_comment: Vec<TokenId>,
}

fn is_code_byte(b: u8) -> bool {
    !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'#' | b'\\')
}

impl TokenIndex {
    fn new(vocab: &Vocabulary) -> TokenIndex {
        let mut index = TokenIndex {
            ends_word: TokenMask::new_empty(vocab.len()),
            opens_paren: TokenMask::new_empty(vocab.len()),
            by_head: std::collections::HashMap::new(),
            calls: std::array::from_fn(|_| TokenMask::new_empty(vocab.len())),
            calls_by_name: std::array::from_fn(|_| std::collections::HashMap::new()),
            other: TokenMask::new_empty(vocab.len()),
            leaves_text: TokenMask::new_empty(vocab.len()),
            by_lead: vec![Vec::new(); MAX_LEAD + 1],
            words_by_lead: vec![Vec::new(); MAX_LEAD + 1],
            not_words: TokenMask::new_full(vocab.len()),
            inner_line: Vec::new(),
            tabbed: Vec::new(),
            comment_by_lead: vec![Vec::new(); MAX_LEAD + 1],
            inner_comment: Vec::new(),
        };
        for (t, bytes) in vocab.iter() {
            match Shape::of(bytes) {
                _ if vocab.is_special(t) => {
                    index.other.set(t, true);
                }
                Shape::Name => {}
                Shape::Plain { lead: 0 } => {
                    index.ends_word.set(t, true);
                }
                Shape::Plain { lead } => index
                    .by_head
                    .entry(bytes[..usize::from(lead)].to_vec())
                    .or_default()
                    .push(t),
                Shape::OpensParen => {
                    index.opens_paren.set(t, true);
                }
                Shape::Call { kind, skip, lead } => {
                    let (skip, lead) = (usize::from(skip), usize::from(lead));
                    index.calls[kind as usize].set(t, true);
                    index.calls_by_name[kind as usize]
                        .entry(bytes[skip..skip + lead].to_vec())
                        .or_default()
                        .push(t);
                }
                Shape::Other => {
                    index.other.set(t, true);
                }
            }
            if bytes
                .iter()
                .any(|b| matches!(b, b'"' | b'\'' | b'\n' | b'\r'))
            {
                index.leaves_text.set(t, true);
            }
            if vocab.is_special(t) || bytes.is_empty() {
                continue;
            }
            let spaces = bytes.iter().take_while(|&&b| b == b' ').count();
            if spaces < bytes.len()
                && spaces <= MAX_LEAD
                && bytes[spaces..]
                    .iter()
                    .all(|&b| ananke_pylex::is_name_byte(b))
            {
                index.words_by_lead[spaces].push(t);
                index.not_words.set(t, false);
            }
            match bytes.get(spaces) {
                Some(&b) if is_code_byte(b) && spaces <= MAX_LEAD => index.by_lead[spaces].push(t),
                Some(&b'#') if spaces <= MAX_LEAD => index.comment_by_lead[spaces].push(t),
                Some(&b'\t') => index.tabbed.push(t),
                _ => {}
            }
            if let Some(nl) = bytes.iter().position(|&b| b == b'\n')
                && bytes[nl + 1..]
                    .iter()
                    .find(|&&b| b != b' ' && b != b'\n' && b != b'\r' && b != b'\t')
                    == Some(&b'#')
            {
                index.inner_comment.push(t);
            }
            if let Some(nl) = bytes.iter().position(|&b| b == b'\n')
                && bytes[nl + 1..]
                    .iter()
                    .find(|&&b| b != b' ' && b != b'\n' && b != b'\r')
                    .is_some_and(|&b| is_code_byte(b) || b == b'\t')
            {
                index.inner_line.push(t);
            }
        }
        index
    }
}

/// Masks the line-start tokens of `groups` (by leading spaces) that put
/// their first byte at a column `breaks` refuses, the line being at
/// `column` so far.
fn reject_by_column(
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

/// The call tokens of one mid-line step (see [`Shape::Call`]).
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
        MATTERING
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

    fn verdict(&self, state: &CfgConstraint, token: TokenId, vocab: &Vocabulary) -> Option<String> {
        if let Some(v) = state.violation() {
            return Some(v.to_owned());
        }
        if vocab.eos().contains(&token) {
            return state
                .sketch()
                .decide_end(&state.requirements)
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
        let vocab = ctx.vocab;
        let index = self.index(vocab)?;
        out.copy_from(candidates);
        if state.is_bottom() {
            out.fill(false);
            return Ok(());
        }
        let reqs = &state.requirements;
        if *reqs == Requirements::NONE {
            return Ok(());
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
                return Ok(());
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
                return Ok(());
            }
            // Inside a string or comment nothing counts until a quote or a
            // line break leaves it.
            if sketch.in_text() {
                for t in candidates.iter_common(&index.leaves_text) {
                    try_token(t, out);
                }
                return Ok(());
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
            for word in MATTERING {
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
            return Ok(());
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
        let mut sketch = state.sketch();
        let _ = sketch.feed(&state.requirements, bytes);
        Ok(CfgConstraint {
            requirements: state.requirements.clone(),
            sketch: Some(Arc::new(sketch)),
            violation: None,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_group_tokens_by_what_they_can_break() {
        let call = |kind, skip, lead| Shape::Call { kind, skip, lead };
        for (token, shape) in [
            ("abc", Shape::Name),
            (" x", Shape::Plain { lead: 0 }),
            ("x, y", Shape::Plain { lead: 1 }),
            ("x\n    ", Shape::Plain { lead: 1 }),
            (");\n", Shape::Plain { lead: 0 }),
            (" \\\n", Shape::Plain { lead: 0 }),
            ("\"a\", ", Shape::Plain { lead: 0 }),
            ("*(", Shape::Plain { lead: 0 }),
            ("(", Shape::OpensParen),
            (" ((", Shape::OpensParen),
            ("len(", call(CallKind::Continues, 0, 3)),
            (" range(x", call(CallKind::Fresh, 1, 5)),
            (", g(", call(CallKind::Fresh, 2, 1)),
            ("\"a\".join(", call(CallKind::Fresh, 4, 4)),
            (".append(", call(CallKind::Method, 1, 6)),
            (" .system(", call(CallKind::Method, 2, 6)),
            // A keyword ended inside, a name ended then called, a triple
            // quote, a `;` with code after it: tried in full.
            (" if x", Shape::Other),
            ("f(x)", Shape::Other),
            ("\"\"\"", Shape::Other),
            ("; x", Shape::Other),
        ] {
            assert_eq!(Shape::of(token.as_bytes()), shape, "{token:?}");
        }
    }

    #[test]
    fn whole_strings_become_commas_byte_for_byte() {
        assert_eq!(whole_strings_as_commas(b"x\"ab\".y"), b"x,,,,.y");
        assert_eq!(whole_strings_as_commas(b"''+'"), b",,+'");
        assert_eq!(whole_strings_as_commas(b"\"\"\"a"), b"\"\"\"a");
        assert_eq!(whole_strings_as_commas(b"\"a\\\"b\""), b"\"a\\\"b\"");
    }
}
