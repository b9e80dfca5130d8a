//! Statements: a module's and a block's statements walked in order —
//! assignments and their targets, imports, loops, `with`, `try`, `match`
//! and the module-level checks (redefinitions, undefined names).
//!
//! Functions (their bodies and returns) are in [`functions`](super::functions);
//! the expressions statements hold are in [`expressions`](super::expressions).

use std::collections::HashMap;
use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::access::plain;
use super::scope::{PROBE, Var};
use super::{Checker, Diagnostic, MAX_NESTING, any};
use crate::stubs::{Resolver, Symbol, TypeDb};
use crate::types::{Name, ParamKind, Type};

/// What `from module import name` binds: the stubs' symbol, or a foreign
/// one (`Any`) for a module they lack and for a relative import (`from .
/// import abc`, `from .x import y`: the package's own modules, never the
/// standard library's of that name).
pub(super) fn imported_symbol(db: &TypeDb, from: &ast::StmtImportFrom, name: &str) -> Symbol {
    let module = from.module.as_ref().map_or("", |m| m.id.as_str());
    if from.level == 0
        && let Some(symbol) = db.member(module, name)
    {
        return symbol.clone();
    }
    let dots = ".".repeat(from.level as usize);
    Symbol::Foreign(format!("{dots}{module}.{name}").into())
}

/// Whether a class's definition adds no attribute its body and methods do
/// not show: no decorator but those that add none (or only the fields its
/// body annotates, `@dataclass`; `@unique` checks an enumeration's), no
/// class keyword but `metaclass=`.
fn plainly_defined(def: &ast::StmtClassDef) -> bool {
    def.decorator_list.iter().all(|d| {
        crate::stubs::decorator_name(&d.expression).is_some_and(|name| {
            matches!(name, "dataclass" | "unique")
                || super::dataclasses::NEUTRAL_DECORATORS.contains(&name)
        })
    }) && def
        .keywords()
        .iter()
        .all(|k| k.arg.as_ref().is_some_and(|a| a.id.as_str() == "metaclass"))
}

/// Whether `module` (a stub module whose names are all known) binds
/// nothing called `name`: no member, no submodule, no attribute every
/// module has (`__name__`).
pub(super) fn lacks_attribute(db: &TypeDb, module: &str, name: &str) -> bool {
    let Some(names) = db.module_names.get(module) else {
        return false;
    };
    let dunder = name.starts_with("__") && name.ends_with("__");
    !(name == "*"
        || dunder
        || names.contains(name)
        || db.modules.contains_key(format!("{module}.{name}").as_str()))
}

/// Names the statements of a block so far defined (a plain `def`, an
/// annotated name), with the line: mypy's `no-redef` for a second one.
/// Only siblings are compared: defining a name in both branches of an
/// `if` is allowed. Persistent, so a resumable walk keeps it cheaply.
pub(super) type Defined = im::HashMap<Name, u32>;

impl Checker<'_> {
    /// `from module import name` of a name the stub module does not bind
    /// (for this Python: `from typing import override` before 3.12).
    fn missing_module_attributes(&mut self, from: &ast::StmtImportFrom) {
        let Some(module) = from.module.as_ref().filter(|_| from.level == 0) else {
            return;
        };
        for alias in &from.names {
            let name = alias.name.id.as_str();
            if lacks_attribute(self.world.db, module.id.as_str(), name) {
                self.report(
                    from,
                    "attr-defined",
                    format!("Module \"{}\" has no attribute \"{name}\"", module.id),
                );
            }
        }
    }

    /// A module: its imports, classes and function signatures first, then
    /// its statements in order.
    pub(super) fn module(&mut self, body: &[Stmt]) {
        self.declare_module_names(body);
        self.block(body);
    }

    /// The declarations a module makes before its statements are walked:
    /// imports, classes, then function signatures.
    pub(super) fn declare_module_names(&mut self, body: &[Stmt]) {
        // Imports and classes first, then function signatures: a module's
        // functions may call each other in any order.
        for stmt in body {
            match stmt {
                Stmt::Import(_) | Stmt::ImportFrom(_) => self.stmt(stmt),
                Stmt::FunctionDef(f) if crate::stubs::is_identity_function(f) => {
                    self.symbols
                        .insert(f.name.id.as_str().into(), Symbol::IdentityDecorator);
                }
                // The functional `TypedDict("T", {...})` makes a class that
                // stands for `Any`, as the class form does.
                // So does an alias of a `TypedDict` (`Base1 = Base`, `A1 =
                // A[T]`, `Base2: TypeAlias = Base`).
                Stmt::Assign(a)
                    if matches!((a.targets.as_slice(), &*a.value),
                        ([Expr::Name(_)], Expr::Call(call))
                            if crate::stubs::decorator_name(&call.func) == Some("TypedDict"))
                        || (matches!(a.targets.as_slice(), [Expr::Name(_)])
                            && self.names_typed_dict(&a.value)) =>
                {
                    if let [Expr::Name(n)] = a.targets.as_slice() {
                        self.symbols
                            .insert(n.id.as_str().into(), Symbol::Alias(Type::Any));
                    }
                }
                Stmt::AnnAssign(a)
                    if matches!(&*a.target, Expr::Name(_))
                        && a.value.as_deref().is_some_and(|v| self.names_typed_dict(v)) =>
                {
                    if let Expr::Name(n) = &*a.target {
                        self.symbols
                            .insert(n.id.as_str().into(), Symbol::Alias(Type::Any));
                    }
                }
                Stmt::Assign(a) => {
                    if let ([Expr::Name(n)], Expr::Call(call)) = (a.targets.as_slice(), &*a.value) {
                        let defaulted = crate::stubs::has_keyword(call, "default");
                        let symbol = if matches!(
                            crate::stubs::decorator_name(&call.func),
                            Some("ParamSpec" | "TypeVarTuple")
                        ) {
                            Symbol::UserVariadic(defaulted)
                        } else if let Some(variance) = crate::stubs::declared_variance(call) {
                            // A name the builtins stubs also give a type
                            // variable (`_T`) is read as that one, as before.
                            match self.world.db.member("builtins", n.id.as_str()) {
                                Some(Symbol::TypeVar(_)) if !defaulted => Symbol::TypeVar(variance),
                                _ => Symbol::UserTypeVar(variance, defaulted),
                            }
                        } else {
                            continue;
                        };
                        self.symbols.insert(n.id.as_str().into(), symbol);
                    }
                }
                Stmt::ClassDef(c) => {
                    let resolver = Resolver::with_locals(self.world.db, &self.symbols);
                    let symbol = if resolver.is_typed_dict(c) {
                        Symbol::Alias(Type::Any)
                    } else {
                        Symbol::Class(format!("__main__.{}", c.name.id).into())
                    };
                    self.symbols.insert(c.name.id.as_str().into(), symbol);
                }
                _ => {}
            }
        }
        self.declare_type_aliases(body);
        self.declare_forward_bases(body);
        for stmt in body {
            if let Stmt::ClassDef(c) = stmt
                && matches!(self.symbols.get(c.name.id.as_str()), Some(Symbol::Class(_)))
            {
                let mut info = self.user_class(c);
                // Bases defined before the class have their flags final
                // (those named before their definition, from
                // `declare_forward_bases`).
                (info.any_base, info.synthesized_init) =
                    info.inherited_flags(|n| self.world.class(n));
                // A class whose body holds a scope's probe is still being
                // written: until it has an `__init__` or `__new__`, one may
                // come after the method calling `cls(...)`, so its
                // constructor takes any arguments.
                info.open = self.lines.source[c.range()].contains(PROBE);
                // Every name the body binds must be a member (a nested
                // class, a type variable, a loop's target are none).
                let mut body_members = true;
                crate::flow::each_binding(&c.body, &mut |name| {
                    body_members &= info.members.contains_key(name);
                });
                info.attributes_known = !info.open
                    && !info.any_base
                    && !info.is_protocol
                    && body_members
                    && plainly_defined(c)
                    && (info.metaclass.is_some() || c.keywords().is_empty());
                self.declare_dataclass_init(c, &mut info);
                self.declare_named_tuple_init(c, &mut info);
                self.declare_enum_members(c, &mut info);
                self.declare_method_attributes(c, &mut info);
                info.synthesized_init |= info.open
                    && !c.body.iter().any(|s| {
                        matches!(s, Stmt::FunctionDef(f) if matches!(f.name.id.as_str(), "__init__" | "__new__"))
                    });
                self.world.user.insert(info.name.clone(), info);
            }
        }
        // A function declared by `@overload`s is called through them, not
        // through its implementation (the next plain `def`).
        // One also defined in a nested block (overloads under `if
        // sys.version_info`, which mypy merges) is passed through.
        let nested = nested_definitions(body);
        let mut overloads: HashMap<&str, Vec<crate::types::Signature>> = HashMap::new();
        let mut poisoned = std::collections::HashSet::new();
        for stmt in body {
            if let Stmt::FunctionDef(f) = stmt {
                let name = f.name.id.as_str();
                let sig = self.resolver().signature(f, Some(name));
                // A decorator not modelled makes the name `Any` (all of
                // it, when it is one of several overloads).
                let plain = crate::stubs::plainly_decorated(f, |n| {
                    matches!(self.symbols.get(n), Some(Symbol::IdentityDecorator))
                });
                if !plain || poisoned.contains(name) {
                    if is_overload(f) {
                        poisoned.insert(name);
                    }
                    overloads.remove(name);
                    self.declare(name, Type::Any);
                } else if is_overload(f) && nested.contains(name) {
                    overloads.insert(name, Vec::new());
                    self.declare(name, Type::Any);
                } else if is_overload(f) {
                    let sigs = overloads.entry(name).or_default();
                    sigs.push(sig);
                    self.declare(name, Type::Overloaded(sigs.clone().into()));
                } else if overloads.remove(name).is_none() {
                    self.declare(name, Type::Callable(Arc::new(sig)));
                }
            }
        }
    }

    /// Where a class derives from one the module defines further down
    /// (which mypy allows; CPython does not run it): every class is first
    /// declared as its text reads, and the flags inherited (`any_base`,
    /// `synthesized_init`) taken on until none changes, so that a class
    /// declared before its base still gets the base's.
    fn declare_forward_bases(&mut self, body: &[Stmt]) {
        let classes: Vec<&ast::StmtClassDef> = body
            .iter()
            .filter_map(|stmt| match stmt {
                Stmt::ClassDef(c)
                    if matches!(self.symbols.get(c.name.id.as_str()), Some(Symbol::Class(_))) =>
                {
                    Some(c)
                }
                _ => None,
            })
            .collect();
        let forward = classes.iter().enumerate().any(|(i, c)| {
            c.bases().iter().any(|base| {
                let head = match base {
                    Expr::Subscript(s) => &*s.value,
                    other => other,
                };
                matches!(head, Expr::Name(n) if classes[i..].iter().any(|later| later.name.id == n.id))
            })
        });
        if !forward {
            return;
        }
        for def in &classes {
            let info = self.user_class(def);
            self.world.user.insert(info.name.clone(), info);
        }
        for _ in 0..=classes.len() {
            let mut changed = false;
            for def in &classes {
                let name: Name = format!("__main__.{}", def.name.id).into();
                let Some(info) = self.world.user.get(&name) else {
                    continue;
                };
                let flags = info.inherited_flags(|n| self.world.class(n));
                if flags != (info.any_base, info.synthesized_init)
                    && let Some(info) = self.world.user.get_mut(&name)
                {
                    (info.any_base, info.synthesized_init) = flags;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Whether `expr` calls a function with an argument for a parameter
    /// typed `NoReturn` (`def assert_never(x: NoReturn) -> None`).
    fn passes_never(&self, expr: &Expr) -> bool {
        let Expr::Call(call) = expr else {
            return false;
        };
        // A plain name only: reading the callee again has no effect then
        // (an attribute's receiver may be a partial type a read settles).
        let Expr::Name(callee) = &*call.func else {
            return false;
        };
        let Some(Type::Callable(sig)) = self.lookup(callee.id.as_str()) else {
            return false;
        };
        let positional = sig
            .params
            .iter()
            .filter(|p| matches!(p.kind, ParamKind::Positional | ParamKind::Normal));
        positional
            .zip(call.arguments.args.iter())
            .any(|(p, arg)| p.ty == Type::Never && !matches!(arg, Expr::Starred(_)))
    }

    fn user_class(&self, def: &ast::StmtClassDef) -> crate::stubs::ClassInfo {
        let mut info = Resolver::with_locals(self.world.db, &self.symbols).class(def);
        info.name = format!("__main__.{}", def.name.id).into();
        // A name the class body assigns without an annotation (`attr =
        // Desc()`, `MAX = 3`) is a member of a type the declarations do
        // not infer: `Any`, so that a protocol naming it finds it; unless
        // a base declares it (mypy types `x = []` by the base's `x`), it
        // names a method of the class (`__add__ = add`: that method), or
        // it is a dunder set to `None` (`__hash__ = None`: no such
        // method). A type variable declared in the body is none.
        for stmt in &def.body {
            let Stmt::Assign(a) = stmt else { continue };
            if matches!(&*a.value, Expr::Call(call) if crate::stubs::declared_variance(call).is_some())
            {
                continue;
            }
            for target in &a.targets {
                let Expr::Name(n) = target else { continue };
                let name = n.id.as_str();
                let inherited = info.bases.iter().any(|base| {
                    matches!(base, Type::Instance(b, _) if self.world.find_member(b, name).is_some())
                });
                if info.members.contains_key(name) || inherited {
                    continue;
                }
                let member = match &*a.value {
                    Expr::Name(source) => info.members.get(source.id.as_str()).cloned(),
                    Expr::NoneLiteral(_) if name.starts_with("__") && name.ends_with("__") => {
                        Some(crate::stubs::Member::Attribute(Type::None))
                    }
                    _ => None,
                };
                info.members.insert(
                    name.into(),
                    member.unwrap_or(crate::stubs::Member::Attribute(Type::Any)),
                );
            }
        }
        info
    }

    /// `nonlocal` (`global`: `module`) names: in this function they are
    /// the enclosing function's (the module's) variables, of the type
    /// declared there, which an assignment here must fit — not new
    /// variables typed by their first value here.
    fn share_outer<'n>(&mut self, names: impl Iterator<Item = &'n str>, module: bool) {
        let inner = self.frames.len() - 1;
        if inner == 0 {
            return;
        }
        for name in names {
            let outer = if module {
                self.frames[0].vars.get(name)
            } else {
                self.frames[1..inner]
                    .iter()
                    .rev()
                    .find_map(|f| f.vars.get(name))
            };
            // One first bound to `None` or an empty collection there and
            // not annotated is mypy's partial type, which an assignment
            // here may still complete: left as it was.
            let Some(var) = outer
                .filter(|v| v.annotated || (v.ty != Type::None && v.partial.is_none()))
                .cloned()
            else {
                continue;
            };
            let frame = self.frame_mut();
            frame.vars.insert(
                name.into(),
                Var {
                    declared: true,
                    partial: None,
                    ..var
                },
            );
            frame.narrowed.remove(name);
            frame.untouched.remove(name);
        }
    }

    /// Whether `value` names a class that stands for `Any` as a
    /// `TypedDict` does (`Base`, `A[T]`), so that a name bound to it is an
    /// alias of one.
    fn names_typed_dict(&self, value: &Expr) -> bool {
        let name = match value {
            Expr::Subscript(s) => &*s.value,
            other => other,
        };
        matches!(name, Expr::Name(source)
            if matches!(self.symbols.get(source.id.as_str()), Some(Symbol::Alias(Type::Any))))
    }

    /// A block's statements in order, with mypy's `no-redef` for a name
    /// two of them define.
    pub(super) fn block(&mut self, body: &[Stmt]) {
        let dead = std::mem::replace(&mut self.frame_mut().dead, false);
        let mut defined = Defined::new();
        for stmt in body {
            self.block_stmt(stmt, &mut defined);
        }
        self.frame_mut().dead = dead;
    }

    /// A block no path reaches, walked as unreachable code is: nothing in
    /// it is checked (a scope's probe is still taken).
    fn unreachable_block(&mut self, body: &[Stmt]) {
        let dead = std::mem::replace(&mut self.frame_mut().dead, true);
        let mut defined = Defined::new();
        for stmt in body {
            self.block_stmt(stmt, &mut defined);
        }
        self.frame_mut().dead = dead;
    }

    fn frame_mut(&mut self) -> &mut super::scope::Frame {
        self.frames.last_mut().expect("a frame")
    }

    /// One statement of a block whose earlier statements defined
    /// `defined`.
    pub(super) fn block_stmt(&mut self, stmt: &Stmt, defined: &mut Defined) {
        // mypy does not check unreachable statements (the probe of a scope
        // is still taken: what is written there is not checked either).
        if self.frames.last().is_some_and(|f| f.dead) {
            if matches!(stmt, Stmt::Assign(a) if matches!(a.targets.as_slice(), [Expr::Name(n)] if n.id.as_str() == PROBE))
            {
                self.capture_scope();
            }
            return;
        }
        self.block_stmt_reachable(stmt, defined);
        // What follows a statement no path goes on from is unreachable
        // (a call of a `NoReturn` function aside: the checker's `Any`
        // calls look the same); a `break` or `continue` leaves too, also
        // from every branch of an `if` or a `try`.
        if !crate::flow::reaches_next(std::slice::from_ref(stmt), &|_| false) {
            self.frame_mut().dead = true;
        }
    }

    fn block_stmt_reachable(&mut self, stmt: &Stmt, defined: &mut Defined) {
        // Reported as the statement is reached, not where the module's
        // imports are declared ahead of its statements (a module
        // checkpoint keeps what the declarations report).
        if let Stmt::ImportFrom(i) = stmt {
            self.missing_module_attributes(i);
        }
        // mypy lets functions named `_` be defined again and again
        // (registration decorators: `@singledispatch`'s `@f.register`).
        if let Some(name) =
            definition(stmt).filter(|&name| !(name == "_" && matches!(stmt, Stmt::FunctionDef(_))))
        {
            let line = self.lines.position(stmt.start()).0;
            match defined.get(name) {
                Some(first) => self.report(
                    stmt,
                    "no-redef",
                    format!("Name \"{name}\" already defined on line {first}"),
                ),
                None => {
                    defined.insert(name.into(), line);
                }
            }
        }
        self.stmt(stmt);
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
                self.missing_base_type_args(c);
                for inner in &c.body {
                    match inner {
                        Stmt::FunctionDef(f) => self.method(c, f),
                        Stmt::AnnAssign(a) if invalid_annotation(&a.annotation).is_none() => {
                            self.missing_type_args(&a.annotation);
                        }
                        _ => {}
                    }
                }
            }
            Stmt::Return(r) => self.return_stmt(r),
            Stmt::Break(_) => self.leave_iteration(true),
            Stmt::Continue(_) => self.leave_iteration(false),
            Stmt::Assign(a) if matches!(a.targets.as_slice(), [Expr::Name(n)] if n.id.as_str() == PROBE) =>
            {
                self.capture_scope();
            }
            Stmt::Assign(a) => {
                if let Expr::Call(call) = &*a.value
                    && crate::stubs::declared_variance(call).is_some()
                {
                    self.type_var_type_args(call);
                }
                self.bare_starred(&a.value);
                // `x = e  # type: T` is `x: T = e` to mypy; a type comment
                // on any other target passes the targets through.
                if let Some(comment) = self.type_comment_after(a.end(), false) {
                    match (a.targets.as_slice(), parse_type_comment(comment)) {
                        ([target @ Expr::Name(_)], Some(annotation)) => {
                            self.annotated(target, &annotation, Some(&a.value));
                        }
                        _ => {
                            self.expr(&a.value);
                            for target in &a.targets {
                                self.assign(target, Type::Any, &a.value);
                            }
                        }
                    }
                    return;
                }
                // A declared variable's type is the value's context, as in
                // its annotated assignment (`xs = [a]` with `xs:
                // list[A | None]`).
                let declared = match a.targets.as_slice() {
                    [Expr::Name(n)] => self.declared_type(n.id.as_str()),
                    [Expr::Attribute(target)] => self.declared_member(target),
                    // A chained assignment (`run_vars = cache[key] = {}`):
                    // mypy infers the value once, in the context of the
                    // last target that has a type.
                    [_, _, ..] => a.targets.iter().rev().find_map(|t| self.target_type(t)),
                    _ => None,
                };
                // Another target whose type is unknown here (an `Any`, a
                // class the stubs lack) may have given the value a context
                // mypy knows: the names it binds are not partial then.
                let untyped_context = declared.is_none()
                    && a.targets
                        .iter()
                        .any(|t| matches!(t, Expr::Subscript(_) | Expr::Attribute(_)));
                let value = match declared {
                    Some(declared) => self.expr_expecting(&a.value, &declared),
                    None => self.expr(&a.value),
                };
                for target in &a.targets {
                    match target {
                        Expr::Name(n) if untyped_context => {
                            self.bind(n.id.as_str(), value.clone(), &*a.value, true);
                        }
                        _ => self.assign(target, value.clone(), &a.value),
                    }
                }
                if let [Expr::Attribute(target)] = a.targets.as_slice() {
                    self.check_member_assignment(target, &value, &a.value);
                }
            }
            Stmt::AnnAssign(a) => {
                match invalid_annotation(&a.annotation) {
                    Some(message) => self.report(a.annotation.as_ref(), "valid-type", message),
                    None => self.missing_type_args(&a.annotation),
                }
                self.annotated(&a.target, &a.annotation, a.value.as_deref());
            }
            Stmt::AugAssign(a) => {
                if self.partial_augment(a) {
                    return;
                }
                let current = self.expr(&a.target);
                let value = self.expr(&a.value);
                let (result, _) = self.binary(&current, a.op, &value, a.value.as_ref(), true);
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
                // A type comment on the header (`for x in xs:  # type: T`)
                // passes the targets through.
                let element = match self.type_comment_after(f.iter.end(), true) {
                    Some(_) => Type::Any,
                    None => element,
                };
                self.assign(&f.target, element, &f.iter);
                self.loop_body(None, &f.body, &f.orelse);
            }
            Stmt::While(w) => {
                self.expr(&w.test);
                self.loop_body(Some(&w.test), &w.body, &w.orelse);
            }
            Stmt::If(i) => self.if_stmt(i),
            Stmt::With(w) => {
                // A type comment on the header passes the targets through.
                let commented = w.items.last().is_some_and(|item| {
                    let end = item.optional_vars.as_ref().map_or(item.end(), |v| v.end());
                    self.type_comment_after(end, true).is_some()
                });
                for item in &w.items {
                    let ctx = self.expr(&item.context_expr);
                    if let Some(target) = &item.optional_vars {
                        let entered = match self.world.instance_member(&ctx, "__enter__") {
                            Some(_) if commented => Type::Any,
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
                let bound_before: std::collections::HashSet<Name> =
                    self.frame_names().into_iter().collect();
                self.block(&t.body);
                let after_body = self.snapshot();
                // A name the body binds first is optional where a handler
                // or the `else` binds it to `None` (`try: value =
                // chr(n)` / `except ValueError: value = None`), as for the
                // branches of an `if`.
                let outer_siblings = self.sibling_bound.clone();
                self.siblings_since(&bound_before);
                // A handler may start anywhere in the body.
                let handler_start = Self::merge(&[before, after_body.clone()]);
                // Handlers first, then the `else`, in mypy's order: a
                // variable one of them binds first is declared there
                // (`x = {}` in a handler, completed by the `else`'s value).
                let mut paths = Vec::with_capacity(t.handlers.len() + 1);
                let mut perhaps = Vec::new();
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
                    // `except* E as group` binds an exception group of `E`.
                    let caught = match (t.is_star, self.world.class("builtins.ExceptionGroup")) {
                        (false, _) => caught,
                        (true, Some(_)) if !caught.has_any() => {
                            Type::instance("builtins.ExceptionGroup", [caught])
                        }
                        (true, _) => Type::Any,
                    };
                    if let Some(name) = &h.name {
                        self.declare(name.id.as_str(), caught);
                    }
                    self.block(&h.body);
                    // A handler that raises (or returns) goes on nowhere.
                    match self.reaches_next(&h.body) {
                        Some(true) => paths.push(self.snapshot()),
                        Some(false) => perhaps.push(self.snapshot()),
                        None => {}
                    }
                }
                // The `else` runs after the body ends normally; mypy checks
                // none of it where the body cannot (rich's `if sys.platform
                // == "win32": ... else: raise ImportError(...)`).
                self.restore(after_body);
                // (A call returning `Any` may come back: only a sure end
                // counts.)
                let (ends, maybe) = (&self.ends, &self.maybe_ends);
                if crate::flow::falls_through(&t.body, &|s| {
                    ends.contains(&s.start()) && !maybe.contains(&s.start())
                }) {
                    self.block(&t.orelse);
                } else {
                    self.unreachable_block(&t.orelse);
                }
                paths.insert(0, self.snapshot());
                let without = Self::merge(&paths);
                if perhaps.is_empty() {
                    self.restore(without);
                } else {
                    paths.extend(perhaps);
                    self.restore(Self::blend(&Self::merge(&paths), &without));
                }
                self.sibling_bound = outer_siblings;
                self.block(&t.finalbody);
            }
            Stmt::Nonlocal(n) => self.share_outer(n.names.iter().map(|n| n.as_str()), false),
            Stmt::Global(g) => self.share_outer(g.names.iter().map(|n| n.as_str()), true),
            Stmt::Expr(e) => {
                self.allow_none_result(&e.value);
                let ty = self.expr(&e.value);
                // A call, or an awaited one (`await fail()` of a coroutine
                // declared `NoReturn`).
                let called = match &*e.value {
                    Expr::Await(a) => &*a.value,
                    other => other,
                };
                if matches!(ty, Type::Never | Type::Any) && matches!(called, Expr::Call(_)) {
                    self.ends.insert(stmt.start());
                    if ty == Type::Any {
                        self.maybe_ends.insert(stmt.start());
                    }
                } else if self.passes_never(&e.value) {
                    // `assert_never(x)` with a parameter typed `NoReturn`:
                    // mypy accepts the call only where no value reaches
                    // it, so no path goes on past it.
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
                for alias in &i.names {
                    let name = alias.name.id.as_str();
                    let local: Name = alias.asname.as_ref().map_or(name, |a| a.id.as_str()).into();
                    // A name an earlier import left unresolved stays so:
                    // mypy keeps a name's first binding, and one it could
                    // not resolve (`from collections.abc import Buffer  #
                    // type: ignore` before Python 3.12, then `from
                    // typing_extensions import Buffer` in the `except
                    // ImportError`) is `Any`.
                    if matches!(self.symbols.get(&local), Some(Symbol::Foreign(_))) {
                        continue;
                    }
                    let symbol = imported_symbol(self.world.db, i, name);
                    self.symbols.insert(local, symbol);
                }
            }
            Stmt::Match(m) => {
                self.expr(&m.subject);
                // What a pattern captures is not modelled: `Any`, bound
                // first here (mypy's type for it may be a join the
                // checker cannot tell, `object` or a `Sequence`).
                for case in &m.cases {
                    for name in crate::flow::pattern_captures(&case.pattern) {
                        if !self
                            .frames
                            .last()
                            .is_some_and(|f| f.vars.contains_key(name))
                        {
                            self.bind(name, Type::Any, &case.pattern, false);
                        }
                    }
                }
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

    /// The type an assignment target already has: a declared variable's,
    /// or what a subscript or attribute target reads (`None` when that
    /// is unknown).
    fn target_type(&mut self, target: &Expr) -> Option<Type> {
        match target {
            Expr::Name(n) => self.declared_type(n.id.as_str()),
            Expr::Subscript(_) | Expr::Attribute(_) => {
                Some(self.scratch_type(target)).filter(|t| !matches!(t, Type::Any))
            }
            _ => None,
        }
    }

    /// The declared type of variable `name` of the innermost frame that
    /// binds it (`None` when it is not declared).
    fn declared_type(&self, name: &str) -> Option<Type> {
        let var = self.frames.iter().rev().find_map(|f| f.vars.get(name))?;
        var.declared.then(|| var.ty.clone())
    }

    /// `target: annotation = value`, from an annotated assignment or a
    /// type comment.
    fn annotated(&mut self, target: &Expr, annotation: &Expr, value: Option<&Expr>) {
        // A bare `Final` (`_empty: Final = Empty.token`) declares the
        // value's type, as mypy infers it.
        if let (Some(value), Expr::Name(n)) = (value, target)
            && matches!(self.resolver().lookup_expr(annotation),
                Some(Symbol::Special(form)) if &*form == "Final")
        {
            let ty = self.expr(value);
            self.declare(n.id.as_str(), ty);
            return;
        }
        let declared = self.annotation(annotation);
        let value = value.map(|value| {
            let ty = self.expr_expecting(value, &declared);
            if !self.world.is_subtype(&ty, &declared) {
                self.report(
                    value,
                    "assignment",
                    format!("Incompatible types in assignment (expression has type \"{ty}\", variable has type \"{declared}\")"),
                );
            }
            ty
        });
        match target {
            Expr::Name(n) => {
                self.declare(n.id.as_str(), declared);
                if any::roots_any(annotation) {
                    self.mark_rooted(n.id.as_str());
                }
            }
            other => {
                self.expr(other);
                // A member declared with a value is that value's type
                // after it, as any assignment of it makes it (`self.s:
                // Sequence[str] = []` is a `list[str]` until assigned
                // again), unlike a variable.
                if let (Expr::Attribute(_), Some(ty)) = (other, value) {
                    self.assign_member(other, &ty);
                }
            }
        }
    }

    /// The type comment (`# type: T`, not `# type: ignore`) that follows
    /// the code ending at `end` on its line (after the header's `:` when
    /// `header`): the text after `type:`.
    pub(super) fn type_comment_after(
        &self,
        end: ruff_text_size::TextSize,
        header: bool,
    ) -> Option<&str> {
        let mut line = self.rest_of_line(end);
        if header {
            line = line.strip_prefix(':')?.trim_start_matches([' ', '\t']);
        }
        let text = super::ignore::type_comment(line)?;
        if super::ignore::is_type_ignore(line) {
            return None;
        }
        Some(text.trim_end_matches('\r'))
    }

    /// What follows `end` on its line, blanks before it dropped (a
    /// trailing comment, or nothing).
    pub(super) fn rest_of_line(&self, end: ruff_text_size::TextSize) -> &str {
        let rest = self.lines.source.get(usize::from(end)..).unwrap_or("");
        rest[..rest.find('\n').unwrap_or(rest.len())].trim_start_matches([' ', '\t'])
    }

    /// mypy's `name-defined`, for a finished module: a name read but bound
    /// nowhere in the module and not a builtin.
    pub(super) fn undefined_names(&mut self, body: &[Stmt]) {
        let facts = crate::flow::scan_names(body);
        if facts.star_import {
            return;
        }
        for (name, at) in facts.loads {
            if facts.bound.contains(name) || self.world.db.builtin(name).is_some() {
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
    pub(super) fn bare_starred(&mut self, value: &Expr) {
        if matches!(value, Expr::Starred(_)) {
            self.report(value, "syntax", "Can't use starred expression here".into());
        }
    }

    fn assign(&mut self, target: &Expr, value: Type, value_expr: &Expr) {
        match target {
            // mypy does not check what a function assigns to `_` (an
            // unused target), unless `_` is bound otherwise (`except E as _`).
            Expr::Name(n)
                if n.id.as_str() == "_"
                    && self.frames.len() > 1
                    && self.lookup("_").is_none_or(|t| matches!(t, Type::Any)) =>
            {
                self.declare("_", Type::Any);
            }
            Expr::Name(n) => {
                let name = n.id.as_str();
                if self.partial_assign(name, &value) {
                    return;
                }
                // An empty collection typed by a context (another target
                // of a chained assignment) is not partial.
                let partial = self
                    .starts_partial(name, value_expr)
                    .filter(|_| value.has_any());
                self.bind(name, value, value_expr, true);
                if let Some(class) = partial {
                    self.mark_partial(name, class, value_expr);
                }
            }
            Expr::Tuple(t) => self.unpack(&t.elts, value, value_expr),
            Expr::List(l) => self.unpack(&l.elts, value, value_expr),
            Expr::Starred(s) => self.assign(&s.value, Type::list(Type::Any), value_expr),
            Expr::Subscript(s) => {
                // mypy keeps what a condition told of `args[0]` when it is
                // assigned (a `__setitem__` call).
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
                // `self.value = v` undoes what a condition told of it, and
                // tells its type.
                if let Expr::Attribute(attribute) = other {
                    self.define_attribute(attribute, &value, value_expr);
                    self.assign_member(other, &value);
                }
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
            // A union of tuples of the targets' length: each target gets
            // the union of its position's items (mypy's union math).
            Type::Union(members)
                if !starred
                    && members.iter().all(
                        |m| matches!(m, Type::Tuple(items) if items.len() == targets.len()),
                    ) =>
            {
                for (i, target) in targets.iter().enumerate() {
                    let items = members.iter().filter_map(|m| match m {
                        Type::Tuple(items) => items.get(i).cloned(),
                        _ => None,
                    });
                    self.assign(target, Type::union(items), value_expr);
                }
            }
            _ => {
                let element = match value {
                    Type::Tuple(_) => Type::Any,
                    ref other => self.world.iter_element(other),
                };
                for target in targets {
                    match target {
                        // The items of `Any` are `Any`, and so is the list
                        // of them (mypy: `p, *q = a` with `a: Any`).
                        Expr::Starred(s) if value == Type::Any => {
                            self.assign(&s.value, Type::Any, value_expr)
                        }
                        _ => self.assign(target, element.clone(), value_expr),
                    }
                }
            }
        }
    }

    /// A fixed tuple of `provided` items unpacked into `expected` targets.
    pub(super) fn unpack_count(&mut self, provided: usize, expected: usize, at: &impl Ranged) {
        let message = if provided > expected {
            format!("Too many values to unpack ({expected} expected, {provided} provided)")
        } else if provided < expected {
            format!("Need more than {provided} values to unpack ({expected} expected)")
        } else {
            return;
        };
        self.report(at, "misc", message);
    }
}

/// The names of functions defined in the blocks of a module's
/// compound statements (not in function or class bodies).
fn nested_definitions(body: &[Stmt]) -> std::collections::HashSet<&str> {
    fn walk<'b>(stmts: &'b [Stmt], top: bool, found: &mut std::collections::HashSet<&'b str>) {
        for stmt in stmts {
            match stmt {
                Stmt::FunctionDef(f) if !top => {
                    found.insert(f.name.id.as_str());
                }
                Stmt::If(s) => {
                    walk(&s.body, false, found);
                    for clause in &s.elif_else_clauses {
                        walk(&clause.body, false, found);
                    }
                }
                Stmt::Try(t) => {
                    walk(&t.body, false, found);
                    walk(&t.orelse, false, found);
                    walk(&t.finalbody, false, found);
                    for handler in &t.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = handler;
                        walk(&h.body, false, found);
                    }
                }
                Stmt::With(w) => walk(&w.body, false, found),
                Stmt::For(f) => walk(&f.body, false, found),
                Stmt::While(w) => walk(&w.body, false, found),
                _ => {}
            }
        }
    }
    let mut found = std::collections::HashSet::new();
    walk(body, true, &mut found);
    found
}

/// Whether a definition is decorated with `@overload`.
fn is_overload(def: &ast::StmtFunctionDef) -> bool {
    def.decorator_list
        .iter()
        .any(|d| crate::stubs::decorator_name(&d.expression) == Some("overload"))
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

/// The type a type comment's text (after `type:`) declares, parsed as an
/// annotation; `None` when it is no single expression (a function's
/// `(int) -> str`, several types for several targets, a syntax error).
fn parse_type_comment(text: &str) -> Option<Expr> {
    // Another comment may follow (`# type: int  # type: ignore`).
    let text = text.split('#').next().unwrap_or(text).trim();
    let parsed = ruff_python_parser::parse_expression(text).ok()?.into_expr();
    match parsed {
        Expr::Tuple(_) => None,
        other => Some(other),
    }
}

/// Why an annotation is no type, where mypy says so whatever the names
/// in it mean: a string that does not parse as one, a literal value, a
/// call or another expression no type is written with.
fn invalid_annotation(annotation: &Expr) -> Option<String> {
    let invalid = || Some("Invalid type comment or annotation".to_owned());
    match annotation {
        Expr::StringLiteral(s) => match crate::stubs::parse_string_annotation(s.value.to_str()) {
            Some(parsed) => invalid_annotation(&parsed),
            None => invalid(),
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

#[cfg(test)]
mod tests {
    use crate::check::errors;

    // Each snippet's expected errors are those `mypy --strict` reports.

    #[test]
    fn a_sibling_definition_is_a_redefinition() {
        let source = r#"
def g() -> None:
    pass


def g() -> None:
    pass
"#;
        assert_eq!(errors(source), [(5, "no-redef")]);
    }

    #[test]
    fn assignments_check_their_targets() {
        let source = r#"
x: int = "a"
y: list[int] = []
y.append("b")
a, b = (1, 2, 3)
c, d, e = (1, 2)
t = (1, 2)
t[0] = 3
"#;
        assert_eq!(
            errors(source),
            [
                (1, "assignment"),
                (3, "arg-type"),
                (4, "misc"),
                (5, "misc"),
                (7, "index")
            ]
        );
    }

    #[test]
    fn loops_and_names() {
        let source = r#"
def f(d: dict[str, int]) -> None:
    for k, v in d:
        print(k, v, y)
"#;
        assert_eq!(errors(source), [(2, "str-unpack"), (3, "name-defined")]);
    }
}
