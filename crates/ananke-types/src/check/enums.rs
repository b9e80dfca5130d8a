//! Enumerations a module defines: their members are instances of the
//! class (`Color.RED` is a `Color`), and an `if`/`elif` chain testing one
//! value against every member in turn (`if c is Color.RED: ... elif c is
//! Color.GREEN: ...`) leaves the value nothing of the enumeration past its
//! last test: the rest of a union (`str` of `str | Color`), or no value at
//! all, which mypy reads as unreachable (no missing return). An
//! enumeration of one member is a sentinel (PEP 484's `MISSING`): `x is
//! MISSING` leaves the rest of `x`'s union where it fails (`narrow`).
//!
//! Only the plain form is modelled: members named by `NAME = value` at the
//! class's top level, tests `x is E.NAME` or `x == E.NAME` on the same
//! variable or member, whose type holds `E`. A class body naming members
//! otherwise (annotated, unpacked, under an `if`) has no member list, and
//! a flag enumeration (`enum.Flag`), whose values combine, none.

use std::collections::HashSet;
use std::sync::Arc;

use ruff_python_ast::{self as ast, CmpOp, Expr, Stmt};

use super::Checker;
use crate::stubs::{ClassInfo, Member};
use crate::types::{Name, Type};

/// Whether `name` is an enumeration member's name: not `_sunder_`,
/// `__dunder__` or `__private`.
fn member_name(name: &str) -> bool {
    let sunder = name.starts_with('_') && name.ends_with('_');
    !(name.starts_with("__") || sunder)
}

/// What one test of an `if` chain tells of an enumeration: the subject it
/// reads (its narrowing key), the subject's type, and the member it
/// compares it with.
pub(super) struct EnumTest {
    subject: Name,
    ty: Type,
    class: Name,
    member: Name,
}

/// How far an `if` chain's tests cover an enumeration.
#[derive(Default)]
pub(super) struct EnumCover {
    first: Option<(Name, Type, Name)>,
    seen: HashSet<Name>,
    broken: bool,
    settled: bool,
}

impl EnumCover {
    /// Takes in the chain's next test.
    pub(super) fn add(&mut self, test: Option<EnumTest>) {
        let Some(test) = test else {
            self.broken = true;
            return;
        };
        match &self.first {
            None => self.first = Some((test.subject, test.ty, test.class)),
            Some((subject, _, class)) if *subject == test.subject && *class == test.class => {}
            Some(_) => self.broken = true,
        }
        self.seen.insert(test.member);
    }
}

impl Checker<'_> {
    /// Gives the members of `def`, when it derives from `enum.Enum`, the
    /// class's instance type, and lists them when the body names them all
    /// plainly.
    pub(super) fn declare_enum_members(&self, def: &ast::StmtClassDef, info: &mut ClassInfo) {
        let derives = |target: &str| {
            info.bases.iter().any(|b| match b {
                Type::Instance(name, args) => self.world.map_to_base(name, args, target).is_some(),
                _ => false,
            })
        };
        if !derives("enum.Enum") {
            return;
        }
        let instance = Type::instance(&info.name, []);
        let mut members: Vec<Name> = Vec::new();
        let mut complete = !derives("enum.Flag");
        for stmt in &def.body {
            match stmt {
                Stmt::Assign(a) => match (a.targets.as_slice(), &*a.value) {
                    (_, Expr::Lambda(_)) => {}
                    ([Expr::Name(n)], _) if member_name(n.id.as_str()) => {
                        members.push(n.id.as_str().into());
                    }
                    ([Expr::Name(_)], _) => {}
                    _ => complete = false,
                },
                Stmt::AnnAssign(a) if a.value.is_some() => complete = false,
                Stmt::If(_) | Stmt::Try(_) | Stmt::For(_) | Stmt::While(_) | Stmt::With(_) => {
                    complete = false
                }
                _ => {}
            }
        }
        for member in &members {
            info.members
                .insert(member.clone(), Member::Attribute(instance.clone()));
        }
        if complete && !members.is_empty() {
            info.enum_members = Some(Arc::from(members));
        }
    }

    /// `x is E.NAME` or `x == E.NAME` (either way round), `x` an `E`:
    /// what it tells of the enumeration.
    pub(super) fn enum_test(&mut self, test: &Expr) -> Option<EnumTest> {
        let Expr::Compare(c) = test else { return None };
        let ([op], [right]) = (&*c.ops, &*c.comparators) else {
            return None;
        };
        if !matches!(op, CmpOp::Is | CmpOp::Eq) {
            return None;
        }
        let member_of = |checker: &mut Self, e: &Expr| -> Option<(Name, Name)> {
            let Expr::Attribute(a) = e else { return None };
            let Type::Class(class) = checker.scratch_type(&a.value) else {
                return None;
            };
            let listed = checker.world.class(&class)?.enum_members.as_ref()?;
            let member: Name = a.attr.id.as_str().into();
            listed.contains(&member).then_some((class, member))
        };
        let (subject, (class, member)) = match member_of(self, right) {
            Some(found) => (&*c.left, found),
            None => (right, member_of(self, &c.left)?),
        };
        let (key, ty) = self.subject(subject)?;
        if !super::operators::union_members(&ty).contains(&Type::instance(&class, [])) {
            return None;
        }
        Some(EnumTest {
            subject: key,
            ty,
            class,
            member,
        })
    }

    /// Whether `ty` is an enumeration of one member (`class
    /// _Missing(Enum): MISSING = 0`): a sentinel, the one value of its
    /// type.
    pub(super) fn is_sentinel(&self, ty: &Type) -> bool {
        matches!(ty, Type::Instance(class, _)
            if self.world.class(class)
                .and_then(|c| c.enum_members.as_ref())
                .is_some_and(|m| m.len() == 1))
    }

    /// Once the tests taken in cover every member of their enumeration
    /// (the first time only): the subject and what is left of its type
    /// past them (`Never` where it was the enumeration alone).
    pub(super) fn enum_rest(&self, cover: &mut EnumCover) -> Option<(Name, Type)> {
        let (subject, ty, class) = cover.first.as_ref()?;
        let all = self.world.class(class)?.enum_members.as_ref()?;
        if cover.broken || cover.settled || !all.iter().all(|m| cover.seen.contains(m)) {
            return None;
        }
        cover.settled = true;
        let instance = Type::instance(class, []);
        let rest: Vec<Type> = super::operators::union_members(ty)
            .into_iter()
            .filter(|t| *t != instance)
            .collect();
        let rest = if rest.is_empty() {
            Type::Never
        } else {
            Type::union(rest)
        };
        Some((subject.clone(), rest))
    }
}
