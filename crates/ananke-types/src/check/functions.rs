//! Functions: a definition's signature and body, checked in a frame of
//! its own — its parameters, its `return` statements against the declared
//! type, and, in a finished module, a missing return and the annotations
//! `--strict` requires.

use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::scope::Frame;
use super::statements::Defined;
use super::{Checker, any};
use crate::stubs::Symbol;
use crate::types::{ParamKind, Signature, Type};

impl Checker<'_> {
    /// A function definition: its signature (declared in an enclosing
    /// function's frame), its annotations and its body.
    pub(super) fn function(&mut self, def: &ast::StmtFunctionDef) {
        let sig = self.resolver().signature(def, Some(def.name.id.as_str()));
        if self.frames.len() > 1 {
            let name = def.name.id.as_str();
            let function = Type::Callable(Arc::new(sig.clone()));
            // A name annotated before (`bind_f: Callable[...] | None`) keeps
            // its declared type: the definition is a value of it, as an
            // assignment is (`bind_f = None` in another branch fits).
            let declared = self
                .frames
                .last()
                .and_then(|f| f.vars.get(name))
                .filter(|v| v.annotated)
                .map(|v| v.ty.clone());
            match declared {
                Some(declared) => {
                    let fits = self.world.is_subtype(&function, &declared);
                    self.set_narrowed(name, fits.then_some(function));
                }
                None => self.declare(name, function),
            }
        }
        self.report_missing_annotations(def, false);
        self.incompatible_defaults(def);
        self.function_body(def, &sig, None, false);
    }

    /// `--strict`'s `disallow_untyped_defs` and
    /// `disallow_incomplete_defs` for `def` (a method's `self` or `cls`
    /// needs no annotation).
    fn report_missing_annotations(&mut self, def: &ast::StmtFunctionDef, method: bool) {
        let unchecked = unchecked(def);
        // A signature in a type comment (`# type: (int) -> str` after the
        // header, or one per parameter) annotates it.
        let header_end = def.body.first().map_or(def.end(), |b| b.start());
        let header = &self.lines.source[usize::from(def.start())..usize::from(header_end)];
        let commented = header.match_indices('#').any(|(i, _)| {
            let comment = &header[i..];
            super::ignore::type_comment(comment).is_some()
                && !super::ignore::is_type_ignore(comment)
        });
        if !unchecked {
            self.missing_signature_type_args(def);
        }
        if unchecked || commented {
            return;
        }
        // `__new__` takes the class first, `@staticmethod` or not.
        let method = method || (def.name.id.as_str() == "__new__" && self.frames.len() == 1);
        for message in missing_annotations(def, method) {
            let (line, col) = self.def_position(def);
            self.diagnostics.push(super::Diagnostic {
                line,
                col,
                message: message.into(),
                code: "no-untyped-def",
            });
        }
    }

    /// A parameter's default must fit its annotation (`x: int = None` is
    /// no implicit `Optional` under `--strict`). Only literal defaults are
    /// judged (`None`, numbers, strings, displays of them): any other is
    /// read in a scope the walk may not have (a method's default may name
    /// its class body's attributes). `...` stands for a default in a
    /// stub-like body, which mypy allows.
    fn incompatible_defaults(&mut self, def: &ast::StmtFunctionDef) {
        if unchecked(def) {
            return;
        }
        for param in def.parameters.iter_non_variadic_params() {
            let (Some(annotation), Some(default)) = (
                param.parameter.annotation.as_deref(),
                param.default.as_deref(),
            ) else {
                continue;
            };
            if !is_literal_value(default) {
                continue;
            }
            let declared = self.annotation(annotation);
            let ty = self.expr_expecting(default, &declared);
            if !self.world.is_subtype(&ty, &declared) {
                let name = param.parameter.name.as_str();
                self.report(
                    default,
                    "assignment",
                    format!(
                        "{} \"{name}\" (default has type \"{ty}\", parameter has type \"{declared}\")",
                        super::INCOMPATIBLE_DEFAULT
                    ),
                );
            }
        }
    }

    /// A method of `class`: its body, with `self` typed as an instance of
    /// the class (unless it is a static method).
    pub(super) fn method(&mut self, class: &ast::StmtClassDef, def: &ast::StmtFunctionDef) {
        let sig = self.resolver().signature(def, Some(def.name.id.as_str()));
        let decorated = |name: &str| {
            def.decorator_list
                .iter()
                .any(|d| crate::stubs::decorator_name(&d.expression) == Some(name))
        };
        let class_name = format!("__main__.{}", class.name.id);
        // The first parameter of a classmethod (and of `__new__`, an
        // implicit static method taking the class, and of the implicit
        // classmethods `__init_subclass__` and `__class_getitem__`) is the
        // class itself.
        let self_type = if decorated("staticmethod") {
            None
        } else if decorated("classmethod")
            || matches!(
                def.name.id.as_str(),
                "__new__" | "__init_subclass__" | "__class_getitem__"
            )
        {
            Some(Type::Class(class_name.into()))
        } else {
            Some(Type::instance(&class_name, []))
        };
        let in_protocol = class.bases().iter().any(|b| {
            matches!(crate::stubs::decorator_name(b), Some("Protocol"))
                || matches!(b, Expr::Subscript(s) if crate::stubs::decorator_name(&s.value) == Some("Protocol"))
        });
        self.report_missing_annotations(def, self_type.is_some());
        self.incompatible_defaults(def);
        self.function_body(def, &sig, self_type, in_protocol);
        self.leave_method();
    }

    fn function_body(
        &mut self,
        def: &ast::StmtFunctionDef,
        sig: &Signature,
        self_type: Option<Type>,
        in_protocol: bool,
    ) {
        let generator = crate::flow::contains_yield(&def.body);
        // A coroutine function's body returns what its call's coroutine
        // gives when awaited.
        let returns = def.returns.as_ref().map(|_| {
            if def.is_async && !generator {
                crate::types::coroutine_result(&sig.ret).unwrap_or_else(|| sig.ret.clone())
            } else {
                sig.ret.clone()
            }
        });
        let decorated = |names: &[&str]| {
            def.decorator_list.iter().any(|d| {
                crate::stubs::decorator_name(&d.expression).is_some_and(|n| names.contains(&n))
            })
        };
        // mypy checks nothing in the body of a `@no_type_check` function:
        // it is walked as unreachable code is.
        let unchecked = unchecked(def);
        let type_checking = self.frames.last().is_some_and(|f| f.type_checking);
        self.frames.push(Frame {
            coroutine: def.is_async,
            dead: unchecked,
            type_checking,
            ..Frame::new(returns.clone(), generator)
        });
        // The first parameter is the receiver unless annotated otherwise
        // (`cls: type[T]` of a metaclass's method is no instance of the
        // metaclass).
        let first_subscripted = def
            .parameters
            .iter_non_variadic_params()
            .next()
            .and_then(|p| p.parameter.annotation.as_deref())
            .is_some_and(|a| matches!(a, Expr::Subscript(_)));
        for (i, param) in sig.params.iter().enumerate() {
            let Some(name) = &param.name else { continue };
            let mut ty = match param.kind {
                ParamKind::VarPositional => Type::tuple_of(param.ty.clone()),
                ParamKind::VarKeyword => Type::dict(Type::str(), param.ty.clone()),
                _ => param.ty.clone(),
            };
            if i == 0
                && matches!(ty, Type::Any)
                && !first_subscripted
                && let Some(receiver) = &self_type
            {
                ty = receiver.clone();
            }
            // `Self` in a method's parameter is the class's instance
            // (`cls: type[Self]` is the class).
            if let Some(instance) = self_type.as_ref().and_then(|t| match t {
                Type::Class(class) => Some(Type::instance(class, [])),
                Type::Instance(..) => Some(t.clone()),
                _ => None,
            }) {
                ty = ty.substitute(&|v| (v == "Self").then(|| instance.clone()), false);
            }
            self.declare(name, ty);
            if let Some(frame) = self.frames.last_mut() {
                frame.untouched.insert(name.clone());
            }
        }
        for param in def.parameters.iter() {
            if param.annotation().is_some_and(any::roots_any) {
                self.mark_rooted(param.name().as_str());
            }
        }
        let exempt = in_protocol
            || unchecked
            || type_checking
            || decorated(&["abstractmethod", "abstractproperty", "overload"]);
        let mut defined = Defined::new();
        let keep = self.resume.body_of == Some(def.start());
        for (i, stmt) in def.body.iter().enumerate() {
            if keep && i + 1 == def.body.len() {
                let before = &def.body[..i];
                self.resume.body = Some(self.keep_before(stmt, &defined, def, before, exempt));
            }
            self.block_stmt(stmt, &mut defined);
        }
        let mut end = self.function_end(def, returns, generator, exempt);
        if self.finished {
            end.continue_with(&def.body, &self.ends);
        }
        self.leave_function(&end);
    }

    fn function_end(
        &self,
        def: &ast::StmtFunctionDef,
        returns: Option<Type>,
        generator: bool,
        exempt: bool,
    ) -> FunctionEnd {
        FunctionEnd {
            at: self.def_position(def),
            returns,
            generator,
            exempt,
            falls: true,
            trivial: true,
            returns_var: def
                .returns
                .as_deref()
                .is_some_and(|r| self.names_type_var(r)),
        }
    }

    /// The walk's state in `def`'s body before `stmt`, its last statement,
    /// after the statements `before` it (see `resume`); `exempt` as the
    /// whole body's walk has it (no missing return reported).
    fn keep_before(
        &self,
        stmt: &Stmt,
        defined: &Defined,
        def: &ast::StmtFunctionDef,
        before: &[Stmt],
        exempt: bool,
    ) -> super::resume::BodyCapture {
        let frame = self.frames.last().expect("a frame");
        let mut end = self.function_end(def, frame.returns.clone(), frame.generator, exempt);
        end.continue_with(before, &self.ends);
        super::resume::BodyCapture {
            state: self.state(),
            depth: self.depth,
            defined: defined.clone(),
            end,
            diagnostics: self.diagnostics.clone(),
            at: stmt.start(),
        }
    }

    /// What ends a function body's walk: its partial types settled, its
    /// frame left, and (in a finished module) a missing return reported.
    pub(super) fn leave_function(&mut self, end: &FunctionEnd) {
        if self.finished {
            self.unsettled_partials();
        }
        self.frames.pop();
        if self.finished && !end.generator {
            self.missing_return(end);
        }
    }

    /// mypy's `Missing return statement` for a function whose end is
    /// reachable though it promises a value.
    fn missing_return(&mut self, end: &FunctionEnd) {
        let Some(returns) = &end.returns else { return };
        if end.exempt || !end.falls {
            return;
        }
        let (message, code) = match returns {
            // A function that never returns, whose end is reachable.
            Type::Never => (
                "Implicit return in function which does not return",
                if end.trivial { "empty-body" } else { "misc" },
            ),
            _ if end.returns_var => ("Missing return statement", "return"),
            Type::Any | Type::None => return,
            // An empty body (`...`, `pass`) returns None, which mypy lets
            // stand where None fits the declared type.
            _ if end.trivial && self.world.is_subtype(&Type::None, returns) => return,
            _ => ("Missing return statement", "return"),
        };
        let code = if end.trivial && code == "return" {
            "empty-body"
        } else {
            code
        };
        self.diagnostics.push(super::Diagnostic {
            line: end.at.0,
            col: end.at.1,
            message: message.into(),
            code,
        });
    }

    /// Whether the annotation `returns` is a type variable: `Self`, one
    /// of the module's own or one the stubs' builtins declare.
    fn names_type_var(&self, returns: &Expr) -> bool {
        match returns {
            Expr::StringLiteral(s) => crate::stubs::parse_string_annotation(s.value.to_str())
                .is_some_and(|parsed| self.names_type_var(&parsed)),
            Expr::Name(_) | Expr::Attribute(_) => match self.resolver().lookup_expr(returns) {
                Some(Symbol::UserTypeVar(..) | Symbol::TypeVar(_)) => true,
                Some(Symbol::Special(form)) => &*form == "Self",
                _ => false,
            },
            _ => false,
        }
    }

    /// A `return` against the enclosing function's declared return type
    /// (mypy's `return-value` and `--warn-return-any`).
    pub(super) fn return_stmt(&mut self, r: &ast::StmtReturn) {
        if let Some(value) = &r.value {
            self.bare_starred(value);
        }
        let (expected, generator) = {
            let frame = self.frames.last().expect("a frame");
            (frame.returns.clone(), frame.generator)
        };
        // A function returning `None` (or `Any`, or not annotated) may
        // return a call of one that only ever returns `None`.
        if let Some(value) = &r.value
            && (generator || matches!(expected, None | Some(Type::None | Type::Any)))
        {
            self.allow_none_result(value);
        }
        // In a module still being written, a function declared to return
        // an iterator may yet become a generator (its `yield` not written
        // yet), where `return` ends the iteration.
        let may_become_generator = !self.finished
            && matches!(
                expected
                    .as_ref()
                    .and_then(Type::class_name)
                    .map(crate::world::short),
                Some(
                    "Iterator"
                        | "Iterable"
                        | "Generator"
                        | "AsyncIterator"
                        | "AsyncIterable"
                        | "AsyncGenerator"
                )
            );
        let Some(expected) =
            expected.filter(|_| !generator && !may_become_generator && self.frames.len() > 1)
        else {
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
}

/// What mypy's `disallow_untyped_defs` says of a function's annotations.
fn missing_annotations(def: &ast::StmtFunctionDef, method: bool) -> Vec<&'static str> {
    let p = &def.parameters;
    let positional = p.posonlyargs.iter().chain(&p.args);
    let first = positional.clone().next().map(|a| a.parameter.name.as_str());
    let own: Vec<bool> = positional
        .chain(&p.kwonlyargs)
        .map(|a| a.parameter.annotation.is_some())
        .chain(
            [&p.vararg, &p.kwarg]
                .into_iter()
                .flatten()
                .map(|a| a.annotation.is_some()),
        )
        .collect();
    let none = !own.iter().any(|a| *a) && def.returns.is_none();
    // Annotated or not, a method's `self` or `cls` is typed.
    let rest = match method && first.is_some() {
        true => &own[1..],
        false => &own[..],
    };
    let all = rest.iter().all(|a| *a);
    match (def.returns.is_some(), none, all) {
        // No annotation at all: mypy names the return only where there is
        // no parameter but `self` or `cls` (by name, method or not).
        (false, true, _)
            if own.is_empty() || (own.len() == 1 && matches!(first, Some("self" | "cls"))) =>
        {
            vec!["Function is missing a return type annotation"]
        }
        (false, true, _) => vec!["Function is missing a type annotation"],
        (returns, _, all) => {
            let mut messages = Vec::new();
            // An `__init__` (and `__init_subclass__`) with an annotated
            // parameter returns `None` implicitly.
            let implicit = method
                && matches!(def.name.id.as_str(), "__init__" | "__init_subclass__")
                && rest.iter().any(|a| *a);
            if !returns && !implicit {
                messages.push("Function is missing a return type annotation");
            }
            if !all {
                messages.push("Function is missing a type annotation for one or more parameters");
            }
            messages
        }
    }
}

/// Whether `def` is decorated `@no_type_check`: mypy checks nothing of
/// it, neither its signature nor its body.
fn unchecked(def: &ast::StmtFunctionDef) -> bool {
    def.decorator_list
        .iter()
        .any(|d| crate::stubs::decorator_name(&d.expression) == Some("no_type_check"))
}

/// Whether `expr` is a literal value (`None`, a number, a string, a
/// negated number, or a list, tuple, set or dict display of such).
fn is_literal_value(expr: &Expr) -> bool {
    match expr {
        Expr::NoneLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::BooleanLiteral(_) => true,
        Expr::UnaryOp(u) => matches!(&*u.operand, Expr::NumberLiteral(_)),
        Expr::List(l) => l.elts.iter().all(is_literal_value),
        Expr::Tuple(t) => t.elts.iter().all(is_literal_value),
        Expr::Set(s) => s.elts.iter().all(is_literal_value),
        Expr::Dict(d) => d.items.iter().all(|item| {
            item.key.as_ref().is_some_and(is_literal_value) && is_literal_value(&item.value)
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::check::errors;

    // Each snippet's expected errors are those `mypy --strict` reports.

    #[test]
    fn returns_match_the_declared_type() {
        let source = r#"
def f() -> int:
    return "a"


def g() -> int:
    return
"#;
        assert_eq!(errors(source), [(2, "return-value"), (6, "return-value")]);
    }

    #[test]
    fn a_reachable_end_is_a_missing_return() {
        let source = r#"
def f(x: int) -> int:
    if x:
        return 1


def g() -> int:
    pass
"#;
        assert_eq!(errors(source), [(1, "return"), (6, "empty-body")]);
    }

    #[test]
    fn a_nested_function_needs_annotations() {
        let source = r#"
def outer() -> None:
    def inner(x):
        pass
"#;
        assert_eq!(errors(source), [(2, "no-untyped-def")]);
    }
}

/// What a function body's end needs to know of the body (kept by a
/// resumable walk stopped inside it, see `resume`): where the definition
/// is, what it promises, and whether control can fall off the end.
#[derive(Clone, Debug)]
pub(crate) struct FunctionEnd {
    /// The definition's line and column.
    pub(super) at: (u32, u32),
    /// The declared return type, when annotated.
    pub(super) returns: Option<Type>,
    /// Whether the body yields (its returns are then unchecked).
    pub(super) generator: bool,
    /// Abstract, an overload or a protocol's member: no missing return.
    pub(super) exempt: bool,
    /// Whether control can reach the end of the statements so far.
    pub(super) falls: bool,
    /// Whether the statements so far are only a docstring, `...` or
    /// `pass`.
    pub(super) trivial: bool,
    /// Whether the declared return type is a type variable (`-> T`,
    /// `-> Self`), which `None` never fits (the checker reads a module's
    /// own as `Any`).
    pub(super) returns_var: bool,
}

impl FunctionEnd {
    /// The end of a function left without the finished module's checks
    /// (leaving only drops its frame then).
    pub(super) fn left_unchecked() -> FunctionEnd {
        FunctionEnd {
            at: (0, 0),
            returns: None,
            generator: true,
            exempt: true,
            falls: false,
            trivial: false,
            returns_var: false,
        }
    }

    /// The same end after `more` statements of the body (both facts hold
    /// of a sequence when they hold of each part).
    pub(super) fn continue_with(
        &mut self,
        more: &[Stmt],
        ends: &std::collections::HashSet<ruff_text_size::TextSize>,
    ) {
        self.falls = self.falls && crate::flow::falls_through(more, &|s| ends.contains(&s.start()));
        self.trivial = self.trivial && crate::flow::is_trivial_body(more);
    }
}
