//! Reading the stub bundle into a [`TypeDb`]: every module's definitions
//! collected (for Python 3.11 on Linux), then resolved in passes — names
//! first, so that an annotation may refer to anything, then aliases,
//! type-variable bounds, and classes, functions and values — with imports
//! followed between modules.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr, Stmt};

use super::resolver::Resolver;
use super::{Symbol, TypeDb, Variance, condition_holds, decorator_name};
use crate::types::{Name, Signature, Type};

/// Raw module-level definitions, before annotations are resolved.
#[derive(Default)]
struct RawModule {
    classes: Vec<ast::StmtClassDef>,
    functions: Vec<(Name, Vec<ast::StmtFunctionDef>)>,
    values: Vec<(Name, Expr)>,
    aliases: Vec<(Name, Expr)>,
    /// Type variables: name, variance, and the `bound=` expression.
    type_vars: Vec<(Name, Variance, Option<Expr>)>,
    /// Type variables declared with a `default=` (PEP 696).
    defaulted: Vec<Name>,
    /// `ParamSpec`s and `TypeVarTuple`s (which take any number of
    /// arguments).
    variadic: Vec<Name>,
    /// Every name the module binds (for this Python), whatever it binds
    /// it to.
    defined: HashSet<Name>,
    /// Whether the module may have names `defined` misses: it imports
    /// `*` or answers any attribute (a module-level `__getattr__`).
    open: bool,
    imports: Vec<(Name, Name, Option<Name>)>,
    modules: Vec<(Name, Name)>,
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
    "TypedDict",
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
        if let Some((_, raw)) = raws.iter().find(|(m, _)| &**m == "builtins") {
            db.private_builtins = raw
                .imports
                .iter()
                .filter(|(_, name, alias)| alias.as_ref() != Some(name))
                .map(|(_, name, alias)| alias.clone().unwrap_or_else(|| name.clone()))
                .chain(raw.modules.iter().map(|(local, _)| local.clone()))
                .collect();
        }
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
        // typing's forms of this Python (`TypeIs` and `ReadOnly` came
        // later); `typing_extensions` has all.
        let typing_raw = raws.iter().find(|(m, _)| &**m == "typing");
        let typing_defines =
            |form: &str| typing_raw.is_some_and(|(_, raw)| raw.defined.contains(form));
        if let Some(typing) = db.modules.get_mut("typing") {
            for form in SPECIAL_FORMS.iter().filter(|f| typing_defines(f)) {
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
        db.defaulted_type_vars = raws
            .iter()
            .flat_map(|(_, raw)| raw.defaulted.iter().cloned())
            .collect();
        db.module_names = raws
            .iter()
            .filter(|(_, raw)| !raw.open)
            .map(|(module, raw)| (module.clone(), raw.defined.clone()))
            .collect();
        db.variadic_type_vars = raws
            .iter()
            .flat_map(|(_, raw)| raw.variadic.iter().cloned())
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
        // Pass 4: names bound to a method of a module-level instance
        // (`randrange = _inst.randrange` in random), bound as the checker
        // binds any instance's method.
        let mut bound: Vec<(Name, Name, Symbol)> = Vec::new();
        let world = crate::world::World::new(&db);
        for (module, raw) in &raws {
            let Some(table) = db.modules.get(module) else {
                continue;
            };
            for (name, expr) in &raw.aliases {
                let Expr::Attribute(attribute) = expr else {
                    continue;
                };
                let Expr::Name(base) = &*attribute.value else {
                    continue;
                };
                if table.contains_key(name) {
                    continue;
                }
                let Some(Symbol::Value(instance @ Type::Instance(..))) =
                    table.get(base.id.as_str())
                else {
                    continue;
                };
                let symbol = match world.instance_member(instance, attribute.attr.id.as_str()) {
                    Some(Type::Callable(sig)) => Symbol::Function(Arc::from([(*sig).clone()])),
                    Some(Type::Overloaded(sigs)) => Symbol::Function(sigs),
                    // A member of a base the bundle does not hold: the
                    // name exists, of a type not known.
                    None | Some(Type::Any) => Symbol::Value(Type::Any),
                    Some(_) => continue,
                };
                bound.push((module.clone(), name.clone(), symbol));
            }
        }
        for (module, name, function) in bound {
            db.modules.entry(module).or_default().insert(name, function);
        }
        // Functions and values exist only now: follow imports again.
        db.resolve_imports(&imported);
        db.inherit_class_flags();
        db
    }

    /// Every class takes on its ancestors' inherited flags (see
    /// [`super::ClassInfo::inherited_flags`]): rounds until nothing changes.
    fn inherit_class_flags(&mut self) {
        loop {
            let changed: Vec<(Name, (bool, bool))> = self
                .classes
                .iter()
                .filter_map(|(name, info)| {
                    let flags = info.inherited_flags(|n| self.classes.get(n));
                    (flags != (info.any_base, info.synthesized_init)).then(|| (name.clone(), flags))
                })
                .collect();
            if changed.is_empty() {
                break;
            }
            for (name, (any_base, synthesized_init)) in changed {
                if let Some(info) = self.classes.get_mut(&name) {
                    info.any_base = any_base;
                    info.synthesized_init = synthesized_init;
                }
            }
        }
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
                raw.defined.insert(c.name.id.as_str().into());
                raw.classes.retain(|k| k.name.id != c.name.id);
                raw.classes.push(c);
            }
            Stmt::FunctionDef(f) => {
                let name: Name = f.name.id.as_str().into();
                raw.open |= &*name == "__getattr__";
                raw.defined.insert(name.clone());
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
                    raw.defined.insert(name.clone());
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
                for target in &a.targets {
                    bound_names(target, &mut raw.defined);
                }
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
                        if super::has_keyword(call, "default") {
                            raw.defaulted.push(name.clone());
                        }
                        if decorator_name(&call.func) != Some("TypeVar") {
                            raw.variadic.push(name.clone());
                        }
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
                    let local = alias.asname.as_ref().unwrap_or(&alias.name);
                    raw.open |= alias.name.id.as_str() == "*";
                    raw.defined.insert(local.id.as_str().into());
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
                    raw.defined.insert(local.clone());
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

/// Adds the names an assignment's `target` binds to `out`.
fn bound_names(target: &Expr, out: &mut HashSet<Name>) {
    match target {
        Expr::Name(n) => {
            out.insert(n.id.as_str().into());
        }
        Expr::Tuple(t) => t.elts.iter().for_each(|e| bound_names(e, out)),
        Expr::List(l) => l.elts.iter().for_each(|e| bound_names(e, out)),
        Expr::Starred(s) => bound_names(&s.value, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stubs::{Member, Symbol};

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
}
