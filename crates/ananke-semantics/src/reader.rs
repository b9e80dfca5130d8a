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
//! unknown when the loop ends.

use std::collections::HashMap;
use std::sync::Arc;

use ananke_core::control::ControlFacts;
use ananke_pylex::{Class, PyLexer};
use ruff_python_ast::visitor::{Visitor, walk_expr, walk_pattern, walk_stmt};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};

use crate::python::{self, Scope};
use crate::solver::{self, Outcome, Query};
use crate::{Contract, Formula, Sort};

/// A parsed `def` header.
pub(crate) struct Header {
    pub name: String,
    pub params: Vec<(String, Sort)>,
    pub result: Option<Sort>,
}

/// The last `def` header in `text` (see [`crate::Signature::from_python_header`]).
pub(crate) fn parse_header(text: &str) -> Option<Header> {
    let start = text
        .match_indices("def ")
        .map(|(i, _)| i)
        .collect::<Vec<_>>()
        .into_iter()
        .rfind(|&i| {
            let before = text[..i].trim_end_matches([' ', '\t']);
            let before = before
                .strip_suffix("async")
                .map_or(before, |b| b.trim_end_matches([' ', '\t']));
            before.is_empty() || before.ends_with('\n')
        })?;
    let mut lexer = PyLexer::default();
    let mut end = None;
    for (i, b) in text.bytes().enumerate().skip(start) {
        let class = lexer.step(b);
        if class == Class::Op && b == b':' && lexer.depth() == 0 {
            end = Some(i);
            break;
        }
    }
    let source = format!("{}: pass", &text[start..end?]);
    let parsed = ruff_python_parser::parse_module(&source).ok()?;
    let Some(Stmt::FunctionDef(def)) = parsed.syntax().body.first() else {
        return None;
    };
    let sort = |annotation: &Option<Box<Expr>>| {
        annotation
            .as_deref()
            .map(|a| Sort::of_annotation(&source[range(a)]))
    };
    let params = def
        .parameters
        .iter_non_variadic_params()
        .map(|p| {
            (
                p.parameter.name.to_string(),
                sort(&p.parameter.annotation).unwrap_or(Sort::Obj),
            )
        })
        .collect();
    let result = match def.returns.as_deref() {
        None => None,
        Some(r) if matches!(&source[range(r)], "None") => None,
        Some(r) => Some(Sort::of_annotation(&source[range(r)])),
    };
    Some(Header {
        name: def.name.to_string(),
        params,
        result,
    })
}

fn range(node: &impl ruff_text_size::Ranged) -> std::ops::Range<usize> {
    let r = node.range();
    r.start().to_usize()..r.end().to_usize()
}

/// A statement the contract rules out, and the formulas that show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The statement (`return -1`) and its line.
    pub statement: String,
    /// The formulas of the unsat core, as `label `text``.
    pub core: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} contradicts the contract; unsat core: {}",
            self.statement,
            self.core.join("; ")
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Function,
    Branch,
    Loop,
    /// A nested function or class: its names are its own; nothing checked.
    Opaque,
    /// The `else` of an `if` chain.
    Else,
    Other,
}

#[derive(Clone, Debug)]
struct Block {
    /// Column of the header that opened it (body lines are deeper).
    indent: u32,
    /// Offset of the header's first byte in the output (the name
    /// [`ControlFacts`] give it).
    offset: u32,
    kind: Kind,
    /// What holds inside: its condition, then facts read in it.
    path: Vec<Formula>,
    /// Names assigned inside (become unknown when it ends).
    assigned: Vec<String>,
    /// For an `if`/`elif`: the tests of its chain so far, this one last
    /// (`None` where a test has no formula).
    chain: Vec<Option<Formula>>,
    /// How many formulas of `path` are its condition (the rest are facts
    /// read inside).
    guard: usize,
    /// Control never leaves it at its end (it ends with `return`,
    /// `raise`, `break`, `continue`, or a chain whose every branch does).
    terminates: bool,
    /// For an `elif`/`else`: every branch of the chain before it
    /// terminates.
    chain_terminates: bool,
    /// For a `while`: its test, to negate after the loop when no `break`
    /// leaves it.
    exit_test: Option<String>,
    /// A `break` leaves this loop.
    breaks: bool,
}

/// An `if` chain that just ended, which an `elif`/`else` may continue.
#[derive(Clone, Debug)]
struct Chain {
    indent: u32,
    tests: Vec<Option<Formula>>,
    /// Every branch so far terminates.
    terminates: bool,
}

#[derive(Clone, Copy, Debug)]
struct Version {
    n: u32,
    /// `None`: the value is not known.
    sort: Option<Sort>,
    /// Every value the name was given had this sort (so a fresh value of
    /// unknown content still has it).
    stable: bool,
}

/// The function being read.
#[derive(Clone, Debug, Default)]
struct Function {
    blocks: Vec<Block>,
    versions: HashMap<String, Version>,
    /// Declarations of the versioned locals (`n!1 Int`).
    locals: Vec<(String, Sort)>,
    chain: Option<Chain>,
    result: Option<Sort>,
    /// Names a `global` or `nonlocal` statement shares with other code
    /// (a call may change them).
    escaped: Vec<String>,
    /// Offset of the statement being read.
    at: u32,
    /// No path reaches that statement (it follows a `return`, `raise`,
    /// `break` or `continue` in a block enclosing it, or the control-flow
    /// facts say so): nothing in it is judged.
    unreachable: bool,
}

/// What the reader knows at statement boundaries (shared between the
/// token-level copies of a reader until a statement ends).
#[derive(Clone, Debug, Default)]
struct Facts {
    function: Option<Function>,
    /// The contract's function has been read to its end.
    done: bool,
}

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
    Return,
    Assert,
}

fn indent_of(line: &[u8]) -> u32 {
    let mut col = 0;
    for &b in line {
        match b {
            b' ' => col += 1,
            b'\t' => col = (col / 8 + 1) * 8,
            b'\x0c' => col = 0,
            _ => break,
        }
    }
    col
}

fn starts_with_word(text: &str, word: &str) -> bool {
    text.strip_prefix(word).is_some_and(|rest| {
        rest.is_empty() || !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_')
    })
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

fn background(contract: &Contract, function: &Function) -> Vec<Formula> {
    crate::formula::len_facts(
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
    fn checking(&self) -> bool {
        !self.blocks.is_empty()
            && self
                .blocks
                .iter()
                .all(|b| !matches!(b.kind, Kind::Loop | Kind::Opaque))
    }

    /// Whether a statement at column `indent` is dead: a block that
    /// encloses it already ended with `return`, `raise`, `break` or
    /// `continue` (or a chain whose every branch did).
    fn after_terminator(&self, indent: u32) -> bool {
        self.blocks
            .iter()
            .any(|b| b.indent < indent && b.terminates)
    }

    /// `name` now holds a value that is not known, of a type not known.
    fn forget(&mut self, name: &str) {
        self.next_version(name, None);
        if let Some(v) = self.versions.get_mut(name) {
            v.stable = false;
        }
    }

    /// `name` now holds a value that is not known, of the type it had:
    /// a fresh symbol of its sort (in a mypy-clean program a variable's
    /// type does not change).
    fn renew(&mut self, name: &str) {
        let sort = self
            .versions
            .get(name)
            .filter(|v| v.stable)
            .and_then(|v| v.sort);
        self.next_version(name, sort);
    }

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
    fn assign(&mut self, name: &str, value: Option<(String, Sort)>, line: u32) {
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

    fn pop_to(&mut self, indent: u32, control: &ControlFacts) {
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

    fn push(&mut self, indent: u32, kind: Kind, path: Vec<Formula>, chain: Vec<Option<Formula>>) {
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
    fn leave(&mut self, by_break: bool) {
        if let Some(b) = self.blocks.last_mut() {
            b.terminates = true;
        }
        if by_break && let Some(b) = self.blocks.iter_mut().rev().find(|b| b.kind == Kind::Loop) {
            b.breaks = true;
        }
    }

    fn test(&self, expr: &Expr, source: &str, line: u32) -> Option<Formula> {
        let term = python::condition(expr, self)?;
        Some(Formula::new(
            term,
            format!("`{}` (line {line})", &source[range(expr)]),
        ))
    }

    /// Judges `obligation` where the current block stands; with the
    /// postcondition when `returning`.
    fn judge(
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

impl Facts {
    fn statement(
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

/// A header line with a body to parse: `if x:` becomes `if x: pass`.
fn with_body(text: &str) -> String {
    if text.ends_with(':') {
        format!("{text} pass")
    } else {
        text.to_owned()
    }
}

/// Builtins whose calls change none of their arguments.
const PURE_CALLS: &[&str] = &[
    "len",
    "abs",
    "min",
    "max",
    "range",
    "isinstance",
    "int",
    "bool",
    "float",
    "str",
    "sorted",
    "sum",
    "list",
    "tuple",
    "set",
    "dict",
    "enumerate",
    "zip",
    "reversed",
    "any",
    "all",
    "round",
];

/// Whether running `stmt` (a compound statement's header only: its body
/// is read statement by statement) may change an object in place: a call
/// of anything but a pure builtin, `del`, or a store into a subscript or
/// an attribute.
fn may_mutate(stmt: &Stmt) -> bool {
    struct Finder(bool);
    impl<'a> Visitor<'a> for Finder {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Call(call) => {
                    let pure =
                        matches!(&*call.func, Expr::Name(n) if PURE_CALLS.contains(&n.id.as_str()));
                    self.0 |= !pure;
                }
                Expr::Subscript(ast::ExprSubscript { ctx, .. })
                | Expr::Attribute(ast::ExprAttribute { ctx, .. })
                    if *ctx != ExprContext::Load =>
                {
                    self.0 = true;
                }
                _ => {}
            }
            if !matches!(expr, Expr::Lambda(_)) {
                walk_expr(self, expr);
            }
        }
    }
    let mut finder = Finder(false);
    match stmt {
        Stmt::If(s) => finder.visit_expr(&s.test),
        Stmt::While(s) => finder.visit_expr(&s.test),
        Stmt::For(s) => {
            finder.visit_expr(&s.iter);
            finder.visit_expr(&s.target);
        }
        Stmt::With(s) => {
            for item in &s.items {
                finder.visit_expr(&item.context_expr);
            }
        }
        Stmt::Match(s) => finder.visit_expr(&s.subject),
        // Decorators and defaults run when the function is defined.
        Stmt::FunctionDef(d) => {
            finder.0 |= !d.decorator_list.is_empty();
            for p in d.parameters.iter_non_variadic_params() {
                if let Some(default) = p.default() {
                    finder.visit_expr(default);
                }
            }
        }
        Stmt::ClassDef(_) | Stmt::Try(_) => {}
        Stmt::Delete(_) => finder.0 = true,
        other => finder.visit_stmt(other),
    }
    finder.0
}

/// Every name a statement binds (assignment targets, `for` targets, `as`
/// names, `:=`, imports, `global`, nested definitions, match captures).
fn bound_names(stmt: &Stmt) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'a> Visitor<'a> for Names {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(d) => self.0.push(d.name.to_string()),
                Stmt::ClassDef(c) => self.0.push(c.name.to_string()),
                Stmt::Import(i) => {
                    for a in &i.names {
                        let name = a.asname.as_ref().unwrap_or(&a.name).to_string();
                        self.0
                            .push(name.split('.').next().unwrap_or_default().to_owned());
                    }
                }
                Stmt::ImportFrom(i) => {
                    for a in &i.names {
                        self.0
                            .push(a.asname.as_ref().unwrap_or(&a.name).to_string());
                    }
                }
                Stmt::Global(g) => self.0.extend(g.names.iter().map(|n| n.to_string())),
                Stmt::Nonlocal(g) => self.0.extend(g.names.iter().map(|n| n.to_string())),
                Stmt::Try(t) => {
                    for h in &t.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = h;
                        if let Some(n) = &h.name {
                            self.0.push(n.to_string());
                        }
                    }
                }
                _ => {}
            }
            if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(n) = expr
                && matches!(n.ctx, ExprContext::Store | ExprContext::Del)
            {
                self.0.push(n.id.to_string());
            }
            if !matches!(expr, Expr::Lambda(_)) {
                walk_expr(self, expr);
            }
        }
        fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
            match pattern {
                ast::Pattern::MatchAs(p) => self.0.extend(p.name.as_ref().map(|n| n.to_string())),
                ast::Pattern::MatchStar(p) => self.0.extend(p.name.as_ref().map(|n| n.to_string())),
                ast::Pattern::MatchMapping(p) => {
                    self.0.extend(p.rest.as_ref().map(|n| n.to_string()))
                }
                _ => {}
            }
            walk_pattern(self, pattern);
        }
    }
    let mut names = Names(Vec::new());
    names.visit_stmt(stmt);
    names.0
}

impl Function {
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

    fn forget_bound(&mut self, stmt: &Stmt) {
        for name in bound_names(stmt) {
            self.forget(&name);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn headers() {
        let h = super::parse_header(
            "import math\ndef is_not_prime(n: int) -> bool:\n    \"\"\"Doc.\"\"\"\n    return n\n",
        )
        .unwrap();
        assert_eq!(h.name, "is_not_prime");
    }
}
