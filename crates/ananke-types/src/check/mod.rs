//! The checker: walks a module, infers the type of every expression and
//! reports what mypy --strict would report for the subset.
//!
//! Two rules keep it from inventing errors. An error is reported only when
//! the types involved are precise (no `Any`, no unresolved type variable).
//! And narrowing is never narrower than mypy's: the checker narrows the
//! common forms as mypy does and a form it does not model to `Any`
//! (`narrow`), so a union can be checked whole, as mypy checks it — a
//! returned value, an operand: every member must fit (`x + 1` with
//! `x: int | None` is an error). An attribute is reported missing from a union
//! (`union-attr`) only when every member lacks it. `Any` inside a type
//! fits anything by subtyping, so it hides no class mismatch
//! (`Counter[Any]` is no `int`); only a union holding `Any` is left alone
//! as a call's argument.
//!
//! As mypy does, too: a bounded type variable is checked once solved
//! (`max(None, 1)`, `type-var`); partial types (`x = []` needs its element
//! type before it is read, `partial`); `no-redef` for sibling
//! definitions; `valid-type` for annotations that are no type;
//! `no-untyped-def` for every function and method (a method's `self` or
//! `cls` needs no annotation, an `__init__` with an annotated parameter no
//! return type, a signature in a type comment annotates); `no-any-return`
//! only for values mypy itself types `Any` (`any`). Checks that need the
//! whole module (missing returns, undefined names, partial types never
//! completed) run only on finished modules (`crate::flow`).
//!
//! Parsing and checking a whole module run on a thread with a large
//! reserved stack ([`check_source`]), and bracket nesting beyond
//! [`MAX_NESTING`] is refused before parsing: pathological input is an
//! error, not a stack overflow. The types domain's incremental checks run
//! on the caller's stack and skip statements nested more than 32 brackets
//! deep.
//!
//! The walk is one `Checker` whose methods are spread over the concepts
//! they check, each an `impl Checker` block of its own: `statements` and
//! `functions` walk code, `expressions` infer types, with attribute
//! access, calls and subscripts in `access` and operators and comparisons
//! in `operators`; `scope` holds the frames of variables, lookups and
//! bindings (and [`Scope`], a scope kept for incremental checks);
//! `narrow`, `partial` and `any` follow what mypy infers beyond declared
//! types; `attributes` types the instance attributes methods bind,
//! `enums` a module's own enumerations, `dataclasses` the `__init__` of
//! its plain dataclasses, `aliases` its type aliases and
//! `type_args` the generic classes its types name without arguments. This module has the entry points
//! and the checker's state.

mod access;
mod aliases;
mod any;
mod attributes;
mod dataclasses;
mod enums;
mod expressions;
mod functions;
mod ignore;
mod narrow;
mod operators;
mod partial;
mod policy;
mod resume;
mod scope;
mod statements;
mod type_args;

use ananke_pylex::{Class, PyLexer};
use ruff_python_ast::Expr;
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::stubs::{Resolver, Symbol, TypeDb};
use crate::types::{Name, Type};
use crate::world::World;

pub(crate) use ignore::{Ignores, module_ignored, turns_checks_off};
pub(crate) use policy::Reference;
pub(crate) use resume::{Checkpoint, scope_at_resumed};
use scope::Frame;
pub use scope::{Scope, scope_at};

/// How mypy's error for a parameter default its annotation does not take
/// begins (code `assignment`, as any assignment's): the types domain
/// tells it by this, as an error of the `def` header.
pub(crate) const INCOMPATIBLE_DEFAULT: &str = "Incompatible default for parameter";

/// Deepest nesting the checker takes: source whose brackets nest deeper
/// is refused before parsing, and statements nested deeper are not walked
/// (CPython itself refuses 200 nested brackets).
pub const MAX_NESTING: usize = 180;

/// One error, as mypy prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// The message (`Incompatible return value type (got "str", expected "int")`).
    pub message: String,
    /// mypy's error code (`return-value`, `arg-type`, ...).
    pub code: &'static str,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: error: {}  [{}]",
            self.line, self.col, self.message, self.code
        )
    }
}

/// Source that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{col}: syntax error: {message}")]
pub struct ParseFailure {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// The parser's message.
    pub message: String,
}

/// Line starts, for turning byte offsets into lines and columns.
struct Lines<'a> {
    source: &'a str,
    starts: Vec<usize>,
    /// Lines and columns before `source` (a resumed walk reads the rest
    /// of a module, dedented: see `resume`).
    shift: (u32, u32),
}

impl<'a> Lines<'a> {
    fn new(source: &'a str) -> Lines<'a> {
        Lines::shifted(source, 0, 0)
    }

    /// Positions in `source` reported as if it began on line `line + 1`,
    /// each line indented by `col` more columns.
    fn shifted(source: &'a str, line: u32, col: u32) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        Lines {
            source,
            starts,
            shift: (line, col),
        }
    }

    fn position(&self, offset: TextSize) -> (u32, u32) {
        let offset = usize::from(offset).min(self.source.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let col = self.source[self.starts[line]..offset].chars().count();
        (
            line as u32 + 1 + self.shift.0,
            col as u32 + 1 + self.shift.1,
        )
    }
}

/// Stack for parsing and checking: the parser recurses once per level of
/// nesting (and so does dropping the syntax tree), so pathological input
/// needs far more than a default thread stack. Reserved, not committed:
/// untouched pages cost nothing.
const CHECK_STACK: usize = 512 << 20;

/// Checks a complete module and returns mypy-like diagnostics, sorted by
/// position, less those a `# type: ignore` silences (see `ignore`).
/// Unparsable source is a [`ParseFailure`].
///
/// Runs on a thread of its own with a large stack, so that 10,000 nested
/// operators give an answer instead of a stack overflow.
pub fn check_source(source: &str) -> Result<Vec<Diagnostic>, ParseFailure> {
    let owned = source.to_owned();
    let worker = std::thread::Builder::new()
        .name("ananke-types-check".into())
        .stack_size(CHECK_STACK)
        .spawn(move || check_on_this_thread(&owned).map(|d| ignore::unignored(&owned, d)));
    match worker.map(|handle| handle.join()) {
        Ok(Ok(result)) => result,
        // Spawning failed or the checker panicked: say so as a failure of
        // the input rather than unwinding into the caller.
        Ok(Err(_)) | Err(_) => Err(ParseFailure {
            line: 1,
            col: 1,
            message: "the checker could not process this source".into(),
        }),
    }
}

/// The diagnostics of `text` read as a finished module, as
/// [`check_source`] gives them, walked from the best checkpoint of
/// `base`'s chain (see `resume`); and the checkpoint a longer text may
/// resume from.
pub(crate) fn check_finished(
    text: &str,
    base: Option<&std::sync::Arc<Checkpoint>>,
    max_nesting: usize,
) -> (
    Result<Vec<Diagnostic>, ParseFailure>,
    Option<std::sync::Arc<Checkpoint>>,
) {
    resume::check_finished(text, base, max_nesting)
}

/// `source` parsed into statements, a failure placed by `lines`: too deep
/// a nesting of brackets (the parser recurses per level) or a syntax
/// error.
fn parse(source: &str, lines: &Lines) -> Result<Vec<ruff_python_ast::Stmt>, ParseFailure> {
    if let Some(offset) = excessive_nesting(source) {
        let (line, col) = lines.position(TextSize::new(offset as u32));
        return Err(ParseFailure {
            line,
            col,
            message: format!("too many nested parentheses (more than {MAX_NESTING})"),
        });
    }
    let parsed = ruff_python_parser::parse_module(source).map_err(|e| {
        let (line, col) = lines.position(e.location.start());
        ParseFailure {
            line,
            col,
            message: e.error.to_string(),
        }
    })?;
    Ok(parsed.into_syntax().body)
}

fn check_on_this_thread(source: &str) -> Result<Vec<Diagnostic>, ParseFailure> {
    let lines = Lines::new(source);
    let body = parse(source, &lines)?;
    let mut checker = Checker::new(TypeDb::stdlib(), lines);
    checker.finished = true;
    checker.module(&body);
    checker.undefined_names(&body);
    let mut diagnostics = checker.diagnostics;
    diagnostics.sort_by_key(|d| (d.line, d.col));
    diagnostics.dedup();
    Ok(diagnostics)
}

/// The offset where bracket nesting first exceeds [`MAX_NESTING`]
/// (strings and comments skipped): the parser recurses per level.
fn excessive_nesting(source: &str) -> Option<usize> {
    excessive_nesting_beyond(source, MAX_NESTING)
}

fn excessive_nesting_beyond(source: &str, limit: usize) -> Option<usize> {
    let mut lexer = PyLexer::default();
    let mut depth = 0usize;
    for (i, &b) in source.as_bytes().iter().enumerate() {
        // Brackets of the code itself, not of strings, comments or an
        // f-string's fields.
        let in_code = !lexer.in_text();
        if lexer.step(b) != Class::Op || !in_code {
            continue;
        }
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The state of one walk over a module (or over one statement in a kept
/// [`Scope`]): the type rules with the module's classes, the frames of
/// variables, and the diagnostics so far.
struct Checker<'a> {
    world: World<'a>,
    lines: Lines<'a>,
    /// Module-level names for the annotation resolver: imports, classes.
    symbols: im::HashMap<Name, Symbol>,
    frames: Vec<Frame>,
    diagnostics: Vec<Diagnostic>,
    depth: usize,
    /// The scope, taken when the walk reaches the probe statement.
    captured: Option<Scope>,
    /// Checking a finished module: the checks that only hold once nothing
    /// more can be written (missing returns, undefined names) run too.
    finished: bool,
    /// Expression statements that may stop control (calls returning
    /// `NoReturn`, or `Any` for want of knowing better).
    ends: std::collections::HashSet<TextSize>,
    /// Those of `ends` that stop control only perhaps (calls returning
    /// `Any`): a missing return is not blamed past them, but a branch
    /// ending in one still narrows nothing after it (mypy reads on).
    maybe_ends: std::collections::HashSet<TextSize>,
    /// Expressions whose type is `Any` for mypy too, not for want of
    /// knowing better: the checker's `Any` also stands for what it does not
    /// model, so only these may be blamed for returning `Any`.
    explicit_any: std::collections::HashSet<TextRange>,
    /// Expressions that come from an annotated `Any` (see `any`).
    any_rooted: std::collections::HashSet<TextRange>,
    /// Calls whose value may be `None` of a function that only ever
    /// returns `None` (an expression statement's, a `return`'s in a
    /// function returning `None`, a lambda's body): anywhere else mypy's
    /// `func-returns-value` (`x = xs.sort()`).
    none_results: std::collections::HashSet<TextRange>,
    /// An `a and b`'s value where it is true: `b`'s type (every earlier
    /// operand is the value only where it is false), read by an `or`
    /// around it (`(n and int(n)) or 4` is an `int`, as mypy has it).
    truthy_and: std::collections::HashMap<TextRange, Type>,
    /// Names first bound in an earlier branch of the `if` statement being
    /// walked: `None` assigned to one in a later branch makes it optional
    /// (mypy infers `int | None` for `x = 1` / `else: x = None`).
    sibling_bound: std::collections::HashSet<Name>,
    /// What a resumable walk asks to keep (see `resume`).
    resume: resume::Hooks,
    /// The first bindings of the instance attributes the classes'
    /// methods define, by their target's start (see `attributes`).
    attribute_sites: std::collections::HashMap<TextSize, attributes::Site>,
    /// Attributes bound first to `None` in the method being walked.
    pending_none: Vec<attributes::PendingNone>,
    /// The loops being walked, innermost last: where each was left early.
    loop_exits: Vec<narrow::LoopExits>,
}

impl<'a> Checker<'a> {
    fn new(db: &'a TypeDb, lines: Lines<'a>) -> Checker<'a> {
        Checker {
            world: World::new(db),
            lines,
            symbols: im::HashMap::new(),
            frames: vec![Frame::new(None, false)],
            diagnostics: Vec::new(),
            depth: 0,
            captured: None,
            finished: false,
            ends: std::collections::HashSet::new(),
            maybe_ends: std::collections::HashSet::new(),
            explicit_any: std::collections::HashSet::new(),
            none_results: std::collections::HashSet::new(),
            any_rooted: std::collections::HashSet::new(),
            truthy_and: std::collections::HashMap::new(),
            sibling_bound: std::collections::HashSet::new(),
            resume: resume::Hooks::default(),
            attribute_sites: std::collections::HashMap::new(),
            pending_none: Vec::new(),
            loop_exits: Vec::new(),
        }
    }

    /// An expression's type, read again without reporting anything (its
    /// errors were reported the first time).
    fn scratch_type(&mut self, expr: &Expr) -> Type {
        let reported = self.diagnostics.len();
        let ty = self.expr(expr);
        self.diagnostics.truncate(reported);
        ty
    }

    fn report(&mut self, at: &impl Ranged, code: &'static str, message: String) {
        let (line, col) = self.lines.position(at.start());
        self.diagnostics.push(Diagnostic {
            line,
            col,
            message,
            code,
        });
    }

    /// Where mypy puts a function's own diagnostics (a missing return, a
    /// missing annotation): its `def` (or `async def`) keyword, not the
    /// first decorator, where the definition's range starts.
    fn def_position(&self, def: &ruff_python_ast::StmtFunctionDef) -> (u32, u32) {
        let name = usize::from(def.name.start()).min(self.lines.source.len());
        let head = self.lines.source[..name].trim_end_matches([' ', '\t', '\\', '\r', '\n']);
        let Some(keyword) = head.strip_suffix("def") else {
            return self.lines.position(def.start());
        };
        let before = keyword.trim_end_matches([' ', '\t', '\\', '\r', '\n']);
        let at = match before.strip_suffix("async") {
            Some(rest) if def.is_async => rest.len(),
            _ => keyword.len(),
        };
        self.lines.position(TextSize::new(at as u32))
    }

    fn resolver(&self) -> Resolver<'_> {
        Resolver::with_locals(self.world.db, &self.symbols)
    }

    fn annotation(&self, expr: &Expr) -> Type {
        self.resolver().annotation(expr)
    }
}

/// The line and code of each diagnostic [`check_source`] gives a snippet
/// (which starts on the line after its opening quote): what the tests
/// beside the checker's pieces compare with mypy's.
#[cfg(test)]
fn errors(snippet: &str) -> Vec<(u32, &'static str)> {
    let source = snippet.strip_prefix('\n').unwrap_or(snippet);
    check_source(source)
        .expect("the snippet parses")
        .iter()
        .map(|d| (d.line, d.code))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_the_brackets_of_code_only() {
        assert_eq!(excessive_nesting_beyond("x = f((1))\n", 2), None);
        assert_eq!(excessive_nesting_beyond("x = f(((1)))\n", 2), Some(7));
        // Brackets in strings, comments and f-strings' fields are not the
        // code's.
        let quoted = "x = ('((((', \"\"\"(((\n\"\"\", f'{((1))}')  # ((((\n";
        assert_eq!(excessive_nesting_beyond(quoted, 1), None);
        let n = MAX_NESTING + 1;
        let deep = format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n));
        assert_eq!(excessive_nesting(&deep), Some(4 + MAX_NESTING));
        assert!(check_source(&deep).is_err());
    }
}
