//! [`Sketch`]: the control-flow sketch of the code read so far — the stack
//! of open blocks (module, function bodies, branches, loops) with what is
//! known of each: whether its statements so far guarantee a return,
//! whether a terminator ended it, whether a `while True` can be left — read
//! statement by statement from the text.
//!
//! Decisions fall at three moments: the first code byte of a line (its
//! column closes blocks: a function whose body may fall off its end, a
//! `while True` with no way out, dead code after a terminator), the end of
//! a statement's first word (a forbidden `while`, too deep a nesting), and
//! a `(` (a recursive call). [`Sketch::decide_at`] answers the first
//! without changing anything, so the mask can ask it per column.

mod block;
mod breach;
mod line;
mod read;
mod statement;

use std::sync::Arc;

use ananke_core::control::ControlFacts;
use ananke_pylex::{PyLexer, Short};

use crate::requirements::Requirements;
use block::{Block, close_into, closing_breach};
use line::Line;
use statement::NAME;

pub(crate) use breach::Breach;
pub(crate) use statement::{Kw, Statement};

/// The sketch (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Sketch {
    lexer: PyLexer,
    line: Line,
    blocks: Arc<Vec<Block>>,
    /// Required names reached so far, by the index in `blocks` of the
    /// function that reached them.
    reached: Arc<Vec<(usize, Short<NAME>)>>,
    /// Every statement read, in order (for the control-flow graph).
    /// Persistent: a mask tries tokens on copies of the sketch, and one
    /// that ends a statement must not copy every statement before it.
    log: im::Vector<Statement>,
    /// Line breaks read.
    lines: u32,
    /// Bytes read.
    offset: u32,
    /// What the other domains may learn from the reading (see
    /// [`ControlFacts`]).
    control: ControlFacts,
    /// The last statement ended was a decorator: a `def` now is
    /// decorated.
    decorated: bool,
    /// One of the decorators just read is `@no_type_check`: mypy checks
    /// nothing of the function they decorate.
    no_type_check: bool,
}

impl Default for Sketch {
    fn default() -> Sketch {
        Sketch {
            lexer: PyLexer::default(),
            line: Line {
                at_start: true,
                ..Line::default()
            },
            blocks: Arc::new(vec![Block::module()]),
            reached: Arc::new(Vec::new()),
            log: im::Vector::new(),
            lines: 0,
            offset: 0,
            control: ControlFacts::default(),
            decorated: false,
            no_type_check: false,
        }
    }
}

impl Sketch {
    /// Whether the next byte starts code on a new line (the moment
    /// [`decide_at`](Sketch::decide_at) speaks for).
    pub(crate) fn at_line_start(&self) -> bool {
        self.line.at_start && self.lexer.in_code() && self.lexer.depth() == 0
    }

    /// Whether the next byte is inside a string or a comment that only a
    /// quote or a line break can leave.
    pub(crate) fn in_text(&self) -> bool {
        self.lexer.in_text()
    }

    /// Whether a `;` ended a statement and the next code starts another
    /// (a decision point at a column the token does not set).
    pub(crate) fn after_semicolon(&self) -> bool {
        self.line.after_semicolon.is_some() && self.lexer.in_code()
    }

    /// The indentation so far on the current line.
    pub(crate) fn column(&self) -> u16 {
        self.line.column
    }

    /// The name being read in code (after the last `.` of its chain),
    /// empty where none is.
    pub(crate) fn partial_word(&self) -> &[u8] {
        if !self.lexer.in_code() || self.line.chain_done {
            return &[];
        }
        let chain = self.line.chain.get().unwrap_or_default();
        let start = chain.iter().rposition(|&b| b == b'.').map_or(0, |i| i + 1);
        &chain[start..]
    }

    /// The name chain being read (`os.pa` in `x = os.pa`), which a token
    /// of name bytes then `(` would call: empty where none is being read,
    /// `None` where it is too long to know.
    pub(crate) fn partial_chain(&self) -> Option<&[u8]> {
        if !self.lexer.in_code() || self.line.chain_done {
            return Some(&[]);
        }
        self.line.chain.get()
    }

    /// The chain read last, ended or not (a `.` next goes on with it:
    /// `os .system`): empty where none is, `None` where it is too long to
    /// know.
    pub(crate) fn raw_chain(&self) -> Option<&[u8]> {
        if !self.lexer.in_code() {
            return Some(&[]);
        }
        self.line.chain.get()
    }

    /// The name of the innermost function being defined, when known.
    pub(crate) fn function_name(&self) -> Option<&[u8]> {
        self.blocks
            .iter()
            .rev()
            .find(|b| b.header == Kw::Def)?
            .name
            .get()
    }

    /// Whether mid-line rules could fire in this state under `reqs`
    /// (a statement's first word, a call).
    pub(crate) fn mid_line_rules(reqs: &Requirements) -> bool {
        reqs.no_while
            || !reqs.avoid.is_empty()
            || reqs.max_nesting.is_some()
            || reqs.max_loop_nesting.is_some()
            || reqs.no_recursion
            || reqs.max_complexity.is_some()
    }

    /// What code starting at column `col` on a new line would break, with
    /// nothing changed (the mask's question).
    pub(crate) fn decide_at(&self, reqs: &Requirements, col: u16) -> Option<Breach> {
        let blocks = &self.blocks;
        let mut i = blocks.len() - 1;
        let mut current = blocks[i];
        loop {
            let closes = match current.indent {
                Some(indent) => col < indent,
                None => col <= current.header_indent,
            };
            if !closes || i == 0 {
                break;
            }
            if let Some(breach) = closing_breach(reqs, &current) {
                return Some(breach);
            }
            if let Some(breach) = self.unreached(reqs, i) {
                return Some(breach);
            }
            let mut parent = blocks[i - 1];
            close_into(&mut current, &mut parent);
            current = parent;
            i -= 1;
        }
        let at_indent = current.indent.is_none_or(|indent| indent == col);
        if reqs.no_dead_code && current.terminated && at_indent && current.indent.is_some() {
            return Some(Breach::DeadCode);
        }
        None
    }

    /// What a comment line starting at column `col` would break under
    /// `indented_comments`: inside a function, it must not stand left of
    /// the outermost function's body (or, before the body's first
    /// statement, at or left of its `def`).
    pub(crate) fn decide_comment(&self, col: u16) -> Option<Breach> {
        let function = self.blocks.iter().skip(1).find(|b| b.header == Kw::Def)?;
        let left = match function.indent {
            Some(indent) => col < indent,
            None => col <= function.header_indent,
        };
        left.then(|| {
            Breach::DedentedComment(
                String::from_utf8_lossy(function.name.get().unwrap_or(b"...")).into_owned(),
            )
        })
    }

    fn blocks_mut(&mut self) -> &mut Vec<Block> {
        Arc::make_mut(&mut self.blocks)
    }

    /// The index of the function `reach` applies to around the current
    /// statement: the innermost function not nested in another.
    fn reach_scope(&self) -> Option<usize> {
        let mut defs = self
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| b.header == Kw::Def);
        defs.next().map(|(i, _)| i)
    }

    /// What closing the block at `index` breaks for `reach`: a function
    /// that reached not every required name.
    fn unreached(&self, reqs: &Requirements, index: usize) -> Option<Breach> {
        if reqs.reach.is_empty() || self.reach_scope() != Some(index) {
            return None;
        }
        let block = &self.blocks[index];
        let target = reqs.reach.iter().find(|t| {
            !self
                .reached
                .iter()
                .any(|(i, name)| *i == index && name.get() == Some(t.as_bytes()))
        })?;
        Some(Breach::NotReached {
            target: target.to_owned(),
            function: String::from_utf8_lossy(block.name.get().unwrap_or(b"...")).into_owned(),
        })
    }

    fn top(&self) -> &Block {
        self.blocks.last().expect("the module block stays")
    }

    /// What the reading tells other domains (see [`ControlFacts`]).
    pub(crate) fn control(&self) -> &ControlFacts {
        &self.control
    }

    /// The statements read so far (the one being written is not among
    /// them), copied out (for a graph, not per token).
    pub(crate) fn statements(&self) -> Vec<Statement> {
        self.log.iter().copied().collect()
    }

    /// Whether the statement whose first word was just read is reached by
    /// no path: a block it stands in, up to its function's body, already
    /// cannot fall through (its pending chain settled by that word).
    fn unreachable(&self) -> bool {
        self.function_blocks()
            .any(|b| b.always_returns() || b.terminated)
    }

    /// The open blocks from the innermost out to the innermost function's
    /// body, included (all of them outside any function).
    fn function_blocks(&self) -> impl Iterator<Item = &Block> + '_ {
        let body = self
            .blocks
            .iter()
            .rposition(|b| b.header == Kw::Def)
            .unwrap_or(0);
        self.blocks[body..].iter().rev()
    }

    /// Open blocks (and loops) inside the innermost function.
    fn nesting(&self) -> (usize, usize) {
        let inside = || {
            self.blocks[1..]
                .iter()
                .rev()
                .take_while(|b| b.header != Kw::Def)
        };
        (
            inside().count(),
            inside().filter(|b| b.header.is_loop()).count(),
        )
    }
}
