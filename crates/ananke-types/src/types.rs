//! [`Type`]: the types of the typed-Python subset, printed as mypy prints
//! them.

use std::fmt;
use std::sync::Arc;

/// A shared string: class, variable and parameter names.
pub type Name = Arc<str>;

/// A Python type.
///
/// Classes are nominal: `Instance` names a class by its qualified name
/// (`builtins.int`, `builtins.list`, `typing.Iterable`, `re.Match`) with
/// type arguments. Fixed-length tuples have their own variant;
/// `tuple[T, ...]` is the instance `builtins.tuple[T]`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// `Any`, or a type the checker does not know: compatible with
    /// everything in both directions.
    Any,
    /// `NoReturn` / `Never`: the type of no value.
    Never,
    /// `None`.
    None,
    /// An instance of a class.
    Instance(Name, Arc<[Type]>),
    /// `tuple[T1, T2, ...]` of known length.
    Tuple(Arc<[Type]>),
    /// `A | B | ...`: at least two members, flattened, no duplicates.
    Union(Arc<[Type]>),
    /// A callable value: a function, a lambda, a `Callable[...]`.
    Callable(Arc<Signature>),
    /// An overloaded function (several signatures, tried in order).
    Overloaded(Arc<[Signature]>),
    /// A type variable of a generic signature or class.
    Var(Name),
    /// A module object (`math` after `import math`).
    Module(Name),
    /// A class object (`int`, `list`, `Counter`): calling it constructs an
    /// instance; subscripting it in an annotation parameterises it.
    Class(Name),
}

/// How a parameter may be passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// Before `/`.
    Positional,
    /// By position or keyword.
    Normal,
    /// After `*` or `*args`.
    Keyword,
    /// `*args`.
    VarPositional,
    /// `**kwargs`.
    VarKeyword,
}

/// One parameter of a [`Signature`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    /// The name (`None` for `Callable[[int], str]`'s positional slots).
    pub name: Option<Name>,
    /// How it is passed.
    pub kind: ParamKind,
    /// Its annotated type (`Any` when unannotated).
    pub ty: Type,
    /// Whether it has a default value.
    pub has_default: bool,
}

/// A function signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    /// The function's name, for messages (`"range"`, `"str.join"`).
    pub name: Option<Name>,
    /// The parameters in order (a bound method's `self` removed).
    pub params: Vec<Param>,
    /// The return type.
    pub ret: Type,
    /// Whether the parameter list is unknown (`Callable[..., R]`).
    pub any_params: bool,
    /// Whether the return annotation is `Any` itself (`-> Any`,
    /// `Callable[..., Any]`): a call's `Any` is then mypy's own, the one
    /// `--warn-return-any` blames, not the checker's stand-in for what it
    /// does not model.
    pub ret_any: bool,
    /// What a `True` return tells of the first argument (`-> TypeGuard[X]`
    /// or `-> TypeIs[X]`; the return type itself is `bool`).
    pub guard: Option<Guard>,
}

/// A type guard's narrowing (see [`Signature::guard`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Guard {
    /// The type the argument has where the call returned `True`.
    pub ty: Type,
    /// `TypeIs`: where it returned `False`, the argument is not of `ty`
    /// (a `TypeGuard` says nothing then).
    pub both_ways: bool,
}

impl Signature {
    /// `Callable[..., ret]`.
    pub fn any_params(ret: Type) -> Signature {
        Signature {
            name: None,
            params: Vec::new(),
            ret,
            any_params: true,
            ret_any: false,
            guard: None,
        }
    }
}

impl Type {
    /// An instance of the class called `qualified` with `args`.
    pub fn instance(qualified: &str, args: impl Into<Arc<[Type]>>) -> Type {
        Type::Instance(Arc::from(qualified), args.into())
    }

    /// `builtins.int`.
    pub fn int() -> Type {
        Type::instance("builtins.int", [])
    }

    /// `builtins.float`.
    pub fn float() -> Type {
        Type::instance("builtins.float", [])
    }

    /// `builtins.bool`.
    pub fn bool() -> Type {
        Type::instance("builtins.bool", [])
    }

    /// `builtins.str`.
    pub fn str() -> Type {
        Type::instance("builtins.str", [])
    }

    /// `builtins.bytes`.
    pub fn bytes() -> Type {
        Type::instance("builtins.bytes", [])
    }

    /// `builtins.object`.
    pub fn object() -> Type {
        Type::instance("builtins.object", [])
    }

    /// `builtins.list[elem]`.
    pub fn list(elem: Type) -> Type {
        Type::instance("builtins.list", [elem])
    }

    /// `builtins.dict[key, value]`.
    pub fn dict(key: Type, value: Type) -> Type {
        Type::instance("builtins.dict", [key, value])
    }

    /// `builtins.set[elem]`.
    pub fn set(elem: Type) -> Type {
        Type::instance("builtins.set", [elem])
    }

    /// `builtins.tuple[elem, ...]`.
    pub fn tuple_of(elem: Type) -> Type {
        Type::instance("builtins.tuple", [elem])
    }

    /// `A | B | ...`, flattened and deduplicated; one member is itself,
    /// none is `Never`. `Any` absorbs the rest.
    pub fn union(members: impl IntoIterator<Item = Type>) -> Type {
        let mut flat: Vec<Type> = Vec::new();
        for member in members {
            match member {
                Type::Union(inner) => {
                    for m in inner.iter() {
                        if !flat.contains(m) {
                            flat.push(m.clone());
                        }
                    }
                }
                Type::Never => {}
                other => {
                    if !flat.contains(&other) {
                        flat.push(other);
                    }
                }
            }
        }
        if flat.contains(&Type::Any) {
            return Type::Any;
        }
        match flat.len() {
            0 => Type::Never,
            1 => flat.pop().expect("one member"),
            _ => Type::Union(flat.into()),
        }
    }

    /// `Optional[inner]`.
    pub fn optional(inner: Type) -> Type {
        Type::union([inner, Type::None])
    }

    /// The class name when this is an instance.
    pub fn class_name(&self) -> Option<&str> {
        match self {
            Type::Instance(name, _) => Some(name),
            _ => None,
        }
    }

    /// Whether this is an instance of `qualified` (ignoring arguments).
    pub fn is_instance_of(&self, qualified: &str) -> bool {
        self.class_name() == Some(qualified)
    }

    /// The type arguments of an instance.
    pub fn args(&self) -> &[Type] {
        match self {
            Type::Instance(_, args) => args,
            _ => &[],
        }
    }

    /// Whether `Any` (or an unresolved type variable) occurs anywhere: the
    /// type is then not precise enough to report errors against.
    pub fn has_any(&self) -> bool {
        match self {
            Type::Any | Type::Var(_) => true,
            Type::Instance(_, args) | Type::Tuple(args) | Type::Union(args) => {
                args.iter().any(Type::has_any)
            }
            Type::Callable(sig) => {
                sig.any_params || sig.ret.has_any() || sig.params.iter().any(|p| p.ty.has_any())
            }
            Type::Overloaded(_) => true,
            Type::Never | Type::None | Type::Module(_) | Type::Class(_) => false,
        }
    }

    /// Replaces type variables by `lookup`'s answer (unknown ones by `Any`
    /// when `erase` is set, else kept).
    pub fn substitute(&self, lookup: &dyn Fn(&str) -> Option<Type>, erase: bool) -> Type {
        let map = |types: &[Type]| -> Arc<[Type]> {
            types.iter().map(|t| t.substitute(lookup, erase)).collect()
        };
        match self {
            Type::Var(name) => {
                lookup(name).unwrap_or_else(|| if erase { Type::Any } else { self.clone() })
            }
            // `type[T]` solved to a class is that class's object.
            Type::Instance(name, args) if &**name == "builtins.type" && args.len() == 1 => {
                match args[0].substitute(lookup, erase) {
                    Type::Instance(class, _) => Type::Class(class),
                    other => Type::Instance(name.clone(), [other].into()),
                }
            }
            Type::Instance(name, args) if !args.is_empty() => {
                Type::Instance(name.clone(), map(args))
            }
            Type::Tuple(items) => Type::Tuple(map(items)),
            Type::Union(items) => Type::union(items.iter().map(|t| t.substitute(lookup, erase))),
            Type::Callable(sig) => Type::Callable(Arc::new(sig.substitute(lookup, erase))),
            Type::Overloaded(sigs) => {
                Type::Overloaded(sigs.iter().map(|s| s.substitute(lookup, erase)).collect())
            }
            other => other.clone(),
        }
    }
}

impl Signature {
    /// The signature with type variables replaced (see
    /// [`Type::substitute`]).
    pub fn substitute(&self, lookup: &dyn Fn(&str) -> Option<Type>, erase: bool) -> Signature {
        Signature {
            name: self.name.clone(),
            params: self
                .params
                .iter()
                .map(|p| Param {
                    ty: p.ty.substitute(lookup, erase),
                    ..p.clone()
                })
                .collect(),
            ret: self.ret.substitute(lookup, erase),
            any_params: self.any_params,
            ret_any: self.ret_any,
            guard: self.guard.as_ref().map(|g| Guard {
                ty: g.ty.substitute(lookup, erase),
                both_ways: g.both_ways,
            }),
        }
    }
}

/// What awaiting a coroutine gives (`R` of `typing.Coroutine[Y, S, R]`).
pub(crate) fn coroutine_result(ty: &Type) -> Option<Type> {
    match ty {
        Type::Instance(class, args) if &**class == "typing.Coroutine" && args.len() == 3 => {
            Some(args[2].clone())
        }
        _ => None,
    }
}

/// mypy prints builtins and typing names bare and other classes qualified.
fn short_name(qualified: &str) -> &str {
    for prefix in [
        "builtins.",
        "typing.",
        "typing_extensions.",
        "_typeshed.",
        "_collections_abc.",
    ] {
        if let Some(rest) = qualified.strip_prefix(prefix) {
            return rest;
        }
    }
    qualified
}

fn join_types(f: &mut fmt::Formatter<'_>, types: &[Type], separator: &str) -> fmt::Result {
    for (i, t) in types.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write!(f, "{t}")?;
    }
    Ok(())
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("Any"),
            Type::Never => f.write_str("Never"),
            Type::None => f.write_str("None"),
            Type::Instance(name, args) => {
                if &**name == "builtins.tuple" && args.len() == 1 {
                    return write!(f, "tuple[{}, ...]", args[0]);
                }
                f.write_str(short_name(name))?;
                if !args.is_empty() {
                    f.write_str("[")?;
                    join_types(f, args, ", ")?;
                    f.write_str("]")?;
                }
                Ok(())
            }
            Type::Tuple(items) if items.is_empty() => f.write_str("tuple[()]"),
            Type::Tuple(items) => {
                f.write_str("tuple[")?;
                join_types(f, items, ", ")?;
                f.write_str("]")
            }
            Type::Union(items) => {
                // mypy prints X | None for Optional.
                join_types(f, items, " | ")
            }
            Type::Callable(sig) => write!(f, "{sig}"),
            Type::Overloaded(_) => f.write_str("overloaded function"),
            Type::Var(name) => f.write_str(name),
            Type::Module(name) => write!(f, "Module({name})"),
            Type::Class(name) => write!(f, "type[{}]", short_name(name)),
        }
    }
}

impl fmt::Display for Signature {
    /// As mypy prints callable types in messages: `Callable[[int, str],
    /// bool]`, `Callable[..., bool]` when the parameters are not plain
    /// positional ones.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self
            .params
            .iter()
            .all(|p| matches!(p.kind, ParamKind::Positional | ParamKind::Normal) && !p.has_default);
        if self.any_params || !plain {
            return write!(f, "Callable[..., {}]", self.ret);
        }
        f.write_str("Callable[[")?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", p.ty)?;
        }
        write!(f, "], {}]", self.ret)
    }
}

impl fmt::Debug for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_print_as_mypy_prints_them() {
        assert_eq!(Type::list(Type::int()).to_string(), "list[int]");
        assert_eq!(Type::optional(Type::str()).to_string(), "str | None");
        assert_eq!(Type::tuple_of(Type::int()).to_string(), "tuple[int, ...]");
        assert_eq!(
            Type::Tuple(Arc::from([Type::int(), Type::str()])).to_string(),
            "tuple[int, str]"
        );
        assert_eq!(
            Type::instance("re.Match", [Type::str()]).to_string(),
            "re.Match[str]"
        );
        assert_eq!(
            Type::instance("typing.Iterable", [Type::int()]).to_string(),
            "Iterable[int]"
        );
    }

    #[test]
    fn unions_flatten_and_absorb() {
        let u = Type::union([Type::int(), Type::union([Type::str(), Type::int()])]);
        assert_eq!(u.to_string(), "int | str");
        assert_eq!(Type::union([Type::int()]), Type::int());
        assert_eq!(Type::union([Type::int(), Type::Any]), Type::Any);
        assert_eq!(Type::union([]), Type::Never);
    }
}
