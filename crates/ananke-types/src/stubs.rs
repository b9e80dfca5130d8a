//! The type database: classes, functions and module members read from
//! typeshed's stubs.
//!
//! The stubs are bundled verbatim (`typeshed/stdlib.pyi-bundle`, regenerated
//! by `cargo xtask typeshed` from the pinned mypy wheel) and read at first
//! use with the same parser as user code. `if sys.version_info >= ...`
//! blocks are resolved for Python 3.11 on Linux. Annotations the database
//! cannot resolve become `Any`, so an incomplete stub can only make the
//! checker quieter, never wrong.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use ruff_python_ast::{self as ast, Expr, Stmt};

use crate::types::{Name, Param, ParamKind, Signature, Type};

/// The bundled stub text.
pub const BUNDLE: &str = include_str!("../typeshed/stdlib.pyi-bundle");

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
    /// A type variable with its variance.
    TypeVar(Variance),
    /// A typing special form (`Union`, `Optional`, `Callable`, ...).
    Special(Name),
}

/// Raw module-level definitions, before annotations are resolved.
#[derive(Default)]
struct RawModule {
    classes: Vec<ast::StmtClassDef>,
    functions: Vec<(Name, Vec<ast::StmtFunctionDef>)>,
    values: Vec<(Name, Expr)>,
    aliases: Vec<(Name, Expr)>,
    /// Type variables: name, variance, and the `bound=` expression.
    type_vars: Vec<(Name, Variance, Option<Expr>)>,
    imports: Vec<(Name, Name, Option<Name>)>,
    modules: Vec<(Name, Name)>,
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
}

/// The typing forms the resolver interprets itself.
const SPECIAL_FORMS: &[&str] = &[
    "Any",
    "Union",
    "Optional",
    "Callable",
    "Tuple",
    "Type",
    "Literal",
    "ClassVar",
    "Final",
    "Annotated",
    "NoReturn",
    "Never",
    "Self",
    "TypeAlias",
    "Generic",
    "Protocol",
    "Concatenate",
    "TypeGuard",
    "TypeIs",
    "Unpack",
    "Required",
    "NotRequired",
    "ReadOnly",
    "LiteralString",
];

/// typing's aliases for builtin and collections classes.
const TYPING_ALIASES: &[(&str, &str)] = &[
    ("List", "builtins.list"),
    ("Dict", "builtins.dict"),
    ("Set", "builtins.set"),
    ("FrozenSet", "builtins.frozenset"),
    ("DefaultDict", "collections.defaultdict"),
    ("Counter", "collections.Counter"),
    ("Deque", "collections.deque"),
    ("OrderedDict", "collections.OrderedDict"),
    ("ChainMap", "collections.ChainMap"),
    ("Text", "builtins.str"),
];

impl TypeDb {
    /// The database of the bundled stubs, read once.
    pub fn stdlib() -> &'static TypeDb {
        static DB: OnceLock<TypeDb> = OnceLock::new();
        DB.get_or_init(|| TypeDb::from_bundle(BUNDLE))
    }

    /// Reads a stub bundle (`### module: NAME` sections).
    pub fn from_bundle(bundle: &str) -> TypeDb {
        let mut raws: Vec<(Name, RawModule)> = Vec::new();
        for section in bundle.split("\n### module: ").skip(1) {
            let (name, text) = section.split_once('\n').unwrap_or((section, ""));
            let Ok(parsed) = ruff_python_parser::parse_module(text) else {
                continue;
            };
            let mut raw = RawModule::default();
            collect(&mut raw, parsed.into_syntax().body);
            raws.push((Arc::from(name.trim()), raw));
        }
        let mut db = TypeDb::default();
        // Pass 1: every name, so that annotations can refer to anything.
        for (module, raw) in &raws {
            let symbols = db.modules.entry(module.clone()).or_default();
            for class in &raw.classes {
                let qualified: Name = format!("{module}.{}", class.name.id).into();
                symbols.insert(class.name.id.as_str().into(), Symbol::Class(qualified));
            }
            for (name, variance, _) in &raw.type_vars {
                symbols.insert(name.clone(), Symbol::TypeVar(*variance));
            }
            for (alias, target) in &raw.modules {
                symbols.insert(alias.clone(), Symbol::Module(target.clone()));
            }
        }
        if let Some(typing) = db.modules.get_mut("typing") {
            for form in SPECIAL_FORMS {
                typing.insert((*form).into(), Symbol::Special((*form).into()));
            }
        }
        if let Some(ext) = db.modules.get_mut("typing_extensions") {
            for form in SPECIAL_FORMS {
                ext.insert((*form).into(), Symbol::Special((*form).into()));
            }
        }
        // Imports are references into other modules, followed on lookup.
        let mut imported: Vec<(Name, Name, Name, Name)> = Vec::new();
        for (module, raw) in &raws {
            for (from, name, alias) in &raw.imports {
                imported.push((
                    module.clone(),
                    alias.clone().unwrap_or_else(|| name.clone()),
                    from.clone(),
                    name.clone(),
                ));
            }
        }
        db.resolve_imports(&imported);
        for (alias, target) in TYPING_ALIASES {
            db.modules.entry("typing".into()).or_default().insert(
                (*alias).into(),
                Symbol::Alias(Type::Class((*target).into())),
            );
        }
        // Pass 2: aliases (twice, so that aliases of aliases resolve).
        for _ in 0..2 {
            for (module, raw) in &raws {
                for (name, expr) in &raw.aliases {
                    let ty = Resolver::new(&db, module).annotation(expr);
                    let symbol = match ty {
                        Type::Class(_) => Symbol::Alias(ty),
                        Type::Any => continue,
                        other => Symbol::Alias(other),
                    };
                    db.modules
                        .entry(module.clone())
                        .or_default()
                        .insert(name.clone(), symbol);
                }
            }
        }
        // Type variable bounds, once every alias is known.
        let mut bounds: HashMap<Name, Option<Type>> = HashMap::new();
        for (module, raw) in &raws {
            let resolver = Resolver::new(&db, module);
            for (name, _, bound) in &raw.type_vars {
                let bound = bound.as_ref().map(|b| resolver.annotation(b));
                bounds
                    .entry(name.clone())
                    .and_modify(|seen| {
                        if *seen != bound {
                            *seen = None;
                        }
                    })
                    .or_insert(bound);
            }
        }
        db.type_var_bounds = bounds
            .into_iter()
            .filter_map(|(name, bound)| Some((name, bound.filter(|b| *b != Type::Any)?)))
            .collect();
        // Pass 3: classes, functions, values.
        for (module, raw) in &raws {
            let resolver = Resolver::new(&db, module);
            let mut classes = Vec::new();
            for class in &raw.classes {
                classes.push(resolver.class(class));
            }
            let mut symbols = Vec::new();
            for (name, defs) in &raw.functions {
                let sigs: Vec<Signature> = defs
                    .iter()
                    .map(|d| resolver.signature(d, Some(name)))
                    .collect();
                symbols.push((name.clone(), Symbol::Function(sigs.into())));
            }
            for (name, annotation) in &raw.values {
                symbols.push((name.clone(), Symbol::Value(resolver.annotation(annotation))));
            }
            for class in classes {
                db.classes.insert(class.name.clone(), class);
            }
            let table = db.modules.entry(module.clone()).or_default();
            for (name, symbol) in symbols {
                // typing's special forms are declared as values
                // (`Optional: _SpecialForm`); the resolver's meaning wins.
                if !matches!(table.get(&name), Some(Symbol::Special(_))) {
                    table.insert(name, symbol);
                }
            }
        }
        // Functions and values exist only now: follow imports again.
        db.resolve_imports(&imported);
        db
    }

    /// Makes imported names (and star imports) visible in the importing
    /// modules, a few rounds deep for re-exports of re-exports.
    fn resolve_imports(&mut self, imported: &[(Name, Name, Name, Name)]) {
        for _ in 0..4 {
            for (module, local, from, name) in imported {
                if &**name == "*" {
                    let exported: Vec<(Name, Symbol)> = self
                        .modules
                        .get(from)
                        .map(|m| {
                            m.iter()
                                .filter(|(k, _)| !k.starts_with('_'))
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect()
                        })
                        .unwrap_or_default();
                    let table = self.modules.entry(module.clone()).or_default();
                    for (k, v) in exported {
                        table.entry(k).or_insert(v);
                    }
                    continue;
                }
                let target = self
                    .modules
                    .get(from)
                    .and_then(|m| m.get(name))
                    .cloned()
                    .or_else(|| {
                        let sub = format!("{from}.{name}");
                        self.modules
                            .contains_key(sub.as_str())
                            .then(|| Symbol::Module(sub.into()))
                    });
                if let Some(symbol) = target {
                    self.modules
                        .entry(module.clone())
                        .or_default()
                        .entry(local.clone())
                        .or_insert(symbol);
                }
            }
        }
    }

    /// A module member, following `builtins` for names a module lacks
    /// only when `module` is `builtins`-scoped (see [`Resolver`]).
    pub fn member(&self, module: &str, name: &str) -> Option<&Symbol> {
        self.modules.get(module)?.get(name)
    }

    /// A class by qualified name.
    pub fn class(&self, name: &str) -> Option<&ClassInfo> {
        self.classes.get(name)
    }
}

/// Whether a `sys.version_info` / `sys.platform` test holds for Python
/// 3.11 on Linux; unknown tests count as true.
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
                    match cmp.ops[0] {
                        ast::CmpOp::GtE => ord.is_ge(),
                        ast::CmpOp::Gt => ord.is_gt(),
                        ast::CmpOp::Lt => ord.is_lt(),
                        ast::CmpOp::LtE => ord.is_le(),
                        ast::CmpOp::Eq => ord.is_eq(),
                        ast::CmpOp::NotEq => ord.is_ne(),
                        _ => true,
                    }
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

fn collect(raw: &mut RawModule, body: Vec<Stmt>) {
    for stmt in body {
        match stmt {
            Stmt::If(s) => {
                if condition_holds(&s.test) {
                    collect(raw, s.body);
                } else {
                    for clause in s.elif_else_clauses {
                        if clause.test.as_ref().is_none_or(condition_holds) {
                            collect(raw, clause.body);
                            break;
                        }
                    }
                }
            }
            Stmt::ClassDef(c) => {
                raw.classes.retain(|k| k.name.id != c.name.id);
                raw.classes.push(c);
            }
            Stmt::FunctionDef(f) => {
                let name: Name = f.name.id.as_str().into();
                let overload = f
                    .decorator_list
                    .iter()
                    .any(|d| decorator_name(&d.expression) == Some("overload"));
                match raw.functions.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, defs)) if overload => defs.push(f),
                    Some((_, defs)) => *defs = vec![f],
                    None => raw.functions.push((name, vec![f])),
                }
            }
            Stmt::AnnAssign(a) => {
                if let Expr::Name(target) = &*a.target {
                    let name: Name = target.id.as_str().into();
                    if decorator_name(&a.annotation) == Some("TypeAlias") {
                        if let Some(value) = a.value {
                            raw.aliases.push((name, *value));
                        }
                    } else {
                        raw.values.push((name, *a.annotation));
                    }
                }
            }
            Stmt::Assign(a) => {
                let [Expr::Name(target)] = a.targets.as_slice() else {
                    continue;
                };
                let name: Name = target.id.as_str().into();
                match &*a.value {
                    Expr::Call(call)
                        if matches!(
                            decorator_name(&call.func),
                            Some("TypeVar" | "ParamSpec" | "TypeVarTuple")
                        ) =>
                    {
                        let flag = |key: &str| {
                            call.arguments.keywords.iter().any(|k| {
                                k.arg.as_ref().is_some_and(|a| a.id.as_str() == key)
                                    && matches!(k.value, Expr::BooleanLiteral(ref b) if b.value)
                            })
                        };
                        let variance = if flag("covariant") {
                            Variance::Covariant
                        } else if flag("contravariant") {
                            Variance::Contravariant
                        } else {
                            Variance::Invariant
                        };
                        let bound = call.arguments.keywords.iter().find_map(|k| {
                            (k.arg.as_ref()?.id.as_str() == "bound").then(|| k.value.clone())
                        });
                        raw.type_vars.push((name, variance, bound));
                    }
                    Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_) | Expr::BinOp(_) => {
                        raw.aliases.push((name, *a.value));
                    }
                    _ => {}
                }
            }
            Stmt::ImportFrom(i) => {
                let Some(module) = &i.module else { continue };
                for alias in i.names {
                    raw.imports.push((
                        module.id.as_str().into(),
                        alias.name.id.as_str().into(),
                        alias.asname.map(|a| a.id.as_str().into()),
                    ));
                }
            }
            Stmt::Import(i) => {
                for alias in i.names {
                    let full: Name = alias.name.id.as_str().into();
                    let local: Name = match &alias.asname {
                        Some(a) => a.id.as_str().into(),
                        None => full.split('.').next().unwrap_or_default().into(),
                    };
                    let target = if alias.asname.is_some() {
                        full
                    } else {
                        local.clone()
                    };
                    raw.modules.push((local, target));
                }
            }
            _ => {}
        }
    }
}

/// The last name of a decorator or callee (`overload`, `typing.overload`).
pub(crate) fn decorator_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.id.as_str()),
        Expr::Call(c) => decorator_name(&c.func),
        _ => None,
    }
}

/// Resolves annotations to types within one module's namespace.
pub struct Resolver<'a> {
    db: &'a TypeDb,
    module: &'a str,
    /// Extra names (user code: its own classes and imports).
    locals: Option<&'a HashMap<Name, Symbol>>,
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
    pub fn with_locals(db: &'a TypeDb, locals: &'a HashMap<Name, Symbol>) -> Resolver<'a> {
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
            .or_else(|| self.db.member("builtins", name))
            .cloned()
    }

    fn lookup_expr(&self, expr: &Expr) -> Option<Symbol> {
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
            Expr::StringLiteral(s) => {
                match ruff_python_parser::parse_expression(s.value.to_str()) {
                    Ok(parsed) => self.annotation_at(&parsed.into_expr(), depth + 1),
                    Err(_) => Type::Any,
                }
            }
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
                    "Type" => match items.first().map(|e| arg(e)) {
                        Some(Type::Instance(name, _)) => Type::Class(name),
                        _ => Type::Any,
                    },
                    "ClassVar" | "Final" | "Annotated" | "Required" | "NotRequired"
                    | "ReadOnly" => items.first().map_or(Type::Any, |e| arg(e)),
                    "TypeGuard" | "TypeIs" => Type::bool(),
                    _ => Type::Any,
                };
            }
            Some(Symbol::Class(name)) => name.clone(),
            Some(Symbol::Alias(Type::Class(name))) => name.clone(),
            _ => return Type::Any,
        };
        match &*class_name {
            "builtins.tuple" => self.tuple(&items, depth),
            "builtins.type" => match items.first().map(|e| arg(e)) {
                Some(Type::Instance(name, _)) => Type::Class(name),
                _ => Type::Any,
            },
            _ => {
                let n_params = self
                    .db
                    .class(&class_name)
                    .map_or(items.len(), |c| c.params.len());
                let mut given = args();
                if given.len() != n_params {
                    given = vec![Type::Any; n_params];
                }
                Type::Instance(class_name, given.into())
            }
        }
    }

    fn tuple(&self, items: &[&Expr], depth: usize) -> Type {
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
        match items.first() {
            Some(Expr::List(list)) => Type::Callable(Arc::new(Signature {
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
            })),
            _ => Type::Callable(Arc::new(Signature::any_params(ret))),
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
        Signature {
            name: name.map(Into::into),
            params,
            ret: def
                .returns
                .as_deref()
                .map_or(Type::Any, |r| self.annotation(r)),
            any_params: false,
        }
    }

    /// A class definition's information.
    pub fn class(&self, def: &ast::StmtClassDef) -> ClassInfo {
        let qualified: Name = format!("{}.{}", self.module, def.name.id).into();
        let mut bases = Vec::new();
        let mut params: Vec<(Name, Variance)> = Vec::new();
        let mut explicit_params = false;
        let mut is_protocol = false;
        let variance_of = |name: &str| match self.lookup(name) {
            Some(Symbol::TypeVar(v)) => v,
            _ => Variance::Invariant,
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
                        if matches!(self.lookup(&name), Some(Symbol::TypeVar(_)))
                            && !params.iter().any(|(p, _)| *p == name)
                        {
                            params.push((name.clone(), variance_of(&name)));
                        }
                    }
                }
                let ty = self.annotation(base);
                if !matches!(ty, Type::Any) {
                    bases.push(ty);
                }
            }
        }
        let mut members: HashMap<Name, Member> = HashMap::new();
        for stmt in &def.body {
            self.class_member(stmt, &mut members);
        }
        ClassInfo {
            name: qualified,
            params,
            bases,
            members,
            is_protocol,
        }
    }

    fn class_member(&self, stmt: &Stmt, members: &mut HashMap<Name, Member>) {
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
                    self.class_member(inner, members);
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
                } else if decorators.contains(&"classmethod") {
                    MethodKind::Class
                } else if decorators.contains(&"property") {
                    MethodKind::Property
                } else {
                    MethodKind::Instance
                };
                if decorators.iter().any(|d| *d == "setter" || *d == "deleter") {
                    return;
                }
                let sig = self.signature(f, Some(&name));
                let overload = decorators.contains(&"overload");
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
                    members.insert(
                        target.id.as_str().into(),
                        Member::Attribute(self.annotation(&a.annotation)),
                    );
                }
            }
            _ => {}
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_yields_the_builtin_classes() {
        let db = TypeDb::stdlib();
        let list = db.class("builtins.list").expect("list");
        assert_eq!(list.params.len(), 1);
        assert_eq!(list.bases[0].to_string(), "MutableSequence[_T]");
        assert!(list.members.contains_key("append"));
        let dict = db.class("builtins.dict").expect("dict");
        assert_eq!(dict.params.len(), 2);
        let iterable = db.class("typing.Iterable").expect("Iterable");
        assert!(iterable.is_protocol);
        assert_eq!(iterable.params[0].1, Variance::Covariant);
        assert!(matches!(
            db.member("math", "sqrt"),
            Some(Symbol::Function(_))
        ));
        assert!(matches!(
            db.member("builtins", "range"),
            Some(Symbol::Class(_))
        ));
        assert!(matches!(
            db.member("builtins", "len"),
            Some(Symbol::Function(_))
        ));
        assert!(matches!(
            db.member("typing", "List"),
            Some(Symbol::Alias(_))
        ));
        // 3.11: int.to_bytes has defaults; the 3.10 branch does not.
        let Some(Member::Method(_, to_bytes)) =
            db.class("builtins.int").unwrap().members.get("to_bytes")
        else {
            panic!("int.to_bytes");
        };
        assert!(to_bytes[0].params[1].has_default);
    }

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
