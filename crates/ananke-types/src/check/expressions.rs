//! Expressions: the type of each expression, inferred bottom-up and
//! guided by an expected type where mypy's inference is bidirectional
//! (empty collections, lambdas) — literals, names, collections,
//! comprehensions, lambdas, conditional and boolean expressions.
//!
//! Attribute access, calls and subscripts are in [`access`](super::access);
//! operators and comparisons in [`operators`](super::operators).

use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use super::narrow::{self, without_none};
use super::operators::{int_power, is_int, union_members};
use super::{Checker, MAX_NESTING};
use crate::types::{Param, ParamKind, Signature, Type};

impl Checker<'_> {
    /// Infers `expr`'s type with no expectation.
    pub(super) fn expr(&mut self, expr: &Expr) -> Type {
        self.expr_expecting(expr, &Type::Any)
    }

    /// Infers `expr`'s type; `expected` guides empty collections and
    /// lambdas, as mypy's bidirectional inference does.
    pub(super) fn expr_expecting(&mut self, expr: &Expr, expected: &Type) -> Type {
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
                for frame in &mut self.frames {
                    frame.untouched.remove(n.id.as_str());
                }
                self.lookup(n.id.as_str()).unwrap_or(Type::Any)
            }
            Expr::Attribute(a) => {
                let receiver = self.expr(&a.value);
                let ty = self.attribute(&receiver, a.attr.id.as_str(), expr);
                self.narrowed_member(expr).unwrap_or(ty)
            }
            Expr::Call(c) => {
                let ty = self.call(c);
                // `list(xs)` where a `list[T | None]` is expected: mypy
                // solves the constructor's type variable from the context
                // first, so the list is one of `T | None`.
                if let (Expr::Name(f), Type::Instance(class, args), Type::Instance(wanted, want)) =
                    (&*c.func, &ty, expected)
                    && matches!(f.id.as_str(), "list" | "set" | "frozenset")
                    && !self.binds_locally(f.id.as_str())
                    && class == wanted
                    && class.strip_prefix("builtins.") == Some(f.id.as_str())
                    && let ([got], [element]) = (&args[..], &want[..])
                    && self.world.is_subtype(got, element)
                {
                    return expected.clone();
                }
                // `type(x)` is the class of `x` (typeshed types it `type`):
                // an instance's class, else `Any`.
                if let (Expr::Name(f), [arg]) = (&*c.func, &c.arguments.args[..])
                    && f.id.as_str() == "type"
                    && c.arguments.keywords.is_empty()
                    && !self.binds_locally("type")
                {
                    return match self.scratch_type(arg) {
                        Type::Instance(name, _) if !matches!(arg, Expr::Starred(_)) => {
                            Type::Class(name)
                        }
                        _ => Type::Any,
                    };
                }
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
            Expr::Subscript(s) => {
                let ty = self.subscript(s);
                self.narrowed_member(expr).unwrap_or(ty)
            }
            Expr::BinOp(b) => {
                // `[None] * n` takes the context as its list does (mypy
                // reads `[...] * e` so).
                let left = match (&*b.left, b.op) {
                    (Expr::List(_), ast::Operator::Mult) => self.expr_expecting(&b.left, expected),
                    _ => self.expr(&b.left),
                };
                let right = self.expr(&b.right);
                // mypy points at the right operand.
                let (mut ty, mut declared) =
                    self.binary(&left, b.op, &right, b.right.as_ref(), false);
                if b.op == ast::Operator::Pow && is_int(&left) && right == Type::float() {
                    // `int ** float` is `float.__rpow__(int)`: typeshed's
                    // overloads take literal bases, and a base that is not
                    // one gives `-> Any` (the checker has no literal types:
                    // it reads the base's expression).
                    if int_power(&b.left) == Type::Any {
                        ty = Type::Any;
                        declared = true;
                    }
                }
                if matches!(ty, Type::Any)
                    && (declared
                        || [&b.left, &b.right]
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
                        let truthy = |i: usize, t: Type| match &b.values[i] {
                            Expr::BoolOp(inner) if inner.op == ast::BoolOp::And => {
                                self.truthy_and.get(&inner.range).cloned().unwrap_or(t)
                            }
                            _ => t,
                        };
                        let types: Vec<Type> = types
                            .into_iter()
                            .enumerate()
                            .map(|(i, t)| if i < last { truthy(i, t) } else { t })
                            .collect();
                        Type::union(types.into_iter().enumerate().map(|(i, t)| match t {
                            // A `None` operand never is the value
                            // of an `or` it does not end.
                            Type::None if i < last => Type::Never,
                            t if i < last => without_none(t),
                            t => t,
                        }))
                    }
                    ast::BoolOp::And => {
                        if let Some(last) = types.last() {
                            self.truthy_and.insert(b.range, last.clone());
                        }
                        Type::union(types)
                    }
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
                // A side the test rules out (`b.decode() if b is not None
                // else None` with `b: bytes`) is unreachable: mypy gives it
                // no part of the type (nor checks it).
                let never = |n: &super::narrow::Narrowing| n.iter().any(|(_, t)| *t == Type::Never);
                let (holds, fails) = (!never(&positive), !never(&negative));
                let body = match holds || !fails {
                    true => self.under(&positive, |c| c.expr_expecting(&i.body, expected)),
                    false => Type::Never,
                };
                let orelse = match fails || !holds {
                    true => self.under(&negative, |c| c.expr_expecting(&i.orelse, expected)),
                    false => Type::Never,
                };
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
                let context = expected_element(expected, "builtins.list");
                let hint = context.clone().unwrap_or(Type::Any);
                let elements: Vec<Type> = l.elts.iter().map(|e| self.element(e, &hint)).collect();
                if self.items_fit(&l.elts, &elements, &hint, "List item") {
                    return Type::list(hint);
                }
                Type::list(self.collection_element(elements, context))
            }
            Expr::Set(s) => {
                let context = expected_element(expected, "builtins.set");
                let hint = context.clone().unwrap_or(Type::Any);
                let elements: Vec<Type> = s.elts.iter().map(|e| self.element(e, &hint)).collect();
                Type::set(self.collection_element(elements, context))
            }
            Expr::Tuple(t) => {
                if t.elts.iter().any(|e| matches!(e, Expr::Starred(_))) {
                    for e in &t.elts {
                        self.expr(e);
                    }
                    return Type::tuple_of(Type::Any);
                }
                // Each item in the context of the expected one
                // (`return None, {"error": "..."}` against `tuple[X | None,
                // dict[str, object]]`).
                let hint = |i: usize| match expected {
                    Type::Tuple(items) if items.len() == t.elts.len() => items[i].clone(),
                    Type::Instance(name, args)
                        if &**name == "builtins.tuple" && args.len() == 1 =>
                    {
                        args[0].clone()
                    }
                    _ => Type::Any,
                };
                Type::Tuple(
                    t.elts
                        .iter()
                        .enumerate()
                        .map(|(i, e)| self.expr_expecting(e, &hint(i)))
                        .collect(),
                )
            }
            Expr::Dict(d) => {
                let candidates: Vec<(Type, Type)> = union_members(expected)
                    .iter()
                    .filter_map(|m| match m {
                        Type::Instance(name, args)
                            if matches!(
                                &**name,
                                "builtins.dict" | "typing.Mapping" | "typing.MutableMapping"
                            ) && args.len() == 2 =>
                        {
                            Some((args[0].clone(), args[1].clone()))
                        }
                        _ => None,
                    })
                    .collect();
                // One mapping the literal can be (`dict[str, X] | None`).
                let context = match <[_; 1]>::try_from(candidates) {
                    Ok([only]) => Some(only),
                    Err(_) => None,
                };
                let (key_hint, value_hint) = context.clone().unwrap_or((Type::Any, Type::Any));
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
                // mypy reports each entry that does not fit the context
                // on its own line (`dict-item`), not the assignment.
                if let Some((kh, vh)) = &context
                    && !kh.has_any()
                    && !vh.has_any()
                {
                    let mut reported = false;
                    for (i, (item, (k, v))) in
                        d.items.iter().zip(keys.iter().zip(&values)).enumerate()
                    {
                        let Some(key) = &item.key else { continue };
                        let fits =
                            |t: &Type, hint: &Type| t.has_any() || self.world.is_subtype(t, hint);
                        if !(fits(k, kh) && fits(v, vh)) {
                            self.report(
                                key,
                                "dict-item",
                                format!("Dict entry {i} has incompatible type \"{k}\": \"{v}\"; expected \"{kh}\": \"{vh}\""),
                            );
                            reported = true;
                        }
                    }
                    if reported {
                        return Type::dict(kh.clone(), vh.clone());
                    }
                }
                let (key_context, value_context) = context.unzip();
                Type::dict(
                    self.collection_element(keys, key_context),
                    self.collection_element(values, value_context),
                )
            }
            // A comprehension takes the expected element type as a literal
            // does (`o: list[object] = [a for a in ints]`).
            Expr::ListComp(c) => {
                let context = expected_element(expected, "builtins.list");
                let hint = context.clone().unwrap_or(Type::Any);
                let element = self.comprehension(&c.generators, |checker| {
                    checker.expr_expecting(&c.elt, &hint)
                });
                Type::list(self.collection_element(vec![element], context))
            }
            Expr::SetComp(c) => {
                let context = expected_element(expected, "builtins.set");
                let hint = context.clone().unwrap_or(Type::Any);
                let element = self.comprehension(&c.generators, |checker| {
                    checker.expr_expecting(&c.elt, &hint)
                });
                Type::set(self.collection_element(vec![element], context))
            }
            Expr::Generator(g) => {
                let element = self.comprehension(&g.generators, |checker| checker.expr(&g.elt));
                // An `async for` or an `await` in it (past the first
                // iterable, read where the expression stands) makes it an
                // asynchronous generator.
                let awaits = |e: &Expr| {
                    ruff_python_ast::helpers::any_over_expr(e, &|x| matches!(x, Expr::Await(_)))
                };
                let asynchronous = g.generators.iter().enumerate().any(|(i, c)| {
                    c.is_async || (i > 0 && awaits(&c.iter)) || c.ifs.iter().any(awaits)
                }) || awaits(&g.elt);
                if asynchronous {
                    Type::instance("typing.AsyncGenerator", [element, Type::None])
                } else {
                    Type::instance("typing.Generator", [element, Type::None, Type::None])
                }
            }
            Expr::DictComp(c) => {
                let (key, value) = self.comprehension_pair(&c.generators, &c.key, &c.value);
                match expected {
                    Type::Instance(name, args)
                        if &**name == "builtins.dict"
                            && args.len() == 2
                            && self.world.is_subtype(&key, &args[0])
                            && self.world.is_subtype(&value, &args[1]) =>
                    {
                        expected.clone()
                    }
                    _ => Type::dict(key, value),
                }
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
                let awaited = self.expr(&a.value);
                // A coroutine of a function the checker knows gives its
                // result; anything else awaitable is not modelled.
                crate::types::coroutine_result(&awaited).unwrap_or(Type::Any)
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
    /// element fits it (an `Any` the context names included: `resp:
    /// dict[str, Any] = {"error": "..."}` is a `dict[str, Any]`), else the
    /// join (`Any` for a vague join, like an empty literal).
    fn collection_element(&self, elements: Vec<Type>, context: Option<Type>) -> Type {
        if let Some(hint) = context
            && elements.iter().all(|e| self.world.is_subtype(e, &hint))
        {
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
                self.allow_none_result(&lambda.body);
                self.expr(&lambda.body);
                return Type::Callable(Arc::new(Signature::any_params(Type::Any)));
            }
        }
        self.allow_none_result(&lambda.body);
        let ret = self.expr(&lambda.body);
        self.frames.pop();
        Type::Callable(Arc::new(Signature {
            name: Some("lambda".into()),
            params,
            ret,
            any_params: false,
            ret_any: false,
            guard: None,
        }))
    }
}

fn expected_element(expected: &Type, class: &str) -> Option<Type> {
    if let Type::Union(members) = expected {
        // `list[X] | None`: the member a literal of `class` can be, if
        // only one can (`list[int] | list[str]` gives none).
        let mut candidates = members.iter().filter_map(|m| expected_element(m, class));
        let first = candidates.next()?;
        return candidates.next().is_none().then_some(first);
    }
    match expected {
        Type::Instance(name, args) if &**name == class && args.len() == 1 => Some(args[0].clone()),
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
            Some(args[0].clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::check::errors;

    // Each snippet's expected errors are those `mypy --strict` reports.

    #[test]
    fn collections_take_the_expected_element_type() {
        let source = r#"
xs: list[int] = [1, "a"]
"#;
        assert_eq!(errors(source), [(1, "list-item")]);
    }

    #[test]
    fn comprehensions_and_lambdas_bind_their_variables() {
        let source = r#"
from typing import Callable

ys = [x.upper() for x in [1, 2]]
f: Callable[[int], int] = lambda x: x.upper()
"#;
        assert_eq!(errors(source), [(3, "attr-defined"), (4, "attr-defined")]);
    }

    #[test]
    fn conditional_and_boolean_expressions_join_their_branches() {
        let source = r#"
from typing import Optional


def f(b: bool) -> int:
    return 1 if b else "a"


def g(x: Optional[str]) -> str:
    return x or 1
"#;
        assert_eq!(errors(source), [(5, "return-value"), (9, "return-value")]);
    }
}
