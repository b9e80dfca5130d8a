//! Partial types: a name a function binds to an empty collection (`x =
//! []`, `{}`, `set()`, `list()`, `dict()`) has no element type yet, and
//! mypy wants the code that follows to give it one before anything reads
//! the name.
//!
//! As mypy does it, textually (not per path): `x.append(v)`,
//! `x.extend([...])`, `x.add(v)`, `x.update(...)`, `x[k] = v`, `x = [v]`,
//! `x += [v]` or, for a set, `x |= {v}` complete the type (a value typed
//! `Any` makes a collection of `Any`); any other read first — `len(x)`,
//! `return x`, `x.insert(0, v)`, a read in the completing statement's own
//! value (`x[k] = x.get(k, 0) + 1`) — is `var-annotated` ("Need type
//! annotation"), reported at the binding's line, as is a name never
//! completed by the end of its function. `k in x` reads nothing.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use super::{Checker, Diagnostic};
use crate::types::{Name, Type};

/// A name bound to an empty collection, not yet given an element type.
#[derive(Clone, Debug)]
pub(super) struct Partial {
    /// `builtins.list`, `builtins.dict` or `builtins.set`.
    class: &'static str,
    /// Where it was bound (line, column).
    at: (u32, u32),
}

/// The collection class of an empty collection expression.
pub(super) fn empty_collection(value: &Expr) -> Option<&'static str> {
    match value {
        Expr::List(l) if l.elts.is_empty() => Some("builtins.list"),
        Expr::Dict(d) if d.items.is_empty() => Some("builtins.dict"),
        Expr::Call(c) if c.arguments.is_empty() => match &*c.func {
            Expr::Name(n) => match n.id.as_str() {
                "list" => Some("builtins.list"),
                "dict" => Some("builtins.dict"),
                "set" => Some("builtins.set"),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Whether mypy takes `ty` as an inferred element type (`None` it does
/// not: the name stays partial).
fn valid_element(ty: &Type) -> bool {
    !matches!(ty, Type::None | Type::Never)
}

impl Checker<'_> {
    /// Before `name = value` binds a name new to the function: whether the
    /// value is an empty collection that leaves it partial.
    pub(super) fn starts_partial(&self, name: &str, value: &Expr) -> Option<&'static str> {
        let frame = self.frames.last()?;
        (self.frames.len() > 1 && !frame.vars.contains_key(name))
            .then(|| empty_collection(value))
            .flatten()
    }

    /// Marks `name` (just bound) partial.
    pub(super) fn mark_partial(&mut self, name: &str, class: &'static str, value: &Expr) {
        // `x = []  # type: ignore`: mypy's `var-annotated` there is
        // silenced and `x` is a `list[Any]` from then on.
        if super::ignore::is_type_ignore(self.rest_of_line(value.end())) {
            self.settle(name, collection(class, Type::Any));
            return;
        }
        let at = self.lines.position(value.start());
        let frame = self.frames.last_mut().expect("a frame");
        if let Some(var) = frame.vars.get_mut(name) {
            var.partial = Some(Partial { class, at });
        }
    }

    /// The partial state of the variable `name` resolves to, if any.
    fn partial_of(&self, name: &str) -> Option<Partial> {
        for frame in self.frames.iter().rev() {
            if frame.narrowed.contains_key(name) {
                return None;
            }
            if let Some(var) = frame.vars.get(name) {
                return var.partial.clone();
            }
        }
        None
    }

    /// Gives the variable its type, partial no more.
    fn settle(&mut self, name: &str, ty: Type) {
        for frame in self.frames.iter_mut().rev() {
            if let Some(var) = frame.vars.get_mut(name) {
                var.partial = None;
                var.ty = ty;
                var.declared = true;
                return;
            }
        }
    }

    /// `name` is read: a partial one is reported, once.
    pub(super) fn read_partial(&mut self, name: &str) {
        if let Some(partial) = self.partial_of(name) {
            self.need_annotation(name, &partial);
            self.settle(name, collection(partial.class, Type::Any));
        }
    }

    fn need_annotation(&mut self, name: &str, partial: &Partial) {
        let hint = match partial.class {
            "builtins.dict" => "dict[<type>, <type>]",
            "builtins.set" => "set[<type>]",
            _ => "list[<type>]",
        };
        let (line, col) = partial.at;
        self.diagnostics.push(Diagnostic {
            line,
            col,
            message: format!(
                "Need type annotation for \"{name}\" (hint: \"{name}: {hint} = ...\")"
            ),
            code: "var-annotated",
        });
    }

    /// `x.append(v)` and the other calls that complete a partial `x`: the
    /// call's type when `call` is one (the receiver is not read).
    pub(super) fn partial_call(&mut self, call: &ast::ExprCall) -> Option<Type> {
        let Expr::Attribute(attr) = &*call.func else {
            return None;
        };
        let Expr::Name(receiver) = &*attr.value else {
            return None;
        };
        let name = receiver.id.as_str();
        let partial = self.partial_of(name)?;
        let [arg] = &call.arguments.args[..] else {
            return None;
        };
        if !call.arguments.keywords.is_empty() {
            return None;
        }
        let method = attr.attr.id.as_str();
        let completes_with_item = matches!(
            (partial.class, method),
            ("builtins.list", "append") | ("builtins.set", "add" | "discard")
        );
        let completes_with_container = matches!(
            (partial.class, method),
            ("builtins.list", "extend") | ("builtins.dict" | "builtins.set", "update")
        );
        if !completes_with_item && !completes_with_container {
            return None;
        }
        let ty = self.expr(arg);
        let completed = if completes_with_item {
            valid_element(&ty).then(|| collection(partial.class, ty))
        } else {
            // Only a container of the same kind (a list or set for a
            // set's update) gives the arguments.
            match &ty {
                Type::Instance(class, args)
                    if &**class == partial.class
                        || (partial.class == "builtins.set" && &**class == "builtins.list") =>
                {
                    let args: Vec<Type> = args.to_vec();
                    Some(match partial.class {
                        "builtins.dict" => Type::dict(
                            args.first().cloned().unwrap_or(Type::Any),
                            args.get(1).cloned().unwrap_or(Type::Any),
                        ),
                        class => collection(class, args.first().cloned().unwrap_or(Type::Any)),
                    })
                }
                Type::Any => Some(collection(partial.class, Type::Any)),
                _ => None,
            }
        };
        if let Some(ty) = completed {
            self.settle(name, ty);
        }
        Some(Type::None)
    }

    /// `x[k] = v` on a partial dict `x`: completes it (the value was
    /// already read, reading `x` first if it does). Whether it did.
    pub(super) fn partial_setitem(&mut self, target: &ast::ExprSubscript, value: &Type) -> bool {
        let Expr::Name(receiver) = &*target.value else {
            return false;
        };
        let name = receiver.id.as_str();
        match self.partial_of(name) {
            Some(partial) if partial.class == "builtins.dict" => {
                let key = self.expr(&target.slice);
                if valid_element(&key) && valid_element(value) {
                    self.settle(name, Type::dict(key, value.clone()));
                }
                true
            }
            _ => false,
        }
    }

    /// `x = value` or `x += value` where `x` is partial: a value of the
    /// same collection class completes it. Whether it did.
    pub(super) fn partial_assign(&mut self, name: &str, value: &Type) -> bool {
        let Some(partial) = self.partial_of(name) else {
            return false;
        };
        match value {
            Type::Instance(class, args)
                if &**class == partial.class && args.iter().all(valid_element) =>
            {
                self.settle(name, value.clone());
                true
            }
            // An `Any` value makes it a collection of `Any` (mypy fills
            // the class's parameters with `Any`).
            Type::Any => {
                self.settle(name, collection(partial.class, Type::Any));
                true
            }
            _ => false,
        }
    }

    /// `x += value` on a partial list, `x |= value` on a partial set:
    /// completes it as `x = value` does. Whether it did.
    pub(super) fn partial_augment(&mut self, augment: &ast::StmtAugAssign) -> bool {
        let Expr::Name(n) = &*augment.target else {
            return false;
        };
        let completing = match self.partial_of(n.id.as_str()) {
            Some(partial) => matches!(
                (partial.class, augment.op),
                ("builtins.list", ast::Operator::Add) | ("builtins.set", ast::Operator::BitOr)
            ),
            None => false,
        };
        if !completing {
            return false;
        }
        let value = self.expr(&augment.value);
        self.partial_assign(n.id.as_str(), &value)
    }

    /// `x` in `k in x`: its type, without reading a partial `x`.
    pub(super) fn container_operand(&mut self, expr: &Expr) -> Type {
        if let Expr::Name(n) = expr
            && let Some(partial) = self.partial_of(n.id.as_str())
        {
            return collection(partial.class, Type::Any);
        }
        self.expr(expr)
    }

    /// At the end of a function: the names still partial.
    pub(super) fn unsettled_partials(&mut self) {
        let frame = self.frames.last().expect("a frame");
        let mut open: Vec<(Name, Partial)> = frame
            .vars
            .iter()
            .filter_map(|(name, var)| Some((name.clone(), var.partial.clone()?)))
            .collect();
        // Two names bound at one place (`xs = ys = []`) in a fixed order.
        open.sort_by(|(a, p), (b, q)| (p.at, a).cmp(&(q.at, b)));
        for (name, partial) in open {
            self.need_annotation(&name, &partial);
        }
    }
}

/// `list[element]`, `set[element]`, or `dict[Any, Any]`-like for a dict.
fn collection(class: &str, element: Type) -> Type {
    match class {
        "builtins.dict" => Type::dict(element.clone(), element),
        class => Type::instance(class, [element]),
    }
}
