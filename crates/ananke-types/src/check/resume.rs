//! Resumable walks: the two whole-prefix questions of the types domain —
//! the scope a statement is written in, and the diagnostics of the
//! module if it ended here — answered from where the last answer stopped,
//! so that their cost follows the code written since, not the module.
//!
//! A [`Checkpoint`] is the walk's state between two statements: what is in
//! scope (a [`Scope`], persistent), the block's definitions so far, and for
//! a finished check the diagnostics and the names read but not yet bound.
//! Two places are kept, both before a statement the program can only
//! extend or follow with more statements:
//!
//! * **module level**, before the module's last top-level statement: the
//!   rest is walked as a module of its own (its imports, classes and
//!   signatures declared first, as the whole walk declares them);
//! * **in the body of the module's last function** (not a method), before
//!   the body's last statement: the rest, dedented, is walked as more of
//!   that body, then the function is left as the whole walk leaves it;
//!   where the rest goes on at the first column, the module's rest is
//!   walked after it (so the scope after a long function costs no walk of
//!   the function).
//!
//! Classes are not entered: a class's members are read from its whole
//! body before any of it is walked, so a statement in a method costs a
//! walk of its class. So a statement costs the walk of the statement it is in (the function
//! body's statement, or the module's when it is no function), whatever
//! came before.
//!
//! Walking from a checkpoint gives what the walk from the first byte gives
//! (the differential test below replays every program of the corpora line
//! by line against it), because a checkpoint is only used where nothing after it
//! can change what was walked before it:
//!
//! * the rest starts a new statement of the kept block: its first line is
//!   at the block's indentation exactly and is no `else`, `elif`, `except`
//!   or `finally` of the statement before, and no later line is indented
//!   less than the block except at the first column (where the function
//!   ended and the module goes on);
//! * the whole walk declares every top-level import, class and function
//!   before walking any statement, so the code before a module-level
//!   checkpoint saw what the rest declares: the checkpoint holds only when
//!   no identifier written before it is a name the rest declares (type
//!   variables and functions in module-level blocks included), unless an
//!   import binds it to what it is already bound to (a star import
//!   declares unknown names: never);
//! * a function is a generator if any statement of its body yields: a body
//!   checkpoint taken before the function yielded gives way when the rest
//!   yields;
//! * position-keyed facts (`Any` origins, statements that end control)
//!   never outlive the statement that records them, except the ones a
//!   missing return needs, which [`FunctionEnd`] keeps as two booleans.
//!
//! Where a checkpoint does not hold, the walk falls back to the one before
//! (the function's to the module's, the module's to the first byte):
//! never slower than walking the whole prefix.

use std::sync::{Arc, OnceLock};

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use super::functions::FunctionEnd;
use super::ignore::Ignores;
use super::scope::{PROBE, Scope};
use super::statements::Defined;
use super::{CHECK_STACK, Diagnostic, Lines, ParseFailure, excessive_nesting_beyond, parse};
use crate::stubs::{Symbol, TypeDb};
use crate::types::Name;
use ananke_pylex::{Class, PyLexer, is_name_byte};

/// What a resumable walk asks the checker to keep as it goes.
#[derive(Default)]
pub(crate) struct Hooks {
    /// The start of the function definition whose body to keep.
    pub body_of: Option<TextSize>,
    /// What was kept there.
    pub body: Option<BodyCapture>,
}

/// The walk's state in a function body before its last statement.
pub(crate) struct BodyCapture {
    pub state: Scope,
    pub depth: usize,
    pub defined: Defined,
    pub end: FunctionEnd,
    pub diagnostics: Vec<Diagnostic>,
    /// Where the last statement starts.
    pub at: TextSize,
}

/// A walk stopped between two statements (see the module doc).
#[derive(Clone)]
pub(crate) struct Checkpoint {
    /// Where the rest starts: the start of a line.
    offset: usize,
    /// Lines before `offset`.
    line: u32,
    state: Scope,
    depth: usize,
    /// The kept block's definitions so far (`no-redef`).
    defined: Defined,
    /// Diagnostics so far (finished walks only).
    diagnostics: Vec<Diagnostic>,
    /// Names bound and read so far (finished walks only).
    names: Names,
    /// Every identifier written before `offset`.
    words: im::HashSet<Name>,
    /// Inside the body of the module's last function.
    body: Option<Body>,
    /// What `# type: ignore` silences before `offset` (finished walks).
    silenced: Silenced,
}

/// The lines a `# type: ignore` silences (1-based, sorted), and whether
/// one before the first statement silences the module (see `ignore`).
#[derive(Clone, Default)]
struct Silenced {
    module: bool,
    lines: Vec<u32>,
}

impl Silenced {
    /// These and what `source` silences, its lines after `before` lines;
    /// `start`: it starts the module.
    fn with(&self, source: &str, before: u32, start: bool) -> Silenced {
        let found = Ignores::of(source);
        let mut out = self.clone();
        out.module |= (start && found.module) || found.configured;
        out.lines.extend(found.lines.iter().map(|l| l + before));
        out
    }

    /// These on the first `lines` lines only.
    fn before(&self, lines: u32) -> Silenced {
        Silenced {
            module: self.module,
            lines: self.lines.iter().copied().filter(|&l| l <= lines).collect(),
        }
    }

    fn silences(&self, line: u32) -> bool {
        self.module || self.lines.binary_search(&line).is_ok()
    }
}

/// A checkpoint in a function body.
#[derive(Clone)]
struct Body {
    /// The body's indentation.
    indent: String,
    /// The module's definitions (`no-redef`) once the function is defined.
    module_defined: Defined,
    /// The body so far, for its end (finished walks only).
    end: Option<FunctionEnd>,
    /// The module-level checkpoint before the function.
    module: Arc<Checkpoint>,
}

/// The names a finished module binds anywhere and the reads of names not
/// bound so far (mypy's `name-defined`, see `flow::scan_names`): both only
/// grow, so a read is an error when its name is still unbound at the end.
#[derive(Clone, Default)]
struct Names {
    bound: im::HashSet<Name>,
    unbound: Vec<(Name, u32, u32)>,
    star_import: bool,
}

impl Names {
    /// These names and those of `body` (positions from `lines`).
    fn with(&self, body: &[Stmt], lines: &Lines, db: &TypeDb) -> Names {
        let facts = crate::flow::scan_names(body);
        let mut names = self.clone();
        names.star_import |= facts.star_import;
        for name in facts.bound {
            if !names.bound.contains(name) {
                names.bound.insert(name.into());
            }
        }
        let bound = &names.bound;
        names.unbound.retain(|(name, _, _)| !bound.contains(name));
        for (name, at) in facts.loads {
            if !bound.contains(name) && db.builtin(name).is_none() {
                let (line, col) = lines.position(at);
                names.unbound.push((name.into(), line, col));
            }
        }
        names
    }

    /// [`with`](Self::with) in a finished walk; nothing otherwise (a
    /// scope walk reports no undefined names).
    fn kept(&self, body: &[Stmt], lines: &Lines, finished: bool) -> Names {
        if finished {
            self.with(body, lines, TypeDb::stdlib())
        } else {
            Names::default()
        }
    }

    fn diagnostics(&self) -> impl Iterator<Item = Diagnostic> + '_ {
        self.unbound
            .iter()
            .filter(|_| !self.star_import)
            .map(|(name, line, col)| Diagnostic {
                line: *line,
                col: *col,
                message: format!("Name \"{name}\" is not defined"),
                code: "name-defined",
            })
    }
}

/// The first byte of a module.
fn origin() -> Arc<Checkpoint> {
    static ORIGIN: OnceLock<Arc<Checkpoint>> = OnceLock::new();
    ORIGIN
        .get_or_init(|| {
            Arc::new(Checkpoint {
                offset: 0,
                line: 0,
                state: Scope::empty(),
                depth: 0,
                defined: Defined::new(),
                diagnostics: Vec::new(),
                names: Names::default(),
                words: im::HashSet::new(),
                body: None,
                silenced: Silenced::default(),
            })
        })
        .clone()
}

/// The diagnostics of `text` read as a finished module (what
/// `check_source` says), walked from the best checkpoint of `base`'s
/// chain; and the checkpoint a longer text may resume from.
pub(crate) fn check_finished(
    text: &str,
    base: Option<&Arc<Checkpoint>>,
    max_nesting: usize,
) -> (
    Result<Vec<Diagnostic>, ParseFailure>,
    Option<Arc<Checkpoint>>,
) {
    let base = base.cloned().unwrap_or_else(origin);
    let rest = rest(&base, text, text.len(), None);
    let deep = rest
        .source
        .lines()
        .any(|l| l.len() - l.trim_start_matches([' ', '\t']).len() > 64)
        || excessive_nesting_beyond(&rest.source, max_nesting).is_some();
    let run = move |text: &str| match walk(text, text.len(), rest, Ask::Finished) {
        Ok(walked) => (Ok(walked.diagnostics), walked.next),
        Err(failure) => (Err(failure), None),
    };
    if !deep {
        return run(text);
    }
    // Deep source: on a thread with a stack for it (see `check_source`).
    let owned = text.to_owned();
    let worker = std::thread::Builder::new()
        .name("ananke-types-check".into())
        .stack_size(CHECK_STACK)
        .spawn(move || run(&owned));
    match worker.map(|handle| handle.join()) {
        Ok(Ok(result)) => result,
        Ok(Err(_)) | Err(_) => (
            Err(ParseFailure {
                line: 1,
                col: 1,
                message: "the checker could not process this source".into(),
            }),
            None,
        ),
    }
}

/// The scope of a statement indented by `indent` at `stmt_start` (what
/// `scope_at(&text[..stmt_start], indent)` says), walked from the best
/// checkpoint of `base`'s chain; and the checkpoint a later statement may
/// resume from.
pub(crate) fn scope_at_resumed(
    text: &str,
    stmt_start: usize,
    indent: &str,
    base: Option<&Arc<Checkpoint>>,
) -> (Option<Scope>, Option<Arc<Checkpoint>>) {
    let base = base.cloned().unwrap_or_else(origin);
    let rest = rest(&base, text, stmt_start, Some(indent));
    match walk(text, stmt_start, rest, Ask::Scope(indent)) {
        Ok(walked) => (walked.scope, walked.next),
        Err(_) => (None, None),
    }
}

/// The rest of the text after a checkpoint, ready to parse.
struct Rest {
    from: Arc<Checkpoint>,
    /// The text after the checkpoint, dedented to the kept block (the
    /// function's body part of it, for a checkpoint in a body).
    source: String,
    /// Columns taken off each line.
    dedent: usize,
    /// For a checkpoint in a body: where the module goes on after the
    /// function ended, as an offset in the text.
    after: Option<usize>,
}

impl Rest {
    /// The whole text from the module-level checkpoint `from`.
    fn module(from: Arc<Checkpoint>, text: &str, end: usize) -> Rest {
        Rest {
            source: text[from.offset..end].to_owned(),
            from,
            dedent: 0,
            after: None,
        }
    }
}

/// The latest checkpoint of `base`'s chain that `text[..end]` can resume
/// from (the first byte at worst), with the rest of the text; `probe` is
/// the indentation of the statement a scope is asked for.
fn rest(base: &Arc<Checkpoint>, text: &str, end: usize, probe: Option<&str>) -> Rest {
    let mut at = base.clone();
    while at.offset <= end && text.is_char_boundary(at.offset) {
        let tail = &text[at.offset..end];
        let Some(body) = &at.body else {
            if starts_statement(tail, "", probe) {
                return Rest::module(at, text, end);
            }
            break;
        };
        if let Some((source, after)) = split_body(tail, &body.indent, probe) {
            let dedent = body.indent.len();
            let after = after.map(|a| at.offset + a);
            return Rest {
                from: at,
                source,
                dedent,
                after,
            };
        }
        at = body.module.clone();
    }
    Rest::module(origin(), text, end)
}

/// The first word of a line of code: `else`, `elif`, `except` and
/// `finally` continue the statement before.
fn continues(code: &str) -> bool {
    let word = code
        .trim_start()
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .next()
        .unwrap_or("");
    ananke_pylex::CLAUSE_KEYWORDS.contains(&word)
}

/// Whether a line holds code (not blank, not only a comment).
fn is_code(line: &str) -> bool {
    !matches!(line.trim_start().as_bytes().first(), None | Some(b'#'))
}

/// Whether `tail` starts a new statement at indentation `indent`: its
/// first line of code (or the probe's indentation, if it has none) is
/// indented exactly so, and continues no statement before it.
fn starts_statement(tail: &str, indent: &str, probe: Option<&str>) -> bool {
    let Some(line) = tail.split_inclusive('\n').find(|l| is_code(l)) else {
        // No code yet: the probe, if any, is the statement.
        return probe.is_none_or(|p| p == indent);
    };
    match line.strip_prefix(indent) {
        Some(code) => !code.starts_with([' ', '\t', '\x0c']) && !continues(code),
        None => false,
    }
}

/// `tail`, the text after a checkpoint in a body indented by `indent`,
/// split where the function ends (a line of code at the first column):
/// the body part with `indent` taken off every line that starts outside a
/// string, and where the rest starts. `None` when the tail does not start
/// a statement of the body, or leaves it for another indentation.
fn split_body(tail: &str, indent: &str, probe: Option<&str>) -> Option<(String, Option<usize>)> {
    let mut out = String::with_capacity(tail.len());
    let mut lexer = PyLexer::default();
    // Whether the line about to start begins a logical line.
    let mut logical = true;
    let mut first = true;
    let mut at = 0;
    for line in tail.split_inclusive('\n') {
        let in_text = lexer.in_text();
        if logical && !in_text && is_code(line) {
            match line.strip_prefix(indent) {
                Some(code) => {
                    if first && (code.starts_with([' ', '\t', '\x0c']) || continues(code)) {
                        return None;
                    }
                }
                None if !line.starts_with([' ', '\t', '\x0c']) && !continues(line) => {
                    return Some((out, Some(at)));
                }
                None => return None,
            }
            first = false;
        }
        match line.strip_prefix(indent) {
            Some(rest) if !in_text => out.push_str(rest),
            _ => out.push_str(line),
        }
        for &b in line.as_bytes() {
            if let Class::LineEnd { logical: l } = lexer.step(b) {
                logical = l;
            }
        }
        at += line.len();
    }
    if first && probe.is_some_and(|p| p != indent && p.starts_with(indent)) {
        // No code yet, and the probe would continue the statement before.
        return None;
    }
    Some((out, None))
}

/// The identifiers of `text` (in code, strings and comments alike: a
/// string annotation names a class too).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_ascii() && !is_name_byte(c as u8))
        .filter(|w| w.as_bytes().first().is_some_and(|b| !b.is_ascii_digit()))
}

/// `words` and the identifiers of `text`.
fn with_words(words: &im::HashSet<Name>, text: &str) -> im::HashSet<Name> {
    let mut words = words.clone();
    for w in self::words(text) {
        if !words.contains(w) {
            words.insert(w.into());
        }
    }
    words
}

/// A name a module's declaration pass binds, with what an import binds it
/// to (the same import again changes nothing).
struct Declared<'b> {
    name: &'b str,
    import: Option<Symbol>,
}

/// The names a module's declaration pass may bind for `body` (a superset:
/// imports, classes, functions, type variables, and every function or
/// class defined in a module-level block), or `None` for a star import.
fn declared<'b>(body: &'b [Stmt], db: &TypeDb) -> Option<Vec<Declared<'b>>> {
    let mut names = Vec::new();
    let plain = |name: &'b str| Declared { name, import: None };
    for stmt in body {
        match stmt {
            Stmt::Import(i) => names.extend(i.names.iter().map(|a| {
                let (name, module) = match &a.asname {
                    Some(asname) => (asname.as_str(), a.name.as_str()),
                    None => {
                        let top = a.name.as_str().split('.').next().unwrap_or("");
                        (top, top)
                    }
                };
                Declared {
                    name,
                    import: Some(Symbol::Module(module.into())),
                }
            })),
            Stmt::ImportFrom(i) => {
                for alias in &i.names {
                    if alias.name.as_str() == "*" {
                        return None;
                    }
                    let name = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    // As the checker binds it.
                    let import = Some(super::statements::imported_symbol(
                        db,
                        i,
                        alias.name.as_str(),
                    ));
                    names.push(Declared { name, import });
                }
            }
            Stmt::ClassDef(c) => names.push(plain(c.name.as_str())),
            Stmt::FunctionDef(f) => names.push(plain(f.name.as_str())),
            // A type variable's declaration, or what may be a type alias
            // (`check::aliases`: any name bound once to a type's form).
            Stmt::Assign(a) => {
                if let [Expr::Name(n)] = a.targets.as_slice()
                    && match &*a.value {
                        Expr::Call(call) => crate::stubs::declared_variance(call).is_some(),
                        value => may_be_type(value),
                    }
                {
                    names.push(plain(n.id.as_str()));
                }
            }
            Stmt::AnnAssign(a) => {
                if let Expr::Name(n) = &*a.target
                    && crate::stubs::decorator_name(&a.annotation) == Some("TypeAlias")
                {
                    names.push(plain(n.id.as_str()));
                }
            }
            _ => nested(stmt, &mut names),
        }
    }
    Some(names)
}

/// Whether `value` has a type's form (a name, a member, a subscript, a
/// `|`): what a module's declaration pass may read as a type alias.
fn may_be_type(value: &Expr) -> bool {
    match value {
        Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_) => true,
        Expr::BinOp(b) => b.op == ruff_python_ast::Operator::BitOr,
        _ => false,
    }
}

/// The functions and classes a module-level block statement defines.
fn nested<'b>(stmt: &'b Stmt, names: &mut Vec<Declared<'b>>) {
    crate::flow::each_block(stmt, &mut |stmts| {
        for inner in stmts {
            match inner {
                Stmt::FunctionDef(f) => names.push(Declared {
                    name: f.name.as_str(),
                    import: None,
                }),
                Stmt::ClassDef(c) => names.push(Declared {
                    name: c.name.as_str(),
                    import: None,
                }),
                _ => nested(inner, names),
            }
        }
    });
}

/// The start of the line `at` is on in `source`, when only indentation
/// precedes it there, with that indentation.
fn line_start(source: &str, at: TextSize) -> Option<(usize, &str)> {
    let at = usize::from(at);
    let start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = &source[start..at];
    indent
        .bytes()
        .all(|b| b == b' ' || b == b'\t')
        .then_some((start, indent))
}

/// The offset in the text of line `line` of a part that starts at `from`.
fn text_line(text: &str, from: usize, line: usize) -> usize {
    if line == 0 {
        return from;
    }
    text[from..]
        .match_indices('\n')
        .nth(line - 1)
        .map_or(text.len(), |(i, _)| from + i + 1)
}

/// What one resumed walk found.
struct Walked {
    diagnostics: Vec<Diagnostic>,
    scope: Option<Scope>,
    next: Option<Arc<Checkpoint>>,
}

/// The question a walk answers.
#[derive(Clone, Copy)]
enum Ask<'a> {
    /// The diagnostics of the module if it ended here.
    Finished,
    /// The scope of a statement starting here, indented by this.
    Scope(&'a str),
}

/// Walks `text[..end]` from `rest`, or from an earlier checkpoint where
/// that one does not hold.
fn walk(text: &str, end: usize, mut rest: Rest, ask: Ask) -> Result<Walked, ParseFailure> {
    loop {
        if let Some(walked) = walk_rest(text, end, &rest, ask)? {
            return Ok(walked);
        }
        let before = match &rest.from.body {
            Some(body) => body.module.clone(),
            None => origin(),
        };
        rest = Rest::module(before, text, end);
    }
}

/// The probe statement, indented.
fn probe(indent: &str) -> String {
    format!("{indent}{PROBE} = 0\n")
}

/// Walks the rest from its checkpoint: `None` when the checkpoint does not
/// hold for it.
fn walk_rest(
    text: &str,
    end: usize,
    rest: &Rest,
    ask: Ask,
) -> Result<Option<Walked>, ParseFailure> {
    let from = &*rest.from;
    let finished = matches!(ask, Ask::Finished);
    let mut source = rest.source.clone();
    let mut after: Option<(usize, String)> = rest.after.map(|at| (at, text[at..end].to_owned()));
    if let Ask::Scope(indent) = ask {
        match (&from.body, &mut after) {
            (None, _) => source.push_str(&probe(indent)),
            (Some(body), None) => match indent.strip_prefix(body.indent.as_str()) {
                Some(inner) => source.push_str(&probe(inner)),
                None => after = Some((end, probe(indent))),
            },
            (Some(_), Some((_, module))) => module.push_str(&probe(indent)),
        }
    }
    let lines = Lines::shifted(&source, from.line, rest.dedent as u32);
    let body = parse(&source, &lines)?;
    let module_line = after.as_ref().map_or(0, |(at, _)| {
        from.line + text[from.offset..*at].matches('\n').count() as u32
    });
    let module_source = after.as_ref().map_or("", |(_, m)| m.as_str());
    let module_body = match &after {
        Some(_) => parse(
            module_source,
            &Lines::shifted(module_source, module_line, 0),
        )?,
        None => Vec::new(),
    };
    let mut silenced = if finished {
        from.silenced.with(&source, from.line, from.offset == 0)
    } else {
        Silenced::default()
    };
    if finished && after.is_some() {
        silenced = silenced.with(module_source, module_line, false);
    }
    let mut checker = from.state.checker(&source);
    checker.lines = lines;
    checker.finished = finished;
    checker.depth = from.depth;
    checker.diagnostics = from.diagnostics.clone();
    let mut defined = from.defined.clone();
    let Some(kept) = &from.body else {
        let at = Module {
            offset: from.offset,
            line: from.line,
            words: from.words.clone(),
            names: from.names.clone(),
            checked: from.offset > 0,
            silenced: silenced.clone(),
        };
        return Ok(
            walk_module(&mut checker, &body, &source, at, defined, text, finished)
                .map(|(next, names)| finish(checker, next, names, &silenced, finished)),
        );
    };
    if !from.state.in_generator() && crate::flow::contains_yield(&body) {
        return Ok(None);
    }
    let mut end_of = match (&kept.end, finished) {
        (Some(end), true) => Some(end.clone()),
        (None, true) => return Ok(None),
        _ => None,
    };
    // A checkpoint before the body's last statement, while the function
    // goes on.
    let mut next = None;
    let last = body.len().checked_sub(1).filter(|_| after.is_none());
    for (i, stmt) in body.iter().enumerate() {
        if Some(i) == last
            && let Some((start, _)) = line_start(&source, stmt.start())
        {
            let line = source[..start].matches('\n').count();
            let offset = text_line(text, from.offset, line);
            let mut end = end_of.clone();
            if let Some(end) = &mut end {
                end.continue_with(&body[..i], &checker.ends);
            }
            let names = from.names.kept(&body[..i], &checker.lines, finished);
            next = Some(Arc::new(Checkpoint {
                offset,
                line: from.line + line as u32,
                state: checker.state(),
                depth: checker.depth,
                defined: defined.clone(),
                diagnostics: checker.diagnostics.clone(),
                names,
                words: with_words(&from.words, &text[from.offset..offset]),
                body: Some(Body {
                    end,
                    ..kept.clone()
                }),
                silenced: silenced.before(from.line + line as u32),
            }));
        }
        checker.block_stmt(stmt, &mut defined);
    }
    let names = from.names.kept(&body, &checker.lines, finished);
    let end = match &mut end_of {
        Some(end) => {
            end.continue_with(&body, &checker.ends);
            end.clone()
        }
        None => FunctionEnd::left_unchecked(),
    };
    checker.leave_function(&end);
    let Some((at, _)) = &after else {
        return Ok(Some(finish(checker, next, names, &silenced, finished)));
    };
    // The function ended: the module goes on.
    checker.depth = kept.module.depth;
    checker.lines = Lines::shifted(module_source, module_line, 0);
    let module = Module {
        offset: *at,
        line: module_line,
        words: with_words(&from.words, &text[from.offset..*at]),
        names,
        checked: true,
        silenced: silenced.clone(),
    };
    Ok(walk_module(
        &mut checker,
        &module_body,
        module_source,
        module,
        kept.module_defined.clone(),
        text,
        finished,
    )
    .map(|(next, names)| finish(checker, next, names, &silenced, finished)))
}

/// Where a module-level walk starts.
struct Module {
    /// The offset in the text of the source walked.
    offset: usize,
    /// Lines before it.
    line: u32,
    /// The identifiers written before it.
    words: im::HashSet<Name>,
    /// Names bound and read before it.
    names: Names,
    /// Whether the code before it was walked without the source's
    /// declarations (then none may be a name written before).
    checked: bool,
    /// What `# type: ignore` silences up to the end of the source.
    silenced: Silenced,
}

/// Walks module-level statements `body` (parsed from `source`): `None`
/// when they declare a name the code before them mentions; else the
/// checkpoint before the last of them (in the body of the function that
/// is last, if it is one) and the names bound and read so far.
fn walk_module(
    checker: &mut super::Checker,
    body: &[Stmt],
    source: &str,
    at: Module,
    mut defined: Defined,
    text: &str,
    finished: bool,
) -> Option<(Option<Arc<Checkpoint>>, Names)> {
    let silenced = &at.silenced;
    let db = TypeDb::stdlib();
    if at.checked {
        // A name the code before mentions may be declared again only by
        // an import binding it to what it is already bound to.
        let same = |d: &Declared| {
            d.import.as_ref().is_some_and(|symbol| {
                checker
                    .symbols
                    .get(d.name)
                    .is_some_and(|bound| format!("{bound:?}") == format!("{symbol:?}"))
            })
        };
        match declared(body, db) {
            Some(names) if names.iter().all(|d| !at.words.contains(d.name) || same(d)) => {}
            _ => return None,
        }
    }
    checker.declare_module_names(body);
    let place = |stmt: &Stmt| -> Option<(usize, u32)> {
        let (start, _) = line_start(source, stmt.start())?;
        let line = source[..start].matches('\n').count();
        Some((text_line(text, at.offset, line), at.line + line as u32))
    };
    let mut module = None;
    let last = body.len().checked_sub(1);
    for (i, stmt) in body.iter().enumerate() {
        if Some(i) == last
            && let Some((offset, line)) = place(stmt)
        {
            let names = at.names.kept(&body[..i], &checker.lines, finished);
            // The declaration pass bound the names this statement
            // declares before any was walked; a longer text may declare
            // others in their place (`from types import Ellipsis` is
            // `...EllipsisType` one token later; `y = int` an alias that
            // `y = int()` is not), so the checkpoint before it keeps none
            // of them, and is not taken where the code before it mentions
            // one (what was walked there may have read it).
            let words = with_words(&at.words, &text[at.offset..offset]);
            let mut state = checker.state();
            let declares = declared(std::slice::from_ref(stmt), db);
            let mentioned = declares
                .as_ref()
                .is_none_or(|names| names.iter().any(|d| words.contains(d.name)));
            for d in declares.unwrap_or_default() {
                state.forget(d.name);
            }
            if !mentioned {
                module = Some(Arc::new(Checkpoint {
                    offset,
                    line,
                    state,
                    depth: checker.depth,
                    defined: defined.clone(),
                    diagnostics: checker.diagnostics.clone(),
                    names,
                    words,
                    body: None,
                    silenced: silenced.before(line),
                }));
                if let Stmt::FunctionDef(f) = stmt {
                    checker.resume.body_of = Some(f.start());
                }
            }
        }
        checker.block_stmt(stmt, &mut defined);
    }
    let names = at.names.kept(body, &checker.lines, finished);
    let mut next = module.clone();
    // The function the module ends with, kept before its body's last
    // statement.
    if let (Some(module), Some(Stmt::FunctionDef(def)), Some(capture)) =
        (module, body.last(), checker.resume.body.take())
        && let Some((start, indent)) = line_start(source, capture.at)
        && !indent.is_empty()
    {
        let line = source[..start].matches('\n').count();
        let offset = text_line(text, at.offset, line);
        let names = if finished {
            let mut head = def.clone();
            head.body.truncate(def.body.len() - 1);
            at.names
                .with(&body[..body.len() - 1], &checker.lines, db)
                .with(&[Stmt::FunctionDef(head)], &checker.lines, db)
        } else {
            Names::default()
        };
        next = Some(Arc::new(Checkpoint {
            offset,
            line: at.line + line as u32,
            state: capture.state,
            depth: capture.depth,
            defined: capture.defined,
            diagnostics: capture.diagnostics,
            names,
            words: with_words(&module.words, &text[module.offset..offset]),
            silenced: silenced.before(at.line + line as u32),
            body: Some(Body {
                indent: indent.to_owned(),
                module_defined: defined,
                end: finished.then_some(capture.end),
                module,
            }),
        }));
    }
    Some((next, names))
}

/// The walk's answers once its statements are walked.
fn finish(
    mut checker: super::Checker,
    next: Option<Arc<Checkpoint>>,
    names: Names,
    silenced: &Silenced,
    finished: bool,
) -> Walked {
    let mut diagnostics = std::mem::take(&mut checker.diagnostics);
    if finished {
        diagnostics.extend(names.diagnostics());
        diagnostics.retain(|d| !silenced.silences(d.line));
        diagnostics.sort_by_key(|d| (d.line, d.col));
        diagnostics.dedup();
    }
    Walked {
        diagnostics,
        scope: checker.captured.take(),
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_on_this_thread, scope_at};

    /// Grows `source` a line at a time as the types domain does, asking
    /// both questions at every line start from the chain of checkpoints,
    /// and compares each answer with the whole walk's.
    fn replay(id: &str, source: &str) {
        let mut finished_base: Option<Arc<Checkpoint>> = None;
        let mut scope_base: Option<Arc<Checkpoint>> = None;
        let ends = source
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .chain([source.len()]);
        for end in ends {
            let prefix = &source[..end];
            finished_base = finished_agrees(id, prefix, finished_base);
            let line = &source[end..];
            let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
            let whole = scope_at(prefix, indent).map(|s| s.fingerprint());
            let (resumed, next) = scope_at_resumed(source, end, indent, scope_base.as_ref());
            assert_eq!(
                whole,
                resumed.map(|s| s.fingerprint()),
                "{id}: scope at {end} ({indent:?}) after\n{prefix}"
            );
            scope_base = next.or(scope_base);
        }
    }

    /// The finished check of `prefix` resumed from `base`'s chain gives
    /// what the whole walk gives; the chain to go on from.
    fn finished_agrees(
        id: &str,
        prefix: &str,
        base: Option<Arc<Checkpoint>>,
    ) -> Option<Arc<Checkpoint>> {
        let whole =
            check_on_this_thread(prefix).map(|d| super::super::ignore::unignored(prefix, d));
        let (resumed, next) = check_finished(prefix, base.as_ref(), 32);
        match (&whole, &resumed) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{id}: finished check of\n{prefix}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{id}: {whole:?} against {resumed:?} for\n{prefix}"),
        }
        next.or(base)
    }

    #[test]
    fn a_checkpoint_keeps_no_name_a_shorter_text_declared() {
        // Fed a byte at a time, as the mask is: at `from types import
        // Ellipsis` the import shadows the builtin `Ellipsis`; one token
        // later it binds `EllipsisType` instead, and `x is Ellipsis`
        // narrows again.
        let source = "from types import EllipsisType\ndef f(x: int | EllipsisType) -> int:\n    if x is Ellipsis:\n        return 1\n    return x\nIntList = list[int]\ndef g(x: IntList) -> int:\n    return x[0]\n";
        // `y = int` is an alias one token before `y = int()` is a value,
        // and the code before it reads `y`.
        let forward = "class A:\n    def f(self) -> None:\n        def g(x: int) -> int:\n            return y\n\ny = int()\n";
        for source in [source, forward] {
            let mut base: Option<Arc<Checkpoint>> = None;
            for end in (1..=source.len()).filter(|&e| source.is_char_boundary(e)) {
                base = finished_agrees("bytes", &source[..end], base);
            }
            assert_eq!(
                check_finished(source, base.as_ref(), 32).0.map(|d| d.len()),
                Ok(0)
            );
        }
    }

    #[test]
    fn resumed_walks_answer_as_whole_walks_on_the_corpus() {
        let programs = ananke_testkit::typed_programs();
        for program in &programs {
            replay(&program.id, &program.source);
        }
        for mutant in ananke_testkit::mutants() {
            replay(&mutant.id, &mutant.source);
        }
        // Several programs in one module: module-level checkpoints, and
        // names declared after code that mentions them.
        for group in programs.chunks(6) {
            let joined: String = group.iter().map(|p| format!("{}\n", p.source)).collect();
            replay(&group[0].id, &joined);
        }
    }

    #[test]
    fn resumed_walks_answer_as_whole_walks_on_the_checker_programs() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dirs = [
            root.join("tests/programs/valid"),
            root.join("tests/programs/invalid"),
            root.join("../ananke-cli/tests/constructs"),
        ];
        let mut seen = 0;
        for dir in dirs {
            for entry in std::fs::read_dir(&dir).expect("a test directory") {
                let path = entry.expect("an entry").path();
                if path.extension().is_some_and(|e| e == "py") {
                    let source = std::fs::read_to_string(&path).expect("a program");
                    replay(&path.display().to_string(), &source);
                    seen += 1;
                }
            }
        }
        assert!(seen > 40, "{seen} programs");
    }

    #[test]
    fn a_checkpoint_gives_way_where_it_does_not_hold() {
        // The rest declares a name the code before it mentions.
        replay(
            "forward",
            "def f() -> int:\n    return g()\n\n\ndef g() -> str:\n    return ''\n",
        );
        // A function that starts yielding after its checkpoint.
        replay(
            "generator",
            "from typing import Iterator\n\n\ndef f() -> Iterator[int]:\n    x = 1\n    return\n    yield x\n",
        );
        // Statements that continue the one before the checkpoint.
        replay(
            "else",
            "def f(x: int) -> int:\n    if x:\n        y = 1\n    else:\n        y = 2\n    return y\nz = f(1)\n",
        );
        // A string whose lines are indented less than the body.
        replay(
            "string",
            "def f() -> str:\n    s = \"\"\"\nno indent\n\"\"\"\n    t = s + 1\n    return s\n",
        );
        // Lines a `# type: ignore` silences, before and after checkpoints.
        replay(
            "ignore",
            "def f() -> int:\n    x: int = ''  # type: ignore\n    y: int = ''\n    return 1\n\n\ndef g() -> str:\n    return 1  # type: ignore[return-value]\n",
        );
        replay(
            "ignore module",
            "# type: ignore\ndef f() -> int:\n    return ''\n",
        );
        // The same import again (the checkpoint holds), another binding
        // of a name read before (it gives way), a type variable declared
        // after its use, a function defined in a module-level block.
        replay(
            "imports",
            "from typing import List\ndef f(x: List[int]) -> int:\n    return len(x)\n\nfrom typing import List\nfrom typing import Dict as List\ndef g(y: List[int]) -> None:\n    pass\n",
        );
        replay(
            "declarations",
            "from typing import TypeVar\ndef f(x: 'T') -> 'T':\n    return x\nT = TypeVar('T')\nif True:\n    def h() -> int:\n        return f(1)\n",
        );
        // A star import, redefinitions and undefined names.
        replay(
            "star",
            "def f() -> int:\n    return pi\n\nfrom math import *\ndef f() -> int:\n    return q\n",
        );
    }
}
