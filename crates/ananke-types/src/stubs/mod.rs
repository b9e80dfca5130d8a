//! The type database: classes, functions and module members read from
//! typeshed's stubs.
//!
//! The stubs are bundled verbatim (`typeshed/stdlib.pyi-bundle`, regenerated
//! by `cargo xtask typeshed` from the pinned mypy wheel, whose name and
//! sha256 the bundle's header records) and read at first use with the same
//! parser as user code. No signature is typed by hand. `if sys.version_info >= ...`
//! blocks are resolved for Python 3.11 on Linux. Annotations the database
//! cannot resolve become `Any`, so an incomplete stub can only make the
//! checker quieter, never wrong.
//!
//! The database is read in passes (`bundle`), and annotations become
//! types through a [`Resolver`] (also used for user code). This module
//! holds what they produce: classes, members and module symbols.

mod bundle;
mod resolver;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use ruff_python_ast::{self as ast, Expr};

use crate::types::{Name, Signature, Type};

pub use resolver::Resolver;
pub(crate) use resolver::parse_string_annotation;

/// The bundled stub text.
pub const BUNDLE: &str = include_str!("../../typeshed/stdlib.pyi-bundle");

/// The stubs of the modules a call policy may name beyond [`BUNDLE`]'s
/// (see [`TypeDb::with_policy_modules`]).
pub const POLICY_BUNDLE: &str = include_str!("../../typeshed/policy.pyi-bundle");

/// The Python version the stubs are read for.
pub const PYTHON_VERSION: (u32, u32) = (3, 11);

/// How a class's type parameter varies with subtyping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variance {
    /// `list[bool]` is not a `list[int]`.
    Invariant,
    /// `Sequence[bool]` is a `Sequence[int]`.
    Covariant,
    /// `Callable[[int], None]` is a `Callable[[bool], None]`.
    Contravariant,
    /// A type variable the resolver cannot see declared (a module's own
    /// `TypeVar("T", covariant=True)`): either direction fits, so no
    /// variance mypy would allow is reported.
    Unknown,
}

/// How a method is bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    /// Bound to an instance (`self`).
    Instance,
    /// `@classmethod` (bound to the class).
    Class,
    /// `@staticmethod` (not bound).
    Static,
    /// `@property` (reading it gives the return type).
    Property,
}

/// A class member.
#[derive(Clone, Debug)]
pub enum Member {
    /// Methods (overloads in order), signatures including `self`.
    Method(MethodKind, Arc<[Signature]>),
    /// An attribute of the given type.
    Attribute(Type),
}

/// A class from the stubs (or from user code).
#[derive(Clone, Debug)]
pub struct ClassInfo {
    /// The qualified name (`builtins.list`).
    pub name: Name,
    /// Type parameters and their variance.
    pub params: Vec<(Name, Variance)>,
    /// Base classes, with this class's parameters as type variables.
    pub bases: Vec<Type>,
    /// Members declared in the class body.
    pub members: HashMap<Name, Member>,
    /// Whether the class is a protocol (checked structurally).
    pub is_protocol: bool,
    /// Whether a base, or an ancestor's, is `Any` (an unresolved import,
    /// typeshed's `NotImplementedType(Any)`): as for mypy, an instance
    /// then fits every type and has every attribute.
    pub any_base: bool,
    /// Whether the constructor, the class's or an ancestor's, is made by
    /// something not modelled (a class decorator such as `@dataclass`, a
    /// `NamedTuple` or `TypedDict` base, a metaclass or class keyword):
    /// any arguments are then accepted.
    pub synthesized_init: bool,
    /// Whether the class's body is still being written (a statement in
    /// it is being judged): members may come after, so a protocol or a
    /// `__call__` it lacks so far may still be defined.
    pub open: bool,
    /// The class its `metaclass=` keyword names (`abc.ABCMeta`), where it
    /// names a class the checker knows: the class object has that
    /// class's members (`Sized.register`). An ancestor's counts too (see
    /// `World::metaclass`).
    pub metaclass: Option<Name>,
    /// For an enumeration a module defines, its members in order, where
    /// the class body names them all plainly (`RED = 1`): tests against
    /// each of them in turn leave no value (mypy's exhaustive `if`).
    pub enum_members: Option<Arc<[Name]>>,
    /// The attributes only its methods bind (`self.x = ...`): they live
    /// in the instance, so reading one is no descriptor's `__get__`, as
    /// reading one the class body declares is.
    pub instance_attributes: Arc<[Name]>,
    /// For a module's own class: whether its attributes are all known,
    /// as its body declares them and its methods bind them on `self`
    /// (its definition written whole, no decorator or class keyword that
    /// may add others). A missing attribute is then an error, as for a
    /// stub class, where every ancestor's are known too.
    pub attributes_known: bool,
    /// For a module's own `@dataclass` whose `__init__` the checker
    /// writes: its fields, as that `__init__`'s parameters (a subclass
    /// dataclass's come after them).
    pub dataclass_fields: Option<Arc<[crate::types::Param]>>,
}

impl ClassInfo {
    /// The inherited flags ([`any_base`](Self::any_base),
    /// [`synthesized_init`](Self::synthesized_init)) this class has with
    /// those of its direct bases, looked up with `class`. Taken on once
    /// per class, so that reading a flag is a field read.
    pub fn inherited_flags<'c>(
        &self,
        class: impl Fn(&str) -> Option<&'c ClassInfo>,
    ) -> (bool, bool) {
        let mut flags = (self.any_base, self.synthesized_init);
        for base in &self.bases {
            if let Type::Instance(name, _) = base {
                match class(name) {
                    Some(info) => {
                        flags.0 |= info.any_base;
                        flags.1 |= info.synthesized_init;
                    }
                    // A class not declared yet (a base named before its
                    // definition): nothing known of it.
                    None => flags.0 = true,
                }
            }
        }
        flags
    }
}

/// What a module-level name stands for.
#[derive(Clone, Debug)]
pub enum Symbol {
    /// A class, by qualified name.
    Class(Name),
    /// A function (overloads in order).
    Function(Arc<[Signature]>),
    /// A value of a type.
    Value(Type),
    /// A module.
    Module(Name),
    /// A type alias (`List`, `Text`, `ReadableBuffer`).
    Alias(Type),
    /// A module's own generic alias (`Pair = tuple[T, T]`): its type
    /// variables in order of appearance, and its target with them as
    /// `Type::Var`s, which `Pair[int]` substitutes (a bare `Pair`, with
    /// `Any`).
    GenericAlias(Arc<[Name]>, Type),
    /// A type variable with its variance.
    TypeVar(Variance),
    /// A module's own type variable (`T = TypeVar("T", covariant=True)`):
    /// its variance gives its classes' parameters theirs; in annotations
    /// it stands for `Any` (a module's own generic functions are not
    /// solved). The flag: it is declared with a default (`default=int`),
    /// so a class's parameter of it may be left out.
    UserTypeVar(Variance, bool),
    /// A module's own `ParamSpec` or `TypeVarTuple`: `Any` in
    /// annotations; a class or alias with one as a parameter takes any
    /// number of arguments. The flag: it is declared with a default.
    UserVariadic(bool),
    /// A module's own function that returns its first argument's type as
    /// written (`def traced(fn: F) -> F`): as a decorator it leaves a
    /// function's signature as it is. (The function itself is a variable
    /// of the module's frame; this only marks the name.)
    IdentityDecorator,
    /// A typing special form (`Union`, `Optional`, `Callable`, ...).
    Special(Name),
    /// A name imported from a module the stubs do not hold, or that the
    /// module lacks (`system` after `from os import system`), by its
    /// qualified name: `Any` to the checker; the call policy follows it
    /// (`crate::policy`).
    Foreign(Name),
}

/// Every class and module the stubs (and user code) define.
#[derive(Default)]
pub struct TypeDb {
    /// Classes by qualified name.
    pub classes: HashMap<Name, ClassInfo>,
    /// Module members by module name.
    pub modules: HashMap<Name, HashMap<Name, Symbol>>,
    /// The upper bounds of the stubs' bounded type variables, by name
    /// (`SupportsRichComparisonT` → `SupportsDunderLT[Any] |
    /// SupportsDunderGT[Any]`); a name bound differently by two modules
    /// is left out.
    pub type_var_bounds: HashMap<Name, Type>,
    /// Names `builtins.pyi` binds by importing them without re-exporting
    /// (`from typing import Any`, `import sys`): the stub's own, no
    /// builtins of a program (mypy calls them undefined there).
    pub private_builtins: std::collections::HashSet<Name>,
    /// The stubs' type variables declared with a default (`_SendT_contra
    /// = TypeVar(..., default=None)`), by name: a class's parameter of
    /// one may be left out (`Generator[int]`). A name that one module
    /// declares with a default and another without counts as defaulted,
    /// so that a missing argument is never reported wrongly.
    pub defaulted_type_vars: std::collections::HashSet<Name>,
    /// Every name each module binds for this Python, for the modules
    /// whose names are all known (no `import *`, no module
    /// `__getattr__`): `from typing import override` names nothing in
    /// Python 3.11.
    pub module_names: HashMap<Name, std::collections::HashSet<Name>>,
    /// The stubs' `ParamSpec`s and `TypeVarTuple`s, by name: a class with
    /// a parameter of one takes any number of arguments.
    pub variadic_type_vars: std::collections::HashSet<Name>,
}

impl TypeDb {
    /// The database of the bundled stubs, read once.
    pub fn stdlib() -> &'static TypeDb {
        static DB: OnceLock<TypeDb> = OnceLock::new();
        DB.get_or_init(|| TypeDb::from_bundle(BUNDLE))
    }

    /// The bundled stubs with the modules only a call policy reads
    /// (`os`, `subprocess`, `ctypes`, ...: `typeshed/policy.pyi-bundle`),
    /// read once, when a policy is first resolved. The checker never reads
    /// it: to the checker those modules stay unknown.
    pub fn with_policy_modules() -> &'static TypeDb {
        static DB: OnceLock<TypeDb> = OnceLock::new();
        DB.get_or_init(|| TypeDb::from_bundle(&format!("{BUNDLE}{POLICY_BUNDLE}")))
    }

    /// A module member, following `builtins` for names a module lacks
    /// only when `module` is `builtins`-scoped (see [`Resolver`]).
    pub fn member(&self, module: &str, name: &str) -> Option<&Symbol> {
        self.modules.get(module)?.get(name)
    }

    /// A builtin a program may name: a member of `builtins` that its stub
    /// does not merely import.
    pub fn builtin(&self, name: &str) -> Option<&Symbol> {
        if self.private_builtins.contains(name) {
            return None;
        }
        self.member("builtins", name)
    }

    /// A class by qualified name.
    pub fn class(&self, name: &str) -> Option<&ClassInfo> {
        self.classes.get(name)
    }
}

/// Whether a comparison `op` holds of two versions ordered `ord`; `None`
/// for an operator that orders nothing (`in`, `is`).
fn ordering_holds(op: ast::CmpOp, ord: std::cmp::Ordering) -> Option<bool> {
    Some(match op {
        ast::CmpOp::GtE => ord.is_ge(),
        ast::CmpOp::Gt => ord.is_gt(),
        ast::CmpOp::Lt => ord.is_lt(),
        ast::CmpOp::LtE => ord.is_le(),
        ast::CmpOp::Eq => ord.is_eq(),
        ast::CmpOp::NotEq => ord.is_ne(),
        _ => return None,
    })
}

/// Whether a `sys.version_info` / `sys.platform` test holds for Python
/// 3.11 on Linux; unknown tests count as true.
/// What a `sys.version_info` or `sys.platform` comparison in code is
/// for Python 3.11 on Linux, and what mypy takes `TYPE_CHECKING`, `MYPY`,
/// `PY2` and `PY3` to be (`None` for any other condition).
pub(crate) fn static_condition(test: &Expr) -> Option<bool> {
    // Names mypy decides whatever they are bound to.
    let name = match test {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.id.as_str()),
        _ => None,
    };
    match name {
        Some("PY2") => return Some(false),
        Some("PY3" | "TYPE_CHECKING" | "MYPY") => return Some(true),
        _ => {}
    }
    match test {
        Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => static_condition(&u.operand).map(|b| !b),
        Expr::Compare(cmp) if cmp.ops.len() == 1 => match &*cmp.left {
            Expr::Attribute(a)
                if matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "sys")
                    && match (a.attr.id.as_str(), &cmp.comparators[0]) {
                        // `(3,)` or `(3, 11)`: a micro version is not decided.
                        ("version_info", Expr::Tuple(t)) => {
                            (1..=2).contains(&t.elts.len())
                                && t.elts.iter().all(|e| {
                                    matches!(
                                        e,
                                        Expr::NumberLiteral(ast::ExprNumberLiteral {
                                            value: ast::Number::Int(_),
                                            ..
                                        })
                                    )
                                })
                                && matches!(
                                    cmp.ops[0],
                                    ast::CmpOp::GtE
                                        | ast::CmpOp::Gt
                                        | ast::CmpOp::Lt
                                        | ast::CmpOp::LtE
                                        | ast::CmpOp::Eq
                                        | ast::CmpOp::NotEq
                                )
                        }
                        ("platform", Expr::StringLiteral(_)) => {
                            matches!(cmp.ops[0], ast::CmpOp::Eq | ast::CmpOp::NotEq)
                        }
                        _ => false,
                    } =>
            {
                Some(condition_holds(test))
            }
            // `sys.version_info[0] < 3`, `sys.version_info[1] >= 8`.
            Expr::Subscript(s) => {
                let Expr::Attribute(a) = &*s.value else {
                    return None;
                };
                let is_version = a.attr.id.as_str() == "version_info"
                    && matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "sys");
                let int = |e: &Expr| match e {
                    Expr::NumberLiteral(ast::ExprNumberLiteral {
                        value: ast::Number::Int(i),
                        ..
                    }) => i.as_u32(),
                    _ => None,
                };
                let have = match int(&s.slice)? {
                    0 => PYTHON_VERSION.0,
                    1 => PYTHON_VERSION.1,
                    _ => return None,
                };
                let wanted = int(&cmp.comparators[0])?;
                if !is_version {
                    return None;
                }
                ordering_holds(cmp.ops[0], have.cmp(&wanted))
            }
            _ => None,
        },
        _ => None,
    }
}

fn condition_holds(test: &Expr) -> bool {
    match test {
        Expr::BoolOp(op) => match op.op {
            ast::BoolOp::And => op.values.iter().all(condition_holds),
            ast::BoolOp::Or => op.values.iter().any(condition_holds),
        },
        Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => !condition_holds(&u.operand),
        Expr::Compare(cmp) if cmp.ops.len() == 1 => {
            let attr = match &*cmp.left {
                Expr::Attribute(a) => a.attr.id.as_str(),
                _ => return true,
            };
            let right = &cmp.comparators[0];
            match (attr, right) {
                ("version_info", Expr::Tuple(t)) => {
                    let wanted: Vec<u32> = t
                        .elts
                        .iter()
                        .filter_map(|e| match e {
                            Expr::NumberLiteral(n) => match &n.value {
                                ast::Number::Int(i) => i.as_u32(),
                                _ => None,
                            },
                            _ => None,
                        })
                        .collect();
                    let have = [PYTHON_VERSION.0, PYTHON_VERSION.1];
                    let ord = have[..wanted.len().min(2)].cmp(&wanted[..wanted.len().min(2)]);
                    ordering_holds(cmp.ops[0], ord).unwrap_or(true)
                }
                ("platform", Expr::StringLiteral(s)) => {
                    let is_linux = s.value.to_str() == "linux";
                    match cmp.ops[0] {
                        ast::CmpOp::Eq => is_linux,
                        ast::CmpOp::NotEq => !is_linux,
                        _ => true,
                    }
                }
                _ => true,
            }
        }
        _ => true,
    }
}

/// The last name of a decorator or callee (`overload`, `typing.overload`).
/// Decorators that leave a function's signature as written (or are
/// modelled where the function is read: `staticmethod`, `property`, ...).
/// A function under any other is passed through as `Any`: what the
/// decorator makes of it is not modelled.
pub(crate) const PLAIN_FUNCTION_DECORATORS: &[&str] = &[
    "abstractmethod",
    "overload",
    "final",
    "override",
    "deprecated",
    "staticmethod",
    "classmethod",
    "property",
    "cached_property",
    "setter",
    "deleter",
    "_magic_enum_attr",
    "DynamicClassAttribute",
    "abstractproperty",
    "abstractclassmethod",
    "abstractstaticmethod",
];

/// Whether a function's decorators all leave its signature as written
/// (see [`PLAIN_FUNCTION_DECORATORS`]).
pub(crate) fn plainly_decorated(
    def: &ast::StmtFunctionDef,
    identity: impl Fn(&str) -> bool,
) -> bool {
    def.decorator_list.iter().all(|d| match &d.expression {
        Expr::Name(n) if identity(n.id.as_str()) => true,
        Expr::Name(_) | Expr::Attribute(_) => {
            decorator_name(&d.expression).is_some_and(|n| PLAIN_FUNCTION_DECORATORS.contains(&n))
        }
        // `@deprecated("use g")`
        Expr::Call(c) => decorator_name(&c.func) == Some("deprecated"),
        _ => false,
    })
}

/// Whether a function returns its first argument's type as written
/// (`def traced(fn: F) -> F`): as a decorator it leaves a function's
/// signature as it is.
pub(crate) fn is_identity_function(f: &ast::StmtFunctionDef) -> bool {
    let Some(first) = f
        .parameters
        .posonlyargs
        .iter()
        .chain(&f.parameters.args)
        .next()
    else {
        return false;
    };
    matches!(
        (first.parameter.annotation.as_deref(), f.returns.as_deref()),
        (Some(Expr::Name(a)), Some(Expr::Name(r))) if a.id == r.id
    ) && f.decorator_list.is_empty()
}

/// The variance a `TypeVar(...)` call declares (`None` for another call).
pub(crate) fn declared_variance(call: &ruff_python_ast::ExprCall) -> Option<Variance> {
    if decorator_name(&call.func) != Some("TypeVar") {
        return None;
    }
    let flag = |key: &str| {
        call.arguments.keywords.iter().any(|k| {
            k.arg.as_ref().is_some_and(|a| a.id.as_str() == key)
                && matches!(k.value, Expr::BooleanLiteral(ref b) if b.value)
        })
    };
    Some(if flag("infer_variance") {
        Variance::Unknown
    } else if flag("covariant") {
        Variance::Covariant
    } else if flag("contravariant") {
        Variance::Contravariant
    } else {
        Variance::Invariant
    })
}

/// Whether `call` passes the keyword argument `key`.
pub(crate) fn has_keyword(call: &ruff_python_ast::ExprCall, key: &str) -> bool {
    call.arguments
        .keywords
        .iter()
        .any(|k| k.arg.as_ref().is_some_and(|a| a.id.as_str() == key))
}

pub(crate) fn decorator_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.id.as_str()),
        Expr::Call(c) => decorator_name(&c.func),
        _ => None,
    }
}
