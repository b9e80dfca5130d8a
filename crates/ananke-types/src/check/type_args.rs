//! `--strict`'s `disallow_any_generics` (mypy's `type-arg`): a generic
//! class named in a type without its type arguments (`def f(x: list) ->
//! dict`, `class Stack(list)`) is an error, since the omitted arguments
//! would silently be `Any`. Models write such annotations often, and mypy
//! rejects every one.
//!
//! A class needs arguments when one of its parameters has no default
//! (`Generator[int]` is complete: its other two default to `None`); so do
//! a module's own generic aliases and the special forms `Callable`,
//! `Tuple` and `Type`. Only types are judged — annotations and class
//! bases — never the runtime uses of a class (`isinstance(x, list)`,
//! `list()`), which mypy leaves alone.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange};

use super::Checker;
use crate::stubs::{Resolver, Symbol};
use crate::types::{Name, Type};
use crate::world::World;

/// Deepest nesting of a type walked (deeper types are left alone).
const MAX_DEPTH: usize = 32;

impl Checker<'_> {
    /// Reports each generic class `annotation` names without its type
    /// arguments, and each class or alias given a wrong number of them.
    pub(super) fn missing_type_args(&mut self, annotation: &Expr) {
        let mut found = Vec::new();
        let walk = TypeWalk {
            resolver: self.resolver(),
            world: &self.world,
            own: &self.symbols,
        };
        walk.visit(annotation, None, 0, &mut found);
        for (at, message) in found {
            let (line, col) = self.lines.position(at.start());
            self.diagnostics.push(super::Diagnostic {
                line,
                col,
                message,
                code: "type-arg",
            });
        }
    }

    /// [`missing_type_args`](Self::missing_type_args) for a definition's
    /// parameter and return annotations.
    pub(super) fn missing_signature_type_args(&mut self, def: &ast::StmtFunctionDef) {
        for param in def.parameters.iter() {
            if let Some(annotation) = param.annotation() {
                self.missing_type_args(annotation);
            }
        }
        if let Some(returns) = &def.returns {
            self.missing_type_args(returns);
        }
    }

    /// [`missing_type_args`](Self::missing_type_args) for a class's bases.
    pub(super) fn missing_base_type_args(&mut self, class: &ast::StmtClassDef) {
        for base in class.bases() {
            self.missing_type_args(base);
        }
    }

    /// [`missing_type_args`](Self::missing_type_args) for the types a
    /// `TypeVar(...)` call takes: its bound and its constraints.
    pub(super) fn type_var_type_args(&mut self, call: &ast::ExprCall) {
        for value in call.arguments.args.iter().skip(1) {
            self.missing_type_args(value);
        }
        for keyword in call.arguments.keywords.iter() {
            if keyword
                .arg
                .as_ref()
                .is_some_and(|a| a.id.as_str() == "bound")
            {
                self.missing_type_args(&keyword.value);
            }
        }
    }
}

/// A walk over one type for the arguments its classes miss.
struct TypeWalk<'r, 'w> {
    resolver: Resolver<'r>,
    world: &'r World<'w>,
    /// The module's own names (only its own aliases' arguments are
    /// counted: the stubs' generic aliases are not modelled as such).
    own: &'r im::HashMap<Name, Symbol>,
}

impl TypeWalk<'_, '_> {
    /// Collects into `out` where `expr` names a generic class (or alias,
    /// or special form) without its arguments, or gives one a wrong
    /// number of them, and why. `quoted` is the range of the string the
    /// type is written in (its parsed names' ranges are relative to the
    /// string's content).
    fn visit(
        &self,
        expr: &Expr,
        quoted: Option<TextRange>,
        depth: usize,
        out: &mut Vec<(TextRange, String)>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let at = |e: &Expr| quoted.unwrap_or(e.range());
        let next = depth + 1;
        match expr {
            Expr::StringLiteral(s) if quoted.is_none() => {
                if let Some(parsed) = crate::stubs::parse_string_annotation(s.value.to_str()) {
                    self.visit(&parsed, Some(s.range()), next, out);
                }
            }
            Expr::BinOp(b) if b.op == ast::Operator::BitOr => {
                self.visit(&b.left, quoted, next, out);
                self.visit(&b.right, quoted, next, out);
            }
            Expr::List(list) => {
                for e in &list.elts {
                    self.visit(e, quoted, next, out);
                }
            }
            Expr::Name(_) | Expr::Attribute(_) => {
                if let Some(symbol) = self.resolver.lookup_expr(expr)
                    && let Some(message) = self.bare(&symbol, expr)
                {
                    out.push((at(expr), message));
                }
            }
            Expr::Subscript(sub) => {
                let items: Vec<&Expr> = match &*sub.slice {
                    Expr::Tuple(t) => t.elts.iter().collect(),
                    other => vec![other],
                };
                let symbol = self.resolver.lookup_expr(&sub.value);
                if let Some(symbol) = &symbol
                    && let Some(message) = self.miscounted(symbol, &sub.value, &items)
                {
                    out.push((at(expr), message));
                }
                let types = match symbol {
                    // A literal's arguments are values; the rest of an
                    // annotation's, metadata.
                    Some(Symbol::Special(form)) if &*form == "Literal" => &[][..],
                    Some(Symbol::Special(form)) if &*form == "Annotated" => &items[..1],
                    // Neither is a type of the module's own or the stubs':
                    // its arguments are not known to be types.
                    None => &[][..],
                    Some(_) => &items[..],
                };
                for e in types {
                    self.visit(e, quoted, next, out);
                }
            }
            _ => {}
        }
    }

    /// Why `symbol`, written `expr` with no arguments, needs some.
    fn bare(&self, symbol: &Symbol, expr: &Expr) -> Option<String> {
        // Parameters needing an argument: those before the first with a
        // default (one after it is an error of the class's own, which
        // mypy reads as defaulting to `Any`).
        let needs_some = |params: &mut dyn Iterator<Item = &Name>| {
            params
                .next()
                .is_some_and(|first| !self.resolver.type_var_defaulted(first))
        };
        let needs = match symbol {
            Symbol::Class(name) | Symbol::Alias(Type::Class(name)) => {
                self.world.class(name).is_some_and(|class| {
                    let names = class.params.iter().map(|(p, _)| p);
                    needs_some(&mut names.clone()) && self.in_default_order(names)
                })
            }
            Symbol::GenericAlias(params, _) => {
                needs_some(&mut params.iter()) && self.in_default_order(params.iter())
            }
            Symbol::Special(form) => matches!(&**form, "Callable" | "Tuple" | "Type"),
            _ => false,
        };
        needs.then(|| {
            format!(
                "Missing type arguments for generic type \"{}\"",
                written(expr)
            )
        })
    }

    /// Whether no parameter without a default follows one with a default.
    fn in_default_order<'n>(&self, params: impl Iterator<Item = &'n Name>) -> bool {
        let mut defaulted = false;
        for param in params {
            let has_default = self.resolver.type_var_defaulted(param);
            if defaulted && !has_default {
                return false;
            }
            defaulted |= has_default;
        }
        true
    }

    /// Why `items` are the wrong number of arguments for `symbol`
    /// (written `base`): a class's plain type variables take one each (some
    /// may default), a module's own generic alias one per variable, its
    /// other aliases none.
    fn miscounted(&self, symbol: &Symbol, base: &Expr, items: &[&Expr]) -> Option<String> {
        if items
            .iter()
            .any(|e| matches!(e, Expr::Starred(_) | Expr::EllipsisLiteral(_)) || unpacks(e))
        {
            return None;
        }
        let given = items.len();
        let (required, max) = match symbol {
            Symbol::Class(name) | Symbol::Alias(Type::Class(name))
                if !matches!(&**name, "builtins.tuple" | "builtins.type") =>
            {
                let class = self.world.class(name)?;
                // A class of a module not followed (or deriving from one)
                // may have parameters the checker does not see.
                if class.any_base
                    || !class
                        .params
                        .iter()
                        .all(|(p, _)| self.resolver.plain_type_var(name, p))
                {
                    return None;
                }
                let required = class
                    .params
                    .iter()
                    .filter(|(p, _)| !self.resolver.type_var_defaulted(p))
                    .count();
                if given >= required && given <= class.params.len() {
                    return None;
                }
                let short = crate::world::short(name);
                return Some(match (required, class.params.len()) {
                    (_, 0) => format!("\"{short}\" expects no type arguments, but {given} given"),
                    (n, m) if n == m => format!(
                        "\"{short}\" expects {n} type argument{}, but {given} given",
                        if n == 1 { "" } else { "s" }
                    ),
                    (n, m) => format!(
                        "\"{short}\" expects between {n} and {m} type arguments, but {given} given"
                    ),
                });
            }
            _ if !matches!(base, Expr::Name(n) if self.own.contains_key(n.id.as_str())) => {
                return None;
            }
            Symbol::GenericAlias(params, _)
                if !params
                    .iter()
                    .any(|p| matches!(self.own.get(p), Some(Symbol::UserVariadic(_)))) =>
            {
                (
                    params
                        .iter()
                        .filter(|p| !self.resolver.type_var_defaulted(p))
                        .count(),
                    params.len(),
                )
            }
            // Only an alias of a type the checker models whole (a
            // `Callable` may take a `ParamSpec` it reads as `Any`).
            Symbol::Alias(ty @ (Type::Instance(..) | Type::Union(_) | Type::Tuple(_)))
                if !ty.has_any() =>
            {
                (0, 0)
            }
            _ => return None,
        };
        (given < required || given > max).then(|| {
            format!("Bad number of arguments for type alias, expected {max}, given {given}")
        })
    }
}

/// A name or dotted name as written (`list`, `typing.List`).
fn written(expr: &Expr) -> String {
    match expr {
        Expr::Name(n) => n.id.to_string(),
        Expr::Attribute(a) => format!("{}.{}", written(&a.value), a.attr.id),
        _ => String::new(),
    }
}

/// Whether a type argument unpacks (`Unpack[Ts]`, `*Ts`).
fn unpacks(expr: &Expr) -> bool {
    matches!(expr, Expr::Subscript(s) if crate::stubs::decorator_name(&s.value) == Some("Unpack"))
}

#[cfg(test)]
mod tests {
    use crate::check::errors;

    // Each snippet's expected errors are those `mypy --strict` reports.

    #[test]
    fn a_generic_class_in_a_type_needs_its_arguments() {
        let source = r#"
from typing import Any, Callable, Dict, Generator, Generic, List, Literal, Optional, TypeVar

T = TypeVar("T")


class Box(Generic[T]):
    pass


def f(a: list, b: "Dict", c: Optional[List], d: Callable[[set], None]) -> tuple:
    return (1,)


def g(a: Box, b: Callable, c: Literal["list"], d: Generator[int]) -> None:
    x: dict = {}
    y: list[int] = [1]
    print(x, y, isinstance(a, list), list(), dict[str, Any]())


class Stack(list):
    pass
"#;
        assert_eq!(
            errors(source),
            [
                (10, "type-arg"),
                (10, "type-arg"),
                (10, "type-arg"),
                (10, "type-arg"),
                (10, "type-arg"),
                (14, "type-arg"),
                (14, "type-arg"),
                (15, "type-arg"),
                (20, "type-arg"),
            ]
        );
    }
}
