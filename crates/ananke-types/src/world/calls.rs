//! Calls: arguments matched against a callable's signatures — arity and
//! keywords, argument types with type-variable inference, overloads — and
//! the error when a call certainly does not type-check.
//!
//! Matching is apart from the rest of the type rules because it is the
//! one rule with a procedure of its own (binding arguments to parameters,
//! solving type variables, choosing an overload); it asks the rules of
//! [`World`] about subtyping and members.

use std::collections::HashMap;

use super::{MAX_DEPTH, World};
use crate::types::{Name, ParamKind, Signature, Type};

/// An argument at a call site.
#[derive(Clone, Debug)]
pub struct Arg {
    /// The keyword, for `name=value`.
    pub keyword: Option<Name>,
    /// Whether it is `*xs` or `**kw`.
    pub unpacked: bool,
    /// Its type.
    pub ty: Type,
    /// Whether `ty` is exactly the type mypy gives the argument: then a
    /// union fits only when every member does. Unset, a union fits when
    /// one member does, since the checker narrows less than mypy and its
    /// union may be wider than mypy's.
    pub exact: bool,
}

/// Why a call does not type-check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// Argument `index` (0-based) has an incompatible type.
    ArgType {
        /// Which argument.
        index: usize,
        /// Its type.
        got: Type,
        /// The parameter's type.
        expected: Type,
    },
    /// No overload accepts the arguments.
    NoOverload {
        /// The argument types.
        args: Vec<Type>,
    },
    /// Too many or too few arguments, or an unknown keyword.
    Arity(String),
    /// A bounded type variable solved to a type outside its bound
    /// (`max(None, 1)`: `None` has no `__lt__`).
    TypeVar {
        /// The variable's name.
        var: Name,
        /// What it was solved to.
        got: Type,
    },
}

/// Whether `callee` is `collections.namedtuple`, whose call makes a class
/// the stubs type only as `type[tuple[Any, ...]]`: its result is `Any`.
///
/// So are the declarations of type variables (`TypeVar`, `ParamSpec`,
/// `TypeVarTuple`), which mypy reads as declarations, not calls: their
/// `default=` (typeshed has it from Python 3.13) is not checked.
fn makes_a_class(callee: &Type) -> bool {
    match callee {
        Type::Callable(sig) => sig.name.as_deref() == Some("namedtuple"),
        Type::Class(name) => {
            matches!(super::short(name), "TypeVar" | "ParamSpec" | "TypeVarTuple")
                && matches!(
                    name.split_once('.').map(|(m, _)| m),
                    Some("typing" | "typing_extensions")
                )
        }
        _ => false,
    }
}

impl World<'_> {
    /// Whether `class` is `enum.Enum` or derives from it.
    pub fn is_enum_class(&self, class: &str) -> bool {
        self.is_subtype(&Type::instance(class, []), &Type::instance("enum.Enum", []))
            && self.class(class).is_some()
    }

    /// Whether calling `callee` with `args` returns the `Any` its
    /// annotation declares: its one signature, or the first overload that
    /// takes the arguments, says `-> Any` (a callable object's `__call__`
    /// included). Among overloads, arguments of imprecise types never tell
    /// (another could have been mypy's pick).
    pub fn declared_any(&self, callee: &Type, args: &[Arg]) -> bool {
        let sigs: &[Signature] = match callee {
            Type::Callable(sig) => std::slice::from_ref(&**sig),
            Type::Overloaded(sigs) => sigs,
            Type::Instance(_, _) => {
                return self
                    .instance_member(callee, "__call__")
                    .is_some_and(|call| self.declared_any(&call, args));
            }
            _ => return false,
        };
        match sigs {
            [only] => only.ret_any,
            _ if args.iter().any(|a| a.ty.has_any() || a.unpacked) => false,
            _ => sigs
                .iter()
                .find(|sig| self.match_signature(sig, args).is_ok())
                .is_some_and(|sig| sig.ret_any),
        }
    }

    /// What a constructor of `class` made, as an instance of `class`: a
    /// `__new__` that returns another type (`reversed(xs)` returns what
    /// `xs.__reversed__()` does, an `Iterator[int]`) gives the class's
    /// type arguments through a base they share (`reversed[int]`, by
    /// `Iterator`), as mypy types the call; where none maps, `Any` ones.
    fn as_instance_of(&self, class: &str, made: Type) -> Type {
        if matches!(&made, Type::Any) || made.class_name() == Some(class) {
            return made;
        }
        let Some(info) = self.class(class) else {
            return made;
        };
        let (made_name, made_args): (&str, &[Type]) = match &made {
            Type::Instance(n, a) => (n, a),
            _ => ("", &[]),
        };
        for base in &info.bases {
            let Type::Instance(base_name, base_args) = base else {
                continue;
            };
            let Some(mapped) = self.map_to_base(made_name, made_args, base_name) else {
                continue;
            };
            let args: Vec<Type> = info
                .params
                .iter()
                .map(|(p, _)| {
                    base_args
                        .iter()
                        .zip(mapped.iter())
                        .find(|(b, _)| matches!(b, Type::Var(v) if v == p))
                        .map_or(Type::Any, |(_, m)| m.clone())
                })
                .collect();
            return Type::Instance(class.into(), args.into());
        }
        Type::Instance(
            class.into(),
            info.params.iter().map(|_| Type::Any).collect(),
        )
    }

    /// Calls a callable type with arguments: the result type, and the
    /// error when the call certainly does not type-check.
    pub fn call(&self, callee: &Type, args: &[Arg]) -> (Type, Option<CallError>) {
        if makes_a_class(callee) {
            return (Type::Any, None);
        }
        // The functional enum API (`Enum("E", "a b")`, typeshed's
        // `EnumMeta.__call__` with `names`) makes a class the checker does
        // not model: `Any`. One argument looks a member up by value.
        if let Type::Class(name) = callee
            && self.is_enum_class(name)
            && (args.len() > 1 || args.iter().any(|a| a.keyword.is_some() || a.unpacked))
        {
            return (Type::Any, None);
        }
        match callee {
            Type::Callable(sig) => self.call_overloads(std::slice::from_ref(&**sig), args),
            Type::Overloaded(sigs) => self.call_overloads(sigs, args),
            Type::Class(name) => {
                let sigs = self.constructor(name);
                let (made, error) = self.call_overloads(&sigs, args);
                (self.as_instance_of(name, made), error)
            }
            Type::Instance(_, _) => match self.instance_member(callee, "__call__") {
                Some(call) => self.call(&call, args),
                None => (Type::Any, None),
            },
            Type::Union(items) => {
                let results: Vec<Type> = items.iter().map(|t| self.call(t, args).0).collect();
                (Type::union(results), None)
            }
            _ => (Type::Any, None),
        }
    }

    /// Whether some signature of `callee` can still accept `args` as the
    /// first arguments of a call being written (parameters not reached yet
    /// may still come). Imprecise arguments always fit.
    pub fn call_prefix_feasible(&self, callee: &Type, args: &[Arg]) -> bool {
        if makes_a_class(callee) {
            return true;
        }
        if let Type::Class(name) = callee
            && self.is_enum_class(name)
        {
            return true;
        }
        let sigs: Vec<Signature> = match callee {
            Type::Callable(sig) => vec![(**sig).clone()],
            Type::Overloaded(sigs) => sigs.to_vec(),
            Type::Class(name) => self.constructor(name),
            Type::Instance(_, _) => match self.instance_member(callee, "__call__") {
                Some(call) => return self.call_prefix_feasible(&call, args),
                None => return true,
            },
            _ => return true,
        };
        sigs.is_empty()
            || sigs
                .iter()
                .any(|sig| self.match_arguments(sig, args, false).is_ok())
    }

    fn call_overloads(&self, sigs: &[Signature], args: &[Arg]) -> (Type, Option<CallError>) {
        self.call_overloads_split(sigs, args, 3)
    }

    /// [`call_overloads`](World::call_overloads); where no overload takes
    /// an argument of a union type, mypy's union math: the call type-checks
    /// when each member of the union (up to `splits` unions deep) is taken
    /// by some overload, and returns the union of what they return.
    fn call_overloads_split(
        &self,
        sigs: &[Signature],
        args: &[Arg],
        splits: usize,
    ) -> (Type, Option<CallError>) {
        let (ret, error) = self.call_overloads_whole(sigs, args);
        if error.is_none() || sigs.len() < 2 || splits == 0 {
            return (ret, error);
        }
        let Some((i, items)) = args.iter().enumerate().find_map(|(i, a)| match &a.ty {
            Type::Union(items) if items.len() <= 8 => Some((i, items)),
            _ => None,
        }) else {
            return (ret, error);
        };
        let mut returns = Vec::new();
        for item in items.iter() {
            let mut split = args.to_vec();
            split[i].ty = item.clone();
            match self.call_overloads_split(sigs, &split, splits - 1) {
                (ret, None) => returns.push(ret),
                _ => return (ret, error),
            }
        }
        (Type::union(returns), None)
    }

    fn call_overloads_whole(&self, sigs: &[Signature], args: &[Arg]) -> (Type, Option<CallError>) {
        let mut first_error = None;
        let mut all_certain = true;
        // An instance of a class deriving from `Any` (an unresolved base)
        // fits every parameter, as `Any` does.
        let imprecise: Vec<usize> = if sigs.len() > 1 {
            (0..args.len())
                .filter(|&a| {
                    let ty = &args[a].ty;
                    ty.has_any() || ty.class_name().is_some_and(|c| self.derives_from_any(c))
                })
                .collect()
        } else {
            Vec::new()
        };
        for (i, sig) in sigs.iter().enumerate() {
            match self.match_signature(sig, args) {
                // With `Any` among the arguments, mypy's answer is `Any`
                // when a later overload matches too, returns another type
                // and takes one of those arguments as another type (both
                // of `cast`'s overloads that fit take `val: Any`).
                Ok(ret)
                    if !imprecise.is_empty()
                        && sigs[i + 1..].iter().any(|other| {
                            self.match_signature(other, args).is_ok_and(|r| r != ret)
                                && self.takes_differently(sig, other, args, &imprecise)
                        }) =>
                {
                    return (Type::Any, None);
                }
                Ok(ret) => return (ret, None),
                Err(err) => {
                    // Certain: a wrong count, or a precise argument that does
                    // not fit (an imprecise one could have fitted).
                    all_certain &= match &err {
                        // `Any` inside an argument's type already fits
                        // anything; what does not fit is certain, except
                        // in a union the checker may have narrowed less
                        // than mypy.
                        CallError::ArgType { got, .. } => {
                            !matches!(got, Type::Union(_)) || !got.has_any()
                        }
                        CallError::TypeVar { got, .. } => !got.has_any(),
                        _ => !args.iter().any(|a| a.unpacked),
                    };
                    if first_error.is_none() {
                        first_error = Some(err);
                    }
                }
            }
        }
        let error = match (sigs.len(), first_error) {
            (_, None) => None,
            (_, Some(_)) if !all_certain || sigs.is_empty() => None,
            (1, Some(err)) => Some(err),
            (_, Some(_)) => Some(CallError::NoOverload {
                args: args.iter().map(|a| a.ty.clone()).collect(),
            }),
        };
        let ret = if sigs.len() == 1 {
            sigs[0].ret.substitute(&|_| None, true)
        } else {
            Type::Any
        };
        (ret, error)
    }

    /// Whether two signatures take one of the arguments `which` as
    /// different parameter types (or cannot be compared for it).
    fn takes_differently(
        &self,
        a: &Signature,
        b: &Signature,
        args: &[Arg],
        which: &[usize],
    ) -> bool {
        let formals = |sig: &Signature| {
            (!sig.any_params)
                .then(|| self.bind_arguments(sig, args, true).ok())
                .flatten()
        };
        let (Some(xs), Some(ys)) = (formals(a), formals(b)) else {
            return true;
        };
        let formal = |sig: &Signature, pairs: &[(usize, usize)], arg: usize| {
            pairs
                .iter()
                .find(|(x, _)| *x == arg)
                .map(|&(_, p)| sig.params[p].ty.clone())
        };
        which
            .iter()
            .any(|&arg| formal(a, &xs, arg) != formal(b, &ys, arg))
    }

    /// Which parameter of `sig` each argument goes to: `(argument,
    /// parameter)` pairs, or why the arguments cannot be passed. With
    /// `complete` unset, parameters the arguments do not reach are not
    /// required.
    fn bind_arguments(
        &self,
        sig: &Signature,
        args: &[Arg],
        complete: bool,
    ) -> Result<Vec<(usize, usize)>, CallError> {
        let mut slots: Vec<Option<usize>> = vec![None; sig.params.len()];
        let mut extra: Vec<(usize, usize)> = Vec::new(); // (arg, param) into *args / **kwargs
        let mut positional = sig
            .params
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p.kind, ParamKind::Positional | ParamKind::Normal));
        let var_pos = sig
            .params
            .iter()
            .position(|p| p.kind == ParamKind::VarPositional);
        let var_kw = sig
            .params
            .iter()
            .position(|p| p.kind == ParamKind::VarKeyword);
        for (i, arg) in args.iter().enumerate() {
            match &arg.keyword {
                None => match positional.next() {
                    Some((p, _)) => slots[p] = Some(i),
                    None => match var_pos {
                        Some(v) => extra.push((i, v)),
                        None => {
                            return Err(CallError::Arity(format!(
                                "Too many arguments for \"{}\"",
                                sig_name(sig)
                            )));
                        }
                    },
                },
                Some(keyword) => {
                    let found = sig.params.iter().position(|p| {
                        matches!(p.kind, ParamKind::Normal | ParamKind::Keyword)
                            && p.name.as_deref() == Some(&**keyword)
                    });
                    match (found, var_kw) {
                        (Some(p), _) if slots[p].is_none() => slots[p] = Some(i),
                        (Some(_), _) => {
                            return Err(CallError::Arity(format!(
                                "\"{}\" gets multiple values for keyword argument \"{keyword}\"",
                                sig_name(sig)
                            )));
                        }
                        (None, Some(v)) => extra.push((i, v)),
                        (None, None) => {
                            return Err(CallError::Arity(format!(
                                "Unexpected keyword argument \"{keyword}\" for \"{}\"",
                                sig_name(sig)
                            )));
                        }
                    }
                }
            }
        }
        for (p, param) in sig.params.iter().enumerate() {
            let required = complete
                && !param.has_default
                && matches!(
                    param.kind,
                    ParamKind::Positional | ParamKind::Normal | ParamKind::Keyword
                );
            if required && slots[p].is_none() {
                return Err(CallError::Arity(format!(
                    "Missing positional argument for \"{}\"",
                    sig_name(sig)
                )));
            }
        }
        Ok(slots
            .iter()
            .enumerate()
            .filter_map(|(p, slot)| slot.map(|a| (a, p)))
            .chain(extra)
            .collect())
    }

    /// Matches arguments to one signature, inferring its type variables.
    fn match_signature(&self, sig: &Signature, args: &[Arg]) -> Result<Type, CallError> {
        self.match_arguments(sig, args, true)
    }

    /// [`match_signature`](World::match_signature); with `complete` unset,
    /// parameters the arguments do not reach are not required.
    fn match_arguments(
        &self,
        sig: &Signature,
        args: &[Arg],
        complete: bool,
    ) -> Result<Type, CallError> {
        if sig.any_params || args.iter().any(|a| a.unpacked) {
            return Ok(sig.ret.substitute(&|_| None, true));
        }
        let pairs: Vec<(usize, &Type)> = self
            .bind_arguments(sig, args, complete)?
            .into_iter()
            .map(|(a, p)| (a, &sig.params[p].ty))
            .collect();
        let mut bindings: HashMap<Name, Type> = HashMap::new();
        for &(a, param) in &pairs {
            self.infer(param, &args[a].ty, &mut bindings, 0);
        }
        let lookup = |v: &str| bindings.get(v).cloned();
        for &(a, param) in &pairs {
            let expected = param.substitute(&lookup, true);
            // A union argument may be wider than mypy sees it (the checker
            // narrows less): unless it is exact, it fits when one of its
            // members does.
            let fits = match &args[a].ty {
                Type::Union(members) if !args[a].exact => {
                    members.iter().any(|m| self.is_subtype(m, &expected))
                }
                other => self.is_subtype(other, &expected),
            };
            if !fits {
                return Err(CallError::ArgType {
                    index: a,
                    got: args[a].ty.clone(),
                    expected,
                });
            }
        }
        // Bounded variables (mypy checks them once solved). One solved
        // from an `Any` might have been anything.
        for (var, got) in &bindings {
            let vague = match got {
                Type::Union(members) => members.iter().any(|m| matches!(m, Type::Any)),
                other => matches!(other, Type::Any | Type::Var(_)),
            };
            if let Some(bound) = self.db.type_var_bounds.get(var)
                && !vague
                && !self.is_subtype(got, bound)
            {
                return Err(CallError::TypeVar {
                    var: var.clone(),
                    got: got.clone(),
                });
            }
        }
        Ok(sig.ret.substitute(&lookup, true))
    }

    /// Binds type variables in `param` from the argument type `arg`.
    fn infer(&self, param: &Type, arg: &Type, bindings: &mut HashMap<Name, Type>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let d = depth + 1;
        match (param, arg) {
            (Type::Var(v), _) => {
                let joined = match bindings.get(v) {
                    // Unrelated types under a bound solve to the bound, as
                    // mypy solves them (`max([1], 2)` is a
                    // `SupportsDunderLT[Any] | SupportsDunderGT[Any]`); one
                    // outside the bound keeps both, for the bound check to
                    // refuse (`max(range(n), 0)`).
                    Some(previous) => {
                        match (self.join(previous, arg), self.db.type_var_bounds.get(v)) {
                            (Type::Any, Some(bound)) if !previous.has_any() && !arg.has_any() => {
                                if self.is_subtype(previous, bound) && self.is_subtype(arg, bound) {
                                    bound.clone()
                                } else {
                                    Type::union([previous.clone(), arg.clone()])
                                }
                            }
                            (joined, _) => joined,
                        }
                    }
                    None => arg.clone(),
                };
                bindings.insert(v.clone(), joined);
            }
            // `type[T]` given a class object: `T` is its instance
            // (`cast(TextIO, s)` is a `TextIO`).
            (Type::Instance(pn, pa), Type::Class(class))
                if &**pn == "builtins.type" && pa.len() == 1 =>
            {
                let params = self.class(class).map_or(0, |c| c.params.len());
                let instance = Type::Instance(class.clone(), vec![Type::Any; params].into());
                self.infer(&pa[0], &instance, bindings, d);
            }
            (Type::Instance(pn, pa), Type::Instance(an, aa)) => {
                if let Some(mapped) = self.map_to_base(an, aa, pn) {
                    for (p, a) in pa.iter().zip(mapped.iter()) {
                        self.infer(p, a, bindings, d);
                    }
                } else {
                    self.infer_protocol(param, arg, bindings, d);
                }
            }
            (Type::Instance(pn, pa), Type::Tuple(items)) => {
                let elem = self.join_all(items.iter().cloned());
                if let Some(mapped) = self.map_to_base("builtins.tuple", &[elem], pn) {
                    for (p, a) in pa.iter().zip(mapped.iter()) {
                        self.infer(p, a, bindings, d);
                    }
                } else {
                    self.infer_protocol(param, arg, bindings, d);
                }
            }
            (Type::Tuple(ps), Type::Tuple(items)) if ps.len() == items.len() => {
                for (p, a) in ps.iter().zip(items.iter()) {
                    self.infer(p, a, bindings, d);
                }
            }
            (Type::Union(members), _) => {
                // Bind through the non-variable members first: `T | None`
                // given `int | None` binds T to int.
                let concrete: Vec<&Type> = members
                    .iter()
                    .filter(|m| !matches!(m, Type::Var(_)))
                    .collect();
                let rest: Type = match arg {
                    Type::Union(items) => Type::union(
                        items
                            .iter()
                            .filter(|i| !concrete.iter().any(|c| self.is_subtype(i, c)))
                            .cloned(),
                    ),
                    other
                        if concrete
                            .iter()
                            .any(|c| self.is_subtype(other, c) && !c.has_any()) =>
                    {
                        Type::Never
                    }
                    other => other.clone(),
                };
                for m in members.iter() {
                    if matches!(m, Type::Var(_)) && rest != Type::Never {
                        self.infer(m, &rest, bindings, d);
                    } else if !matches!(m, Type::Var(_)) {
                        self.infer(m, arg, bindings, d);
                    }
                }
            }
            (Type::Callable(ps), Type::Callable(asig)) => {
                self.infer(&ps.ret, &asig.ret, bindings, d);
            }
            _ => {}
        }
    }
}

impl World<'_> {
    /// Binds type variables in a generic protocol `param` from what the
    /// argument's own members give (`next(i: SupportsNext[_T])` given a
    /// generator of `tuple[int, int]` binds `_T` from its `__next__`), as
    /// mypy infers against a protocol the argument's class does not name
    /// as a base. Each member the protocol declares is read on both sides
    /// and inferred from; a member the argument lacks binds nothing.
    fn infer_protocol(
        &self,
        param: &Type,
        arg: &Type,
        bindings: &mut HashMap<Name, Type>,
        depth: usize,
    ) {
        let Type::Instance(pn, pa) = param else {
            return;
        };
        let Some(protocol) = self.class(pn).filter(|c| c.is_protocol) else {
            return;
        };
        if !pa.iter().any(Type::has_any) {
            return;
        }
        for member in protocol.members.keys() {
            if let (Some(wanted), Some(given)) = (
                self.instance_member(param, member),
                self.instance_member(arg, member),
            ) {
                self.infer(&wanted, &given, bindings, depth);
            }
        }
    }
}

fn sig_name(sig: &Signature) -> &str {
    sig.name.as_deref().unwrap_or("function")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stubs::TypeDb;
    use crate::world::callable_of;

    fn world() -> World<'static> {
        World::new(TypeDb::stdlib())
    }

    #[test]
    fn calls_infer_type_variables_and_report_certain_errors() {
        let w = world();
        let db = TypeDb::stdlib();
        let arg = |ty: Type| Arg {
            keyword: None,
            unpacked: false,
            ty,
            exact: false,
        };
        let Some(crate::stubs::Symbol::Function(sorted)) = db.member("builtins", "sorted") else {
            panic!()
        };
        let sorted = callable_of(sorted.to_vec());
        let (ret, err) = w.call(&sorted, &[arg(Type::list(Type::int()))]);
        assert_eq!(ret.to_string(), "list[int]");
        assert_eq!(err, None);
        let range = Type::Class("builtins.range".into());
        let (ret, err) = w.call(&range, &[arg(Type::int())]);
        assert_eq!(ret.to_string(), "range");
        assert_eq!(err, None);
        let (_, err) = w.call(&range, &[arg(Type::str())]);
        assert!(matches!(err, Some(CallError::NoOverload { .. })), "{err:?}");
        let Some(crate::stubs::Symbol::Function(len)) = db.member("builtins", "len") else {
            panic!()
        };
        let len = callable_of(len.to_vec());
        assert_eq!(w.call(&len, &[arg(Type::str())]).1, None);
        assert!(matches!(
            w.call(&len, &[arg(Type::int())]).1,
            Some(CallError::ArgType { .. })
        ));
        assert_eq!(
            w.call(&len, &[arg(Type::Any)]).1,
            None,
            "imprecise arguments never err"
        );
    }
}
