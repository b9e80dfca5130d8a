//! Subtyping, member lookup, joins and call matching over the class
//! database: the type rules, kept apart from the tree walk that applies
//! them. Call matching is in `calls`.
//!
//! The rules follow mypy for the subset (nominal classes with declared
//! variance, `int` promoted to `float` and `complex`, protocols checked by
//! member names, `None` only where declared) and err on the side of
//! compatibility: anything involving `Any` or an unresolved type variable
//! is compatible, so an imprecise type can hide an error but never invent
//! one.

mod calls;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::stubs::{ClassInfo, Member, MethodKind, TypeDb, Variance};
use crate::types::{Name, Param, ParamKind, Signature, Type};

pub use calls::{Arg, CallError};

/// The classes whose instances are functions: every callable value is one
/// (and a call of one is never refused for want of `__call__`).
pub(crate) const FUNCTION_CLASSES: [&str; 3] = [
    "builtins.function",
    "typing.Callable",
    "collections.abc.Callable",
];

/// Recursion bound for the type rules (deep or cyclic types give up and
/// answer leniently).
const MAX_DEPTH: usize = 24;

/// The stub database plus the classes a checked module defines.
pub struct World<'a> {
    /// The stubs.
    pub db: &'a TypeDb,
    /// Classes defined by the code being checked.
    pub user: im::HashMap<Name, ClassInfo>,
}

impl<'a> World<'a> {
    /// A world over the stubs with no user classes yet.
    pub fn new(db: &'a TypeDb) -> World<'a> {
        World {
            db,
            user: im::HashMap::new(),
        }
    }

    /// A class, user classes first.
    pub fn class(&self, name: &str) -> Option<&ClassInfo> {
        self.user.get(name).or_else(|| self.db.class(name))
    }

    /// The arguments `instance` has as an instance of the ancestor class
    /// `target` (`list[int]` as `Iterable` → `[int]`), if it is one.
    pub fn map_to_base(&self, name: &str, args: &[Type], target: &str) -> Option<Vec<Type>> {
        let mut queue = vec![(Name::from(name), args.to_vec(), 0usize)];
        let mut seen: HashSet<Name> = HashSet::new();
        while let Some((class_name, class_args, depth)) = queue.pop() {
            if &*class_name == target {
                return Some(class_args);
            }
            if depth > MAX_DEPTH || !seen.insert(class_name.clone()) {
                continue;
            }
            let Some(info) = self.class(&class_name) else {
                continue;
            };
            let subst = substitution(info, &class_args);
            for base in info.bases.iter().rev() {
                if let Type::Instance(base_name, base_args) =
                    base.substitute(&|v| subst.get(v).cloned(), true)
                {
                    queue.push((base_name, base_args.to_vec(), depth + 1));
                }
            }
        }
        None
    }

    /// `a <: b` for the subset (see the module docs).
    pub fn is_subtype(&self, a: &Type, b: &Type) -> bool {
        self.subtype_at(a, b, 0)
    }

    fn subtype_at(&self, a: &Type, b: &Type, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return true;
        }
        let d = depth + 1;
        match (a, b) {
            (Type::Any | Type::Var(_) | Type::Never, _) | (_, Type::Any | Type::Var(_)) => true,
            (Type::Instance(name, _), _) if self.derives_from_any(name) => true,
            (Type::Union(items), _) => items.iter().all(|t| self.subtype_at(t, b, d)),
            (_, Type::Union(items)) => items.iter().any(|t| self.subtype_at(a, t, d)),
            (_, Type::Instance(name, _)) if &**name == "builtins.object" => true,
            (Type::None, Type::None) => true,
            (Type::None, Type::Instance(name, _)) => self
                .class(name)
                .is_some_and(|c| c.is_protocol && self.none_has_members(c)),
            (Type::None, _) => false,
            (Type::Tuple(xs), Type::Tuple(ys)) => {
                xs.len() == ys.len()
                    && xs
                        .iter()
                        .zip(ys.iter())
                        .all(|(x, y)| self.subtype_at(x, y, d))
            }
            (Type::Tuple(xs), Type::Instance(_, _)) => {
                let elem = self.join_all(xs.iter().cloned());
                self.subtype_at(&Type::tuple_of(elem), b, d)
            }
            (Type::Instance(name, args), Type::Tuple(ys)) if &**name == "builtins.tuple" => {
                args.first().is_some_and(|t| matches!(t, Type::Any)) && !ys.is_empty()
            }
            // A class deriving from a tuple (a `NamedTuple`, `class
            // Pair(Tuple[A, A])`) has a shape this model does not keep:
            // it fits a fixed-length tuple whose every item its items fit.
            (Type::Instance(name, args), Type::Tuple(ys)) => {
                match self.map_to_base(name, args, "builtins.tuple") {
                    Some(items) => {
                        let item = items.first().cloned().unwrap_or(Type::Any);
                        ys.iter().all(|y| self.subtype_at(&item, y, d))
                    }
                    None => false,
                }
            }
            (Type::Instance(an, aa), Type::Instance(bn, ba)) => self.nominal(an, aa, bn, ba, d),
            (Type::Callable(_) | Type::Overloaded(_) | Type::Class(_), Type::Callable(sig)) => {
                match a {
                    Type::Callable(asig) => self.callable_subtype(asig, sig, d),
                    _ => true,
                }
            }
            (Type::Instance(name, _), Type::Callable(_)) => {
                self.find_member(name, "__call__").is_some() || self.is_open(name)
            }
            (Type::Callable(_) | Type::Overloaded(_), Type::Instance(name, _)) => {
                FUNCTION_CLASSES.contains(&&**name)
                    // A callback protocol: its `__call__` (not compared),
                    // and what every function has (`__name__`).
                    || self.class(name).is_some_and(|c| {
                        c.is_protocol
                            && c.members.keys().all(|m| {
                                &**m == "__call__"
                                    || self.find_member("types.FunctionType", m).is_some()
                            })
                    })
            }
            // A class is an instance of `type`, of its metaclass (which
            // is not modelled: any subclass of `type` may be it) and of a
            // protocol it may satisfy.
            (Type::Class(_), Type::Instance(name, _)) => {
                &**name == "builtins.type"
                    || self.class(name).is_some_and(|c| c.is_protocol)
                    // A metaclass deriving from `Any` may be any.
                    || self.derives_from_any(name)
                    || self.nominal(name, &[], &"builtins.type".into(), &[], d)
            }
            // Bare `type` is `type[Any]`.
            (Type::Instance(name, args), Type::Class(_))
                if &**name == "builtins.type" && args.iter().all(|a| matches!(a, Type::Any)) =>
            {
                true
            }
            (Type::Class(_), Type::Class(y)) if &**y == "builtins.object" => true,
            (Type::Class(x), Type::Class(y)) => self.nominal(x, &[], y, &[], d),
            (Type::Module(_), Type::Instance(name, _)) => &**name == "types.ModuleType",
            (Type::Module(x), Type::Module(y)) => x == y,
            _ => false,
        }
    }

    fn none_has_members(&self, protocol: &ClassInfo) -> bool {
        protocol.members.keys().all(|m| {
            matches!(
                &**m,
                "__hash__" | "__bool__" | "__eq__" | "__ne__" | "__repr__" | "__str__"
            )
        })
    }

    fn callable_subtype(&self, a: &Signature, b: &Signature, depth: usize) -> bool {
        if a.any_params || b.any_params {
            return self.subtype_at(&a.ret, &b.ret, depth);
        }
        let a_pos: Vec<&Param> = a
            .params
            .iter()
            .filter(|p| !matches!(p.kind, ParamKind::Keyword | ParamKind::VarKeyword))
            .collect();
        let b_pos: Vec<&Param> = b
            .params
            .iter()
            .filter(|p| !matches!(p.kind, ParamKind::Keyword | ParamKind::VarKeyword))
            .collect();
        let a_var = a_pos.iter().any(|p| p.kind == ParamKind::VarPositional);
        if !a_var && a_pos.iter().filter(|p| !p.has_default).count() > b_pos.len() {
            return false;
        }
        for (i, bp) in b_pos.iter().enumerate() {
            let ap = a_pos
                .get(i)
                .or_else(|| a_pos.iter().find(|p| p.kind == ParamKind::VarPositional));
            match ap {
                Some(ap) => {
                    if !self.subtype_at(&bp.ty, &ap.ty, depth) {
                        return false;
                    }
                }
                None => return false,
            }
        }
        self.subtype_at(&a.ret, &b.ret, depth)
    }

    fn nominal(&self, an: &Name, aa: &[Type], bn: &Name, ba: &[Type], depth: usize) -> bool {
        if an == bn && aa.is_empty() && ba.is_empty() {
            return true;
        }
        // The numeric tower mypy assumes: int → float → complex.
        let promoted = |from: &str, to: &str| {
            matches!(
                (from, to),
                ("builtins.int", "builtins.float" | "builtins.complex")
                    | ("builtins.float", "builtins.complex")
            )
        };
        if promoted(an, bn) || (&**an == "builtins.bool" && promoted("builtins.int", bn)) {
            return true;
        }
        if let Some(mapped) = self.map_to_base(an, aa, bn) {
            let Some(target) = self.class(bn) else {
                return true;
            };
            if mapped.len() != ba.len() {
                return true;
            }
            return target.params.iter().zip(mapped.iter().zip(ba.iter())).all(
                |((_, variance), (x, y))| match variance {
                    Variance::Covariant => self.subtype_at(x, y, depth),
                    Variance::Contravariant => self.subtype_at(y, x, depth),
                    Variance::Unknown => {
                        self.subtype_at(x, y, depth) || self.subtype_at(y, x, depth)
                    }
                    // An argument holding `Any` was inferred without all
                    // that mypy knew (`defaultdict(lambda: defaultdict(dict))`
                    // in the context of a `dict[K, dict[...]]` gets its
                    // arguments from the context): either way fits.
                    Variance::Invariant if x.has_any() => {
                        self.subtype_at(x, y, depth) || self.subtype_at(y, x, depth)
                    }
                    Variance::Invariant => {
                        self.subtype_at(x, y, depth) && self.subtype_at(y, x, depth)
                    }
                },
            );
        }
        match self.class(bn) {
            Some(target) if target.is_protocol => {
                self.is_open(an) || self.has_protocol_members(an, target, depth)
            }
            // A class the stubs do not know: assume the best.
            None => true,
            Some(_) => self.class(an).is_none(),
        }
    }

    /// Structural check by member names (including the protocol's own
    /// protocol bases), with a special case for `__hash__ = None`.
    fn has_protocol_members(&self, class: &str, protocol: &ClassInfo, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return true;
        }
        let mut names: Vec<Name> = protocol.members.keys().cloned().collect();
        for base in &protocol.bases {
            if let Type::Instance(base_name, _) = base
                && let Some(info) = self.class(base_name)
                && info.is_protocol
            {
                names.extend(info.members.keys().cloned());
            }
        }
        names.iter().all(|m| {
            if &**m == "__class_getitem__" || &**m == "__slots__" {
                return true;
            }
            match self.find_member(class, m) {
                Some((Member::Attribute(Type::None), _)) => false,
                Some(_) => true,
                // A class's `__getattr__` answers every other attribute
                // (not a dunder: Python looks those up on the type).
                None => {
                    !(m.starts_with("__") && m.ends_with("__"))
                        && self.find_member(class, "__getattr__").is_some()
                }
            }
        })
    }

    /// A member of a class or its ancestors, with the class (and its type
    /// arguments' substitution) that declares it.
    pub fn find_member(&self, class: &str, member: &str) -> Option<(Member, Name)> {
        let found = self.in_ancestors(class, |name, info| {
            info.members
                .get(member)
                .map(|found| (found.clone(), name.clone()))
        });
        if found.is_some() {
            return found;
        }
        if class != "builtins.object" {
            return self
                .class("builtins.object")?
                .members
                .get(member)
                .map(|m| (m.clone(), "builtins.object".into()));
        }
        None
    }

    /// The type of `receiver.member` for an instance receiver: methods
    /// bound (self removed, class type arguments and `Self` substituted),
    /// properties read. `None` when the class has no such member.
    pub fn instance_member(&self, receiver: &Type, member: &str) -> Option<Type> {
        self.instance_member_reading(receiver, member, true)
    }

    /// [`instance_member`](Self::instance_member) as declared: a
    /// descriptor the class declares is not read through its `__get__`.
    pub fn declared_instance_member(&self, receiver: &Type, member: &str) -> Option<Type> {
        self.instance_member_reading(receiver, member, false)
    }

    /// [`instance_member`](Self::instance_member), with a descriptor the
    /// class declares read through its `__get__` where `descriptors`.
    fn instance_member_reading(
        &self,
        receiver: &Type,
        member: &str,
        descriptors: bool,
    ) -> Option<Type> {
        let (class_name, args): (&str, Vec<Type>) = match receiver {
            Type::Instance(name, args) => (name, args.to_vec()),
            Type::Tuple(items) => ("builtins.tuple", vec![self.join_all(items.iter().cloned())]),
            _ => return None,
        };
        let (found, owner) = self.find_member(class_name, member)?;
        let owner_args = if *owner == *class_name {
            args.clone()
        } else {
            self.map_to_base(class_name, &args, &owner)
                .unwrap_or_default()
        };
        let subst = self
            .class(&owner)
            .map(|info| substitution(info, &owner_args))
            .unwrap_or_default();
        let receiver = receiver.clone();
        let lookup = move |v: &str| {
            if v == "Self" {
                Some(receiver.clone())
            } else {
                subst.get(v).cloned()
            }
        };
        let in_instance = |owner: &str| {
            self.class(owner)
                .is_some_and(|c| c.instance_attributes.iter().any(|a| &**a == member))
        };
        Some(match found {
            Member::Attribute(ty) if descriptors && !in_instance(&owner) => {
                self.descriptor_read(ty.substitute(&lookup, false))
            }
            Member::Attribute(ty) => ty.substitute(&lookup, false),
            Member::Method(MethodKind::Property, sigs) => sigs
                .first()
                .map_or(Type::Any, |s| s.ret.substitute(&lookup, false)),
            Member::Method(kind, sigs) => {
                let bound: Vec<Signature> = sigs
                    .iter()
                    .map(|s| {
                        let mut s = s.substitute(&lookup, false);
                        // `__new__` is a static method whatever its
                        // decorators (`self.__new__(Style)`).
                        if kind != MethodKind::Static && member != "__new__" && !s.params.is_empty()
                        {
                            s.params.remove(0);
                        }
                        // mypy names methods `"append" of "list"`; the quotes
                        // around the whole name come from the message.
                        s.name = Some(format!("{member}\" of \"{}", short(class_name)).into());
                        s
                    })
                    .collect();
                callable_of(bound)
            }
        })
    }

    /// What reading an attribute of type `ty` a class declares gives
    /// through an instance: `ty` itself, or where `ty`'s class has a
    /// `__get__` (a descriptor), what that returns for an instance (the
    /// first overload whose instance is not `None`).
    fn descriptor_read(&self, ty: Type) -> Type {
        let Type::Instance(class, _) = &ty else {
            return ty;
        };
        if self.find_member(class, "__get__").is_none() {
            return ty;
        }
        let instance_read = |s: &&Signature| s.params.first().is_none_or(|p| p.ty != Type::None);
        match self.instance_member_reading(&ty, "__get__", false) {
            Some(Type::Callable(sig)) => sig.ret.clone(),
            Some(Type::Overloaded(sigs)) => sigs
                .iter()
                .find(instance_read)
                .map_or(Type::Any, |s| s.ret.clone()),
            _ => Type::Any,
        }
    }

    /// The type of `Class.member` (class methods and static methods bound,
    /// attributes as declared).
    pub fn class_member(&self, class: &str, member: &str) -> Option<Type> {
        let (found, _) = self.find_member(class, member)?;
        Some(match found {
            Member::Attribute(ty) => ty,
            Member::Method(kind, sigs) => {
                let bound: Vec<Signature> = sigs
                    .iter()
                    .map(|s| {
                        let mut s = s.clone();
                        if kind == MethodKind::Class && !s.params.is_empty() {
                            s.params.remove(0);
                        }
                        s
                    })
                    .collect();
                callable_of(bound)
            }
        })
    }

    /// The metaclass of `class`: the first its ancestors name (see
    /// [`ClassInfo::metaclass`]), else `type`.
    pub fn metaclass(&self, class: &str) -> Name {
        self.in_ancestors(class, |_, info| info.metaclass.clone())
            .unwrap_or_else(|| "builtins.type".into())
    }

    /// The first answer `found` gives for `class` or an ancestor (by the
    /// name it was reached by), breadth first, bases in order, each class
    /// asked once.
    fn in_ancestors<T>(
        &self,
        class: &str,
        found: impl Fn(&Name, &ClassInfo) -> Option<T>,
    ) -> Option<T> {
        let mut queue: Vec<(Name, usize)> = vec![(class.into(), 0)];
        let mut seen: HashSet<Name> = HashSet::new();
        let mut index = 0;
        while index < queue.len() {
            let (name, depth) = queue[index].clone();
            index += 1;
            if depth > MAX_DEPTH || !seen.insert(name.clone()) {
                continue;
            }
            let Some(info) = self.class(&name) else {
                continue;
            };
            if let Some(answer) = found(&name, info) {
                return Some(answer);
            }
            for base in &info.bases {
                if let Type::Instance(base_name, _) = base {
                    queue.push((base_name.clone(), depth + 1));
                }
            }
        }
        None
    }

    /// Whether `class`'s body is still being written (see
    /// [`ClassInfo::open`]).
    pub fn is_open(&self, class: &str) -> bool {
        self.class(class).is_some_and(|c| c.open)
    }

    /// Whether `class` derives from `Any` (see [`ClassInfo::any_base`]).
    pub fn derives_from_any(&self, class: &str) -> bool {
        self.class(class).is_some_and(|c| c.any_base)
    }

    /// The constructor signatures of a class, returning the instance type
    /// (with the class's type parameters as variables to infer). A
    /// constructor not modelled (see [`ClassInfo::synthesized_init`])
    /// accepts any arguments.
    pub fn constructor(&self, class: &str) -> Vec<Signature> {
        let Some(info) = self.class(class) else {
            return Vec::new();
        };
        // `super()` is a proxy for the next class in the method
        // resolution order, which this checker does not follow; the
        // functional `NamedTuple("P", [...])` makes a class.
        if matches!(
            class,
            "builtins.super" | "typing.NamedTuple" | "typing_extensions.NamedTuple"
        ) {
            return vec![Signature::any_params(Type::Any)];
        }
        if info.any_base || info.synthesized_init {
            return vec![Signature {
                name: Some(short(class).into()),
                params: Vec::new(),
                ret: Type::Instance(
                    class.into(),
                    info.params.iter().map(|_| Type::Any).collect(),
                ),
                any_params: true,
                ret_any: false,
                guard: None,
            }];
        }
        let instance = Type::Instance(
            class.into(),
            info.params
                .iter()
                .map(|(p, _)| Type::Var(p.clone()))
                .collect(),
        );
        let from = |member: &str, drop_first: bool| -> Option<Vec<Signature>> {
            let (Member::Method(_, sigs), owner) = self.find_member(class, member)? else {
                return None;
            };
            if &*owner == "builtins.object" {
                return None;
            }
            Some(
                sigs.iter()
                    .map(|s| {
                        let mut s =
                            s.substitute(&|v| (v == "Self").then(|| instance.clone()), false);
                        if drop_first && !s.params.is_empty() {
                            s.params.remove(0);
                        }
                        // `__new__` may say which instance it makes
                        // (`zip(a, b)` is a `zip[tuple[A, B]]`), or return
                        // a type variable the arguments bind (`reversed`'s
                        // `-> _T`, its argument's `__reversed__()`), which
                        // the call maps back onto the class
                        // (`World::as_instance_of`).
                        let own = member == "__new__"
                            && (matches!(&s.ret, Type::Instance(n, _) if &**n == class)
                                || matches!(&s.ret, Type::Var(_)));
                        if !own {
                            s.ret = instance.clone();
                        }
                        s.name = Some(short(class).into());
                        s
                    })
                    .collect(),
            )
        };
        // As mypy: the one of `__init__` and `__new__` a class nearer in
        // the method resolution order defines (`__new__` in a subclass of
        // the class with `__init__` makes the instance).
        let owner = |member: &str| self.find_member(class, member).map(|(_, owner)| owner);
        let new_nearer = match (owner("__init__"), owner("__new__")) {
            (Some(init), Some(new)) => {
                new != init
                    && &*new != "builtins.object"
                    && self.map_to_base(&new, &[], &init).is_some()
            }
            _ => false,
        };
        let (first, second) = match new_nearer {
            true => ("__new__", "__init__"),
            false => ("__init__", "__new__"),
        };
        from(first, true)
            .or_else(|| from(second, true))
            .unwrap_or_else(|| {
                vec![Signature {
                    name: Some(short(class).into()),
                    params: Vec::new(),
                    ret: instance.clone(),
                    any_params: false,
                    ret_any: false,
                    guard: None,
                }]
            })
    }

    /// The element type of iterating `ty` (via `__iter__` and `__next__`).
    pub fn iter_element(&self, ty: &Type) -> Type {
        match ty {
            Type::Tuple(items) => self.join_all(items.iter().cloned()),
            Type::Union(items) => Type::union(items.iter().map(|t| self.iter_element(t))),
            Type::Instance(_, _) => {
                let Some(iter) = self.instance_member(ty, "__iter__") else {
                    return Type::Any;
                };
                let iterator = self.call(&iter, &[]).0;
                match self.instance_member(&iterator, "__next__") {
                    Some(next) => self.call(&next, &[]).0,
                    None => Type::Any,
                }
            }
            _ => Type::Any,
        }
    }

    /// The least upper bound mypy would infer for a collection of `types`;
    /// `Any` where the answer would be a vague common base.
    pub fn join_all(&self, types: impl IntoIterator<Item = Type>) -> Type {
        let mut result: Option<Type> = None;
        for t in types {
            result = Some(match result {
                None => t,
                Some(acc) => self.join(&acc, &t),
            });
        }
        result.unwrap_or(Type::Any)
    }

    /// The join of two types (see [`join_all`](World::join_all)).
    pub fn join(&self, a: &Type, b: &Type) -> Type {
        if a == b {
            return a.clone();
        }
        match (a, b) {
            (Type::Never, x) | (x, Type::Never) => x.clone(),
            // As mypy joins: `Any` with anything is `Any` (`[i, value]`
            // with `value: Any` is a `list[Any]`).
            (Type::Any, _) | (_, Type::Any) => Type::Any,
            (Type::None, x) | (x, Type::None) => Type::optional(x.clone()),
            (Type::Tuple(xs), Type::Tuple(ys)) if xs.len() == ys.len() => Type::Tuple(
                xs.iter()
                    .zip(ys.iter())
                    .map(|(x, y)| self.join(x, y))
                    .collect(),
            ),
            _ if self.is_subtype(a, b) && !b.has_any() => b.clone(),
            _ if self.is_subtype(b, a) && !a.has_any() => a.clone(),
            _ => Type::Any,
        }
    }

    /// The names `ty` has as attributes, when they are known completely
    /// (a stub class without `__getattr__`, a tuple, a stub module).
    pub fn member_names(&self, ty: &Type) -> Option<Vec<Name>> {
        let class = match ty {
            Type::Instance(name, _) | Type::Class(name) => name.clone(),
            Type::Tuple(_) => "builtins.tuple".into(),
            Type::Module(module) => {
                let members = self.db.modules.get(&**module)?;
                let mut names: Vec<Name> = members.keys().cloned().collect();
                let prefix = format!("{module}.");
                names.extend(
                    self.db
                        .modules
                        .keys()
                        .filter_map(|m| m.strip_prefix(&prefix))
                        .filter(|rest| !rest.contains('.'))
                        .map(Name::from),
                );
                // Module objects also have the attributes of every module.
                names.extend(
                    [
                        "__name__",
                        "__file__",
                        "__doc__",
                        "__dict__",
                        "__spec__",
                        "__path__",
                        "__loader__",
                        "__package__",
                    ]
                    .map(Name::from),
                );
                names.sort();
                names.dedup();
                return Some(names);
            }
            _ => return None,
        };
        if class.starts_with("__main__.") || self.find_member(&class, "__getattr__").is_some() {
            return None;
        }
        let mut names: Vec<Name> = Vec::new();
        let mut queue: Vec<Name> = vec![class, "builtins.object".into()];
        let mut seen = HashSet::new();
        while let Some(current) = queue.pop() {
            if !seen.insert(current.clone()) {
                continue;
            }
            let info = self.class(&current)?;
            names.extend(info.members.keys().cloned());
            for base in &info.bases {
                if let Type::Instance(base_name, _) = base {
                    queue.push(base_name.clone());
                }
            }
        }
        // Every object has these, whatever its stub says.
        names.extend(["__class__", "__doc__", "__dict__", "__module__"].map(Name::from));
        names.sort();
        names.dedup();
        Some(names)
    }
}

/// `Callable` for one signature, `Overloaded` for several.
pub fn callable_of(mut sigs: Vec<Signature>) -> Type {
    if sigs.len() == 1 {
        Type::Callable(Arc::new(sigs.pop().expect("one")))
    } else {
        Type::Overloaded(sigs.into())
    }
}

/// The class's type parameters mapped to `args` (missing ones to `Any`).
pub fn substitution(info: &ClassInfo, args: &[Type]) -> HashMap<Name, Type> {
    info.params
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (p.clone(), args.get(i).cloned().unwrap_or(Type::Any)))
        .collect()
}

/// The unqualified class name (`list` for `builtins.list`).
pub fn short(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World<'static> {
        World::new(TypeDb::stdlib())
    }

    #[test]
    fn subtyping_follows_mypy_for_the_subset() {
        let w = world();
        let (int, float, boolean, string) = (Type::int(), Type::float(), Type::bool(), Type::str());
        assert!(w.is_subtype(&boolean, &int));
        assert!(w.is_subtype(&int, &float));
        assert!(!w.is_subtype(&float, &int));
        assert!(!w.is_subtype(&string, &int));
        assert!(w.is_subtype(
            &Type::list(int.clone()),
            &Type::instance("typing.Iterable", [int.clone()])
        ));
        assert!(w.is_subtype(
            &Type::list(boolean.clone()),
            &Type::instance("typing.Sequence", [int.clone()])
        ));
        assert!(
            !w.is_subtype(&Type::list(boolean.clone()), &Type::list(int.clone())),
            "list is invariant"
        );
        assert!(w.is_subtype(
            &string,
            &Type::instance("typing.Iterable", [string.clone()])
        ));
        assert!(!w.is_subtype(&Type::None, &int));
        assert!(w.is_subtype(&Type::None, &Type::optional(int.clone())));
        assert!(
            w.is_subtype(&int, &Type::instance("typing.SupportsIndex", [])),
            "protocol by members"
        );
        assert!(!w.is_subtype(&string, &Type::instance("typing.SupportsIndex", [])));
        let pair = Type::Tuple(Arc::from([int.clone(), int.clone()]));
        assert!(w.is_subtype(&pair, &Type::tuple_of(int.clone())));
        assert!(w.is_subtype(&pair, &Type::instance("typing.Sequence", [int.clone()])));
    }

    #[test]
    fn members_bind_and_iterate() {
        let w = world();
        let list = Type::list(Type::int());
        let append = w.instance_member(&list, "append").unwrap();
        assert_eq!(append.to_string(), "Callable[[int], None]");
        assert!(w.instance_member(&list, "upper").is_none());
        assert_eq!(w.iter_element(&list).to_string(), "int");
        assert_eq!(w.iter_element(&Type::str()).to_string(), "str");
        let d = Type::dict(Type::str(), Type::int());
        assert_eq!(w.iter_element(&d).to_string(), "str");
        let items = w.instance_member(&d, "items").unwrap();
        let view = w.call(&items, &[]).0;
        assert_eq!(w.iter_element(&view).to_string(), "tuple[str, int]");
    }
}
