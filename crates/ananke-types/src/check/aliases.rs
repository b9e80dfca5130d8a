//! A module's own type aliases: `IntList = list[int]`, `Key = str | int`,
//! `Handler: TypeAlias = "Callable[[Event], None]"`. mypy reads a name a
//! module binds once, to a type expression, as an alias: an annotation
//! naming it means the type it stands for. Before, such annotations were
//! `Any` here, and nothing written against them was checked.
//!
//! Only the forms mypy surely takes for an alias are read: at module level,
//! a single name bound nowhere else in the module (a name bound twice, as
//! `Pattern` under a `sys.version_info` test often is, stays a variable),
//! whose value is a class, a subscripted class or special form
//! (`Optional[int]`, `Callable[[int], str]`), a `|` of those, or anything
//! under an explicit `TypeAlias` annotation. One that resolves to `Any`
//! (a class of an unresolved module) is left out: a name standing for
//! `Any` means a `TypedDict` to the declarations (`names_typed_dict`).

use std::collections::HashMap;

use ruff_python_ast::{Expr, Operator, Stmt};

use super::Checker;
use crate::stubs::{Symbol, decorator_name};
use crate::types::{Name, Type};

impl Checker<'_> {
    /// Declares the aliases of a module's `body` (after its classes and
    /// imports, which they name, and before its classes' members and its
    /// functions' signatures, which may name them).
    pub(super) fn declare_type_aliases(&mut self, body: &[Stmt]) {
        let mut bindings: HashMap<&str, usize> = HashMap::new();
        crate::flow::each_binding(body, &mut |name| *bindings.entry(name).or_default() += 1);
        for stmt in body {
            let (name, value, explicit) = match stmt {
                Stmt::Assign(a) => match a.targets.as_slice() {
                    [Expr::Name(n)] => (n, &*a.value, false),
                    _ => continue,
                },
                Stmt::AnnAssign(a) => match (&*a.target, a.value.as_deref()) {
                    (Expr::Name(n), Some(value))
                        if decorator_name(&a.annotation) == Some("TypeAlias") =>
                    {
                        (n, value, true)
                    }
                    _ => continue,
                },
                _ => continue,
            };
            let name = name.id.as_str();
            if bindings.get(name) != Some(&1) || !(explicit || self.is_type_expression(value)) {
                continue;
            }
            let params = self.alias_parameters(value);
            if !params.is_empty() {
                // Its type variables read as variables, not `Any`.
                let mut locals = self.symbols.clone();
                for p in &params {
                    locals.insert(p.clone(), Symbol::TypeVar(crate::stubs::Variance::Unknown));
                }
                let ty =
                    crate::stubs::Resolver::with_locals(self.world.db, &locals).annotation(value);
                if !matches!(ty, Type::Any) {
                    self.symbols
                        .insert(name.into(), Symbol::GenericAlias(params.into(), ty));
                }
                continue;
            }
            let symbol = match self.resolver().lookup_expr(value) {
                // `Alias = SomeClass` (or `= List`): still a class as a
                // value, and generic as the class is.
                Some(Symbol::Class(class) | Symbol::Alias(Type::Class(class))) => {
                    Symbol::Alias(Type::Class(class))
                }
                // `Type[A]` (a class object) is not told apart from an
                // alias of `A` itself by `Symbol::Alias`: left out.
                _ => match self.annotation(value) {
                    Type::Any | Type::Class(_) => continue,
                    ty => Symbol::Alias(ty),
                },
            };
            self.symbols.insert(name.into(), symbol);
        }
    }

    /// The module's own type variables `value` names, in order of first
    /// appearance (a string annotation's too): a generic alias's
    /// parameters.
    fn alias_parameters(&self, value: &Expr) -> Vec<Name> {
        use ruff_python_ast::visitor::{Visitor, walk_expr};
        struct Names<'c, 'w> {
            checker: &'c Checker<'w>,
            found: Vec<Name>,
        }
        impl<'b> Visitor<'b> for Names<'_, '_> {
            fn visit_expr(&mut self, expr: &'b Expr) {
                match expr {
                    Expr::Name(n) => {
                        let name = n.id.as_str();
                        if matches!(
                            self.checker.symbols.get(name),
                            Some(Symbol::UserTypeVar(..) | Symbol::UserVariadic(_))
                        ) && !self.found.iter().any(|f| &**f == name)
                        {
                            self.found.push(name.into());
                        }
                    }
                    Expr::StringLiteral(s) => {
                        if let Some(parsed) =
                            crate::stubs::parse_string_annotation(s.value.to_str())
                        {
                            self.visit_expr(&parsed);
                        }
                    }
                    other => walk_expr(self, other),
                }
            }
        }
        let mut names = Names {
            checker: self,
            found: Vec::new(),
        };
        names.visit_expr(value);
        names.found
    }

    /// Whether `expr` is written as a type is: a class or an alias, one
    /// subscripted (`dict[str, int]`, `Optional[T]`), or a `|` of types.
    fn is_type_expression(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Name(_) | Expr::Attribute(_) => matches!(
                self.resolver().lookup_expr(expr),
                Some(Symbol::Class(_) | Symbol::Alias(_) | Symbol::GenericAlias(..))
            ),
            Expr::Subscript(s) => {
                self.is_type_expression(&s.value)
                    || matches!(
                        self.resolver().lookup_expr(&s.value),
                        Some(Symbol::Special(_))
                    )
            }
            Expr::BinOp(b) if b.op == Operator::BitOr => {
                let side =
                    |e: &Expr| matches!(e, Expr::NoneLiteral(_)) || self.is_type_expression(e);
                side(&b.left) && side(&b.right)
            }
            _ => false,
        }
    }
}
