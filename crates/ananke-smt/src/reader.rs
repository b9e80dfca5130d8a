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
        if class == Class::Code && b == b':' && lexer.depth() == 0 {
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
    Other,
}

#[derive(Clone, Debug)]
struct Block {
    /// Column of the header that opened it (body lines are deeper).
    indent: u32,
    kind: Kind,
    /// What holds inside: its condition, then facts read in it.
    path: Vec<Formula>,
    /// Names assigned inside (become unknown when it ends).
    assigned: Vec<String>,
    /// For an `if`/`elif`: the tests of its chain so far, this one last
    /// (`None` where a test has no formula).
    chain: Vec<Option<Formula>>,
}

/// An `if` chain that just ended, which an `elif`/`else` may continue.
#[derive(Clone, Debug)]
struct Chain {
    indent: u32,
    tests: Vec<Option<Formula>>,
}

#[derive(Clone, Copy, Debug)]
struct Version {
    n: u32,
    /// `None`: the value is not known.
    sort: Option<Sort>,
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
    facts: Arc<Facts>,
}

impl PartialEq for Reader {
    fn eq(&self, other: &Reader) -> bool {
        self.lexer == other.lexer
            && self.line == other.line
            && self.lines == other.lines
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
    pub fn feed(&mut self, bytes: &[u8], contract: &Contract) -> Result<(), Violation> {
        for &b in bytes {
            if b == b'\n' {
                self.lines += 1;
            }
            match self.lexer.step(b) {
                Class::Comment => {}
                Class::LineEnd { logical: true } => self.end_line(contract)?,
                _ => {
                    if self.line.is_empty() {
                        self.start_line = self.lines + 1;
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(())
    }

    /// Ends the output: the last statement ends with it.
    pub fn finish(&mut self, contract: &Contract) -> Result<(), Violation> {
        self.end_line(contract)
    }

    /// Whether the statement being written is a `return` or `assert` that
    /// the reader will judge when it ends.
    pub fn pending(&self) -> Option<Pending> {
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
    pub fn return_text(&self) -> Option<&str> {
        (self.pending()? == Pending::Return).then_some(())?;
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
        let mut tracked: Vec<&Formula> = contract.requires_set().iter().collect();
        for b in function.blocks.iter().filter(|b| b.indent < indent) {
            tracked.extend(b.path.iter());
        }
        tracked.extend(contract.ensures_set().iter());
        let background = background(contract, function);
        Some(f(&Query {
            signature: contract.signature(),
            locals: &function.locals,
            background: &background,
            tracked: &tracked,
            budget_ms: contract.budget_ms(),
        }))
    }

    fn end_line(&mut self, contract: &Contract) -> Result<(), Violation> {
        if self.line.iter().all(|b| b.is_ascii_whitespace()) {
            self.line.clear();
            return Ok(());
        }
        let line = std::mem::take(&mut self.line);
        let indent = indent_of(&line);
        let text = String::from_utf8_lossy(&line);
        let facts = Arc::make_mut(&mut self.facts);
        facts.statement(text.trim(), indent, self.start_line, contract)
    }
}

fn background(contract: &Contract, function: &Function) -> Vec<Formula> {
    contract
        .signature()
        .iter()
        .map(|(n, s)| (n.to_owned(), s))
        .chain(function.locals.iter().cloned())
        .filter(|(_, s)| *s == Sort::Obj)
        .map(|(n, _)| Formula::new(format!("(>= (len {n}) 0)"), "len is never negative"))
        .collect()
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

    /// `name` now holds a value that is not known.
    fn forget(&mut self, name: &str) {
        let v = self
            .versions
            .entry(name.to_owned())
            .or_insert(Version { n: 0, sort: None });
        v.n += 1;
        v.sort = None;
        if let Some(b) = self.blocks.last_mut()
            && !b.assigned.iter().any(|a| a == name)
        {
            b.assigned.push(name.to_owned());
        }
    }

    /// `name` now holds `term` (of `sort`), stated as a fact of the
    /// current block.
    fn define(&mut self, name: &str, term: String, sort: Sort, line: u32) {
        self.forget(name);
        let v = self.versions.get_mut(name).expect("just forgotten");
        v.sort = Some(sort);
        let symbol = format!("{name}!{}", v.n);
        self.locals.push((symbol.clone(), sort));
        let fact = Formula::new(
            format!("(= {symbol} {term})"),
            format!("`{name} = …` (line {line})"),
        );
        if let Some(b) = self.blocks.last_mut() {
            b.path.push(fact);
        }
    }

    fn pop_to(&mut self, indent: u32) {
        while let Some(top) = self.blocks.last() {
            if top.indent < indent {
                break;
            }
            let block = self.blocks.pop().expect("a top");
            self.chain = (block.kind == Kind::Branch && !block.chain.is_empty()).then(|| Chain {
                indent: block.indent,
                tests: block.chain.clone(),
            });
            if block.kind != Kind::Opaque {
                for name in &block.assigned {
                    self.forget(name);
                }
            }
        }
    }

    fn push(&mut self, indent: u32, kind: Kind, path: Vec<Formula>, chain: Vec<Option<Formula>>) {
        self.blocks.push(Block {
            indent,
            kind,
            path,
            assigned: Vec::new(),
            chain,
        });
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
        let mut tracked: Vec<&Formula> = contract.requires_set().iter().collect();
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
            all.extend(contract.ensures_set().iter());
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
        line: u32,
        contract: &Contract,
    ) -> Result<(), Violation> {
        if self.done {
            return Ok(());
        }
        let Some(function) = self.function.as_mut() else {
            self.open(text, indent, contract);
            return Ok(());
        };
        function.pop_to(indent);
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
            function.push(indent, Kind::Other, path, Vec::new());
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

    fn open(&mut self, text: &str, indent: u32, contract: &Contract) {
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

/// A header line with a body to parse: `if x:` becomes `if x: pass`.
fn with_body(text: &str) -> String {
    if text.ends_with(':') {
        format!("{text} pass")
    } else {
        text.to_owned()
    }
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
                let mut tests = chain.map(|c| c.tests).unwrap_or_default();
                tests.push(test);
                self.push(indent, Kind::Branch, path, tests);
                for b in &s.body {
                    self.stmt(b, source, indent, line, contract, None)?;
                }
            }
            Stmt::While(_) | Stmt::For(_) => {
                for name in bound_names(stmt) {
                    self.forget(&name);
                }
                self.push(indent, Kind::Loop, Vec::new(), Vec::new());
                for name in bound_names(stmt) {
                    self.forget(&name);
                }
            }
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                for name in bound_names(stmt) {
                    self.forget(&name);
                }
                self.push(indent, Kind::Opaque, Vec::new(), Vec::new());
            }
            Stmt::With(_) | Stmt::Try(_) | Stmt::Match(_) => {
                for name in bound_names(stmt) {
                    self.forget(&name);
                }
                self.push(indent, Kind::Other, Vec::new(), Vec::new());
            }
            Stmt::Assert(s) => {
                for name in bound_names(stmt) {
                    self.forget(&name);
                }
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
                for name in bound_names(stmt) {
                    self.forget(&name);
                }
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
            Stmt::Assign(s) if checking && s.targets.len() == 1 => match &s.targets[0] {
                Expr::Name(n) => {
                    self.assign(n.id.as_str(), python::translate(&s.value, self), line)
                }
                _ => self.forget_bound(stmt),
            },
            Stmt::AnnAssign(s) if checking && s.value.is_some() => match (&*s.target, &s.value) {
                (Expr::Name(n), Some(v)) => {
                    self.assign(n.id.as_str(), python::translate(v, self), line)
                }
                _ => self.forget_bound(stmt),
            },
            Stmt::AugAssign(s) if checking => match &*s.target {
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

    fn assign(&mut self, name: &str, value: Option<(String, Sort)>, line: u32) {
        match value {
            Some((term, sort)) => self.define(name, term, sort, line),
            None => self.forget(name),
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
