//! [`HoleType`]: the lattice a typed hole carries — what the hole must
//! produce, and what it knows.
//!
//! A hole type is the type the hole's code must have (`Any` when free),
//! the environment of names in scope with their types (a name bound to
//! `Any` is the same as an absent one, and is dropped), and the equations
//! solved so far: a [`Substitution`] of inference variables (`?0`), kept
//! because other holes' types may share those variables. Meet unifies —
//! `Any` is a wildcard the other side refines, a name in both environments
//! gets one type, the substitutions merge — and any clash is ⊥. Join keeps
//! what two holes share: the least general generalisation of the expected
//! types and the names both know at a common type. It lifts a hole type
//! common to all children of a hole to the parent; its laws hold for hole
//! types without unsolved inference variables (a variable generalises to
//! `Any`).
//!
//! It is one part of the types domain's [`TypesConstraint`](crate::TypesConstraint),
//! which also follows the program written so far.
//!
//! The environment is persistent (`im`), so a clone is O(1).

use std::fmt;
use std::sync::Arc;

use ananke_core::{Bounded, JoinSemilattice, MeetSemilattice};
use im::OrdMap;

use crate::types::{Name, Type};
use crate::unify::{Substitution, UnifyError};

/// What a typed hole must produce and what it knows (see the module
/// docs).
#[derive(Clone)]
pub struct HoleType {
    /// Kept resolved against `subst`.
    expected: Type,
    /// Kept resolved against `subst`; no entry is `Any`.
    env: OrdMap<Name, Type>,
    subst: Substitution,
    /// Why this is ⊥ (`None` unless it is).
    conflict: Option<Arc<str>>,
}

impl HoleType {
    /// No expectation, empty environment.
    pub fn top() -> HoleType {
        HoleType {
            expected: Type::Any,
            env: OrdMap::new(),
            subst: Substitution::new(),
            conflict: None,
        }
    }

    /// The contradiction, with a reason.
    pub fn contradiction(reason: impl Into<String>) -> HoleType {
        HoleType {
            conflict: Some(Arc::from(reason.into())),
            ..HoleType::top()
        }
    }

    /// The hole must produce a value of `ty`.
    pub fn expecting(ty: Type) -> HoleType {
        HoleType {
            expected: ty,
            ..HoleType::top()
        }
    }

    /// Adds a name in scope (meeting with what is already known of it).
    pub fn with_binding(&self, name: &str, ty: Type) -> HoleType {
        if matches!(ty, Type::Any) {
            return self.clone();
        }
        let mut single = HoleType::top();
        single.env.insert(name.into(), ty);
        self.meet(&single)
    }

    /// The expected type.
    pub fn expected(&self) -> Type {
        self.expected.clone()
    }

    /// A name's type in the environment.
    pub fn lookup(&self, name: &str) -> Option<Type> {
        self.env.get(name).cloned()
    }

    /// The names in scope.
    pub fn names(&self) -> impl Iterator<Item = &Name> {
        self.env.keys()
    }

    /// Why this hole type is ⊥.
    pub fn conflict(&self) -> Option<&str> {
        self.conflict.as_deref()
    }

    /// The solved equations.
    pub fn substitution(&self) -> &Substitution {
        &self.subst
    }

    fn failed(error: UnifyError) -> HoleType {
        HoleType::contradiction(error.to_string())
    }
}

impl PartialEq for HoleType {
    /// Semantic: every ⊥ is equal; otherwise the expected type and the
    /// environment agree.
    fn eq(&self, other: &HoleType) -> bool {
        match (self.is_bottom(), other.is_bottom()) {
            (true, true) => true,
            (false, false) => {
                self.expected == other.expected
                    && self.env == other.env
                    && self.subst == other.subst
            }
            _ => false,
        }
    }
}

impl MeetSemilattice for HoleType {
    fn meet(&self, other: &HoleType) -> HoleType {
        if self.is_bottom() || other.is_top() {
            return self.clone();
        }
        if other.is_bottom() || self.is_top() {
            return other.clone();
        }
        let mut out = self.clone();
        let mut subst = self.subst.clone();
        for (var, ty) in other.subst.resolved_bindings() {
            if let Err(e) = subst.meet(&Type::Var(var), &ty) {
                return HoleType::failed(e);
            }
        }
        out.expected = match subst.meet(&self.expected, &other.expected) {
            Ok(t) => t,
            Err(e) => return HoleType::failed(e),
        };
        for (name, ty) in &other.env {
            let met = match out.env.get(name) {
                Some(mine) => subst.meet(mine, ty),
                None => Ok(ty.clone()),
            };
            match met {
                Ok(t) => {
                    out.env.insert(name.clone(), t);
                }
                Err(e) => return HoleType::failed(e),
            }
        }
        // Apply what the meet solved to everything the hole type holds.
        out.expected = subst.resolve(&out.expected);
        out.env = out
            .env
            .iter()
            .map(|(k, v)| (k.clone(), subst.resolve(v)))
            .filter(|(_, v)| !matches!(v, Type::Any))
            .collect();
        out.subst = subst;
        out
    }

    fn is_top(&self) -> bool {
        self.conflict.is_none()
            && matches!(self.expected, Type::Any)
            && self.env.is_empty()
            && self.subst.is_empty()
    }

    fn is_bottom(&self) -> bool {
        self.conflict.is_some()
    }
}

/// The least general type both `a` and `b` are instances of: equal parts
/// kept, differing parts (and inference variables) generalised to `Any`
/// (anti-unification).
fn generalise(a: &Type, b: &Type) -> Type {
    if a == b {
        return a.clone();
    }
    match (a, b) {
        (Type::Instance(n1, a1), Type::Instance(n2, a2)) if n1 == n2 && a1.len() == a2.len() => {
            Type::Instance(
                n1.clone(),
                a1.iter()
                    .zip(a2.iter())
                    .map(|(x, y)| generalise(x, y))
                    .collect(),
            )
        }
        (Type::Tuple(x), Type::Tuple(y)) if x.len() == y.len() => Type::Tuple(
            x.iter()
                .zip(y.iter())
                .map(|(p, q)| generalise(p, q))
                .collect(),
        ),
        _ => Type::Any,
    }
}

impl JoinSemilattice for HoleType {
    fn join(&self, other: &HoleType) -> HoleType {
        if self.is_bottom() {
            return other.clone();
        }
        if other.is_bottom() {
            return self.clone();
        }
        let mut out = HoleType::top();
        out.expected = generalise(&self.expected, &other.expected);
        for (name, a) in &self.env {
            if let Some(b) = other.env.get(name) {
                let general = generalise(a, b);
                if !matches!(general, Type::Any) {
                    out.env.insert(name.clone(), general);
                }
            }
        }
        for (var, ty) in self.subst.resolved_bindings() {
            if other.subst.resolve(&Type::Var(var.clone())) == ty {
                let _ = out.subst.meet(&Type::Var(var), &ty);
            }
        }
        out
    }
}

impl Bounded for HoleType {
    fn top() -> HoleType {
        HoleType::top()
    }

    fn bottom() -> HoleType {
        HoleType::contradiction("contradictory types")
    }
}

impl fmt::Debug for HoleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(conflict) = &self.conflict {
            return write!(f, "⊥ ({conflict})");
        }
        write!(f, "expect {}", self.expected)?;
        for (name, ty) in &self.env {
            write!(f, ", {name}: {ty}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meet_unifies_expectations_and_environments() {
        let hole = HoleType::expecting(Type::list(Substitution::fresh(0)));
        let from_use = HoleType::expecting(Type::list(Type::int()));
        let met = hole.meet(&from_use);
        assert_eq!(met.expected(), Type::list(Type::int()));
        let clash = met.meet(&HoleType::expecting(Type::list(Type::str())));
        assert!(clash.is_bottom());
        assert!(
            clash.conflict().unwrap().contains("cannot unify"),
            "{clash:?}"
        );
        let env = HoleType::top().with_binding("n", Type::int());
        assert!(env.with_binding("n", Type::str()).is_bottom());
        assert_eq!(
            env.with_binding("m", Type::str()).lookup("m"),
            Some(Type::str())
        );
    }

    #[test]
    fn join_keeps_what_both_share() {
        let a = HoleType::expecting(Type::list(Type::int())).with_binding("x", Type::int());
        let b = HoleType::expecting(Type::list(Type::str())).with_binding("x", Type::int());
        let j = a.join(&b);
        assert_eq!(j.expected(), Type::list(Type::Any));
        assert_eq!(j.lookup("x"), Some(Type::int()));
        assert!(a.leq(&j) && b.leq(&j));
    }
}
