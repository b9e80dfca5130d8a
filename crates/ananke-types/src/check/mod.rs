//! The checker: walks a module, infers the type of every expression and
//! reports what mypy --strict would report for the subset.
//!
//! Two rules keep it from inventing errors. An error is reported only when
//! the types involved are precise (no `Any`, no unresolved type variable).
//! And where mypy narrows (`if x is not None`, `isinstance`) and this
//! checker does not, an operation on a union is an error only when it fails
//! for every member.

use std::collections::HashMap;
use std::sync::Arc;

use im::HashMap as PersistentMap;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::stubs::{Resolver, Symbol, TypeDb};
use crate::types::{Name, Param, ParamKind, Signature, Type};
use crate::world::{Arg, CallError, FUNCTION_CLASSES, World, callable_of, short};

/// Deepest expression or statement nesting the checker walks; deeper code
/// gets `Any` (CPython itself refuses 200 nested brackets).
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
}

impl<'a> Lines<'a> {
    fn new(source: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        Lines { source, starts }
    }

    fn position(&self, offset: TextSize) -> (u32, u32) {
        let offset = usize::from(offset).min(self.source.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let col = self.source[self.starts[line]..offset].chars().count();
        (line as u32 + 1, col as u32 + 1)
    }
}

/// A variable's type, and whether it is fixed (annotated, or set by a
/// precise first assignment, as mypy declares it).
#[derive(Clone, Debug)]
struct Var {
    ty: Type,
    declared: bool,
    /// Bound to an empty collection and not given an element type yet.
    partial: Option<partial::Partial>,
    /// Holds an annotated `Any` (see `any`).
    rooted: bool,
}

impl Var {
    /// A variable of type `ty`, neither partial nor holding an annotated
    /// `Any` (yet).
    fn new(ty: Type, declared: bool) -> Var {
        Var {
            ty,
            declared,
            partial: None,
            rooted: false,
        }
    }
}

mod any;
mod narrow;
mod partial;

/// A scope. Persistent, so that a snapshot (for an incremental checker)
/// is O(1).
#[derive(Clone)]
struct Frame {
    vars: PersistentMap<Name, Var>,
    /// Narrower types than the variables' own, where a condition, an
    /// assertion or an assignment has narrowed them (see `narrow`).
    narrowed: PersistentMap<Name, Type>,
    /// The declared return type, inside an annotated function.
    returns: Option<Type>,
    /// Whether the function is a generator (returns are then unchecked).
    generator: bool,
    /// Whether the function is an `async def` (where `await` may stand).
    coroutine: bool,
}

impl Frame {
    fn new(returns: Option<Type>, generator: bool) -> Frame {
        Frame {
            vars: PersistentMap::new(),
            narrowed: PersistentMap::new(),
            returns,
            generator,
            coroutine: false,
        }
    }
}

/// Stack for parsing and checking: the parser recurses once per level of
/// nesting (and so does dropping the syntax tree), so pathological input
/// needs far more than a default thread stack. Reserved, not committed:
/// untouched pages cost nothing.
const CHECK_STACK: usize = 512 << 20;

/// Checks a complete module and returns mypy-like diagnostics, sorted by
/// position. Unparsable source is a [`ParseFailure`].
///
/// Runs on a thread of its own with a large stack, so that 10,000 nested
/// operators give an answer instead of a stack overflow.
pub fn check_source(source: &str) -> Result<Vec<Diagnostic>, ParseFailure> {
    let owned = source.to_owned();
    let worker = std::thread::Builder::new()
        .name("ananke-types-check".into())
        .stack_size(CHECK_STACK)
        .spawn(move || check_on_this_thread(&owned));
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

/// [`check_source`] on the calling thread when the source is shallow
/// (brackets at most `max_nesting` deep, lines indented at most 64
/// columns): cheap enough for a default stack, and spares the thread.
/// Deeper source goes to a thread of its own.
pub(crate) fn check_source_shallow(
    source: &str,
    max_nesting: usize,
) -> Result<Vec<Diagnostic>, ParseFailure> {
    let indented = source
        .lines()
        .any(|l| l.len() - l.trim_start_matches([' ', '\t']).len() > 64);
    if indented || excessive_nesting_beyond(source, max_nesting).is_some() {
        check_source(source)
    } else {
        check_on_this_thread(source)
    }
}

fn check_on_this_thread(source: &str) -> Result<Vec<Diagnostic>, ParseFailure> {
    let lines = Lines::new(source);
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
    let module = parsed.into_syntax();
    let mut checker = Checker::new(TypeDb::stdlib(), lines);
    checker.finished = true;
    checker.module(&module.body);
    checker.undefined_names(&module.body);
    let mut diagnostics = checker.diagnostics;
    diagnostics.sort_by_key(|d| (d.line, d.col));
    diagnostics.dedup();
    Ok(diagnostics)
}

/// The offset where bracket nesting first exceeds [`MAX_NESTING`]
/// (strings and comments skipped roughly): the parser recurses per level.
fn excessive_nesting(source: &str) -> Option<usize> {
    excessive_nesting_beyond(source, MAX_NESTING)
}

fn excessive_nesting_beyond(source: &str, limit: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            quote @ (b'"' | b'\'') => {
                let triple = bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote);
                i += if triple { 3 } else { 1 };
                while i < bytes.len() {
                    if bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == quote
                        && (!triple
                            || (bytes.get(i + 1) == Some(&quote)
                                && bytes.get(i + 2) == Some(&quote)))
                    {
                        i += if triple { 2 } else { 0 };
                        break;
                    }
                    if !triple && bytes[i] == b'\n' {
                        break;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

struct Checker<'a> {
    world: World<'a>,
    lines: Lines<'a>,
    /// Module-level names for the annotation resolver: imports, classes.
    symbols: HashMap<Name, Symbol>,
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
    /// Expressions whose type is `Any` for mypy too, not for want of
    /// knowing better: the checker's `Any` also stands for what it does not
    /// model, so only these may be blamed for returning `Any`.
    explicit_any: std::collections::HashSet<TextRange>,
    /// Expressions that come from an annotated `Any` (see `any`).
    any_rooted: std::collections::HashSet<TextRange>,
}

/// The name of the statement [`scope_at`] appends to find a scope.
const PROBE: &str = "__ananke_probe__";

/// What is in scope at a point of a module: the names and their types,
/// the enclosing function's return type, the module's classes and imports.
/// Taken once per statement by an incremental checker, then asked about
/// expressions and statements cheaply.
#[derive(Clone)]
pub struct Scope {
    user: HashMap<Name, crate::stubs::ClassInfo>,
    symbols: HashMap<Name, Symbol>,
    frames: Vec<Frame>,
}

/// The scope at the end of `prefix` (whole lines), for a statement indented
/// by `indent`: `None` when the prefix does not parse.
pub fn scope_at(prefix: &str, indent: &str) -> Option<Scope> {
    let program = format!("{prefix}{indent}{PROBE} = 0\n");
    if excessive_nesting(&program).is_some() {
        return None;
    }
    let parsed = ruff_python_parser::parse_module(&program).ok()?;
    let module = parsed.into_syntax();
    let mut checker = Checker::new(TypeDb::stdlib(), Lines::new(&program));
    checker.module(&module.body);
    checker.captured
}

impl Scope {
    fn checker<'s>(&self, text: &'s str) -> Checker<'s> {
        let mut checker = Checker::new(TypeDb::stdlib(), Lines::new(text));
        checker.world.user = self.user.clone();
        checker.symbols = self.symbols.clone();
        checker.frames = self.frames.clone();
        checker
    }

    /// The type of an expression in this scope (`None` if it does not
    /// parse).
    pub fn infer(&self, expr: &str) -> Option<Type> {
        if excessive_nesting(expr).is_some() {
            return None;
        }
        let parsed = ruff_python_parser::parse_expression(expr).ok()?;
        let expr = parsed.into_expr();
        let text = String::new();
        let mut checker = self.checker(&text);
        Some(checker.expr(&expr))
    }

    /// The errors one statement (a complete statement, compound ones with a
    /// body) has in this scope; `None` if it does not parse.
    pub fn check_statement(&self, statement: &str) -> Option<Vec<Diagnostic>> {
        if excessive_nesting(statement).is_some() {
            return None;
        }
        let parsed = ruff_python_parser::parse_module(statement).ok()?;
        let module = parsed.into_syntax();
        let mut checker = self.checker(statement);
        checker.block(&module.body);
        Some(checker.diagnostics)
    }

    /// Whether `name` is a variable here (a parameter or an assigned name,
    /// not a function, class or module): a comprehension or lambda written
    /// later in the statement could rebind it.
    pub fn is_variable(&self, name: &str) -> bool {
        self.frames.iter().any(|f| {
            f.vars.get(name).is_some_and(|v| {
                !matches!(
                    v.ty,
                    Type::Callable(_) | Type::Overloaded(_) | Type::Class(_) | Type::Module(_)
                )
            })
        })
    }

    /// Whether `name` is bound here: a variable, parameter, function,
    /// class or import (builtins aside).
    pub fn binds(&self, name: &str) -> bool {
        self.symbols.contains_key(name) || self.frames.iter().any(|f| f.vars.contains_key(name))
    }

    /// Every name this scope can read: variables, module-level names,
    /// builtins and the names every module has. Sorted.
    pub fn names(&self) -> Vec<Name> {
        let mut names: Vec<Name> = self
            .frames
            .iter()
            .flat_map(|f| f.vars.keys().cloned())
            .chain(self.symbols.keys().cloned())
            .chain(
                TypeDb::stdlib()
                    .modules
                    .get("builtins")
                    .into_iter()
                    .flat_map(|m| m.keys().cloned()),
            )
            .chain(crate::flow::MODULE_GLOBALS.iter().map(|&n| Name::from(n)))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The type rules, with this module's classes.
    pub fn world(&self) -> World<'static> {
        let mut world = World::new(TypeDb::stdlib());
        world.user = self.user.clone();
        world
    }
}

impl<'a> Checker<'a> {
    fn new(db: &'a TypeDb, lines: Lines<'a>) -> Checker<'a> {
        Checker {
            world: World::new(db),
            lines,
            symbols: HashMap::new(),
            frames: vec![Frame::new(None, false)],
            diagnostics: Vec::new(),
            depth: 0,
            captured: None,
            finished: false,
            ends: std::collections::HashSet::new(),
            explicit_any: std::collections::HashSet::new(),
            any_rooted: std::collections::HashSet::new(),
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

    /// Whether `name` is bound in the module or an enclosing function
    /// (shadowing a builtin).
    fn binds_locally(&self, name: &str) -> bool {
        self.symbols.contains_key(name) || self.frames.iter().any(|f| f.vars.contains_key(name))
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

    fn resolver(&self) -> Resolver<'_> {
        Resolver::with_locals(self.world.db, &self.symbols)
    }

    fn annotation(&self, expr: &Expr) -> Type {
        self.resolver().annotation(expr)
    }

    // ----- names -----------------------------------------------------

    fn lookup(&self, name: &str) -> Option<Type> {
        for frame in self.frames.iter().rev() {
            if let Some(ty) = frame.narrowed.get(name) {
                return Some(ty.clone());
            }
            if let Some(var) = frame.vars.get(name) {
                return Some(var.ty.clone());
            }
        }
        let symbol = self
            .symbols
            .get(name)
            .cloned()
            .or_else(|| self.world.db.member("builtins", name).cloned())?;
        Some(self.symbol_value(&symbol))
    }

    fn symbol_value(&self, symbol: &Symbol) -> Type {
        match symbol {
            Symbol::Class(name) | Symbol::Alias(Type::Class(name)) => Type::Class(name.clone()),
            Symbol::Function(sigs) => callable_of(sigs.to_vec()),
            Symbol::Value(ty) => ty.clone(),
            Symbol::Module(m) => Type::Module(m.clone()),
            _ => Type::Any,
        }
    }

    fn bind(&mut self, name: &str, ty: Type, at: &impl Ranged, value_expr: bool) {
        let rooted = self.any_rooted.contains(&at.range());
        self.bind_type(name, ty, at, value_expr);
        if rooted {
            self.mark_rooted(name);
        }
    }

    fn bind_type(&mut self, name: &str, ty: Type, at: &impl Ranged, value_expr: bool) {
        let in_function = self.frames.len() > 1;
        let frame = self.frames.last_mut().expect("a frame");
        match frame.vars.get_mut(name) {
            Some(var) if var.declared => {
                let declared = var.ty.clone();
                if value_expr && !self.world.is_subtype(&ty, &declared) {
                    self.report(
                        at,
                        "assignment",
                        format!("Incompatible types in assignment (expression has type \"{ty}\", variable has type \"{declared}\")"),
                    );
                }
                // mypy narrows a variable to what is assigned to it (not
                // at its annotated definition).
                let narrowed =
                    (!ty.has_any() && self.world.is_subtype(&ty, &declared)).then_some(ty);
                self.set_narrowed(name, narrowed);
                return;
            }
            // Bound to `None` first, in a function: the first other value
            // declares it optional (mypy's partial `None` type), narrowed
            // to that value here.
            Some(var)
                if var.ty == Type::None
                    && in_function
                    && !matches!(ty, Type::None | Type::Never)
                    && !ty.has_any() =>
            {
                var.ty = Type::optional(ty.clone());
                var.declared = true;
                self.set_narrowed(name, Some(ty));
                return;
            }
            Some(var) => {
                var.ty = Type::union([var.ty.clone(), ty]);
                if matches!(var.ty, Type::Union(_)) {
                    var.ty = Type::Any;
                }
            }
            None => {
                let declared = is_declarable(&ty);
                frame.vars.insert(name.into(), Var::new(ty, declared));
            }
        }
        self.set_narrowed(name, None);
    }

    fn declare(&mut self, name: &str, ty: Type) {
        let frame = self.frames.last_mut().expect("a frame");
        frame.vars.insert(name.into(), Var::new(ty, true));
        frame.narrowed.remove(name);
    }

    // ----- statements --------------------------------------------------

    fn module(&mut self, body: &[Stmt]) {
        // Imports and classes first, then function signatures: a module's
        // functions may call each other in any order.
        for stmt in body {
            match stmt {
                Stmt::Import(_) | Stmt::ImportFrom(_) => self.stmt(stmt),
                Stmt::ClassDef(c) => {
                    let qualified: Name = format!("__main__.{}", c.name.id).into();
                    self.symbols
                        .insert(c.name.id.as_str().into(), Symbol::Class(qualified));
                }
                _ => {}
            }
        }
        for stmt in body {
            if let Stmt::ClassDef(c) = stmt {
                let info = self.user_class(c);
                self.world.user.insert(info.name.clone(), info);
            }
        }
        for stmt in body {
            if let Stmt::FunctionDef(f) = stmt {
                let sig = self.resolver().signature(f, Some(f.name.id.as_str()));
                self.declare(f.name.id.as_str(), Type::Callable(Arc::new(sig)));
            }
        }
        self.block(body);
    }

    fn user_class(&self, def: &ast::StmtClassDef) -> crate::stubs::ClassInfo {
        let mut info = Resolver::with_locals(self.world.db, &self.symbols).class(def);
        info.name = format!("__main__.{}", def.name.id).into();
        info
    }

    fn block(&mut self, body: &[Stmt]) {
        // Names a statement of this block defined (a plain `def`, an
        // annotated name), with the line: mypy's `no-redef` for a second
        // one. Only siblings are compared: defining a name in both
        // branches of an `if` is allowed.
        let mut defined: HashMap<&str, u32> = HashMap::new();
        for stmt in body {
            if let Some(name) = definition(stmt) {
                let line = self.lines.position(stmt.start()).0;
                match defined.get(name) {
                    Some(first) => self.report(
                        stmt,
                        "no-redef",
                        format!("Name \"{name}\" already defined on line {first}"),
                    ),
                    None => {
                        defined.insert(name, line);
                    }
                }
            }
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        if self.depth > MAX_NESTING {
            return;
        }
        self.depth += 1;
        self.stmt_inner(stmt);
        self.depth -= 1;
    }

    fn stmt_inner(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => self.function(f),
            Stmt::ClassDef(c) => {
                for inner in &c.body {
                    if let Stmt::FunctionDef(f) = inner {
                        self.method(c, f);
                    }
                }
            }
            Stmt::Return(r) => self.return_stmt(r),
            Stmt::Assign(a) if matches!(a.targets.as_slice(), [Expr::Name(n)] if n.id.as_str() == PROBE) =>
            {
                self.captured = Some(Scope {
                    user: self.world.user.clone(),
                    symbols: self.symbols.clone(),
                    frames: self.frames.clone(),
                });
            }
            Stmt::Assign(a) => {
                self.bare_starred(&a.value);
                let value = self.expr(&a.value);
                for target in &a.targets {
                    self.assign(target, value.clone(), &a.value);
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(message) = invalid_annotation(&a.annotation) {
                    self.report(a.annotation.as_ref(), "valid-type", message);
                }
                let declared = self.annotation(&a.annotation);
                if let Some(value) = &a.value {
                    let ty = self.expr_expecting(value, &declared);
                    if !self.world.is_subtype(&ty, &declared) {
                        self.report(
                            value.as_ref(),
                            "assignment",
                            format!("Incompatible types in assignment (expression has type \"{ty}\", variable has type \"{declared}\")"),
                        );
                    }
                }
                match &*a.target {
                    Expr::Name(n) => {
                        self.declare(n.id.as_str(), declared);
                        if any::mentions_any(&a.annotation) {
                            self.mark_rooted(n.id.as_str());
                        }
                    }
                    other => {
                        self.expr(other);
                    }
                }
            }
            Stmt::AugAssign(a) => {
                if self.partial_augment(a) {
                    return;
                }
                let current = self.expr(&a.target);
                let value = self.expr(&a.value);
                let result = self.binary(&current, a.op, &value, a.value.as_ref(), true);
                if let Expr::Name(n) = &*a.target {
                    self.bind(n.id.as_str(), result, stmt, true);
                }
            }
            Stmt::For(f) => {
                let iterable = self.expr(&f.iter);
                let element = self.world.iter_element(&iterable);
                // `for k, v in d` over a `Dict[str, ...]` (or any iterable
                // of `str`): mypy refuses to unpack a string.
                if element == Type::str() && matches!(&*f.target, Expr::Tuple(_) | Expr::List(_)) {
                    self.report(f, "str-unpack", "Unpacking a string is disallowed".into());
                }
                self.assign(&f.target, element, &f.iter);
                self.loop_body(None, &f.body, &f.orelse);
            }
            Stmt::While(w) => {
                self.expr(&w.test);
                self.loop_body(Some(&w.test), &w.body, &w.orelse);
            }
            Stmt::If(i) => self.if_stmt(i),
            Stmt::With(w) => {
                for item in &w.items {
                    let ctx = self.expr(&item.context_expr);
                    if let Some(target) = &item.optional_vars {
                        let entered = match self.world.instance_member(&ctx, "__enter__") {
                            Some(enter) => self.world.call(&enter, &[]).0,
                            None => Type::Any,
                        };
                        self.assign(target, entered, &item.context_expr);
                    }
                }
                self.block(&w.body);
            }
            Stmt::Try(t) => {
                let before = self.snapshot();
                self.block(&t.body);
                let after_body = self.snapshot();
                // A handler may start anywhere in the body.
                let handler_start = Self::merge(&[before, after_body.clone()]);
                self.block(&t.orelse);
                let mut paths = vec![self.snapshot()];
                for handler in &t.handlers {
                    self.restore(handler_start.clone());
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    let caught = match &h.type_ {
                        Some(expr) => match self.expr(expr) {
                            Type::Class(name) => Type::instance(&name, []),
                            _ => Type::Any,
                        },
                        None => Type::Any,
                    };
                    if let Some(name) = &h.name {
                        self.declare(name.id.as_str(), caught);
                    }
                    self.block(&h.body);
                    paths.push(self.snapshot());
                }
                self.restore(Self::merge(&paths));
                self.block(&t.finalbody);
            }
            Stmt::Expr(e) => {
                let ty = self.expr(&e.value);
                if matches!(ty, Type::Never | Type::Any) && matches!(&*e.value, Expr::Call(_)) {
                    self.ends.insert(stmt.start());
                }
            }
            Stmt::Assert(a) => {
                self.expr(&a.test);
                if let Some(msg) = &a.msg {
                    self.expr(msg);
                }
                self.assert_narrows(&a.test);
            }
            Stmt::Raise(r) => {
                if let Some(exc) = &r.exc {
                    self.expr(exc);
                }
                if let Some(cause) = &r.cause {
                    self.expr(cause);
                }
            }
            Stmt::Delete(d) => {
                for target in &d.targets {
                    self.expr(target);
                }
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    let full = alias.name.id.as_str();
                    let (local, module): (Name, Name) = match &alias.asname {
                        Some(a) => (a.id.as_str().into(), full.into()),
                        None => {
                            let top = full.split('.').next().unwrap_or(full);
                            (top.into(), top.into())
                        }
                    };
                    self.symbols
                        .insert(local.clone(), Symbol::Module(module.clone()));
                    if self.frames.len() > 1 {
                        self.declare(&local, Type::Module(module));
                    }
                }
            }
            Stmt::ImportFrom(i) => {
                let Some(module) = &i.module else { return };
                for alias in &i.names {
                    let name = alias.name.id.as_str();
                    let local: Name = alias.asname.as_ref().map_or(name, |a| a.id.as_str()).into();
                    let symbol = self
                        .world
                        .db
                        .member(module.id.as_str(), name)
                        .cloned()
                        .unwrap_or(Symbol::Value(Type::Any));
                    self.symbols.insert(local, symbol);
                }
            }
            Stmt::Match(m) => {
                self.expr(&m.subject);
                for guard in m.cases.iter().filter_map(|c| c.guard.as_ref()) {
                    self.expr(guard);
                }
                let subject = match &*m.subject {
                    Expr::Name(n) => Some(n.id.as_str()),
                    _ => None,
                };
                let bodies: Vec<&[Stmt]> = m.cases.iter().map(|c| c.body.as_slice()).collect();
                self.independent_paths(subject, &bodies);
            }
            _ => {}
        }
    }

    fn function(&mut self, def: &ast::StmtFunctionDef) {
        let sig = self.resolver().signature(def, Some(def.name.id.as_str()));
        if self.frames.len() > 1 {
            self.declare(def.name.id.as_str(), Type::Callable(Arc::new(sig.clone())));
            // `--strict`'s `disallow_untyped_defs`, for functions defined
            // in a body only: the module's own functions come with the
            // prompt, which generation cannot mend.
            for message in missing_annotations(def) {
                self.report(def, "no-untyped-def", message.into());
            }
        }
        self.function_body(def, &sig, None, false);
    }

    fn method(&mut self, class: &ast::StmtClassDef, def: &ast::StmtFunctionDef) {
        let sig = self.resolver().signature(def, Some(def.name.id.as_str()));
        let is_static = def
            .decorator_list
            .iter()
            .any(|d| crate::stubs::decorator_name(&d.expression) == Some("staticmethod"));
        let self_type =
            (!is_static).then(|| Type::instance(&format!("__main__.{}", class.name.id), []));
        let in_protocol = class.bases().iter().any(|b| {
            matches!(crate::stubs::decorator_name(b), Some("Protocol"))
                || matches!(b, Expr::Subscript(s) if crate::stubs::decorator_name(&s.value) == Some("Protocol"))
        });
        self.function_body(def, &sig, self_type, in_protocol);
    }

    fn function_body(
        &mut self,
        def: &ast::StmtFunctionDef,
        sig: &Signature,
        self_type: Option<Type>,
        in_protocol: bool,
    ) {
        let returns = def.returns.as_ref().map(|_| sig.ret.clone());
        let generator = contains_yield(&def.body);
        self.frames.push(Frame {
            coroutine: def.is_async,
            ..Frame::new(returns.clone(), generator)
        });
        for (i, param) in sig.params.iter().enumerate() {
            let Some(name) = &param.name else { continue };
            let mut ty = match param.kind {
                ParamKind::VarPositional => Type::tuple_of(param.ty.clone()),
                ParamKind::VarKeyword => Type::dict(Type::str(), param.ty.clone()),
                _ => param.ty.clone(),
            };
            if i == 0
                && matches!(ty, Type::Any)
                && let Some(receiver) = &self_type
            {
                ty = receiver.clone();
            }
            self.declare(name, ty);
        }
        for param in def.parameters.iter() {
            if param.annotation().is_some_and(any::mentions_any) {
                self.mark_rooted(param.name().as_str());
            }
        }
        self.block(&def.body);
        if self.finished {
            self.unsettled_partials();
        }
        self.frames.pop();
        if self.finished && !generator {
            self.missing_return(def, returns.as_ref(), in_protocol);
        }
    }

    /// mypy's `Missing return statement` for a function whose end is
    /// reachable though it promises a value.
    fn missing_return(
        &mut self,
        def: &ast::StmtFunctionDef,
        returns: Option<&Type>,
        in_protocol: bool,
    ) {
        let Some(returns) = returns else { return };
        if matches!(returns, Type::Any | Type::None | Type::Never) || in_protocol {
            return;
        }
        let exempt = def.decorator_list.iter().any(|d| {
            matches!(
                crate::stubs::decorator_name(&d.expression),
                Some("abstractmethod" | "overload")
            )
        });
        let ends = &self.ends;
        if exempt || !crate::flow::falls_through(&def.body, &|s| ends.contains(&s.start())) {
            return;
        }
        let code = if crate::flow::is_trivial_body(&def.body) {
            "empty-body"
        } else {
            "return"
        };
        self.report(def, code, "Missing return statement".into());
    }

    /// mypy's `name-defined`, for a finished module: a name read but bound
    /// nowhere in the module and not a builtin.
    fn undefined_names(&mut self, body: &[Stmt]) {
        let facts = crate::flow::scan_names(body);
        if facts.star_import {
            return;
        }
        for (name, at) in facts.loads {
            if facts.bound.contains(name) || self.world.db.member("builtins", name).is_some() {
                continue;
            }
            let (line, col) = self.lines.position(at);
            self.diagnostics.push(Diagnostic {
                line,
                col,
                message: format!("Name \"{name}\" is not defined"),
                code: "name-defined",
            });
        }
    }

    /// CPython refuses a bare starred expression as a whole value
    /// (`return *xs`, `y = *xs`) when it compiles; the parser here (like
    /// `ast.parse`) accepts it.
    fn bare_starred(&mut self, value: &Expr) {
        if matches!(value, Expr::Starred(_)) {
            self.report(value, "syntax", "Can't use starred expression here".into());
        }
    }

    fn return_stmt(&mut self, r: &ast::StmtReturn) {
        if let Some(value) = &r.value {
            self.bare_starred(value);
        }
        let (expected, generator) = {
            let frame = self.frames.last().expect("a frame");
            (frame.returns.clone(), frame.generator)
        };
        let Some(expected) = expected.filter(|_| !generator && self.frames.len() > 1) else {
            if let Some(value) = &r.value {
                self.expr(value);
            }
            return;
        };
        match &r.value {
            None => {
                if !expected.has_any() && !self.world.is_subtype(&Type::None, &expected) {
                    self.report(r, "return-value", "Return value expected".into());
                }
            }
            Some(value) => {
                let got = self.expr_expecting(value, &expected);
                // Checked whole, `Any` parts and unions included: `Any`
                // fits anything, and the checker narrows unions as mypy
                // does (`Counter[Any]` is no `int`, `float | int` no `int`).
                if !self.world.is_subtype(&got, &expected) {
                    self.report(
                        value.as_ref(),
                        "return-value",
                        format!("Incompatible return value type (got \"{got}\", expected \"{expected}\")"),
                    );
                }
                // `--warn-return-any` (part of `--strict`).
                if matches!(got, Type::Any)
                    && self.explicit_any.contains(&value.range())
                    && !expected.has_any()
                    && !expected.is_instance_of("builtins.object")
                {
                    self.report(
                        r,
                        "no-any-return",
                        format!("Returning Any from function declared to return \"{expected}\""),
                    );
                }
            }
        }
    }

    fn assign(&mut self, target: &Expr, value: Type, value_expr: &Expr) {
        match target {
            Expr::Name(n) => {
                let name = n.id.as_str();
                if self.partial_assign(name, &value) {
                    return;
                }
                let partial = self.starts_partial(name, value_expr);
                self.bind(name, value, value_expr, true);
                if let Some(class) = partial {
                    self.mark_partial(name, class, value_expr);
                }
            }
            Expr::Tuple(t) => self.unpack(&t.elts, value, value_expr),
            Expr::List(l) => self.unpack(&l.elts, value, value_expr),
            Expr::Starred(s) => self.assign(&s.value, Type::list(Type::Any), value_expr),
            Expr::Subscript(s) => {
                if self.partial_setitem(s, &value) {
                    return;
                }
                let container = self.expr(&s.value);
                let index = self.expr(&s.slice);
                let settable = match &container {
                    Type::Tuple(_) => false,
                    Type::Instance(class, _) => {
                        !self.reportable_class(class)
                            || self
                                .world
                                .instance_member(&container, "__setitem__")
                                .is_some()
                    }
                    _ => true,
                };
                if !settable {
                    self.report(
                        target,
                        "index",
                        format!("Unsupported target for indexed assignment (\"{container}\")"),
                    );
                }
                if let Some(setitem) = self.world.instance_member(&container, "__setitem__") {
                    let args = [plain(index), plain(value.clone())];
                    let (_, error) = self.world.call(&setitem, &args);
                    if error.is_some()
                        && !container.has_any()
                        && matches!(container, Type::Instance(..))
                    {
                        let element = match self.world.instance_member(&container, "__getitem__") {
                            Some(getitem) => self.world.call(&getitem, &args[..1]).0,
                            None => Type::Any,
                        };
                        if !element.has_any() && !self.world.is_subtype(&value, &element) {
                            self.report(
                                value_expr,
                                "assignment",
                                format!("Incompatible types in assignment (expression has type \"{value}\", target has type \"{element}\")"),
                            );
                        }
                    }
                }
            }
            other => {
                self.expr(other);
            }
        }
    }

    fn unpack(&mut self, targets: &[Expr], value: Type, value_expr: &Expr) {
        let starred = targets.iter().any(|t| matches!(t, Expr::Starred(_)));
        if let Type::Tuple(items) = &value
            && !starred
        {
            self.unpack_count(items.len(), targets.len(), value_expr);
        }
        match &value {
            Type::Tuple(items) if items.len() == targets.len() && !starred => {
                for (target, item) in targets.iter().zip(items.iter()) {
                    self.assign(target, item.clone(), value_expr);
                }
            }
            _ => {
                let element = match value {
                    Type::Tuple(_) => Type::Any,
                    ref other => self.world.iter_element(other),
                };
                for target in targets {
                    self.assign(target, element.clone(), value_expr);
                }
            }
        }
    }

    /// A fixed tuple of `provided` items unpacked into `expected` targets.
    fn unpack_count(&mut self, provided: usize, expected: usize, at: &impl Ranged) {
        let message = if provided > expected {
            format!("Too many values to unpack ({expected} expected, {provided} provided)")
        } else if provided < expected {
            format!("Need more than {provided} values to unpack ({expected} expected)")
        } else {
            return;
        };
        self.report(at, "misc", message);
    }

    // ----- expressions -------------------------------------------------

    fn expr(&mut self, expr: &Expr) -> Type {
        self.expr_expecting(expr, &Type::Any)
    }

    /// Infers `expr`'s type; `expected` guides empty collections and
    /// lambdas, as mypy's bidirectional inference does.
    fn expr_expecting(&mut self, expr: &Expr, expected: &Type) -> Type {
        if self.depth > MAX_NESTING {
            return Type::Any;
        }
        self.depth += 1;
        let ty = self.expr_inner(expr, expected);
        self.depth -= 1;
        self.track_any(expr, &ty);
        ty
    }

    fn expr_inner(&mut self, expr: &Expr, expected: &Type) -> Type {
        match expr {
            Expr::NumberLiteral(n) => match n.value {
                ast::Number::Int(_) => Type::int(),
                ast::Number::Float(_) => Type::float(),
                ast::Number::Complex { .. } => Type::instance("builtins.complex", []),
            },
            Expr::StringLiteral(_) | Expr::FString(_) => {
                if let Expr::FString(f) = expr {
                    for element in f.value.elements() {
                        if let ast::InterpolatedStringElement::Interpolation(i) = element {
                            self.expr(&i.expression);
                        }
                    }
                }
                Type::str()
            }
            Expr::BytesLiteral(_) => Type::bytes(),
            Expr::BooleanLiteral(_) => Type::bool(),
            Expr::NoneLiteral(_) => Type::None,
            Expr::EllipsisLiteral(_) => Type::Any,
            Expr::Name(n) => {
                self.read_partial(n.id.as_str());
                self.lookup(n.id.as_str()).unwrap_or(Type::Any)
            }
            Expr::Attribute(a) => {
                let receiver = self.expr(&a.value);
                self.attribute(&receiver, a.attr.id.as_str(), expr)
            }
            Expr::Call(c) => {
                let ty = self.call(c);
                // `pow(int, int)`: typeshed's overloads as for `**`.
                if let (Expr::Name(f), [base, exponent]) = (&*c.func, &c.arguments.args[..])
                    && f.id.as_str() == "pow"
                    && c.arguments.keywords.is_empty()
                    && !self.binds_locally("pow")
                    && [base, exponent]
                        .iter()
                        .all(|e| is_int(&self.scratch_type(e)))
                {
                    let ty = int_power(exponent);
                    if matches!(ty, Type::Any) {
                        self.explicit_any.insert(c.range);
                    }
                    return ty;
                }
                // The generic builtins return their arguments' type: one
                // `Any` in, `Any` out (mypy solves the type variable so).
                if let Expr::Name(f) = &*c.func
                    && matches!(f.id.as_str(), "abs" | "max" | "min")
                    && !self.binds_locally(f.id.as_str())
                    && c.arguments.args.iter().any(|a| {
                        self.explicit_any.contains(&a.range())
                            || (self.any_rooted.contains(&a.range()) && matches!(ty, Type::Any))
                    })
                {
                    self.explicit_any.insert(c.range);
                    return Type::Any;
                }
                ty
            }
            Expr::Subscript(s) => self.subscript(s),
            Expr::BinOp(b) => {
                let left = self.expr(&b.left);
                let right = self.expr(&b.right);
                // mypy points at the right operand.
                let ty = self.binary(&left, b.op, &right, b.right.as_ref(), false);
                if matches!(ty, Type::Any)
                    && ([&b.left, &b.right]
                        .iter()
                        .any(|e| self.explicit_any.contains(&e.range()))
                        || (b.op == ast::Operator::Pow && is_int(&left) && is_int(&right)))
                {
                    self.explicit_any.insert(b.range);
                }
                ty
            }
            Expr::UnaryOp(u) => {
                let operand = self.expr(&u.operand);
                let ty = self.unary(u.op, &operand, expr);
                if matches!(ty, Type::Any) && self.explicit_any.contains(&u.operand.range()) {
                    self.explicit_any.insert(u.range);
                }
                ty
            }
            Expr::BoolOp(b) => {
                // Each operand runs under what the earlier ones tell.
                let mut types: Vec<Type> = Vec::with_capacity(b.values.len());
                let mut known: narrow::Narrowing = Vec::new();
                for value in &b.values {
                    types.push(self.under(&known, |c| c.expr(value)));
                    let (positive, negative) = self.under(&known, |c| c.conditions(value));
                    known.extend(match b.op {
                        ast::BoolOp::And => positive,
                        ast::BoolOp::Or => negative,
                    });
                }
                match b.op {
                    ast::BoolOp::Or => {
                        let last = types.len() - 1;
                        Type::union(
                            types
                                .into_iter()
                                .enumerate()
                                .map(|(i, t)| if i < last { without_none(t) } else { t }),
                        )
                    }
                    ast::BoolOp::And => Type::union(types),
                }
            }
            Expr::Compare(c) => {
                let ty = self.compare(c);
                // `x == 1` with `x: Any` is `Any` for mypy (the result of
                // `Any.__eq__`); `is` and `in` give a `bool`.
                if let ([op], true) = (&c.ops[..], self.explicit_any.contains(&c.left.range()))
                    && !matches!(
                        op,
                        ast::CmpOp::Is | ast::CmpOp::IsNot | ast::CmpOp::In | ast::CmpOp::NotIn
                    )
                {
                    self.explicit_any.insert(c.range);
                    return Type::Any;
                }
                ty
            }
            Expr::If(i) => {
                self.expr(&i.test);
                let (positive, negative) = self.conditions(&i.test);
                let body = self.under(&positive, |c| c.expr_expecting(&i.body, expected));
                let orelse = self.under(&negative, |c| c.expr_expecting(&i.orelse, expected));
                Type::union([body, orelse])
            }
            Expr::Named(n) => {
                let value = self.expr(&n.value);
                if let Expr::Name(name) = &*n.target {
                    self.bind(name.id.as_str(), value.clone(), n.value.as_ref(), true);
                }
                value
            }
            Expr::List(l) => {
                let hint = expected_element(expected, "builtins.list");
                let elements: Vec<Type> = l.elts.iter().map(|e| self.element(e, &hint)).collect();
                if self.items_fit(&l.elts, &elements, &hint, "List item") {
                    return Type::list(hint);
                }
                Type::list(self.collection_element(elements, hint))
            }
            Expr::Set(s) => {
                let hint = expected_element(expected, "builtins.set");
                let elements: Vec<Type> = s.elts.iter().map(|e| self.element(e, &hint)).collect();
                Type::set(self.collection_element(elements, hint))
            }
            Expr::Tuple(t) => {
                if t.elts.iter().any(|e| matches!(e, Expr::Starred(_))) {
                    for e in &t.elts {
                        self.expr(e);
                    }
                    return Type::tuple_of(Type::Any);
                }
                Type::Tuple(t.elts.iter().map(|e| self.expr(e)).collect())
            }
            Expr::Dict(d) => {
                let (key_hint, value_hint) = match expected {
                    Type::Instance(name, args) if &**name == "builtins.dict" && args.len() == 2 => {
                        (args[0].clone(), args[1].clone())
                    }
                    _ => (Type::Any, Type::Any),
                };
                let mut keys = Vec::new();
                let mut values = Vec::new();
                for item in &d.items {
                    match &item.key {
                        Some(key) => {
                            keys.push(self.expr_expecting(key, &key_hint));
                            values.push(self.expr_expecting(&item.value, &value_hint));
                        }
                        None => {
                            self.expr(&item.value);
                            keys.push(Type::Any);
                            values.push(Type::Any);
                        }
                    }
                }
                Type::dict(
                    self.collection_element(keys, key_hint),
                    self.collection_element(values, value_hint),
                )
            }
            Expr::ListComp(c) => {
                let element = self.comprehension(&c.generators, |checker| checker.expr(&c.elt));
                Type::list(element)
            }
            Expr::SetComp(c) => {
                let element = self.comprehension(&c.generators, |checker| checker.expr(&c.elt));
                Type::set(element)
            }
            Expr::Generator(g) => {
                let element = self.comprehension(&g.generators, |checker| checker.expr(&g.elt));
                Type::instance("typing.Generator", [element, Type::None, Type::None])
            }
            Expr::DictComp(c) => {
                let (key, value) = self.comprehension_pair(&c.generators, &c.key, &c.value);
                Type::dict(key, value)
            }
            Expr::Lambda(l) => self.lambda(l, expected),
            Expr::Starred(s) => {
                self.expr(&s.value);
                Type::Any
            }
            Expr::Slice(s) => {
                for part in [&s.lower, &s.upper, &s.step].into_iter().flatten() {
                    self.expr(part);
                }
                Type::instance("builtins.slice", [Type::Any, Type::Any, Type::Any])
            }
            Expr::Await(a) => {
                // CPython refuses `await` outside an `async def` when it
                // compiles the module; mypy reports it too.
                let frame = self.frames.last().expect("a frame");
                if self.frames.len() == 1 {
                    self.report(a, "top-level-await", "\"await\" outside function".into());
                } else if !frame.coroutine {
                    self.report(
                        a,
                        "await-not-async",
                        "\"await\" outside coroutine (\"async def\")".into(),
                    );
                }
                self.expr(&a.value);
                Type::Any
            }
            Expr::Yield(y) => {
                if let Some(value) = &y.value {
                    self.expr(value);
                }
                Type::Any
            }
            Expr::YieldFrom(y) => {
                self.expr(&y.value);
                Type::Any
            }
            _ => Type::Any,
        }
    }

    /// With a precise expected element type (from an annotation or a
    /// declared return), reports each item that does not fit, as mypy's
    /// `list-item` errors, and says whether the literal then takes the
    /// expected type (it does once its items are reported).
    fn items_fit(&mut self, exprs: &[Expr], elements: &[Type], hint: &Type, what: &str) -> bool {
        if hint.has_any() || matches!(hint, Type::Any) {
            return false;
        }
        let mut reported = false;
        for (i, (expr, element)) in exprs.iter().zip(elements).enumerate() {
            if !matches!(expr, Expr::Starred(_))
                && !element.has_any()
                && !self.world.is_subtype(element, hint)
            {
                self.report(
                    expr,
                    "list-item",
                    format!("{what} {i} has incompatible type \"{element}\"; expected \"{hint}\""),
                );
                reported = true;
            }
        }
        reported
    }

    fn element(&mut self, expr: &Expr, hint: &Type) -> Type {
        match expr {
            Expr::Starred(s) => {
                let inner = self.expr(&s.value);
                self.world.iter_element(&inner)
            }
            other => self.expr_expecting(other, hint),
        }
    }

    /// A collection literal's element type: the context's when every
    /// element fits it, else the join (`Any` for a vague join, like an
    /// empty literal).
    fn collection_element(&self, elements: Vec<Type>, hint: Type) -> Type {
        if !matches!(hint, Type::Any) && elements.iter().all(|e| self.world.is_subtype(e, &hint)) {
            return hint;
        }
        if elements.is_empty() {
            return Type::Any;
        }
        self.world.join_all(elements)
    }

    fn comprehension(
        &mut self,
        generators: &[ast::Comprehension],
        element: impl FnOnce(&mut Self) -> Type,
    ) -> Type {
        self.frames.push(self.inner_frame());
        self.generators(generators);
        let ty = element(self);
        self.frames.pop();
        ty
    }

    fn comprehension_pair(
        &mut self,
        generators: &[ast::Comprehension],
        key: &Expr,
        value: &Expr,
    ) -> (Type, Type) {
        self.frames.push(self.inner_frame());
        self.generators(generators);
        let pair = (self.expr(key), self.expr(value));
        self.frames.pop();
        pair
    }

    fn inner_frame(&self) -> Frame {
        let outer = self.frames.last().expect("a frame");
        Frame {
            coroutine: outer.coroutine,
            ..Frame::new(outer.returns.clone(), outer.generator)
        }
    }

    fn generators(&mut self, generators: &[ast::Comprehension]) {
        for generator in generators {
            let iterable = self.expr(&generator.iter);
            let element = self.world.iter_element(&iterable);
            self.assign_fresh(&generator.target, element);
            for condition in &generator.ifs {
                self.expr(condition);
                let (positive, _) = self.conditions(condition);
                self.apply(&positive);
            }
        }
    }

    /// Binds a comprehension or lambda variable (never declared: each
    /// iteration may rebind it).
    fn fresh(&mut self, name: &str, ty: Type) {
        let frame = self.frames.last_mut().expect("a frame");
        frame.vars.insert(name.into(), Var::new(ty, false));
        frame.narrowed.remove(name);
    }

    /// Binds comprehension targets without declaration checks.
    fn assign_fresh(&mut self, target: &Expr, value: Type) {
        match target {
            Expr::Name(n) => self.fresh(n.id.as_str(), value),
            Expr::Tuple(t) => {
                if let Type::Tuple(items) = &value
                    && !t.elts.iter().any(|e| matches!(e, Expr::Starred(_)))
                {
                    self.unpack_count(items.len(), t.elts.len(), t);
                }
                let items: Vec<Type> = match &value {
                    Type::Tuple(items) if items.len() == t.elts.len() => items.to_vec(),
                    other => vec![self.world.iter_element(other); t.elts.len()],
                };
                for (e, item) in t.elts.iter().zip(items) {
                    self.assign_fresh(e, item);
                }
            }
            _ => {}
        }
    }

    fn lambda(&mut self, lambda: &ast::ExprLambda, expected: &Type) -> Type {
        let hinted: Option<Arc<Signature>> = match expected {
            Type::Callable(sig) if !sig.any_params => Some(sig.clone()),
            _ => None,
        };
        self.frames.push(self.inner_frame());
        let mut params = Vec::new();
        if let Some(parameters) = &lambda.parameters {
            for (i, p) in parameters.iter_non_variadic_params().enumerate() {
                let ty = hinted
                    .as_ref()
                    .and_then(|h| h.params.get(i))
                    .map_or(Type::Any, |p| p.ty.clone());
                let ty = if ty.has_any() { Type::Any } else { ty };
                self.fresh(p.parameter.name.id.as_str(), ty.clone());
                params.push(Param {
                    name: Some(p.parameter.name.id.as_str().into()),
                    kind: ParamKind::Normal,
                    ty,
                    has_default: p.default.is_some(),
                });
            }
            if parameters.vararg.is_some() || parameters.kwarg.is_some() {
                self.frames.pop();
                self.expr(&lambda.body);
                return Type::Callable(Arc::new(Signature::any_params(Type::Any)));
            }
        }
        let ret = self.expr(&lambda.body);
        self.frames.pop();
        Type::Callable(Arc::new(Signature {
            name: Some("lambda".into()),
            params,
            ret,
            any_params: false,
        }))
    }

    fn attribute(&mut self, receiver: &Type, name: &str, at: &Expr) -> Type {
        match receiver {
            Type::Module(module) => match self.world.db.member(module, name) {
                Some(symbol) => self.symbol_value(&symbol.clone()),
                None => {
                    let sub = format!("{module}.{name}");
                    if self.world.db.modules.contains_key(sub.as_str()) {
                        Type::Module(sub.into())
                    } else {
                        if self.world.db.modules.contains_key(&**module) {
                            self.report(
                                at,
                                "attr-defined",
                                format!("Module \"{module}\" has no attribute \"{name}\""),
                            );
                        }
                        Type::Any
                    }
                }
            },
            // A class's own members, then those of `type` (`list.mro`).
            Type::Class(class) => {
                let metaclass = Type::instance("builtins.type", []);
                match self
                    .world
                    .class_member(class, name)
                    .or_else(|| self.world.instance_member(&metaclass, name))
                {
                    Some(ty) => ty,
                    None => {
                        let known = self.reportable_class(class);
                        self.missing_attribute(at, &format!("type[{}]", short(class)), name, known)
                    }
                }
            }
            Type::Instance(class, _) => match self.world.instance_member(receiver, name) {
                Some(ty) => ty,
                None => {
                    let known = self.reportable_class(class);
                    self.missing_attribute(at, &receiver.to_string(), name, known)
                }
            },
            Type::Tuple(_) => match self.world.instance_member(receiver, name) {
                Some(ty) => ty,
                None => self.missing_attribute(at, &receiver.to_string(), name, true),
            },
            // Functions have the attributes of `function` objects only.
            Type::Callable(_) | Type::Overloaded(_) => {
                let function = Type::instance("builtins.function", []);
                match self.world.instance_member(&function, name) {
                    Some(ty) => ty,
                    None => {
                        let known = self.world.class("builtins.function").is_some();
                        self.missing_attribute(at, &receiver.to_string(), name, known)
                    }
                }
            }
            Type::Union(items) => {
                let found: Vec<Option<Type>> = items
                    .iter()
                    .map(|t| match t {
                        Type::Instance(..) | Type::Tuple(_) => self.world.instance_member(t, name),
                        Type::None => self.world.instance_member(&Type::object(), name),
                        _ => Some(Type::Any),
                    })
                    .collect();
                if found.iter().all(Option::is_none) && !receiver.has_any() {
                    let first = items.first().map(ToString::to_string).unwrap_or_default();
                    self.report(
                        at,
                        "union-attr",
                        format!("Item \"{first}\" of \"{receiver}\" has no attribute \"{name}\""),
                    );
                }
                Type::union(found.into_iter().flatten())
            }
            _ => Type::Any,
        }
    }

    /// `shown` has no attribute `name`: reported where that is certain
    /// (`known`); the attribute's type is then unknown.
    fn missing_attribute(&mut self, at: &Expr, shown: &str, name: &str, known: bool) -> Type {
        if known {
            self.report(
                at,
                "attr-defined",
                format!("\"{shown}\" has no attribute \"{name}\""),
            );
        }
        Type::Any
    }

    /// Whether a missing attribute on this class is certainly an error:
    /// stub classes are complete, user classes may set attributes anywhere.
    fn reportable_class(&self, class: &str) -> bool {
        !class.starts_with("__main__.")
            && self.world.class(class).is_some()
            && self.world.find_member(class, "__getattr__").is_none()
    }

    fn call(&mut self, call: &ast::ExprCall) -> Type {
        if let Some(ty) = self.partial_call(call) {
            return ty;
        }
        let callee = self.expr(&call.func);
        let hints: Vec<Type> = match &callee {
            Type::Callable(sig) => sig.params.iter().map(|p| p.ty.clone()).collect(),
            _ => Vec::new(),
        };
        let mut args = Vec::new();
        for (i, arg) in call.arguments.args.iter().enumerate() {
            let hint = hints.get(i).cloned().unwrap_or(Type::Any);
            match arg {
                Expr::Starred(s) => {
                    let ty = self.expr(&s.value);
                    args.push(Arg {
                        keyword: None,
                        unpacked: true,
                        ty,
                    });
                }
                other => {
                    let ty =
                        self.expr_expecting(other, &if hint.has_any() { Type::Any } else { hint });
                    args.push(plain(ty));
                }
            }
        }
        for keyword in call.arguments.keywords.iter() {
            let ty = self.expr(&keyword.value);
            args.push(Arg {
                keyword: keyword.arg.as_ref().map(|k| k.id.as_str().into()),
                unpacked: keyword.arg.is_none(),
                ty,
            });
        }
        if let Type::Instance(class, _) = &callee
            && !FUNCTION_CLASSES.contains(&&**class)
            && self.world.instance_member(&callee, "__call__").is_none()
            && self.reportable_class(class)
        {
            self.report(call, "operator", format!("\"{callee}\" not callable"));
        }
        let (ret, error) = self.world.call(&callee, &args);
        if let Some(error) = error
            && !matches!(callee, Type::Any | Type::Union(_))
        {
            let name = callee_name(&callee);
            match error {
                CallError::ArgType {
                    index,
                    got,
                    expected,
                } => {
                    let at: &dyn Ranged = call_arg_node(call, index).unwrap_or(call);
                    let (line, col) = self.lines.position(at.start());
                    self.diagnostics.push(Diagnostic {
                        line,
                        col,
                        message: format!("Argument {} to \"{name}\" has incompatible type \"{got}\"; expected \"{expected}\"", index + 1),
                        code: "arg-type",
                    });
                }
                CallError::NoOverload { args } => {
                    let listed: Vec<String> = args.iter().map(|t| format!("\"{t}\"")).collect();
                    let plural = if listed.len() == 1 { "type" } else { "types" };
                    self.report(
                        call,
                        "call-overload",
                        format!(
                            "No overload variant of \"{name}\" matches argument {plural} {}",
                            listed.join(", ")
                        ),
                    );
                }
                CallError::Arity(message) => self.report(call, "call-arg", message),
                CallError::TypeVar { var, got } => self.report(
                    call,
                    "type-var",
                    format!("Value of type variable \"{var}\" of \"{name}\" cannot be \"{got}\""),
                ),
            }
        }
        ret
    }

    fn subscript(&mut self, sub: &ast::ExprSubscript) -> Type {
        let container = self.expr(&sub.value);
        let index = self.expr(&sub.slice);
        match &container {
            Type::Tuple(items) => match tuple_index(&sub.slice, items.len()) {
                Some(i) => items[i].clone(),
                None if matches!(&*sub.slice, Expr::Slice(_)) => {
                    Type::tuple_of(self.world.join_all(items.iter().cloned()))
                }
                None => self.world.join_all(items.iter().cloned()),
            },
            Type::Instance(..) => match self.world.instance_member(&container, "__getitem__") {
                Some(getitem) => {
                    let (ret, error) = self.world.call(&getitem, &[plain(index.clone())]);
                    if error.is_some() && !index.has_any() && !container.has_any() {
                        let expected = match &getitem {
                            Type::Callable(sig) => sig.params.first().map(|p| p.ty.to_string()),
                            _ => None,
                        };
                        match expected {
                            Some(expected) => self.report(
                                sub.slice.as_ref(),
                                "index",
                                format!("Invalid index type \"{index}\" for \"{container}\"; expected type \"{expected}\""),
                            ),
                            None => self.report(
                                sub,
                                "call-overload",
                                format!(
                                    "No overload variant of \"__getitem__\" of \"{}\" matches argument type \"{index}\"",
                                    short(container.class_name().unwrap_or_default())
                                ),
                            ),
                        }
                    }
                    ret
                }
                None => {
                    if let Some(class) = container.class_name()
                        && self.reportable_class(class)
                        && !container.has_any()
                    {
                        self.report(
                            sub,
                            "index",
                            format!("Value of type \"{container}\" is not indexable"),
                        );
                    }
                    Type::Any
                }
            },
            Type::Class(name) => {
                // `list[int]` as a value (in isinstance, say).
                Type::Class(name.clone())
            }
            _ => Type::Any,
        }
    }

    /// `left op right`; `at` is the right operand's expression (mypy points
    /// there).
    fn binary(
        &mut self,
        left: &Type,
        op: ast::Operator,
        right: &Type,
        at: &Expr,
        augmented: bool,
    ) -> Type {
        let (dunder, reflected, inplace) = operator_methods(op);
        let lefts: Vec<Type> = union_members(left);
        let rights: Vec<Type> = union_members(right);
        let mut results = Vec::new();
        let mut failures = 0usize;
        for l in &lefts {
            for r in &rights {
                if op == ast::Operator::Pow && is_int(l) && is_int(r) {
                    results.push(int_power(at));
                    continue;
                }
                match self.binary_one(l, dunder, reflected, augmented.then_some(inplace), r) {
                    Some(ty) => results.push(ty),
                    None => failures += 1,
                }
            }
        }
        // Every member of a union operand must support it.
        if failures > 0 {
            let symbol = operator_symbol(op);
            self.report(
                at,
                "operator",
                format!("Unsupported operand types for {symbol} (\"{left}\" and \"{right}\")"),
            );
            return Type::Any;
        }
        if failures > 0 {
            return Type::Any;
        }
        Type::union(results)
    }

    /// One operand pair: `l.__op__(r)`, then `r.__rop__(l)`; `None` when
    /// both certainly fail.
    fn binary_one(
        &self,
        l: &Type,
        dunder: &str,
        reflected: &str,
        inplace: Option<&str>,
        r: &Type,
    ) -> Option<Type> {
        // `None` is the instance of `NoneType`, which has no arithmetic
        // and no ordering.
        let none = Type::instance("types.NoneType", []);
        let (l, r) = (
            if *l == Type::None { &none } else { l },
            if *r == Type::None { &none } else { r },
        );
        // `Any` inside an operand's type still leaves its class: the
        // dunders' signatures are matched leniently where it stands.
        if !matches!(l, Type::Instance(..) | Type::Tuple(_))
            || !matches!(r, Type::Instance(..) | Type::Tuple(_))
        {
            return Some(Type::Any);
        }
        let attempt = |receiver: &Type, method: &str, operand: &Type| -> Option<Result<Type, ()>> {
            let callee = self.world.instance_member(receiver, method)?;
            let (ret, error) = self.world.call(&callee, &[plain(operand.clone())]);
            Some(if error.is_none() && !is_not_implemented(&ret) {
                Ok(ret)
            } else {
                Err(())
            })
        };
        let mut known = false;
        if let Some(method) = inplace
            && let Some(result) = attempt(l, method, r)
        {
            known = true;
            if let Ok(ty) = result {
                return Some(ty);
            }
        }
        if let Some(result) = attempt(l, dunder, r) {
            known = true;
            if let Ok(ty) = result {
                return Some(ty);
            }
        }
        if let Some(result) = attempt(r, reflected, l) {
            known = true;
            if let Ok(ty) = result {
                return Some(ty);
            }
        }
        let classes_known = [l, r].iter().all(|t| match t {
            Type::Instance(name, _) => self.reportable_class(name),
            _ => true,
        });
        if known || classes_known {
            None
        } else {
            Some(Type::Any)
        }
    }

    fn unary(&mut self, op: ast::UnaryOp, operand: &Type, at: &Expr) -> Type {
        let method = match op {
            ast::UnaryOp::Not => return Type::bool(),
            ast::UnaryOp::USub => "__neg__",
            ast::UnaryOp::UAdd => "__pos__",
            ast::UnaryOp::Invert => "__invert__",
        };
        if operand.has_any() || !matches!(operand, Type::Instance(..)) {
            return Type::Any;
        }
        match self.world.instance_member(operand, method) {
            Some(callee) => self.world.call(&callee, &[]).0,
            None => {
                if let Some(class) = operand.class_name()
                    && self.reportable_class(class)
                {
                    self.report(
                        at,
                        "operator",
                        format!(
                            "Unsupported operand type for unary {} (\"{operand}\")",
                            op.as_str()
                        ),
                    );
                }
                Type::Any
            }
        }
    }

    fn compare(&mut self, c: &ast::ExprCompare) -> Type {
        let mut left = self.expr(&c.left);
        let mut result = Type::bool();
        for (op, right_expr) in c.ops.iter().zip(c.comparators.iter()) {
            let right = match op {
                ast::CmpOp::In | ast::CmpOp::NotIn => self.container_operand(right_expr),
                _ => self.expr(right_expr),
            };
            match op {
                ast::CmpOp::Eq | ast::CmpOp::NotEq => {
                    if self.non_overlapping(&left, &right) {
                        self.report(
                            c,
                            "comparison-overlap",
                            format!("Non-overlapping equality check (left operand type: \"{left}\", right operand type: \"{right}\")"),
                        );
                    }
                }
                ast::CmpOp::In | ast::CmpOp::NotIn => self.containment(&left, &right, c),
                ast::CmpOp::Is | ast::CmpOp::IsNot => {}
                ordering => {
                    let (method, reflected) = match ordering {
                        ast::CmpOp::Lt => ("__lt__", "__gt__"),
                        ast::CmpOp::LtE => ("__le__", "__ge__"),
                        ast::CmpOp::Gt => ("__gt__", "__lt__"),
                        _ => ("__ge__", "__le__"),
                    };
                    let pairs: Vec<(Type, Type)> = union_members(&left)
                        .into_iter()
                        .flat_map(|l| {
                            union_members(&right)
                                .into_iter()
                                .map(move |r| (l.clone(), r))
                        })
                        .collect();
                    let failures = pairs
                        .iter()
                        .filter(|(l, r)| self.binary_one(l, method, reflected, None, r).is_none())
                        .count();
                    // Every member of a union operand must support it.
                    if failures > 0 {
                        self.report(
                            c,
                            "operator",
                            format!(
                                "Unsupported operand types for {} (\"{left}\" and \"{right}\")",
                                op.as_str()
                            ),
                        );
                    }
                    if c.ops.len() == 1 && failures == 0 {
                        result = match self.binary_one(&left, method, reflected, None, &right) {
                            Some(Type::Any) | None => Type::bool(),
                            Some(ty) => ty,
                        };
                    }
                }
            }
            left = right;
        }
        result
    }

    /// mypy's strict equality: both sides precise and no value can be
    /// both (`int` vs `str`); numbers overlap each other, containers of
    /// one class overlap, and `None` is left alone.
    fn non_overlapping(&self, left: &Type, right: &Type) -> bool {
        // A function is a function whatever `Any` its signature holds.
        let vague = |t: &Type| !matches!(t, Type::Callable(_) | Type::Overloaded(_)) && t.has_any();
        if vague(left) || vague(right) {
            return false;
        }
        // A fixed tuple compares as a `tuple`, a function as a `function`
        // (two of a kind are left alone: mypy compares their items).
        let as_instance = |t: &Type| match t {
            Type::Instance(name, _) if !name.starts_with("__main__.") => Some(t.clone()),
            Type::Tuple(items) => Some(Type::instance(
                "builtins.tuple",
                [self.world.join_all(items.iter().cloned())],
            )),
            Type::Callable(_) | Type::Overloaded(_) => {
                Some(Type::instance("builtins.function", []))
            }
            _ => None,
        };
        let (Some(left), Some(right)) = (as_instance(left), as_instance(right)) else {
            return false;
        };
        let (left, right) = (&left, &right);
        let builtin_kind =
            |t: &Type| matches!(t.class_name(), Some("builtins.tuple" | "builtins.function"));
        if builtin_kind(left) && builtin_kind(right) && left.class_name() == right.class_name() {
            return false;
        }
        // A function may equal an instance of a class with `__call__`.
        let callable = |t: &Type| self.world.instance_member(t, "__call__").is_some();
        if (left.class_name() == Some("builtins.function") && callable(right))
            || (right.class_name() == Some("builtins.function") && callable(left))
        {
            return false;
        }
        let numeric = |t: &Type| {
            matches!(
                t.class_name(),
                Some("builtins.int" | "builtins.float" | "builtins.complex" | "builtins.bool")
            )
        };
        if numeric(left) && numeric(right) {
            return false;
        }
        let (ln, rn) = (
            left.class_name().unwrap_or_default(),
            right.class_name().unwrap_or_default(),
        );
        let related = self.world.map_to_base(ln, left.args(), rn).is_some()
            || self.world.map_to_base(rn, right.args(), ln).is_some();
        if related {
            return false;
        }
        // Protocols and classes with a custom __eq__ may compare equal to
        // anything.
        let custom_eq = |name: &str| {
            self.world.class(name).is_none_or(|c| c.is_protocol)
                || self
                    .world
                    .find_member(name, "__eq__")
                    .is_some_and(|(_, owner)| {
                        &*owner != "builtins.object" && !owner.starts_with("builtins.")
                    })
        };
        !(custom_eq(ln) || custom_eq(rn))
    }

    fn containment(&mut self, element: &Type, container: &Type, at: &ast::ExprCompare) {
        if element.has_any() || container.has_any() {
            return;
        }
        let item = match container {
            Type::Instance(name, _) if matches!(&**name, "builtins.str" | "builtins.bytes") => {
                return;
            }
            Type::Instance(..) | Type::Tuple(_) => self.world.iter_element(container),
            _ => return,
        };
        if self.non_overlapping(element, &item) {
            self.report(
                at,
                "comparison-overlap",
                format!("Non-overlapping container check (element type: \"{element}\", container item type: \"{item}\")"),
            );
        }
    }
}

/// The name a statement defines in a way mypy will not let a sibling
/// define again: an undecorated `def`, or an annotated name.
fn definition(stmt: &Stmt) -> Option<&str> {
    match stmt {
        Stmt::FunctionDef(f) if f.decorator_list.is_empty() => Some(f.name.id.as_str()),
        Stmt::AnnAssign(a) => match &*a.target {
            Expr::Name(n) => Some(n.id.as_str()),
            _ => None,
        },
        _ => None,
    }
}

/// What mypy's `disallow_untyped_defs` says of a function's annotations.
fn missing_annotations(def: &ast::StmtFunctionDef) -> Vec<&'static str> {
    let p = &def.parameters;
    let mut annotated = p
        .posonlyargs
        .iter()
        .chain(&p.args)
        .chain(&p.kwonlyargs)
        .map(|a| a.parameter.annotation.is_some())
        .chain(
            [&p.vararg, &p.kwarg]
                .into_iter()
                .flatten()
                .map(|a| a.annotation.is_some()),
        );
    let all = annotated.clone().all(|a| a);
    let none = !annotated.any(|a| a);
    match (def.returns.is_some(), none, all) {
        (false, true, _) if p.is_empty() => vec!["Function is missing a return type annotation"],
        (false, true, _) => vec!["Function is missing a type annotation"],
        (returns, _, all) => {
            let mut messages = Vec::new();
            if !returns {
                messages.push("Function is missing a return type annotation");
            }
            if !all {
                messages.push("Function is missing a type annotation for one or more parameters");
            }
            messages
        }
    }
}

/// Why an annotation is no type, where mypy says so whatever the names
/// in it mean: a string that does not parse as one, a literal value, a
/// call or another expression no type is written with.
fn invalid_annotation(annotation: &Expr) -> Option<String> {
    let invalid = || Some("Invalid type comment or annotation".to_owned());
    match annotation {
        Expr::StringLiteral(s) => match ruff_python_parser::parse_expression(s.value.to_str()) {
            Ok(parsed) => invalid_annotation(parsed.expr()),
            Err(_) => invalid(),
        },
        Expr::NumberLiteral(ast::ExprNumberLiteral {
            value: ast::Number::Int(i),
            ..
        }) => Some(format!("Invalid type: try using Literal[{i}] instead?")),
        Expr::BooleanLiteral(b) => Some(format!(
            "Invalid type: try using Literal[{}] instead?",
            if b.value { "True" } else { "False" }
        )),
        Expr::NumberLiteral(_) => invalid(),
        Expr::List(_) => Some("Bracketed expression \"[...]\" is not valid as a type".to_owned()),
        Expr::BinOp(b) if b.op == ast::Operator::BitOr => {
            invalid_annotation(&b.left).or_else(|| invalid_annotation(&b.right))
        }
        // The forms a type is written in (whether the names in them are
        // types is the resolver's business).
        Expr::Name(_)
        | Expr::Attribute(_)
        | Expr::Subscript(_)
        | Expr::NoneLiteral(_)
        | Expr::EllipsisLiteral(_)
        | Expr::Starred(_)
        | Expr::Tuple(_) => None,
        _ => invalid(),
    }
}

fn plain(ty: Type) -> Arg {
    Arg {
        keyword: None,
        unpacked: false,
        ty,
    }
}

/// Whether a first assignment fixes a variable's type, as mypy's
/// inference does: precise types yes; `None`, `Any`-bearing and empty
/// collections stay open (mypy's partial types).
fn is_declarable(ty: &Type) -> bool {
    !ty.has_any()
        && !matches!(
            ty,
            Type::None | Type::Callable(_) | Type::Overloaded(_) | Type::Module(_) | Type::Class(_)
        )
}

fn without_none(ty: Type) -> Type {
    match ty {
        Type::Union(items) => Type::union(items.iter().filter(|t| **t != Type::None).cloned()),
        other => other,
    }
}

fn union_members(ty: &Type) -> Vec<Type> {
    match ty {
        Type::Union(items) => items.to_vec(),
        other => vec![other.clone()],
    }
}

fn is_not_implemented(ty: &Type) -> bool {
    ty.is_instance_of("builtins._NotImplementedType")
}

fn expected_element(expected: &Type, class: &str) -> Type {
    match expected {
        Type::Instance(name, args) if &**name == class && args.len() == 1 => args[0].clone(),
        Type::Instance(name, args)
            if args.len() == 1
                && matches!(
                    &**name,
                    "typing.Iterable"
                        | "typing.Sequence"
                        | "typing.Collection"
                        | "typing.AbstractSet"
                        | "typing.MutableSequence"
                ) =>
        {
            args[0].clone()
        }
        _ => Type::Any,
    }
}

/// An `int` (or `bool`) instance.
fn is_int(t: &Type) -> bool {
    t.is_instance_of("builtins.int") || t.is_instance_of("builtins.bool")
}

/// `int ** int` as mypy types it: typeshed's overloads of `int.__pow__`
/// take literal exponents — a non-negative one gives `int`, a negative one
/// `float` — and any other `int` gives `Any` (the checker has no literal
/// types, so it reads the exponent's expression).
fn int_power(exponent: &Expr) -> Type {
    match exponent {
        Expr::NumberLiteral(n) if matches!(n.value, ast::Number::Int(_)) => Type::int(),
        Expr::UnaryOp(u) if u.op == ast::UnaryOp::USub => match &*u.operand {
            Expr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) if i.as_u64() == Some(0) => Type::int(),
                ast::Number::Int(_) => Type::float(),
                _ => Type::Any,
            },
            _ => Type::Any,
        },
        _ => Type::Any,
    }
}

fn tuple_index(slice: &Expr, len: usize) -> Option<usize> {
    let value: i64 = match slice {
        Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => i.as_i64()?,
            _ => return None,
        },
        Expr::UnaryOp(u) if u.op == ast::UnaryOp::USub => match &*u.operand {
            Expr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => -(i.as_i64()?),
                _ => return None,
            },
            _ => return None,
        },
        _ => return None,
    };
    let index = if value < 0 { len as i64 + value } else { value };
    (0..len as i64).contains(&index).then_some(index as usize)
}

fn callee_name(callee: &Type) -> String {
    match callee {
        Type::Callable(sig) => sig.name.as_deref().unwrap_or("function").to_owned(),
        Type::Overloaded(sigs) => sigs
            .first()
            .and_then(|s| s.name.as_deref())
            .unwrap_or("function")
            .to_owned(),
        Type::Class(name) => short(name).to_owned(),
        other => other.to_string(),
    }
}

fn call_arg_node(call: &ast::ExprCall, index: usize) -> Option<&dyn Ranged> {
    let positional = call.arguments.args.len();
    if index < positional {
        Some(&call.arguments.args[index])
    } else {
        call.arguments
            .keywords
            .get(index - positional)
            .map(|k| &k.value as &dyn Ranged)
    }
}

fn operator_methods(op: ast::Operator) -> (&'static str, &'static str, &'static str) {
    use ast::Operator::*;
    match op {
        Add => ("__add__", "__radd__", "__iadd__"),
        Sub => ("__sub__", "__rsub__", "__isub__"),
        Mult => ("__mul__", "__rmul__", "__imul__"),
        MatMult => ("__matmul__", "__rmatmul__", "__imatmul__"),
        Div => ("__truediv__", "__rtruediv__", "__itruediv__"),
        Mod => ("__mod__", "__rmod__", "__imod__"),
        Pow => ("__pow__", "__rpow__", "__ipow__"),
        LShift => ("__lshift__", "__rlshift__", "__ilshift__"),
        RShift => ("__rshift__", "__rrshift__", "__irshift__"),
        BitOr => ("__or__", "__ror__", "__ior__"),
        BitXor => ("__xor__", "__rxor__", "__ixor__"),
        BitAnd => ("__and__", "__rand__", "__iand__"),
        FloorDiv => ("__floordiv__", "__rfloordiv__", "__ifloordiv__"),
    }
}

fn operator_symbol(op: ast::Operator) -> &'static str {
    op.as_str()
}

fn contains_yield(body: &[Stmt]) -> bool {
    use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
    struct Finder(bool);
    impl<'b> Visitor<'b> for Finder {
        fn visit_stmt(&mut self, stmt: &'b Stmt) {
            if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'b Expr) {
            match expr {
                Expr::Yield(_) | Expr::YieldFrom(_) => self.0 = true,
                Expr::Lambda(_) => {}
                _ => walk_expr(self, expr),
            }
        }
    }
    let mut finder = Finder(false);
    for stmt in body {
        finder.visit_stmt(stmt);
    }
    finder.0
}
