//! How each statement of the contract's function acts on what the reader
//! knows: a logical line is opened as the function's header, or parsed
//! and read statement by statement — tests become path conditions,
//! assignments new versions, `assert` and `return` are judged, calls and
//! other bindings make names unknown. Apart from [`Function`]'s
//! bookkeeping: this is the one place that knows Python's statements.

use ananke_core::control::ControlFacts;
use ruff_python_ast::{self as ast, Expr, Stmt};

use super::effects::{bound_names, may_mutate};
use super::function::{Chain, Function, Kind, Version};
use super::text::starts_with_word;
use crate::contract::Contract;
use crate::formula::{Formula, Sort};
use crate::header::parse_header;
use crate::python::{self, Scope, range};
use crate::violation::Violation;

/// What the reader knows at statement boundaries (shared between the
/// token-level copies of a reader until a statement ends).
#[derive(Clone, Debug, Default)]
pub(super) struct Facts {
    pub(super) function: Option<Function>,
    /// The contract's function has been read to its end.
    pub(super) done: bool,
}

impl Facts {
    /// Reads one logical line, `text` at column `indent` starting at
    /// `(line, offset)`: opens the contract's function, or reads a
    /// statement of it (judging it where it is judged).
    pub(super) fn statement(
        &mut self,
        text: &str,
        indent: u32,
        (line, offset): (u32, u32),
        contract: &Contract,
        control: &ControlFacts,
    ) -> Result<(), Violation> {
        if self.done {
            return Ok(());
        }
        let Some(function) = self.function.as_mut() else {
            self.open(text, indent, offset, contract);
            return Ok(());
        };
        // Judged before this statement closes blocks, as the mask's
        // `pending` sees it.
        let dead = function.after_terminator(indent);
        function.pop_to(indent, control);
        function.at = offset;
        function.unreachable = dead || control.is_unreachable(offset);
        if function.blocks.is_empty() {
            self.function = None;
            self.done = true;
            return Ok(());
        }
        let chain = function.chain.take().filter(|c| c.indent == indent);
        let clause = |word: &str| starts_with_word(text, word);
        if clause("elif") {
            let source = with_body(&format!("if{}", &text["elif".len()..]));
            return function.parsed(&source, indent, line, contract, chain);
        }
        if clause("else") {
            let path = negations(chain.as_ref());
            let rest = text["else".len()..].trim_start().trim_start_matches(':');
            // `else` after a loop or `try` has no chain: nothing known.
            let kind = if chain.is_some() {
                Kind::Else
            } else {
                Kind::Other
            };
            function.push(indent, kind, path, Vec::new());
            if let Some(b) = function.blocks.last_mut() {
                b.chain_terminates = chain.as_ref().is_some_and(|c| c.terminates);
            }
            if rest.trim().is_empty() {
                return Ok(());
            }
            return function.parsed(rest.trim(), indent, line, contract, None);
        }
        if clause("except") || clause("finally") || clause("case") {
            let source = if clause("case") {
                format!("match _:\n {}", with_body(text))
            } else {
                format!("try:\n pass\n{}", with_body(text))
            };
            function.push(indent, Kind::Other, Vec::new(), Vec::new());
            function.clause(&source);
            return Ok(());
        }
        function.parsed(&with_body(text), indent, line, contract, chain)
    }

    /// Opens the contract's function when `text` is its header.
    fn open(&mut self, text: &str, indent: u32, offset: u32, contract: &Contract) {
        if !(starts_with_word(text, "def") || starts_with_word(text, "async")) {
            return;
        }
        let Some(header) = parse_header(text) else {
            return;
        };
        if contract.function().is_some_and(|f| f != header.name) {
            return;
        }
        let mut function = Function {
            result: header.result,
            at: offset,
            ..Function::default()
        };
        for (name, sort) in header.params {
            if name == "result" {
                // The contract's `result` is the returned value; such a
                // parameter stays unknown.
                continue;
            }
            // The contract's sort wins: its formulas were read with it.
            let sort = contract.signature().sort(&name).unwrap_or(sort);
            function.versions.insert(
                name,
                Version {
                    n: 0,
                    sort: Some(sort),
                    stable: true,
                },
            );
        }
        if let Some(sort) = contract.signature().sort("result") {
            function.result = Some(sort);
        }
        function.push(indent, Kind::Function, Vec::new(), Vec::new());
        self.function = Some(function);
    }
}

impl Function {
    /// Every name now holds a value that is not known.
    fn forget_everything(&mut self) {
        let names: Vec<String> = self.versions.keys().cloned().collect();
        for n in names {
            self.forget(&n);
        }
    }

    /// The names an `except` or `case` clause binds, read from `source`
    /// (the clause inside a scaffold that makes it parse).
    fn clause(&mut self, source: &str) {
        match ruff_python_parser::parse_module(source) {
            Ok(parsed) => {
                for stmt in &parsed.syntax().body {
                    self.forget_bound(stmt);
                }
            }
            Err(_) => self.forget_everything(),
        }
    }

    /// Parses the logical line `source` (at column `indent`) and reads its
    /// statements. `chain` is the `if` chain an `elif` continues.
    fn parsed(
        &mut self,
        source: &str,
        indent: u32,
        line: u32,
        contract: &Contract,
        chain: Option<Chain>,
    ) -> Result<(), Violation> {
        let Ok(parsed) = ruff_python_parser::parse_module(source) else {
            self.forget_everything();
            return Ok(());
        };
        let mut chain = chain;
        for stmt in &parsed.syntax().body {
            self.stmt(stmt, source, indent, line, contract, chain.take())?;
        }
        Ok(())
    }

    /// Reads one statement of a logical line at column `indent` (a
    /// one-line body's statements share their header's line).
    fn stmt(
        &mut self,
        stmt: &Stmt,
        source: &str,
        indent: u32,
        line: u32,
        contract: &Contract,
        chain: Option<Chain>,
    ) -> Result<(), Violation> {
        let checking = self.checking();
        let here = |node: &dyn ruff_text_size::Ranged| source[range(&node.range())].to_owned();
        if let Stmt::Global(ast::StmtGlobal { names, .. })
        | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) = stmt
        {
            self.escaped.extend(names.iter().map(|n| n.to_string()));
        }
        if may_mutate(stmt) {
            // A call may change any object it can reach (aliases
            // included) and any shared name: their values are renewed
            // before the statement is read.
            let touched: Vec<String> = self
                .versions
                .iter()
                .filter(|(name, v)| v.sort == Some(Sort::Obj) || self.escaped.contains(name))
                .map(|(name, _)| name.clone())
                .collect();
            for name in touched {
                self.renew(&name);
            }
        }
        match stmt {
            Stmt::If(s) => {
                // Only the test: the body follows on this line or below.
                self.forget_bound(&Stmt::Expr(ast::StmtExpr {
                    node_index: Default::default(),
                    range: Default::default(),
                    value: s.test.clone(),
                }));
                let test = self.test(&s.test, source, line);
                let mut path = negations(chain.as_ref());
                path.extend(test.clone());
                let chain_terminates = chain.as_ref().is_none_or(|c| c.terminates);
                let mut tests = chain.map(|c| c.tests).unwrap_or_default();
                tests.push(test);
                self.push(indent, Kind::Branch, path, tests);
                if let Some(b) = self.blocks.last_mut() {
                    b.chain_terminates = chain_terminates;
                }
                for b in &s.body {
                    self.stmt(b, source, indent, line, contract, None)?;
                }
            }
            Stmt::While(_) | Stmt::For(_) => {
                self.push(indent, Kind::Loop, Vec::new(), Vec::new());
                // Bound inside the loop: renewed when it ends.
                self.forget_bound(stmt);
                if let (Stmt::While(w), Some(b)) = (stmt, self.blocks.last_mut())
                    && w.orelse.is_empty()
                {
                    b.exit_test = Some(here(&*w.test));
                }
            }
            Stmt::Raise(_) | Stmt::Continue(_) => self.leave(false),
            Stmt::Break(_) => self.leave(true),
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                self.forget_bound(stmt);
                self.push(indent, Kind::Opaque, Vec::new(), Vec::new());
            }
            Stmt::With(_) | Stmt::Try(_) | Stmt::Match(_) => {
                self.forget_bound(stmt);
                self.push(indent, Kind::Other, Vec::new(), Vec::new());
            }
            // `assert False` says the code cannot get here (mypy reads it
            // so, and ends the path): it raises, as `raise` does, and is
            // no claim for the contract to judge.
            Stmt::Assert(s) if python::constant_false(&s.test) => self.leave(false),
            Stmt::Assert(s) => {
                self.forget_bound(stmt);
                if !checking {
                    return Ok(());
                }
                if let Some(test) = self.test(&s.test, source, line) {
                    let statement = format!("`assert {}` (line {line})", here(&*s.test));
                    self.judge(contract, &test, false, &statement)?;
                    if let Some(b) = self.blocks.last_mut() {
                        b.path.push(test);
                    }
                }
            }
            Stmt::Return(s) => {
                self.forget_bound(stmt);
                self.leave(false);
                let (Some(value), Some(result), true) = (&s.value, self.result, checking) else {
                    return Ok(());
                };
                if let Some((term, sort)) = python::translate(value, self)
                    && sort == result
                {
                    let obligation = Formula::new(
                        format!("(= result {term})"),
                        format!("`return {}` (line {line})", here(&**value)),
                    );
                    let statement = format!("`return {}` (line {line})", here(&**value));
                    self.judge(contract, &obligation, true, &statement)?;
                }
            }
            Stmt::Assign(s) if s.targets.len() == 1 => match &s.targets[0] {
                Expr::Name(n) => {
                    self.assign(n.id.as_str(), python::translate(&s.value, self), line)
                }
                _ => self.forget_bound(stmt),
            },
            Stmt::AnnAssign(s) if s.value.is_some() && annotation_is_exact(&s.annotation) => {
                match (&*s.target, &s.value) {
                    (Expr::Name(n), Some(v)) => {
                        self.assign(n.id.as_str(), python::translate(v, self), line)
                    }
                    _ => self.forget_bound(stmt),
                }
            }
            Stmt::AugAssign(s) => match &*s.target {
                Expr::Name(n) => {
                    let value = self
                        .lookup(n.id.as_str())
                        .zip(python::translate(&s.value, self))
                        .and_then(|((l, ls), (r, rs))| {
                            (ls == Sort::Int && rs == Sort::Int)
                                .then(|| python::int_binop(s.op, &l, &r))
                                .flatten()
                        })
                        .map(|t| (t, Sort::Int));
                    self.assign(n.id.as_str(), value, line);
                }
                _ => self.forget_bound(stmt),
            },
            _ => self.forget_bound(stmt),
        }
        Ok(())
    }

    /// Every name `stmt` binds now holds a value that is not known.
    fn forget_bound(&mut self, stmt: &Stmt) {
        for name in bound_names(stmt) {
            self.forget(&name);
        }
    }
}

/// The negations of the tests of `chain` (what holds in the branch
/// that follows them).
fn negations(chain: Option<&Chain>) -> Vec<Formula> {
    chain
        .map(|c| {
            c.tests
                .iter()
                .flatten()
                .map(|t| Formula::new(format!("(not {})", t.text()), format!("not {}", t.label())))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether an annotation names exactly `int` or `bool` (a union would let
/// the variable change sort).
fn annotation_is_exact(annotation: &Expr) -> bool {
    matches!(annotation, Expr::Name(n) if matches!(n.id.as_str(), "int" | "bool"))
}

/// A header line with a body to parse: `if x:` becomes `if x: pass`.
fn with_body(text: &str) -> String {
    if text.ends_with(':') {
        format!("{text} pass")
    } else {
        text.to_owned()
    }
}
