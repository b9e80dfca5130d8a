//! Reads the generated code statement by statement and turns what it can
//! into formulas about the contract's function.
//!
//! Inside the function it keeps:
//! - the open blocks, each with the conditions that hold inside it: an
//!   `if`'s test, an `elif`'s test and the negation of the tests before
//!   it, an `else`'s negations, and the `assert`s and assignments read in
//!   the block so far;
//! - for every variable, which value its name holds now: a parameter's
//!   entry value is the symbol the contract uses (`n`); an assignment
//!   whose value translates makes a new version (`n!1`, with the fact
//!   `(= n!1 (- n 1))`); any other assignment makes the name unknown, and
//!   an expression that reads an unknown name has no formula.
//!
//! What it checks, at the end of each statement: `assert c` must be
//! satisfiable where it stands, and `return e` must be able to meet the
//! postcondition. "Where it stands" is the precondition and the conditions
//! of the open blocks; a statement that cannot be reached under them is not
//! judged (defensive code is not a contradiction).
//!
//! Where it stays silent, to stay sound: inside loops (a later iteration
//! may run with values the text has not reached yet), inside nested
//! functions and classes, and after a block ends, for every name the block
//! assigned (which branch ran is not known). Names bound by a loop become
//! unknown when the loop ends. A name given a fresh unknown value keeps
//! its old sort only if every value it had was of that sort.
//!
//! With the control-flow domain present, its [`ControlFacts`] (met in by
//! the runtime's control flow → semantics morphism) add what this reading
//! of statements misses: a statement no path reaches is not judged
//! (`exit(0)` then `return -1`), and a branch whose body never runs off its
//! end — by a call that does not return, an endless loop, a settled `try`
//! — guards the code after it with its negated test. Without them,
//! "reachable" means what this reader knows: nothing is after a `return`,
//! `raise`, `break` or `continue` in an enclosing block.

mod effects;
mod function;
mod statement;
mod text;

use std::sync::Arc;

use ananke_core::control::ControlFacts;
use ananke_pylex::{Class, PyLexer};

use crate::contract::Contract;
use crate::formula::{Formula, Sort};
use crate::solver::Query;
use crate::violation::Violation;
use function::{Kind, background};
use statement::Facts;
use text::{indent_of, starts_with_word};

/// The reader (see the module docs).
#[derive(Clone, Debug, Default)]
pub(crate) struct Reader {
    lexer: PyLexer,
    /// Code bytes of the current logical line (comments left out).
    line: Vec<u8>,
    /// Physical lines read so far.
    lines: u32,
    /// The line the current statement started on.
    start_line: u32,
    /// Bytes read.
    offset: u32,
    /// Offset of the current statement's first code byte.
    start_offset: u32,
    /// What is known at statement boundaries.
    facts: Arc<Facts>,
}

impl PartialEq for Reader {
    fn eq(&self, other: &Reader) -> bool {
        self.lexer == other.lexer
            && self.line == other.line
            && self.lines == other.lines
            && self.offset == other.offset
            && Arc::ptr_eq(&self.facts, &other.facts)
    }
}

/// A pending statement the mask judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pending {
    /// A `return` statement.
    Return,
    /// An `assert` statement.
    Assert,
}

impl Reader {
    /// Reads `bytes`; the first statement the contract rules out is an
    /// error (the reader is then left mid-way and should be dropped).
    /// `control` says which statements no path reaches and which bodies
    /// always leave (what the control-flow domain knows; empty without
    /// it).
    pub fn feed(
        &mut self,
        bytes: &[u8],
        contract: &Contract,
        control: &ControlFacts,
    ) -> Result<(), Violation> {
        for &b in bytes {
            let at = self.offset;
            self.offset = self.offset.saturating_add(1);
            if b == b'\n' {
                self.lines += 1;
            }
            match self.lexer.step(b) {
                Class::Comment => {}
                Class::LineEnd { logical: true } => self.end_line(contract, control)?,
                class => {
                    if self.line.is_empty() {
                        self.start_line = self.lines + 1;
                    }
                    if class != Class::Blank && self.line.iter().all(u8::is_ascii_whitespace) {
                        self.start_offset = at;
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(())
    }

    /// Ends the output: the last statement ends with it.
    pub fn finish(&mut self, contract: &Contract, control: &ControlFacts) -> Result<(), Violation> {
        self.end_line(contract, control)
    }

    /// Whether the statement being written is a `return` or `assert` that
    /// the reader will judge when it ends.
    pub fn pending(&self, control: &ControlFacts) -> Option<Pending> {
        if control.is_unreachable(self.start_offset) {
            return None;
        }
        let function = self.facts.function.as_ref()?;
        let text = std::str::from_utf8(&self.line).ok()?;
        let stripped = text.trim_start();
        let kind = if starts_with_word(stripped, "return") {
            Pending::Return
        } else if starts_with_word(stripped, "assert") {
            Pending::Assert
        } else {
            return None;
        };
        let indent = indent_of(&self.line);
        if function.after_terminator(indent) {
            return None;
        }
        let open = function.blocks.iter().filter(|b| b.indent < indent);
        let mut any = false;
        for b in open {
            any = true;
            if matches!(b.kind, Kind::Loop | Kind::Opaque) {
                return None;
            }
        }
        any.then_some(kind)
    }

    /// The text of the returned expression so far, when the statement
    /// being written is a judged `return`.
    pub fn return_text(&self, control: &ControlFacts) -> Option<&str> {
        (self.pending(control)? == Pending::Return).then_some(())?;
        let text = std::str::from_utf8(&self.line).ok()?.trim_start();
        Some(&text["return".len()..])
    }

    /// The query "precondition, the open blocks' conditions and the
    /// postcondition" over `result`, for a `return` being written.
    pub fn with_return_query<T>(
        &self,
        contract: &Contract,
        f: impl FnOnce(&Query<'_>) -> T,
    ) -> Option<T> {
        let function = self.facts.function.as_ref()?;
        if function.result != Some(Sort::Int) {
            return None;
        }
        let indent = indent_of(&self.line);
        let mut tracked: Vec<&Formula> = contract.requires_formulas().collect();
        for b in function.blocks.iter().filter(|b| b.indent < indent) {
            tracked.extend(b.path.iter());
        }
        tracked.extend(contract.ensures_formulas());
        let background = background(contract, function);
        Some(f(&Query {
            signature: contract.signature(),
            locals: &function.locals,
            background: &background,
            tracked: &tracked,
            budget_ms: contract.budget_ms(),
        }))
    }

    /// A logical line ended: its statement is read.
    fn end_line(&mut self, contract: &Contract, control: &ControlFacts) -> Result<(), Violation> {
        if self.line.iter().all(|b| b.is_ascii_whitespace()) {
            self.line.clear();
            return Ok(());
        }
        let line = std::mem::take(&mut self.line);
        let indent = indent_of(&line);
        let text = String::from_utf8_lossy(&line);
        let facts = Arc::make_mut(&mut self.facts);
        let at = (self.start_line, self.start_offset);
        facts.statement(text.trim(), indent, at, contract, control)
    }
}
