//! Instance attributes a class's methods define (`self.count = 0` in
//! `__init__`), typed as mypy types them: by the first binding of
//! `self.<name>` in the class's text — its annotation when it has one,
//! else the type of the value it is given there (`self.sock = None` makes
//! the attribute `None`, unless a later assignment in the same method
//! makes it optional: `int | None`).
//!
//! Without this, such an attribute reads as `Any`: nothing is reported
//! about it, and code that mypy skips as unreachable (`if self.sock is not
//! None:` after `self.sock = None`) is checked, so an error there is
//! invented (a real package's code rejected for it).
//!
//! The class's declaration ([`Checker::declare_method_attributes`]) gives
//! each such attribute `Any` (or its annotation); the walk of the method
//! that binds it first types it there ([`Checker::define_attribute`]), so
//! only code walked after that assignment sees the type. What is not
//! certain stays `Any`: a first binding the walk skips as unreachable, a
//! name the class body or a base declares (their declaration rules), a
//! class deriving from `Any` or a protocol, and values of unknown or
//! unsolved types.

use std::collections::HashSet;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextSize};

use super::Checker;
use crate::stubs::{ClassInfo, Member};
use crate::types::{Name, Type};

/// Where an inferred attribute is bound first: its class and name.
#[derive(Clone)]
pub(super) struct Site {
    class: Name,
    attr: Name,
}

/// An attribute bound first to `None`, in the method being walked: a later
/// assignment of another type there makes it optional.
#[derive(Clone, Debug)]
pub(super) struct PendingNone {
    class: Name,
    attr: Name,
    /// The method's receiver parameter (`self`).
    receiver: Name,
    /// The number of frames while the method's body is walked.
    depth: usize,
}

/// A binding of `receiver.<attr>` in a method: where its target starts,
/// and its annotation if it is an annotated one.
struct Binding<'a> {
    attr: &'a str,
    at: TextSize,
    annotation: Option<&'a Expr>,
}

/// The receiver parameter of a method whose instance attributes mypy
/// collects: the first parameter, unless it is a static or class method.
pub(super) fn receiver(def: &ast::StmtFunctionDef) -> Option<&str> {
    let special = def.decorator_list.iter().any(|d| {
        matches!(
            crate::stubs::decorator_name(&d.expression),
            Some("staticmethod" | "classmethod")
        )
    });
    if special
        || matches!(
            def.name.id.as_str(),
            "__new__" | "__init_subclass__" | "__class_getitem__"
        )
    {
        return None;
    }
    let params = &def.parameters;
    params
        .posonlyargs
        .first()
        .or(params.args.first())
        .map(|p| p.parameter.name.id.as_str())
}

/// Every binding of a receiver's attribute in the methods of a class body
/// (in methods under a class-level `if` too), in the order of the text.
fn method_bindings(body: &[Stmt]) -> Vec<Binding<'_>> {
    let mut out = Vec::new();
    for stmt in body {
        match stmt {
            Stmt::FunctionDef(def) => {
                if let Some(receiver) = receiver(def) {
                    bindings_in(&def.body, receiver, &mut out);
                }
            }
            other => {
                crate::flow::each_block(other, &mut |block| out.extend(method_bindings(block)))
            }
        }
    }
    out
}

/// The bindings of `receiver.<attr>` in a method's statements, nested
/// functions included (their `self` is the method's, unless they have a
/// parameter of that name).
fn bindings_in<'a>(body: &'a [Stmt], receiver: &str, out: &mut Vec<Binding<'a>>) {
    for stmt in body {
        match stmt {
            Stmt::Assign(a) => {
                for target in &a.targets {
                    targets_in(target, receiver, None, out);
                }
            }
            Stmt::AnnAssign(a) => targets_in(&a.target, receiver, Some(&a.annotation), out),
            Stmt::For(f) => targets_in(&f.target, receiver, None, out),
            Stmt::With(w) => {
                for var in w.items.iter().filter_map(|i| i.optional_vars.as_deref()) {
                    targets_in(var, receiver, None, out);
                }
            }
            Stmt::FunctionDef(f) => {
                if !f.parameters.iter().any(|p| p.name().as_str() == receiver) {
                    bindings_in(&f.body, receiver, out);
                }
                continue;
            }
            _ => {}
        }
        crate::flow::each_block(stmt, &mut |block| bindings_in(block, receiver, out));
    }
}

/// The receiver's attributes an assignment target binds.
fn targets_in<'a>(
    target: &'a Expr,
    receiver: &str,
    annotation: Option<&'a Expr>,
    out: &mut Vec<Binding<'a>>,
) {
    match target {
        Expr::Attribute(a) if matches!(&*a.value, Expr::Name(n) if n.id.as_str() == receiver) => {
            out.push(Binding {
                attr: a.attr.id.as_str(),
                at: a.start(),
                annotation,
            });
        }
        Expr::Tuple(t) => t
            .elts
            .iter()
            .for_each(|e| targets_in(e, receiver, None, out)),
        Expr::List(l) => l
            .elts
            .iter()
            .for_each(|e| targets_in(e, receiver, None, out)),
        Expr::Starred(s) => targets_in(&s.value, receiver, None, out),
        _ => {}
    }
}

impl Checker<'_> {
    /// The instance attributes `def`'s methods define, declared in `info`
    /// (the class being declared): an annotated first binding gives its
    /// annotation, any other `Any` until the walk reaches it (its site is
    /// kept).
    pub(super) fn declare_method_attributes(
        &mut self,
        def: &ast::StmtClassDef,
        info: &mut ClassInfo,
    ) {
        if info.any_base || info.is_protocol {
            return;
        }
        let mut class_level: HashSet<Name> = HashSet::new();
        crate::flow::each_binding(&def.body, &mut |name| {
            class_level.insert(name.into());
        });
        let mut seen: HashSet<&str> = HashSet::new();
        let mut declared: Vec<Name> = Vec::new();
        for binding in method_bindings(&def.body) {
            if !seen.insert(binding.attr) || class_level.contains(binding.attr) {
                continue;
            }
            let inherited = info
                .bases
                .iter()
                .filter_map(Type::class_name)
                .chain(["builtins.object"])
                .any(|base| self.world.find_member(base, binding.attr).is_some());
            if inherited {
                continue;
            }
            let ty = match binding.annotation {
                Some(annotation) => self.annotation(annotation),
                None => {
                    self.attribute_sites.insert(
                        binding.at,
                        Site {
                            class: info.name.clone(),
                            attr: binding.attr.into(),
                        },
                    );
                    Type::Any
                }
            };
            info.members
                .insert(binding.attr.into(), Member::Attribute(ty));
            declared.push(binding.attr.into());
        }
        info.instance_attributes = declared.into();
    }

    /// `receiver.attr = value` walked: where it is the attribute's first
    /// binding, the attribute gets the value's type; where the attribute
    /// was bound first to `None` earlier in this method, it becomes
    /// optional.
    pub(super) fn define_attribute(
        &mut self,
        target: &ast::ExprAttribute,
        value: &Type,
        value_expr: &Expr,
    ) {
        if let Some(site) = self.attribute_sites.remove(&target.start()) {
            let ty = Self::attribute_type(value, value_expr);
            if ty == Type::None
                && let Expr::Name(receiver) = &*target.value
            {
                self.pending_none.push(PendingNone {
                    class: site.class.clone(),
                    attr: site.attr.clone(),
                    receiver: receiver.id.as_str().into(),
                    depth: self.frames.len(),
                });
            }
            self.set_attribute(&site.class, &site.attr, ty);
            return;
        }
        let Expr::Name(receiver) = &*target.value else {
            return;
        };
        let depth = self.frames.len();
        let Some(i) = self.pending_none.iter().position(|p| {
            p.depth == depth
                && *p.receiver == *receiver.id.as_str()
                && *p.attr == *target.attr.id.as_str()
        }) else {
            return;
        };
        if *value == Type::None {
            return;
        }
        let pending = self.pending_none.remove(i);
        let ty = match Self::attribute_type(value, value_expr) {
            Type::Any => Type::Any,
            ty => Type::optional(ty),
        };
        self.set_attribute(&pending.class, &pending.attr, ty);
    }

    /// Leaving a method: its attributes still `None` stay `None`.
    pub(super) fn leave_method(&mut self) {
        let depth = self.frames.len();
        self.pending_none.retain(|p| p.depth <= depth);
    }

    /// The type an attribute gets from a value: `Any` where it is not
    /// certain (an empty collection, whose element type mypy infers from
    /// later code; a value holding `Any`, a type variable or `Never`).
    fn attribute_type(value: &Type, value_expr: &Expr) -> Type {
        let never = match value {
            Type::Never => true,
            Type::Instance(_, args) | Type::Tuple(args) | Type::Union(args) => {
                args.iter().any(|a| matches!(a, Type::Never))
            }
            _ => false,
        };
        if never || value.has_any() || super::partial::empty_collection(value_expr).is_some() {
            Type::Any
        } else {
            value.clone()
        }
    }

    /// The declared type of the attribute `target` assigns, where it is a
    /// plain attribute (no property or descriptor, whose setters take
    /// what they take) of a known instance, its type precise: the value's
    /// context, and what it must fit.
    pub(super) fn declared_member(&mut self, target: &ast::ExprAttribute) -> Option<Type> {
        // Receivers read again cheaply and without side effects only.
        let mut root = &*target.value;
        while let Expr::Attribute(inner) = root {
            root = &inner.value;
        }
        if !matches!(root, Expr::Name(_)) {
            return None;
        }
        let receiver = self.scratch_type(&target.value);
        let Type::Instance(class, _) = &receiver else {
            return None;
        };
        let name = target.attr.id.as_str();
        let (Member::Attribute(_), _) = self.world.find_member(class, name)? else {
            return None;
        };
        let declared = self.world.declared_instance_member(&receiver, name)?;
        let descriptor = super::operators::union_members(&declared)
            .iter()
            .filter_map(Type::class_name)
            .any(|c| {
                self.world.find_member(c, "__set__").is_some()
                    || self.world.find_member(c, "__get__").is_some()
            });
        (!declared.has_any() && !descriptor).then_some(declared)
    }

    /// `receiver.attr = value` (one target): mypy's `assignment` error
    /// where the value does not fit the attribute's declared type.
    pub(super) fn check_member_assignment(
        &mut self,
        target: &ast::ExprAttribute,
        value: &Type,
        value_expr: &Expr,
    ) {
        if value.has_any() {
            return;
        }
        let Some(declared) = self.declared_member(target) else {
            return;
        };
        if !self.world.is_subtype(value, &declared) {
            self.report(
                value_expr,
                "assignment",
                format!("Incompatible types in assignment (expression has type \"{value}\", variable has type \"{declared}\")"),
            );
        }
    }

    fn set_attribute(&mut self, class: &Name, attr: &Name, ty: Type) {
        if let Some(info) = self.world.user.get_mut(class) {
            info.members.insert(attr.clone(), Member::Attribute(ty));
        }
    }
}
