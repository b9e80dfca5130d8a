//! [`Function`]: what the reader knows of the contract's function — its
//! open blocks with their conditions, the version each name holds, the
//! versioned locals — and the judgement of an obligation where the
//! current block stands. Apart from the statement reading: this is the
//! state and its bookkeeping; which statement does what to it is there.

use std::collections::HashMap;

use ananke_core::control::ControlFacts;
use ruff_python_ast::Expr;

use crate::contract::Contract;
use crate::formula::{Formula, Sort, len_facts};
use crate::python::{self, Scope, range};
use crate::solver::{self, Outcome, Query};
use crate::violation::Violation;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Function,
    Branch,
    Loop,
    /// A nested function or class: its names are its own; nothing checked.
    Opaque,
    /// The `else` of an `if` chain.
    Else,
    Other,
}

/// One open block of the function: where it stands and what holds in it.
#[derive(Clone, Debug)]
pub(super) struct Block {
    /// Column of the header that opened it (body lines are deeper).
    pub(super) indent: u32,
    /// Offset of the header's first byte in the output (the name
    /// [`ControlFacts`] give it).
    pub(super) offset: u32,
    pub(super) kind: Kind,
    /// What holds inside: its condition, then facts read in it.
    pub(super) path: Vec<Formula>,
    /// Names assigned inside (become unknown when it ends).
    pub(super) assigned: Vec<String>,
    /// For an `if`/`elif`: the tests of its chain so far, this one last
    /// (`None` where a test has no formula).
    pub(super) chain: Vec<Option<Formula>>,
    /// How many formulas of `path` are its condition (the rest are facts
    /// read inside).
    pub(super) guard: usize,
    /// Control never leaves it at its end (it ends with `return`,
    /// `raise`, `break`, `continue`, or a chain whose every branch does).
    pub(super) terminates: bool,
    /// For an `elif`/`else`: every branch of the chain before it
    /// terminates.
    pub(super) chain_terminates: bool,
    /// For a `while`: its test, to negate after the loop when no `break`
    /// leaves it.
    pub(super) exit_test: Option<String>,
    /// A `break` leaves this loop.
    pub(super) breaks: bool,
}

/// An `if` chain that just ended, which an `elif`/`else` may continue.
#[derive(Clone, Debug)]
pub(super) struct Chain {
    pub(super) indent: u32,
    pub(super) tests: Vec<Option<Formula>>,
    /// Every branch so far terminates.
    pub(super) terminates: bool,
}

/// Which value a name holds now: its version and sort.
#[derive(Clone, Copy, Debug)]
pub(super) struct Version {
    pub(super) n: u32,
    /// `None`: the value is not known.
    pub(super) sort: Option<Sort>,
    /// Every value the name was given had this sort (so a fresh value of
    /// unknown content still has it).
    pub(super) stable: bool,
}

/// The function being read.
#[derive(Clone, Debug, Default)]
pub(super) struct Function {
    pub(super) blocks: Vec<Block>,
    pub(super) versions: HashMap<String, Version>,
    /// Declarations of the versioned locals (`n!1 Int`).
    pub(super) locals: Vec<(String, Sort)>,
    pub(super) chain: Option<Chain>,
    pub(super) result: Option<Sort>,
    /// Names a `global` or `nonlocal` statement shares with other code
    /// (a call may change them).
    pub(super) escaped: Vec<String>,
    /// Offset of the statement being read.
    pub(super) at: u32,
    /// No path reaches that statement (it follows a `return`, `raise`,
    /// `break` or `continue` in a block enclosing it, or the control-flow
    /// facts say so): nothing in it is judged.
    pub(super) unreachable: bool,
}

/// The background facts of a query in `function`: `len` is never
/// negative, for the contract's symbols and the versioned locals.
pub(super) fn background(contract: &Contract, function: &Function) -> Vec<Formula> {
    len_facts(
        contract
            .signature()
            .iter()
            .chain(function.locals.iter().map(|(n, s)| (n.as_str(), *s))),
    )
}

impl Scope for Function {
    fn lookup(&self, name: &str) -> Option<(String, Sort)> {
        let v = self.versions.get(name)?;
        let sort = v.sort?;
        let symbol = if v.n == 0 {
            name.to_owned()
        } else {
            format!("{name}!{}", v.n)
        };
        Some((symbol, sort))
    }
}

impl Function {
    /// Whether statements here are judged: inside the function, and in
    /// no loop and no nested function or class.
    pub(super) fn checking(&self) -> bool {
        !self.blocks.is_empty()
            && self
                .blocks
                .iter()
                .all(|b| !matches!(b.kind, Kind::Loop | Kind::Opaque))
    }

    /// Whether a statement at column `indent` is dead: a block that
    /// encloses it already ended with `return`, `raise`, `break` or
    /// `continue` (or a chain whose every branch did).
    pub(super) fn after_terminator(&self, indent: u32) -> bool {
        self.blocks
            .iter()
            .any(|b| b.indent < indent && b.terminates)
    }

    /// `name` now holds a value that is not known, of a type not known.
    pub(super) fn forget(&mut self, name: &str) {
        self.next_version(name, None);
        if let Some(v) = self.versions.get_mut(name) {
            v.stable = false;
        }
    }

    /// `name` now holds a value that is not known, of the type it had:
    /// a fresh symbol of its sort (in a mypy-clean program a variable's
    /// type does not change).
    pub(super) fn renew(&mut self, name: &str) {
        let sort = self
            .versions
            .get(name)
            .filter(|v| v.stable)
            .and_then(|v| v.sort);
        self.next_version(name, sort);
    }

    /// A new version of `name`, of `sort` (`None`: not known).
    fn next_version(&mut self, name: &str, sort: Option<Sort>) -> String {
        let v = self.versions.entry(name.to_owned()).or_insert(Version {
            n: 0,
            sort,
            stable: true,
        });
        v.n += 1;
        v.stable &= v.sort == sort;
        v.sort = sort;
        let symbol = format!("{name}!{}", v.n);
        if let Some(sort) = sort {
            self.locals.push((symbol.clone(), sort));
        }
        if let Some(b) = self.blocks.last_mut()
            && !b.assigned.iter().any(|a| a == name)
        {
            b.assigned.push(name.to_owned());
        }
        symbol
    }

    /// `name = value`: with a value in the subset, a new version of its
    /// sort, and where checks run the fact that it equals the value; a
    /// value outside the subset (or of another sort) makes it unknown.
    pub(super) fn assign(&mut self, name: &str, value: Option<(String, Sort)>, line: u32) {
        let Some((term, sort)) = value else {
            self.forget(name);
            return;
        };
        let symbol = self.next_version(name, Some(sort));
        if self.checking() {
            let fact = Formula::new(
                format!("(= {symbol} {term})"),
                format!("`{name} = …` (line {line})"),
            );
            if let Some(b) = self.blocks.last_mut() {
                b.path.push(fact);
            }
        }
    }

    /// Closes every block at column `indent` or deeper (a statement
    /// there ends them), carrying what is known past each.
    pub(super) fn pop_to(&mut self, indent: u32, control: &ControlFacts) {
        while let Some(top) = self.blocks.last() {
            if top.indent < indent {
                break;
            }
            let mut block = self.blocks.pop().expect("a top");
            // The control-flow domain may know more ways out (a call that
            // does not return, an endless loop, a settled `try`).
            block.terminates |= control.leaves(block.offset);
            self.chain = (block.kind == Kind::Branch && !block.chain.is_empty()).then(|| Chain {
                indent: block.indent,
                tests: block.chain.clone(),
                terminates: block.chain_terminates && block.terminates,
            });
            if block.kind != Kind::Opaque {
                for name in &block.assigned {
                    self.renew(name);
                }
            }
            let mut after = None;
            if matches!(block.kind, Kind::Branch | Kind::Else) && block.terminates {
                // Whoever gets past a branch that always leaves did not
                // take it.
                after = conjunction(&block.path[..block.guard]).map(|(text, label)| {
                    Formula::new(format!("(not {text})"), format!("not {label}"))
                });
            }
            if let Some(test) = block.exit_test.as_deref().filter(|_| !block.breaks) {
                // A `while` left without `break`: its test is false, for
                // the values the names hold after the loop.
                after = ruff_python_parser::parse_expression(test)
                    .ok()
                    .and_then(|p| python::condition(p.expr(), self))
                    .map(|t| {
                        Formula::new(
                            format!("(not {t})"),
                            format!("the loop `while {test}` ended"),
                        )
                    });
            }
            if let Some(parent) = self.blocks.last_mut() {
                parent.path.extend(after);
                if block.kind == Kind::Else && block.terminates && block.chain_terminates {
                    parent.terminates = true;
                }
            }
        }
    }

    /// Opens a block at column `indent`.
    pub(super) fn push(
        &mut self,
        indent: u32,
        kind: Kind,
        path: Vec<Formula>,
        chain: Vec<Option<Formula>>,
    ) {
        self.blocks.push(Block {
            indent,
            offset: self.at,
            kind,
            guard: path.len(),
            path,
            assigned: Vec::new(),
            chain,
            terminates: false,
            chain_terminates: true,
            exit_test: None,
            breaks: false,
        });
    }

    /// The statement just read leaves the current block; a `break` also
    /// leaves the innermost loop.
    pub(super) fn leave(&mut self, by_break: bool) {
        if let Some(b) = self.blocks.last_mut() {
            b.terminates = true;
        }
        if by_break && let Some(b) = self.blocks.iter_mut().rev().find(|b| b.kind == Kind::Loop) {
            b.breaks = true;
        }
    }

    /// The formula of `expr` as a test (see [`python::condition`]), labelled
    /// with its text and line.
    pub(super) fn test(&self, expr: &Expr, source: &str, line: u32) -> Option<Formula> {
        let term = python::condition(expr, self)?;
        Some(Formula::new(
            term,
            format!("`{}` (line {line})", &source[range(expr)]),
        ))
    }

    /// Judges `obligation` where the current block stands; with the
    /// postcondition when `returning`.
    pub(super) fn judge(
        &self,
        contract: &Contract,
        obligation: &Formula,
        returning: bool,
        statement: &str,
    ) -> Result<(), Violation> {
        if self.unreachable {
            return Ok(());
        }
        let mut tracked: Vec<&Formula> = contract.requires_formulas().collect();
        for b in &self.blocks {
            tracked.extend(b.path.iter());
        }
        let background = background(contract, self);
        let mut query = Query {
            signature: contract.signature(),
            locals: &self.locals,
            background: &background,
            tracked: &tracked,
            budget_ms: contract.budget_ms(),
        };
        // Unreachable (or undecided) here: nothing to judge.
        if !matches!(solver::check(&query), Ok(Outcome::Sat)) {
            return Ok(());
        }
        let mut all = tracked.clone();
        all.push(obligation);
        if returning {
            all.extend(contract.ensures_formulas());
        }
        query.tracked = &all;
        match solver::check(&query) {
            Ok(Outcome::Unsat(core)) => Err(Violation {
                statement: statement.to_owned(),
                core: core.iter().map(|&i| all[i].to_string()).collect(),
            }),
            _ => Ok(()),
        }
    }
}

/// The conjunction of `formulas` as SMT text and a label, if any.
fn conjunction(formulas: &[Formula]) -> Option<(String, String)> {
    match formulas {
        [] => None,
        [one] => Some((one.text().to_owned(), one.label().to_owned())),
        many => Some((
            format!(
                "(and {})",
                many.iter().map(Formula::text).collect::<Vec<_>>().join(" ")
            ),
            many.iter()
                .map(Formula::label)
                .collect::<Vec<_>>()
                .join(" and "),
        )),
    }
}
