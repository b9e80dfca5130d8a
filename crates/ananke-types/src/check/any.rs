//! Which `Any` is mypy's own: `--strict` warns when a function returns a
//! value of type `Any` (`no-any-return`), but the checker's `Any` also
//! stands for what it does not model, so only values it knows mypy types
//! `Any` may be blamed.
//!
//! Those are tracked by source range (`explicit_any`), and so are the
//! expressions they come from (`any_rooted`): a name annotated with `Any`
//! in its type (`x: Any`, `xs: List[Any]`), what is read from such a name
//! (`xs[0]`, `x.attr`, `x.f()`, a loop variable over it), a name assigned
//! one, and what `getattr` (without a default) or `eval` return. An
//! expression of type `Any` rooted so is mypy's `Any` too, and so is what
//! an operator, a comparison (other than `is` and `in`) or
//! `abs`/`max`/`min` makes of such a value.
//! One more `Any` is mypy's own though no annotation names it: `int **
//! int` with an exponent that is not an integer literal (typeshed's
//! overloads of `int.__pow__` take literal exponents; the checker, which
//! has no literal types, reads the exponent's expression), and
//! `pow(int, int)` alike. So is what a call returns when its callee's
//! annotation says `-> Any` (`json.loads`, `itemgetter.__call__`, a
//! module's own function declared so).

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use super::Checker;
use crate::types::Type;

/// Functions whose declared return type is `Any`.
const RETURNING_ANY: [&str; 2] = ["getattr", "eval"];

/// Whether an annotation names `Any` somewhere (`Any`, `List[Any]`,
/// `typing.Any`).
pub(super) fn mentions_any(annotation: &Expr) -> bool {
    struct Finder(bool);
    impl<'a> ast::visitor::Visitor<'a> for Finder {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Name(n) if n.id.as_str() == "Any" => self.0 = true,
                Expr::Attribute(a) if a.attr.id.as_str() == "Any" => self.0 = true,
                _ => ast::visitor::walk_expr(self, expr),
            }
        }
    }
    let mut finder = Finder(false);
    ast::visitor::Visitor::visit_expr(&mut finder, annotation);
    finder.0
}

/// Whether a value of this annotation is mypy's `Any` where the checker
/// reads `Any`: it names `Any`, but not as a member of a union
/// (`Any | None`, `Optional[Any]`), which the checker reads as `Any` and
/// mypy keeps a union (returning it is no `no-any-return`).
pub(super) fn roots_any(annotation: &Expr) -> bool {
    fn any_member(e: &Expr) -> bool {
        match e {
            Expr::BinOp(b) if b.op == ast::Operator::BitOr => {
                is_any(&b.left) || is_any(&b.right) || any_member(&b.left) || any_member(&b.right)
            }
            Expr::Subscript(s) => {
                let head = match &*s.value {
                    Expr::Name(n) => n.id.as_str(),
                    Expr::Attribute(a) => a.attr.id.as_str(),
                    _ => "",
                };
                let items: Vec<&Expr> = match &*s.slice {
                    Expr::Tuple(t) => t.elts.iter().collect(),
                    other => vec![other],
                };
                matches!(head, "Optional" | "Union") && items.iter().any(|i| is_any(i))
            }
            _ => false,
        }
    }
    fn is_any(e: &Expr) -> bool {
        matches!(e, Expr::Name(n) if n.id.as_str() == "Any")
            || matches!(e, Expr::Attribute(a) if a.attr.id.as_str() == "Any")
    }
    mentions_any(annotation) && !any_member(annotation)
}

impl Checker<'_> {
    /// Records whether `expr` (of type `ty`) comes from an annotated
    /// `Any`, and whether its `Any` is mypy's.
    pub(super) fn track_any(&mut self, expr: &Expr, ty: &Type) {
        let rooted = match expr {
            Expr::Name(n) => self.rooted_name(n.id.as_str()),
            Expr::Attribute(a) => self.any_rooted.contains(&a.value.range()),
            Expr::Subscript(s) => self.any_rooted.contains(&s.value.range()),
            Expr::Call(c) => {
                self.any_rooted.contains(&c.range())
                    || self.any_rooted.contains(&c.func.range())
                    || matches!(&*c.func, Expr::Name(f)
                        if RETURNING_ANY.contains(&f.id.as_str())
                            && !self.binds_locally(f.id.as_str())
                            // `getattr(o, name, default)` is `Any | T`,
                            // which mypy does not call `Any`.
                            && !(f.id.as_str() == "getattr" && c.arguments.args.len() > 2))
            }
            _ => false,
        };
        if rooted {
            self.any_rooted.insert(expr.range());
            if matches!(ty, Type::Any) {
                self.explicit_any.insert(expr.range());
            }
        }
    }

    /// Marks the variable `name` (of the innermost frame) as holding an
    /// annotated `Any`.
    pub(super) fn mark_rooted(&mut self, name: &str) {
        if let Some(var) = self.frames.last_mut().and_then(|f| f.vars.get_mut(name)) {
            var.rooted = true;
        }
    }

    /// Whether the variable `name` resolves to holds an annotated `Any`.
    pub(super) fn rooted_name(&self, name: &str) -> bool {
        for frame in self.frames.iter().rev() {
            if let Some(var) = frame.vars.get(name) {
                return var.rooted;
            }
        }
        false
    }
}
