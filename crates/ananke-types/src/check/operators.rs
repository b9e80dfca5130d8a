//! Operators and comparisons: binary and unary operators through their
//! dunder methods (and the reflected ones), and comparisons — ordering,
//! mypy's strict equality (`comparison-overlap`) and containment.
//!
//! An operation on a union is an error only when some member fails; an
//! operand of a class the checker does not know completely never is.

use std::borrow::Cow;

use ruff_python_ast::{self as ast, Expr};

use super::Checker;
use super::access::plain;
use crate::types::Type;

impl Checker<'_> {
    /// `left op right`, and whether its `Any` is the one the dunders'
    /// annotations declare (`float ** float` is `-> Any` in typeshed): then
    /// it is mypy's own. `at` is the right operand's expression (mypy
    /// points there).
    pub(super) fn binary(
        &mut self,
        left: &Type,
        op: ast::Operator,
        right: &Type,
        at: &Expr,
        augmented: bool,
    ) -> (Type, bool) {
        let (dunder, reflected, inplace) = operator_methods(op);
        let lefts: Vec<Type> = union_members(left);
        let rights: Vec<Type> = union_members(right);
        let mut results = Vec::new();
        let mut failures = 0usize;
        let mut declared = true;
        for l in &lefts {
            for r in &rights {
                if op == ast::Operator::Pow && is_int(l) && is_int(r) {
                    results.push(int_power(at));
                    continue;
                }
                match self.binary_one(l, dunder, reflected, augmented.then_some(inplace), r) {
                    Some((ty, any)) => {
                        declared &= any;
                        results.push(ty);
                    }
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
            return (Type::Any, false);
        }
        let ty = Type::union(results);
        let declared = declared && matches!(ty, Type::Any);
        (ty, declared)
    }

    /// One operand pair: `l.__op__(r)`, then `r.__rop__(l)`, and whether
    /// the dunder that took it declares `-> Any`; `None` when both
    /// certainly fail.
    fn binary_one(
        &self,
        l: &Type,
        dunder: &str,
        reflected: &str,
        inplace: Option<&str>,
        r: &Type,
    ) -> Option<(Type, bool)> {
        let (l, r) = (as_operand(l), as_operand(r));
        let (l, r) = (&*l, &*r);
        // `Any` inside an operand's type still leaves its class: the
        // dunders' signatures are matched leniently where it stands.
        if !matches!(l, Type::Instance(..) | Type::Tuple(_))
            || !matches!(r, Type::Instance(..) | Type::Tuple(_))
        {
            return Some((Type::Any, false));
        }
        let attempt =
            |receiver: &Type, method: &str, operand: &Type| -> Option<Result<(Type, bool), ()>> {
                let callee = self.world.instance_member(receiver, method)?;
                let args = [plain(operand.clone())];
                let (ret, error) = self.world.call(&callee, &args);
                Some(if error.is_none() && !is_not_implemented(&ret) {
                    let declared =
                        matches!(ret, Type::Any) && self.world.declared_any(&callee, &args);
                    Ok((ret, declared))
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
        // A module's own class is known whole where its attributes are;
        // but for comparisons, which its decorators may write
        // (`@total_ordering`, `@dataclass(order=True)`).
        let classes_known = [l, r].iter().all(|t| match t {
            Type::Instance(name, _) if name.starts_with("__main__.") => {
                !matches!(dunder, "__lt__" | "__le__" | "__gt__" | "__ge__")
                    && self.own_attributes_known(name)
            }
            Type::Instance(name, _) => self.reportable_class(name),
            _ => true,
        });
        if known || classes_known {
            None
        } else {
            Some((Type::Any, false))
        }
    }

    /// `op operand` through the operand's dunder (`__neg__`, `__pos__`,
    /// `__invert__`); `not` is always a `bool`.
    pub(super) fn unary(&mut self, op: ast::UnaryOp, operand: &Type, at: &Expr) -> Type {
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
                    && (self.reportable_class(class) || self.own_attributes_known(class))
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

    /// A comparison chain: ordering through the dunders, equality and
    /// containment under mypy's strict equality.
    pub(super) fn compare(&mut self, c: &ast::ExprCompare) -> Type {
        let mut left = self.expr(&c.left);
        let mut result = Type::bool();
        // A chain (`a < b == c`) is the join of what each comparison
        // gives, as mypy has it: `bool` only where each gives `bool`.
        let mut links: Vec<Type> = Vec::new();
        for (op, right_expr) in c.ops.iter().zip(c.comparators.iter()) {
            let right = match op {
                ast::CmpOp::In | ast::CmpOp::NotIn => self.container_operand(right_expr),
                _ => self.expr(right_expr),
            };
            match op {
                ast::CmpOp::Eq | ast::CmpOp::NotEq => {
                    let method = if *op == ast::CmpOp::Eq {
                        "__eq__"
                    } else {
                        "__ne__"
                    };
                    links.push(match self.world.instance_member(&left, method) {
                        Some(Type::Callable(sig)) => sig.ret.clone(),
                        _ => Type::Any,
                    });
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
                    let link = match self.binary_one(&left, method, reflected, None, &right) {
                        Some((ty, _)) if failures == 0 => ty,
                        _ => Type::Any,
                    };
                    if c.ops.len() == 1 && failures == 0 {
                        result = match &link {
                            Type::Any => Type::bool(),
                            ty => ty.clone(),
                        };
                    }
                    links.push(link);
                }
            }
            left = right;
        }
        if c.ops.len() > 1 && links.iter().any(|t| *t != Type::bool()) {
            return match links.iter().any(Type::has_any) {
                true => Type::Any,
                false => self.world.join_all(links),
            };
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
        // mypy lets the bytes-like classes compare with each other (their
        // `__eq__` takes any buffer).
        let bytes_like = |t: &Type| {
            matches!(
                t.class_name(),
                Some("builtins.bytes" | "builtins.bytearray" | "builtins.memoryview")
            )
        };
        if bytes_like(left) && bytes_like(right) {
            return false;
        }
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
        // Everything is an `object` (no stub names it as a base).
        let related = [ln, rn].contains(&"builtins.object")
            || self.world.map_to_base(ln, left.args(), rn).is_some()
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
        // A container with a `__contains__` of its own (not the builtins'
        // or `typing`'s) decides what it holds, as mypy leaves it
        // (werkzeug's `Headers` iterates pairs, holds keys).
        if let Type::Instance(name, _) = container
            && self
                .world
                .find_member(name, "__contains__")
                .is_some_and(|(_, owner)| {
                    !owner.starts_with("builtins.") && !owner.starts_with("typing.")
                })
        {
            return;
        }
        let item = match container {
            // Substrings (and a `bytes` in a `bytearray`), not items.
            Type::Instance(name, _)
                if matches!(
                    &**name,
                    "builtins.str"
                        | "builtins.bytes"
                        | "builtins.bytearray"
                        | "builtins.memoryview"
                ) =>
            {
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

/// An operand as the dunders see it. `None` is the instance of
/// `NoneType`, which has no arithmetic and no ordering; a built-in class is
/// an instance of `type` (which has only `|`, for unions), a function one
/// of `function` (which has none): `n ** int`, `xs + list` and `x - max`
/// are mypy's operator errors. (Another class may have a metaclass with
/// operators: `c_int * 3` makes a ctypes array.)
fn as_operand(t: &Type) -> Cow<'_, Type> {
    match t {
        Type::None => Cow::Owned(Type::instance("types.NoneType", [])),
        Type::Class(name) if name.starts_with("builtins.") => {
            Cow::Owned(Type::instance("builtins.type", []))
        }
        Type::Callable(_) | Type::Overloaded(_) => {
            Cow::Owned(Type::instance("builtins.function", []))
        }
        other => Cow::Borrowed(other),
    }
}

pub(super) fn union_members(ty: &Type) -> Vec<Type> {
    match ty {
        Type::Union(items) => items.to_vec(),
        other => vec![other.clone()],
    }
}

fn is_not_implemented(ty: &Type) -> bool {
    ty.is_instance_of("builtins._NotImplementedType")
}

/// An `int` (or `bool`) instance.
pub(super) fn is_int(t: &Type) -> bool {
    t.is_instance_of("builtins.int") || t.is_instance_of("builtins.bool")
}

/// `int ** int` as mypy types it: typeshed's overloads of `int.__pow__`
/// take literal exponents — a non-negative one gives `int`, a negative one
/// `float` — and any other `int` gives `Any` (the checker has no literal
/// types, so it reads the exponent's expression).
pub(super) fn int_power(exponent: &Expr) -> Type {
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

#[cfg(test)]
mod tests {
    use crate::check::errors;

    // Each snippet's expected errors are those `mypy --strict` reports.

    #[test]
    fn operators_need_a_dunder_that_accepts_the_operand() {
        let source = r#"
from typing import Optional


def f(x: Optional[int]) -> None:
    s = "a"
    s += 1
    print(1 + "a", -"a", x + 1)
"#;
        assert_eq!(
            errors(source),
            [
                (6, "operator"),
                (7, "operator"),
                (7, "operator"),
                (7, "operator")
            ]
        );
    }

    #[test]
    fn comparisons_order_and_overlap() {
        let source = r#"
def f(x: int, y: str, ys: list[str]) -> None:
    print(x < y)
    print(x == y)
    print(x in ys)
"#;
        assert_eq!(
            errors(source),
            [
                (2, "operator"),
                (3, "comparison-overlap"),
                (4, "comparison-overlap")
            ]
        );
    }
}
