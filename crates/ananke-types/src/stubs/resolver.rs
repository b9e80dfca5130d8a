//! [`Resolver`]: annotations to types within one module's namespace —
//! typing's special forms, aliases, generic classes with their parameters
//! — and a definition's signature or class information from its syntax.
//!
//! The stubs' modules and user code both go through it: the bundle reader
//! resolves each stub module's definitions, and the checker the user's
//! annotations, with the user's own names as locals.

use std::collections::HashMap;
use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr, Stmt};

use super::{
    ClassInfo, Member, MethodKind, Symbol, TypeDb, Variance, condition_holds, decorator_name,
};
use crate::types::{Guard, Name, Param, ParamKind, Signature, Type};

/// Resolves annotations to types within one module's namespace.
pub struct Resolver<'a> {
    db: &'a TypeDb,
    module: &'a str,
    /// Extra names (user code: its own classes and imports).
    locals: Option<&'a im::HashMap<Name, Symbol>>,
}

impl<'a> Resolver<'a> {
    /// A resolver for `module`'s namespace.
    pub fn new(db: &'a TypeDb, module: &'a str) -> Resolver<'a> {
        Resolver {
            db,
            module,
            locals: None,
        }
    }

    /// A resolver for user code whose own names are `locals`.
    pub fn with_locals(db: &'a TypeDb, locals: &'a im::HashMap<Name, Symbol>) -> Resolver<'a> {
        Resolver {
            db,
            module: "__main__",
            locals: Some(locals),
        }
    }

    fn lookup(&self, name: &str) -> Option<Symbol> {
        if let Some(symbol) = self.locals.and_then(|l| l.get(name)) {
            return Some(symbol.clone());
        }
        self.db
            .member(self.module, name)
            .or_else(|| self.db.builtin(name))
            .cloned()
    }

    /// Whether the type variable `name` (a class's parameter) has a
    /// default: a module's own declared with one, or the stubs'.
    pub(crate) fn type_var_defaulted(&self, name: &str) -> bool {
        match self.locals.and_then(|l| l.get(name)) {
            Some(Symbol::UserTypeVar(_, defaulted) | Symbol::UserVariadic(defaulted)) => *defaulted,
            _ => self.db.defaulted_type_vars.contains(name),
        }
    }

    /// Whether the class `class`'s parameter `name` is a plain type
    /// variable, one argument each (not a `ParamSpec` or `TypeVarTuple`,
    /// which take any number).
    pub(crate) fn plain_type_var(&self, class: &str, name: &str) -> bool {
        if class.starts_with("__main__.") {
            matches!(
                self.locals.and_then(|l| l.get(name)),
                Some(Symbol::UserTypeVar(..) | Symbol::TypeVar(_))
            )
        } else {
            !self.db.variadic_type_vars.contains(name)
        }
    }

    /// What a name or dotted name (`typing.Final`) stands for.
    pub(crate) fn lookup_expr(&self, expr: &Expr) -> Option<Symbol> {
        match expr {
            Expr::Name(n) => self.lookup(n.id.as_str()),
            Expr::Attribute(a) => match self.lookup_expr(&a.value)? {
                Symbol::Module(m) => {
                    self.db.member(&m, a.attr.id.as_str()).cloned().or_else(|| {
                        let sub = format!("{m}.{}", a.attr.id);
                        self.db
                            .modules
                            .contains_key(sub.as_str())
                            .then(|| Symbol::Module(sub.into()))
                    })
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The type an annotation denotes (`Any` when it cannot tell).
    pub fn annotation(&self, expr: &Expr) -> Type {
        self.annotation_at(expr, 0)
    }

    fn annotation_at(&self, expr: &Expr, depth: usize) -> Type {
        if depth > 32 {
            return Type::Any;
        }
        match expr {
            Expr::NoneLiteral(_) => Type::None,
            Expr::StringLiteral(s) => match parse_string_annotation(s.value.to_str()) {
                Some(parsed) => self.annotation_at(&parsed, depth + 1),
                None => Type::Any,
            },
            Expr::BinOp(b) if b.op == ast::Operator::BitOr => Type::union([
                self.annotation_at(&b.left, depth + 1),
                self.annotation_at(&b.right, depth + 1),
            ]),
            Expr::Name(_) | Expr::Attribute(_) => match self.lookup_expr(expr) {
                Some(symbol) => self.symbol_type(&symbol, expr),
                None => Type::Any,
            },
            Expr::Subscript(sub) => self.subscript(&sub.value, &sub.slice, depth),
            _ => Type::Any,
        }
    }

    fn symbol_type(&self, symbol: &Symbol, expr: &Expr) -> Type {
        match symbol {
            Symbol::Class(name) => self.bare_class(name),
            Symbol::Alias(Type::Class(name)) => self.bare_class(name),
            Symbol::Alias(ty) => ty.clone(),
            Symbol::GenericAlias(params, ty) => instantiate(params, ty, &[]),
            Symbol::TypeVar(_) => match expr {
                Expr::Name(n) => Type::Var(n.id.as_str().into()),
                _ => Type::Any,
            },
            Symbol::Special(form) => match &**form {
                "NoReturn" | "Never" => Type::Never,
                "Self" => Type::Var("Self".into()),
                "Tuple" => Type::tuple_of(Type::Any),
                "LiteralString" => Type::str(),
                _ => Type::Any,
            },
            _ => Type::Any,
        }
    }

    /// A class used without type arguments: its parameters are `Any`.
    fn bare_class(&self, name: &str) -> Type {
        let n_params = self.db.class(name).map_or(0, |c| c.params.len());
        if name == "builtins.tuple" {
            return Type::tuple_of(Type::Any);
        }
        Type::instance(name, vec![Type::Any; n_params])
    }

    fn subscript(&self, base: &Expr, slice: &Expr, depth: usize) -> Type {
        let items: Vec<&Expr> = match slice {
            Expr::Tuple(t) => t.elts.iter().collect(),
            other => vec![other],
        };
        let arg = |e: &Expr| self.annotation_at(e, depth + 1);
        let args = || items.iter().map(|e| arg(e)).collect::<Vec<_>>();
        let symbol = self.lookup_expr(base);
        let class_name = match &symbol {
            Some(Symbol::Special(form)) => {
                return match &**form {
                    "Union" => Type::union(args()),
                    "Optional" => Type::optional(items.first().map_or(Type::Any, |e| arg(e))),
                    "Tuple" => self.tuple(&items, depth),
                    "Callable" => self.callable(&items, depth),
                    "Literal" => Type::union(items.iter().map(|e| literal_type(e))),
                    "Type" => class_object(items.first().map(|e| arg(e))),
                    "ClassVar" | "Final" | "Annotated" | "Required" | "NotRequired"
                    | "ReadOnly" => items.first().map_or(Type::Any, |e| arg(e)),
                    "TypeGuard" | "TypeIs" => Type::bool(),
                    _ => Type::Any,
                };
            }
            Some(Symbol::Class(name)) => name.clone(),
            Some(Symbol::Alias(Type::Class(name))) => name.clone(),
            Some(Symbol::GenericAlias(params, ty)) => return instantiate(params, ty, &args()),
            _ => return Type::Any,
        };
        match &*class_name {
            "builtins.tuple" => self.tuple(&items, depth),
            "builtins.type" => match items.first().map(|e| arg(e)) {
                Some(ty @ (Type::Instance(..) | Type::Union(_))) => class_object(Some(ty)),
                // `type[T]`: solved from a class object (`cast`'s first
                // overload).
                Some(var @ Type::Var(_)) => Type::Instance(class_name, [var].into()),
                _ => Type::Any,
            },
            _ => {
                let n_params = self
                    .db
                    .class(&class_name)
                    .map_or(items.len(), |c| c.params.len());
                let mut given = args();
                if given.len() != n_params || items.iter().any(|e| unpacks(e)) {
                    given = vec![Type::Any; n_params];
                }
                Type::Instance(class_name, given.into())
            }
        }
    }

    fn tuple(&self, items: &[&Expr], depth: usize) -> Type {
        if items.iter().any(|e| unpacks(e)) {
            return Type::tuple_of(Type::Any);
        }
        match items {
            [only, Expr::EllipsisLiteral(_)] => Type::tuple_of(self.annotation_at(only, depth + 1)),
            [Expr::Tuple(t)] if t.elts.is_empty() => Type::Tuple(Arc::from([])),
            _ => Type::Tuple(
                items
                    .iter()
                    .map(|e| self.annotation_at(e, depth + 1))
                    .collect(),
            ),
        }
    }

    fn callable(&self, items: &[&Expr], depth: usize) -> Type {
        let ret = items
            .get(1)
            .map_or(Type::Any, |e| self.annotation_at(e, depth + 1));
        let ret_any = items.get(1).is_some_and(|e| names_any(e));
        match items.first() {
            // `mypy_extensions`' `Arg(...)`, `DefaultArg(...)` and the like
            // (calls) are not modelled: any parameters.
            Some(Expr::List(list))
                if !list
                    .elts
                    .iter()
                    .any(|e| unpacks(e) || matches!(e, Expr::Call(_))) =>
            {
                Type::Callable(Arc::new(Signature {
                    name: None,
                    params: list
                        .elts
                        .iter()
                        .map(|e| Param {
                            name: None,
                            kind: ParamKind::Positional,
                            ty: self.annotation_at(e, depth + 1),
                            has_default: false,
                        })
                        .collect(),
                    ret,
                    any_params: false,
                    ret_any,
                    guard: None,
                }))
            }
            _ => Type::Callable(Arc::new(Signature {
                ret_any,
                ..Signature::any_params(ret)
            })),
        }
    }

    /// A function definition's signature (including `self` for methods).
    pub fn signature(&self, def: &ast::StmtFunctionDef, name: Option<&str>) -> Signature {
        let p = &def.parameters;
        let mut params = Vec::new();
        let mut push = |param: &ast::Parameter, kind: ParamKind, has_default: bool| {
            params.push(Param {
                name: Some(param.name.id.as_str().into()),
                kind,
                ty: param
                    .annotation
                    .as_deref()
                    .map_or(Type::Any, |a| self.annotation(a)),
                has_default,
            });
        };
        for arg in &p.posonlyargs {
            push(&arg.parameter, ParamKind::Positional, arg.default.is_some());
        }
        for arg in &p.args {
            // Stubs spell old-style positional-only parameters `__x`.
            let kind = if arg.parameter.name.id.starts_with("__")
                && !arg.parameter.name.id.ends_with("__")
            {
                ParamKind::Positional
            } else {
                ParamKind::Normal
            };
            push(&arg.parameter, kind, arg.default.is_some());
        }
        if let Some(vararg) = &p.vararg {
            push(vararg, ParamKind::VarPositional, false);
        }
        for arg in &p.kwonlyargs {
            push(&arg.parameter, ParamKind::Keyword, arg.default.is_some());
        }
        if let Some(kwarg) = &p.kwarg {
            push(kwarg, ParamKind::VarKeyword, false);
        }
        let declared = def
            .returns
            .as_deref()
            .map_or(Type::Any, |r| self.annotation(r));
        Signature {
            name: name.map(Into::into),
            params,
            // Calling a coroutine function makes a coroutine (an async
            // generator function's annotation is its call's type already).
            ret: if def.is_async && !crate::flow::contains_yield(&def.body) {
                Type::instance("typing.Coroutine", [Type::Any, Type::Any, declared])
            } else {
                declared
            },
            any_params: false,
            ret_any: def.returns.as_deref().is_some_and(names_any),
            guard: def.returns.as_deref().and_then(|r| self.guard(r)),
        }
    }

    /// The narrowing a `TypeGuard[X]` or `TypeIs[X]` return annotation
    /// promises (the annotation itself reads as `bool`).
    fn guard(&self, returns: &Expr) -> Option<Guard> {
        let Expr::Subscript(s) = returns else {
            return None;
        };
        let both_ways = match self.lookup_expr(&s.value) {
            Some(Symbol::Special(form)) if &*form == "TypeGuard" => false,
            Some(Symbol::Special(form)) if &*form == "TypeIs" => true,
            _ => return None,
        };
        Some(Guard {
            ty: self.annotation(&s.slice),
            both_ways,
        })
    }

    /// Whether a class definition makes a `TypedDict` (a base is
    /// `TypedDict`, or a name already bound to one, which is `Any`): its
    /// values are dictionaries checked by keys, which this checker does
    /// not model, so the class's name stands for `Any`.
    pub fn is_typed_dict(&self, def: &ast::StmtClassDef) -> bool {
        def.arguments.as_ref().is_some_and(|a| {
            a.args.iter().any(|base| {
                // `TypedDict("T", {...})` itself, or a generic one's `Base[T]`.
                let base = match base {
                    Expr::Call(c) if decorator_name(&c.func) == Some("TypedDict") => return true,
                    Expr::Subscript(s) => &*s.value,
                    other => other,
                };
                match self.lookup_expr(base) {
                    Some(Symbol::Special(form)) => &*form == "TypedDict",
                    Some(Symbol::Alias(Type::Any)) => true,
                    _ => false,
                }
            })
        })
    }

    /// A class definition's information.
    pub fn class(&self, def: &ast::StmtClassDef) -> ClassInfo {
        let qualified: Name = format!("{}.{}", self.module, def.name.id).into();
        let mut bases = Vec::new();
        let mut params: Vec<(Name, Variance)> = Vec::new();
        let mut explicit_params = false;
        let mut is_protocol = false;
        let mut any_base = false;
        // Class decorators that leave the constructor alone; any other
        // (`@dataclass`, `@attrs.define`) may make one.
        const PLAIN_DECORATORS: &[&str] = &[
            "final",
            "runtime_checkable",
            "total_ordering",
            "type_check_only",
            "disjoint_base",
            "deprecated",
            "unique",
        ];
        let mut synthesized_init =
            def.decorator_list.iter().any(|d| {
                !decorator_name(&d.expression).is_some_and(|n| PLAIN_DECORATORS.contains(&n))
            }) || def
                .arguments
                .as_ref()
                .is_some_and(|a| !a.keywords.is_empty());
        let variance_of = |name: &str| match self.lookup(name) {
            Some(Symbol::TypeVar(v) | Symbol::UserTypeVar(v, _)) => v,
            _ => Variance::Unknown,
        };
        if let Some(arguments) = &def.arguments {
            for base in arguments.args.iter() {
                let (head, slice) = match base {
                    Expr::Subscript(s) => (&*s.value, Some(&*s.slice)),
                    other => (other, None),
                };
                let special = match self.lookup_expr(head) {
                    Some(Symbol::Special(form)) => Some(form),
                    _ => None,
                };
                if special.as_deref() == Some("Protocol") {
                    is_protocol = true;
                }
                if matches!(special.as_deref(), Some("TypedDict" | "NamedTuple")) {
                    synthesized_init = true;
                }
                if matches!(special.as_deref(), Some("Generic" | "Protocol")) {
                    if let Some(slice) = slice {
                        explicit_params = true;
                        params = type_var_names(slice)
                            .into_iter()
                            .map(|n| (n.clone(), variance_of(&n)))
                            .collect();
                    }
                    continue;
                }
                if !explicit_params && let Some(slice) = slice {
                    for name in type_var_names(slice) {
                        if matches!(
                            self.lookup(&name),
                            Some(
                                Symbol::TypeVar(_)
                                    | Symbol::UserTypeVar(..)
                                    | Symbol::UserVariadic(_)
                            )
                        ) && !params.iter().any(|(p, _)| *p == name)
                        {
                            params.push((name.clone(), variance_of(&name)));
                        }
                    }
                }
                match self.annotation(base) {
                    Type::Any if special.as_deref().is_none_or(|f| f == "Any") => any_base = true,
                    Type::Any => {}
                    Type::Instance(name, _)
                        if matches!(
                            &*name,
                            "typing.NamedTuple" | "typing_extensions.NamedTuple"
                        ) =>
                    {
                        synthesized_init = true;
                        bases.push(Type::tuple_of(Type::Any));
                        // A `NamedTuple` is one (`-> NamedTuple` takes it).
                        bases.push(Type::instance(&name, []));
                    }
                    // A class deriving from a fixed-shape tuple
                    // (`sys._version_info`, a `NamedTuple`) inherits
                    // `tuple`'s methods: its base is `tuple[T, ...]` of
                    // the one item type, or of `Any` where they differ.
                    Type::Tuple(items) => {
                        let item = match items.first() {
                            Some(first) if items.iter().all(|t| t == first) => first.clone(),
                            _ => Type::Any,
                        };
                        bases.push(Type::tuple_of(item));
                    }
                    ty => bases.push(ty),
                }
            }
        }
        let mut members: HashMap<Name, Member> = HashMap::new();
        let mut overloaded = std::collections::HashSet::new();
        for stmt in &def.body {
            self.class_member(stmt, &mut members, &mut overloaded);
        }
        // What `dataclasses.asdict` and friends ask of their argument
        // (the `DataclassInstance` protocol).
        if def
            .decorator_list
            .iter()
            .any(|d| decorator_name(&d.expression) == Some("dataclass"))
        {
            members.insert(
                "__dataclass_fields__".into(),
                Member::Attribute(Type::dict(Type::str(), Type::Any)),
            );
        }
        let metaclass = def.arguments.as_ref().and_then(|a| {
            a.keywords
                .iter()
                .find(|k| k.arg.as_ref().is_some_and(|n| n.as_str() == "metaclass"))
                .and_then(|k| match self.lookup_expr(&k.value) {
                    Some(Symbol::Class(name)) => Some(name),
                    _ => None,
                })
        });
        ClassInfo {
            name: qualified,
            params,
            bases,
            members,
            is_protocol,
            any_base,
            synthesized_init,
            open: false,
            metaclass,
            enum_members: None,
            instance_attributes: Arc::from([]),
            attributes_known: false,
            dataclass_fields: None,
        }
    }

    /// The member `stmt` declares; `overloaded` holds the names declared
    /// by `@overload` so far, whose implementation (the next plain `def`)
    /// is no part of the signature callers see.
    fn class_member(
        &self,
        stmt: &Stmt,
        members: &mut HashMap<Name, Member>,
        overloaded: &mut std::collections::HashSet<Name>,
    ) {
        match stmt {
            Stmt::If(s) => {
                let body = if condition_holds(&s.test) {
                    Some(&s.body)
                } else {
                    s.elif_else_clauses
                        .iter()
                        .find(|c| c.test.as_ref().is_none_or(condition_holds))
                        .map(|c| &c.body)
                };
                for inner in body.into_iter().flatten() {
                    self.class_member(inner, members, overloaded);
                }
            }
            Stmt::FunctionDef(f) => {
                let name: Name = f.name.id.as_str().into();
                let decorators: Vec<&str> = f
                    .decorator_list
                    .iter()
                    .filter_map(|d| decorator_name(&d.expression))
                    .collect();
                let kind = if decorators.contains(&"staticmethod") {
                    MethodKind::Static
                } else if decorators.contains(&"classmethod")
                    || matches!(&*name, "__init_subclass__" | "__class_getitem__")
                {
                    MethodKind::Class
                } else if decorators.iter().any(|d| {
                    // `enum`'s `name` and `value` are read through
                    // `_magic_enum_attr` (a `property`); `cached_property`
                    // reads like one.
                    matches!(
                        *d,
                        "property"
                            | "abstractproperty"
                            | "cached_property"
                            | "_magic_enum_attr"
                            | "DynamicClassAttribute"
                    )
                }) {
                    MethodKind::Property
                } else {
                    MethodKind::Instance
                };
                if decorators.iter().any(|d| *d == "setter" || *d == "deleter") {
                    return;
                }
                let overload = decorators.contains(&"overload");
                // A decorator not modelled makes the member `Any` (all of
                // it, when it is one of several overloads).
                if !super::plainly_decorated(f, |n| {
                    matches!(self.lookup(n), Some(Symbol::IdentityDecorator))
                }) || (overload
                    && matches!(members.get(&name), Some(Member::Attribute(Type::Any))))
                {
                    if overload {
                        overloaded.insert(name.clone());
                    }
                    members.insert(name, Member::Attribute(Type::Any));
                    return;
                }
                if overload {
                    overloaded.insert(name.clone());
                } else if overloaded.remove(&name) {
                    return;
                }
                let sig = self.signature(f, Some(&name));
                match members.get_mut(&name) {
                    Some(Member::Method(_, sigs)) if overload => {
                        let mut all = sigs.to_vec();
                        all.push(sig);
                        *sigs = all.into();
                    }
                    _ => {
                        members.insert(name, Member::Method(kind, Arc::from([sig])));
                    }
                }
            }
            Stmt::AnnAssign(a) => {
                if let Expr::Name(target) = &*a.target {
                    let ty = self.annotation(&a.annotation);
                    // A callable class variable is read through an
                    // instance as a method is: bound to it; so is an
                    // operator method the class body assigns (`__lt__:
                    // Callable[[Any, "Ord"], bool] = lambda self, other:
                    // ...`), which mypy binds, unlike a plain attribute
                    // (`f: Callable[[int], int] = double` is not bound).
                    let name = target.id.as_str();
                    let dunder = name.starts_with("__") && name.ends_with("__");
                    let class_var = (dunder && a.value.is_some())
                        || matches!(&*a.annotation, Expr::Subscript(s)
                        if decorator_name(&s.value) == Some("ClassVar"));
                    let member = match ty {
                        Type::Callable(sig) if class_var && !sig.params.is_empty() => {
                            Member::Method(MethodKind::Instance, Arc::from([(*sig).clone()]))
                        }
                        Type::Callable(sig) if class_var && sig.any_params => {
                            Member::Attribute(Type::Callable(sig))
                        }
                        Type::Callable(_) if class_var => Member::Attribute(Type::Any),
                        ty => Member::Attribute(ty),
                    };
                    members.insert(target.id.as_str().into(), member);
                }
            }
            _ => {}
        }
    }
}

/// The annotation a string holds (`"int | str"`), read as mypy reads it:
/// as if in parentheses, so that it may span lines (`"""\n  int |\n
/// str\n"""`). `None` when it is no expression.
pub(crate) fn parse_string_annotation(text: &str) -> Option<Expr> {
    ruff_python_parser::parse_expression(text)
        .or_else(|_| ruff_python_parser::parse_expression(&format!("({text})")))
        .ok()
        .map(|parsed| parsed.into_expr())
}

/// A generic alias's target with its type variables bound to `args` in
/// order: every one `Any` where the count differs (a bare alias).
fn instantiate(params: &[Name], target: &Type, args: &[Type]) -> Type {
    let lookup = |v: &str| {
        let i = params.iter().position(|p| &**p == v)?;
        Some(match args.len() == params.len() {
            true => args[i].clone(),
            false => Type::Any,
        })
    };
    // `type[T]` with `T` bound to a class is that class's object, as
    // `type[C]` is written.
    let class_objects = |ty: Type| match ty {
        Type::Instance(name, args) if &*name == "builtins.type" => match args.first() {
            Some(instance @ Type::Instance(..)) => class_object(Some(instance.clone())),
            _ => Type::Instance(name, args),
        },
        other => other,
    };
    match target.substitute(&lookup, false) {
        Type::Union(members) => Type::union(members.iter().cloned().map(class_objects)),
        other => class_objects(other),
    }
}

/// `type[C]`: the class object of `C`; of a union, the union of its
/// members' class objects (`type[A | B]` is `type[A] | type[B]`); `Any`
/// for what is no class.
fn class_object(instance: Option<Type>) -> Type {
    match instance {
        Some(Type::Instance(name, _)) => Type::Class(name),
        Some(Type::Union(items)) if items.iter().all(|t| matches!(t, Type::Instance(..))) => {
            Type::union(items.iter().map(|t| class_object(Some(t.clone()))))
        }
        _ => Type::Any,
    }
}

/// Whether a type argument unpacks a type variable tuple (`*Ts`,
/// `Unpack[Ts]`): the checker does not model variadic generics, so what
/// holds one is passed through (`tuple[Any, ...]`, any parameters).
fn unpacks(expr: &Expr) -> bool {
    match expr {
        Expr::Starred(_) => true,
        Expr::Subscript(s) => decorator_name(&s.value) == Some("Unpack"),
        _ => false,
    }
}

/// The type of a `Literal[...]` item.
fn literal_type(expr: &Expr) -> Type {
    match expr {
        Expr::NumberLiteral(n) => match n.value {
            ast::Number::Int(_) => Type::int(),
            ast::Number::Float(_) => Type::float(),
            ast::Number::Complex { .. } => Type::instance("builtins.complex", []),
        },
        Expr::UnaryOp(u) => literal_type(&u.operand),
        Expr::StringLiteral(_) => Type::str(),
        Expr::BytesLiteral(_) => Type::bytes(),
        Expr::BooleanLiteral(_) => Type::bool(),
        Expr::NoneLiteral(_) => Type::None,
        _ => Type::Any,
    }
}

/// Type-variable names used in a subscript, in order of appearance.
fn type_var_names(expr: &Expr) -> Vec<Name> {
    let mut out: Vec<Name> = Vec::new();
    fn walk(e: &Expr, out: &mut Vec<Name>) {
        match e {
            Expr::Name(n) => {
                let name: Name = n.id.as_str().into();
                if !out.contains(&name) {
                    out.push(name);
                }
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|x| walk(x, out)),
            Expr::Subscript(s) => walk(&s.slice, out),
            Expr::Starred(s) => walk(&s.value, out),
            Expr::List(l) => l.elts.iter().for_each(|x| walk(x, out)),
            Expr::BinOp(b) => {
                walk(&b.left, out);
                walk(&b.right, out);
            }
            _ => {}
        }
    }
    walk(expr, &mut out);
    out
}

/// Whether an annotation is `Any` itself (`Any`, `typing.Any`).
pub(crate) fn names_any(annotation: &Expr) -> bool {
    match annotation {
        Expr::Name(n) => n.id.as_str() == "Any",
        Expr::Attribute(a) => a.attr.id.as_str() == "Any",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_resolve() {
        let db = TypeDb::stdlib();
        let r = Resolver::new(db, "builtins");
        let parse = |s: &str| ruff_python_parser::parse_expression(s).unwrap().into_expr();
        let resolver_typing = Resolver::new(db, "typing");
        assert_eq!(
            resolver_typing.annotation(&parse("List[int]")).to_string(),
            "list[int]"
        );
        assert_eq!(
            resolver_typing
                .annotation(&parse("Optional[Dict[str, int]]"))
                .to_string(),
            "dict[str, int] | None"
        );
        assert_eq!(
            r.annotation(&parse("tuple[int, ...]")).to_string(),
            "tuple[int, ...]"
        );
        assert_eq!(r.annotation(&parse("int | None")).to_string(), "int | None");
        assert_eq!(
            resolver_typing
                .annotation(&parse("Callable[[int], str]"))
                .to_string(),
            "Callable[[int], str]"
        );
    }
}
