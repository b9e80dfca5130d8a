//! Access: attributes (of modules, classes, instances, tuples, functions
//! and unions), calls matched against their signatures, and subscripts —
//! each reported as mypy reports it when the receiver's type is known
//! completely.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use super::{Checker, Diagnostic, any};
use crate::types::{Name, Type};
use crate::world::{Arg, CallError, FUNCTION_CLASSES, short};

impl Checker<'_> {
    /// The type of attribute `name` of a `receiver` value (`at` is the
    /// attribute expression), reporting a missing one where certain.
    pub(super) fn attribute(&mut self, receiver: &Type, name: &str, at: &Expr) -> Type {
        match receiver {
            Type::Module(module) => match self.world.db.member(module, name) {
                Some(symbol) => self.symbol_value(&symbol.clone()),
                None => {
                    let sub = format!("{module}.{name}");
                    let module_object = Type::instance("types.ModuleType", []);
                    if self.world.db.modules.contains_key(sub.as_str()) {
                        Type::Module(sub.into())
                    } else if let Some(ty) = self.world.instance_member(&module_object, name) {
                        // Every module has `__name__`, `__file__`, `__dict__`, ...
                        ty
                    } else {
                        if self.world.db.modules.contains_key(&**module) {
                            self.report(
                                at,
                                "attr-defined",
                                format!("Module \"{module}\" has no attribute \"{name}\""),
                            );
                        }
                        Type::Any
                    }
                }
            },
            // A class's own members, then those of its metaclass
            // (`list.mro`, `Sized.register`).
            Type::Class(class) => {
                let metaclass = Type::instance(&self.world.metaclass(class), []);
                match self
                    .world
                    .class_member(class, name)
                    .or_else(|| self.world.instance_member(&metaclass, name))
                {
                    Some(ty) => ty,
                    None => {
                        let known = self.attributes_certain(class, name);
                        self.missing_attribute(at, &format!("type[{}]", short(class)), name, known)
                    }
                }
            }
            Type::Instance(class, _) => match self.world.instance_member(receiver, name) {
                Some(ty) => ty,
                // `type[Any]`: a class object of a class not known.
                None if *receiver == Type::instance("builtins.type", [Type::Any]) => Type::Any,
                None => {
                    let known = self.attributes_certain(class, name);
                    self.missing_attribute(at, &receiver.to_string(), name, known)
                }
            },
            Type::Tuple(_) => match self.world.instance_member(receiver, name) {
                Some(ty) => ty,
                None => self.missing_attribute(at, &receiver.to_string(), name, true),
            },
            // Functions have the attributes of `function` objects only.
            Type::Callable(_) | Type::Overloaded(_) => {
                let function = Type::instance("builtins.function", []);
                match self.world.instance_member(&function, name) {
                    Some(ty) => ty,
                    None => {
                        let known = self.world.class("builtins.function").is_some();
                        self.missing_attribute(at, &receiver.to_string(), name, known)
                    }
                }
            }
            Type::Union(items) => {
                let found: Vec<Option<Type>> = items
                    .iter()
                    .map(|t| match t {
                        // A module's own class whose attributes are not all
                        // known may gain them anywhere.
                        Type::Instance(class, _) => {
                            self.world.instance_member(t, name).or_else(|| {
                                (!self.attributes_certain(class, name)).then_some(Type::Any)
                            })
                        }
                        Type::Tuple(_) => self.world.instance_member(t, name),
                        Type::None => self.world.instance_member(&Type::object(), name),
                        _ => Some(Type::Any),
                    })
                    .collect();
                if found.iter().all(Option::is_none) && !receiver.has_any() {
                    let first = items.first().map(ToString::to_string).unwrap_or_default();
                    self.report(
                        at,
                        "union-attr",
                        format!("Item \"{first}\" of \"{receiver}\" has no attribute \"{name}\""),
                    );
                }
                Type::union(found.into_iter().flatten())
            }
            _ => Type::Any,
        }
    }

    /// `shown` has no attribute `name`: reported where that is certain
    /// (`known`); the attribute's type is then unknown.
    fn missing_attribute(&mut self, at: &Expr, shown: &str, name: &str, known: bool) -> Type {
        if known {
            self.report(
                at,
                "attr-defined",
                format!("\"{shown}\" has no attribute \"{name}\""),
            );
        }
        Type::Any
    }

    /// Whether a missing attribute on this class is certainly an error:
    /// stub classes are complete, user classes may set attributes anywhere.
    pub(super) fn reportable_class(&self, class: &str) -> bool {
        !class.starts_with("__main__.")
            && self.world.class(class).is_some()
            && self.world.find_member(class, "__getattr__").is_none()
            && !self.world.derives_from_any(class)
    }

    /// Whether reading a missing attribute of `class` is certainly an
    /// error: a stub class's ([`reportable_class`](Self::reportable_class)),
    /// or a module's own class whose attributes, and every ancestor's,
    /// are all known ([`ClassInfo::attributes_known`]), none of them
    /// answering any name (`__getattr__`).
    ///
    /// Dunder names are left alone on a module's own class (decorators
    /// such as `@dataclass` and `@total_ordering` add them), and so are
    /// private names where something synthesizes the class's constructor
    /// or the class is a `NamedTuple` (its `_field_types`).
    ///
    /// [`ClassInfo::attributes_known`]: crate::stubs::ClassInfo::attributes_known
    pub(super) fn attributes_certain(&self, class: &str, name: &str) -> bool {
        if !class.starts_with("__main__.") {
            return self.reportable_class(class);
        }
        let synthesized = self.world.class(class).is_some_and(|c| c.synthesized_init)
            || self
                .world
                .map_to_base(class, &[], "typing.NamedTuple")
                .is_some();
        if (name.starts_with("__") && name.ends_with("__"))
            || (synthesized && name.starts_with('_'))
        {
            return false;
        }
        self.own_attributes_known(class)
    }

    /// Whether every attribute of the module's own class `class` is known
    /// (see [`attributes_certain`](Self::attributes_certain)), whatever
    /// its name.
    pub(super) fn own_attributes_known(&self, class: &str) -> bool {
        if !class.starts_with("__main__.") {
            return false;
        }
        let mut queue: Vec<Name> = vec![class.into()];
        let mut seen = 0;
        while let Some(name) = queue.pop() {
            seen += 1;
            let Some(info) = self.world.class(&name) else {
                return false;
            };
            if seen > 64 || (name.starts_with("__main__.") && !info.attributes_known) {
                return false;
            }
            queue.extend(
                info.bases
                    .iter()
                    .filter_map(Type::class_name)
                    .map(Name::from),
            );
        }
        // A class object's attributes are its metaclass's too; an instance
        // a `__new__` of the module's own makes may be of another class.
        let metaclass = self.world.metaclass(class);
        if self.world.derives_from_any(&metaclass)
            || self
                .world
                .find_member(class, "__new__")
                .is_some_and(|(_, owner)| owner.starts_with("__main__."))
        {
            return false;
        }
        ["__getattr__", "__getattribute__", "__setattr__"]
            .iter()
            .all(|m| {
                self.world
                    .find_member(class, m)
                    .is_none_or(|(_, owner)| &*owner == "builtins.object")
            })
    }

    /// Whether `expr` reads an untouched parameter of the function being
    /// walked, directly or through subscripts and attributes (`xs`,
    /// `xs[0]`, `p.items`): its type is then the annotation's, exactly as
    /// mypy has it (see `Frame::untouched`).
    fn untouched_root(&self, expr: &Expr) -> bool {
        let mut root = expr;
        loop {
            root = match root {
                Expr::Subscript(s) => &s.value,
                Expr::Attribute(a) => &a.value,
                Expr::Name(n) => {
                    return self
                        .frames
                        .last()
                        .is_some_and(|f| f.untouched.contains(n.id.as_str()));
                }
                _ => return false,
            };
        }
    }

    /// `isinstance(x, List[int])` (or `issubclass`, or such a class in a
    /// tuple of classes): a subscripted class cannot be checked against
    /// at run time, mypy's `misc` error.
    fn parameterized_class_check(&mut self, call: &ast::ExprCall, args: &[Arg]) {
        let Expr::Name(f) = &*call.func else {
            return;
        };
        if !matches!(f.id.as_str(), "isinstance" | "issubclass")
            || self.binds_locally(f.id.as_str())
            || call.arguments.args.len() != 2
            || call.arguments.args.iter().any(Expr::is_starred_expr)
        {
            return;
        }
        let classes = &call.arguments.args[1];
        let pairs: Vec<(&Expr, &Type)> = match (classes, &args[1].ty) {
            (Expr::Tuple(t), Type::Tuple(items)) if t.elts.len() == items.len() => {
                t.elts.iter().zip(items.iter()).collect()
            }
            (other, ty) => vec![(other, ty)],
        };
        if let Some((at, _)) = pairs
            .into_iter()
            .find(|(e, ty)| matches!(e, Expr::Subscript(_)) && matches!(ty, Type::Class(_)))
        {
            self.report(
                at,
                "misc",
                "Parameterized generics cannot be used with class or instance checks".into(),
            );
        }
    }

    /// The type a call returns, its arguments matched against the
    /// callee's signatures (mypy's `arg-type`, `call-arg`,
    /// `call-overload` and `operator` for what is not callable).
    pub(super) fn call(&mut self, call: &ast::ExprCall) -> Type {
        if let Some(ty) = self.partial_call(call) {
            return ty;
        }
        let callee = self.expr(&call.func);
        // `cast(T, f())` and `reveal_type(f())` read a `None` result as
        // any other.
        if is_typing_cast(&callee)
            || matches!(&*call.func, Expr::Name(n) if n.id.as_str() == "reveal_type")
        {
            for arg in call.arguments.args.iter() {
                self.allow_none_result(arg);
            }
        }
        let hints: Vec<Type> = match &callee {
            Type::Callable(sig) => sig.params.iter().map(|p| p.ty.clone()).collect(),
            _ => Vec::new(),
        };
        let mut args = Vec::new();
        for (i, arg) in call.arguments.args.iter().enumerate() {
            let hint = hints.get(i).cloned().unwrap_or(Type::Any);
            match arg {
                Expr::Starred(s) => {
                    let ty = self.expr(&s.value);
                    args.push(Arg {
                        keyword: None,
                        unpacked: true,
                        ty,
                        exact: false,
                    });
                }
                other => {
                    let exact = self.untouched_root(other);
                    let ty =
                        self.expr_expecting(other, &if hint.has_any() { Type::Any } else { hint });
                    args.push(Arg { exact, ..plain(ty) });
                }
            }
        }
        for keyword in call.arguments.keywords.iter() {
            // The parameter of that name is the value's context, as a
            // position's is (`messages={None: [m]}` for `dict[str | None,
            // list[str]]`).
            let hint = match (&callee, &keyword.arg) {
                (Type::Callable(sig), Some(name)) => sig
                    .params
                    .iter()
                    .find(|p| p.name.as_deref() == Some(name.id.as_str()))
                    .map(|p| p.ty.clone())
                    .filter(|t| !t.has_any())
                    .unwrap_or(Type::Any),
                _ => Type::Any,
            };
            let ty = self.expr_expecting(&keyword.value, &hint);
            args.push(Arg {
                keyword: keyword.arg.as_ref().map(|k| k.id.as_str().into()),
                unpacked: keyword.arg.is_none(),
                ty,
                exact: false,
            });
        }
        self.parameterized_class_check(call, &args);
        // A union is reported only when no member can be called: mypy's
        // union may be narrower than the checker's, but never holds a
        // member the checker's lacks.
        let not_callable = |ty: &Type| {
            matches!(ty, Type::Instance(class, _)
                if !FUNCTION_CLASSES.contains(&&**class)
                    && self.world.instance_member(ty, "__call__").is_none()
                    && (self.reportable_class(class) || self.own_attributes_known(class)))
        };
        let reported = match &callee {
            Type::Union(members) if members.iter().all(not_callable) => {
                members.iter().find(|m| not_callable(m))
            }
            other if not_callable(other) => Some(other),
            _ => None,
        };
        if let Some(member) = reported {
            // mypy names each member of a union alone.
            self.report(call, "operator", format!("\"{member}\" not callable"));
        }
        let (ret, error) = self.world.call(&callee, &args);
        // `cast(T, x)` is a `T` to mypy however `T` is spelled (a string
        // too): mypy's own `Any` only where `T` names it.
        if is_typing_cast(&callee)
            && let [target, _] = &call.arguments.args[..]
            && call.arguments.keywords.is_empty()
        {
            if any::roots_any(target) {
                self.any_rooted.insert(call.range());
            }
            return self.annotation(target);
        }
        if matches!(ret, Type::Any) && self.world.declared_any(&callee, &args) {
            self.any_rooted.insert(call.range());
        }
        if let Some(error) = error
            && !matches!(callee, Type::Any | Type::Union(_))
        {
            let name = callee_name(&callee);
            match error {
                CallError::ArgType {
                    index,
                    got,
                    expected,
                } => {
                    let at: &dyn Ranged = call_arg_node(call, index).unwrap_or(call);
                    let (line, col) = self.lines.position(at.start());
                    self.diagnostics.push(Diagnostic {
                        line,
                        col,
                        message: format!("Argument {} to \"{name}\" has incompatible type \"{got}\"; expected \"{expected}\"", index + 1),
                        code: "arg-type",
                    });
                }
                CallError::NoOverload { args } => {
                    let listed: Vec<String> = args.iter().map(|t| format!("\"{t}\"")).collect();
                    let plural = if listed.len() == 1 { "type" } else { "types" };
                    self.report(
                        call,
                        "call-overload",
                        format!(
                            "No overload variant of \"{name}\" matches argument {plural} {}",
                            listed.join(", ")
                        ),
                    );
                }
                CallError::Arity(message) => self.report(call, "call-arg", message),
                CallError::TypeVar { var, got } => self.report(
                    call,
                    "type-var",
                    format!("Value of type variable \"{var}\" of \"{name}\" cannot be \"{got}\""),
                ),
            }
        }
        if ret == Type::None
            && only_returns_none(&callee)
            && !self.none_results.contains(&call.range())
            && !self.module_function(&call.func)
        {
            let name = callee_name(&callee);
            self.report(
                call,
                "func-returns-value",
                format!("\"{name}\" does not return a value (it only ever returns None)"),
            );
            return Type::Any;
        }
        ret
    }

    /// Whether `func` names a stub module's function (`random.shuffle`,
    /// or one imported by name): a stub may bind it from an instance's
    /// method (`shuffle = _inst.shuffle`), which mypy does not judge as a
    /// function that only ever returns `None`.
    fn module_function(&self, func: &Expr) -> bool {
        match func {
            Expr::Attribute(a) => matches!(&*a.value,
                Expr::Name(n) if matches!(self.lookup(n.id.as_str()), Some(Type::Module(_)))),
            Expr::Name(n) => self.symbols.contains_key(n.id.as_str()),
            _ => false,
        }
    }

    /// Lets the value of `expr` (or of either branch of a conditional
    /// one) be a call of a function that only ever returns `None`.
    pub(super) fn allow_none_result(&mut self, expr: &Expr) {
        match expr {
            Expr::If(e) => {
                self.allow_none_result(&e.body);
                self.allow_none_result(&e.orelse);
            }
            other => {
                self.none_results.insert(other.range());
            }
        }
    }

    /// The type of `container[index]`: a tuple's item, or what
    /// `__getitem__` returns (mypy's `index` for a wrong index or a value
    /// that cannot be indexed).
    pub(super) fn subscript(&mut self, sub: &ast::ExprSubscript) -> Type {
        // `Annotated[T, meta(...)]`'s metadata is no value mypy reads.
        if let Expr::Tuple(items) = &*sub.slice
            && matches!(self.resolver().lookup_expr(&sub.value),
                Some(crate::stubs::Symbol::Special(form)) if &*form == "Annotated")
        {
            for item in &items.elts {
                self.allow_none_result(item);
            }
        }
        let container = self.expr(&sub.value);
        let index = self.expr(&sub.slice);
        match &container {
            Type::Tuple(items) => match tuple_index(&sub.slice, items.len()) {
                Some(i) => items[i].clone(),
                None if matches!(&*sub.slice, Expr::Slice(_)) => {
                    Type::tuple_of(self.world.join_all(items.iter().cloned()))
                }
                None => self.world.join_all(items.iter().cloned()),
            },
            Type::Instance(..) => match self.world.instance_member(&container, "__getitem__") {
                Some(getitem) => {
                    let (ret, error) = self.world.call(&getitem, &[plain(index.clone())]);
                    if error.is_some() && !index.has_any() && !container.has_any() {
                        let expected = match &getitem {
                            Type::Callable(sig) => sig.params.first().map(|p| p.ty.to_string()),
                            _ => None,
                        };
                        match expected {
                            Some(expected) => self.report(
                                sub.slice.as_ref(),
                                "index",
                                format!("Invalid index type \"{index}\" for \"{container}\"; expected type \"{expected}\""),
                            ),
                            None => self.report(
                                sub,
                                "call-overload",
                                format!(
                                    "No overload variant of \"__getitem__\" of \"{}\" matches argument type \"{index}\"",
                                    short(container.class_name().unwrap_or_default())
                                ),
                            ),
                        }
                    }
                    ret
                }
                None => {
                    if let Some(class) = container.class_name()
                        && self.reportable_class(class)
                        && !container.has_any()
                    {
                        self.report(
                            sub,
                            "index",
                            format!("Value of type \"{container}\" is not indexable"),
                        );
                    }
                    Type::Any
                }
            },
            // `Color[name]`: `EnumMeta.__getitem__` looks a member up by
            // name.
            Type::Class(name) if self.world.is_enum_class(name) => Type::instance(name, []),
            Type::Class(name) => {
                // `list[int]` as a value (in isinstance, say).
                Type::Class(name.clone())
            }
            _ => Type::Any,
        }
    }
}

/// A positional argument of type `ty`.
pub(super) fn plain(ty: Type) -> Arg {
    Arg {
        keyword: None,
        unpacked: false,
        ty,
        exact: false,
    }
}

fn tuple_index(slice: &Expr, len: usize) -> Option<usize> {
    let value: i64 = match slice {
        Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => i.as_i64()?,
            _ => return None,
        },
        Expr::UnaryOp(u) if u.op == ast::UnaryOp::USub => match &*u.operand {
            Expr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => -(i.as_i64()?),
                _ => return None,
            },
            _ => return None,
        },
        _ => return None,
    };
    let index = if value < 0 { len as i64 + value } else { value };
    (0..len as i64).contains(&index).then_some(index as usize)
}

/// Whether a callee is a function definition declared to return `None`
/// and nothing else. As mypy has it, an overloaded one is not
/// (`list.sort`, `print`: its items are decorated), nor a value of a
/// `Callable` type (which has no name) or a lambda.
fn only_returns_none(callee: &Type) -> bool {
    matches!(callee, Type::Callable(sig)
        if sig.ret == Type::None && sig.name.as_deref().is_some_and(|n| n != "lambda"))
}

fn callee_name(callee: &Type) -> String {
    match callee {
        Type::Callable(sig) => sig.name.as_deref().unwrap_or("function").to_owned(),
        Type::Overloaded(sigs) => sigs
            .first()
            .and_then(|s| s.name.as_deref())
            .unwrap_or("function")
            .to_owned(),
        Type::Class(name) => short(name).to_owned(),
        other => other.to_string(),
    }
}

fn call_arg_node(call: &ast::ExprCall, index: usize) -> Option<&dyn Ranged> {
    let positional = call.arguments.args.len();
    if index < positional {
        Some(&call.arguments.args[index])
    } else {
        call.arguments
            .keywords
            .get(index - positional)
            .map(|k| &k.value as &dyn Ranged)
    }
}

/// Whether `callee` is typing's `cast` (its overloads take `typ` first).
fn is_typing_cast(callee: &Type) -> bool {
    matches!(callee, Type::Overloaded(sigs) if sigs.iter().all(|s| {
        s.name.as_deref() == Some("cast")
            && s.params.first().and_then(|p| p.name.as_deref()) == Some("typ")
    }))
}

#[cfg(test)]
mod tests {
    use crate::check::errors;

    // Each snippet's expected errors are those `mypy --strict` reports.

    #[test]
    fn attributes_of_known_types() {
        let source = r#"
import math

x = "a".foo()
y = math.foo
"#;
        assert_eq!(errors(source), [(3, "attr-defined"), (4, "attr-defined")]);
    }

    #[test]
    fn calls_match_a_signature() {
        let source = r#"
def f(x: int) -> None:
    pass


f(1, 2)
n = len(1)
m = n()
"#;
        assert_eq!(
            errors(source),
            [(5, "call-arg"), (6, "arg-type"), (7, "operator")]
        );
    }

    #[test]
    fn subscripts_take_the_index_getitem_takes() {
        let source = r#"
d: dict[str, int] = {}
v = d[0]
w = v[0]
"#;
        assert_eq!(errors(source), [(2, "index"), (3, "index")]);
    }
}
