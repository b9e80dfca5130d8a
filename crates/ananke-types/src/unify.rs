//! Unification over a persistent union-find, with an occurs check.
//!
//! Inference variables are type variables named `?0`, `?1`, …
//! ([`Substitution::fresh`]); other type variables (a signature's `T`)
//! are rigid. A [`Substitution`] maps variables to types in an `im`
//! hash map, so cloning one — a checkpoint of a typed hole — is O(1).
//! Variables bound to variables always point from the larger name to the
//! smaller, so two substitutions that solve the same equations are equal.

use std::fmt;

use im::HashMap;

use crate::types::{Name, Type};

/// Why two types do not unify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnifyError {
    /// Different type constructors (`int` against `str`).
    #[error("cannot unify {0} with {1}")]
    Mismatch(Type, Type),
    /// A variable would contain itself (`?0 = list[?0]`).
    #[error("{0} occurs in {1}")]
    Occurs(Name, Type),
}

/// Whether `name` is an inference variable.
pub fn is_inference_var(name: &str) -> bool {
    name.starts_with('?')
}

fn var_order(name: &str) -> (usize, &str) {
    (name.len(), name)
}

/// A persistent substitution: the union-find of inference variables.
///
/// Equality compares what the bindings mean (each variable fully
/// resolved), not how the chains happen to be linked.
#[derive(Clone, Default)]
pub struct Substitution {
    bindings: HashMap<Name, Type>,
}

impl Substitution {
    /// The empty substitution.
    pub fn new() -> Substitution {
        Substitution::default()
    }

    /// The inference variable `?n`.
    pub fn fresh(n: u32) -> Type {
        Type::Var(format!("?{n}").into())
    }

    /// Number of bound variables.
    pub fn len(&self) -> usize {
        self.bindings.len()
    }

    /// Whether nothing is bound.
    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty()
    }

    /// The bindings, each fully resolved.
    pub fn resolved_bindings(&self) -> Vec<(Name, Type)> {
        let mut out: Vec<(Name, Type)> = self
            .bindings
            .keys()
            .map(|k| (k.clone(), self.resolve(&Type::Var(k.clone()))))
            .collect();
        out.sort_by(|a, b| var_order(&a.0).cmp(&var_order(&b.0)));
        out
    }

    /// Follows bindings at the top of `ty` (find, without compression:
    /// the structure is persistent).
    pub fn shallow(&self, ty: &Type) -> Type {
        let mut current = ty.clone();
        for _ in 0..=self.bindings.len() {
            match &current {
                Type::Var(v) if is_inference_var(v) => match self.bindings.get(v) {
                    Some(next) => current = next.clone(),
                    None => return current,
                },
                _ => return current,
            }
        }
        current
    }

    /// `ty` with every bound variable replaced, recursively.
    pub fn resolve(&self, ty: &Type) -> Type {
        self.resolve_at(ty, 0)
    }

    fn resolve_at(&self, ty: &Type, depth: usize) -> Type {
        if depth > 64 {
            return Type::Any;
        }
        let shallow = self.shallow(ty);
        shallow.substitute(
            &|v| {
                if is_inference_var(v) && self.bindings.contains_key(v) {
                    Some(self.resolve_at(&Type::Var(v.into()), depth + 1))
                } else {
                    None
                }
            },
            false,
        )
    }

    fn occurs(&self, var: &str, ty: &Type) -> bool {
        match self.shallow(ty) {
            Type::Var(v) => &*v == var,
            Type::Instance(_, args) | Type::Tuple(args) | Type::Union(args) => {
                args.iter().any(|a| self.occurs(var, a))
            }
            Type::Callable(sig) => {
                self.occurs(var, &sig.ret) || sig.params.iter().any(|p| self.occurs(var, &p.ty))
            }
            _ => false,
        }
    }

    fn bind(&mut self, var: &Name, ty: Type) -> Result<(), UnifyError> {
        if let Type::Var(other) = &ty
            && is_inference_var(other)
        {
            if other == var {
                return Ok(());
            }
            // Canonical direction: larger name → smaller name.
            let (from, to) = if var_order(var) > var_order(other) {
                (var.clone(), ty.clone())
            } else {
                (other.clone(), Type::Var(var.clone()))
            };
            self.bindings.insert(from, to);
            return Ok(());
        }
        if self.occurs(var, &ty) {
            return Err(UnifyError::Occurs(var.clone(), self.resolve(&ty)));
        }
        self.bindings.insert(var.clone(), ty);
        Ok(())
    }

    /// The most general type that is both `a` and `b`, binding inference
    /// variables on the way: unification in which `Any` is a wildcard that
    /// the other side refines (`dict[Any, int]` and `dict[str, Any]` meet
    /// at `dict[str, int]`), and a bound variable's type is refined too.
    pub fn meet(&mut self, a: &Type, b: &Type) -> Result<Type, UnifyError> {
        let met = self.meet_at(a, b, 0)?;
        Ok(self.resolve(&met))
    }

    fn meet_at(&mut self, a: &Type, b: &Type, depth: usize) -> Result<Type, UnifyError> {
        if depth > 64 {
            return Ok(a.clone());
        }
        // A bound variable: refine its binding.
        for (var_side, other) in [(a, b), (b, a)] {
            if let Type::Var(v) = var_side
                && is_inference_var(v)
                && let Some(bound) = self.bindings.get(v).cloned()
            {
                let refined = self.meet_at(&bound, other, depth + 1)?;
                if let Type::Var(target) = &bound
                    && is_inference_var(target)
                {
                    return Ok(refined);
                }
                if self.occurs(v, &refined) {
                    return Err(UnifyError::Occurs(v.clone(), self.resolve(&refined)));
                }
                self.bindings.insert(v.clone(), refined.clone());
                return Ok(refined);
            }
        }
        let d = depth + 1;
        match (a, b) {
            (Type::Any, x) | (x, Type::Any) => Ok(x.clone()),
            (Type::Var(x), _) if is_inference_var(x) => {
                self.bind(x, b.clone())?;
                Ok(self.shallow(a))
            }
            (_, Type::Var(y)) if is_inference_var(y) => {
                self.bind(y, a.clone())?;
                Ok(self.shallow(b))
            }
            (Type::Instance(n1, a1), Type::Instance(n2, a2))
                if n1 == n2 && a1.len() == a2.len() =>
            {
                let args = a1
                    .iter()
                    .zip(a2.iter())
                    .map(|(x, y)| self.meet_at(x, y, d))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Type::Instance(n1.clone(), args.into()))
            }
            (Type::Tuple(x), Type::Tuple(y)) if x.len() == y.len() => {
                let items = x
                    .iter()
                    .zip(y.iter())
                    .map(|(p, q)| self.meet_at(p, q, d))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Type::Tuple(items.into()))
            }
            _ if a == b => Ok(a.clone()),
            _ => Err(UnifyError::Mismatch(self.resolve(a), self.resolve(b))),
        }
    }

    /// Makes `a` and `b` equal, binding inference variables. `Any` unifies
    /// with everything and binds nothing.
    pub fn unify(&mut self, a: &Type, b: &Type) -> Result<(), UnifyError> {
        self.unify_at(a, b, 0)
    }

    fn unify_at(&mut self, a: &Type, b: &Type, depth: usize) -> Result<(), UnifyError> {
        if depth > 64 {
            return Ok(());
        }
        let (a, b) = (self.shallow(a), self.shallow(b));
        let mismatch = || UnifyError::Mismatch(a.clone(), b.clone());
        match (&a, &b) {
            (Type::Any, _) | (_, Type::Any) => Ok(()),
            (Type::Var(x), _) if is_inference_var(x) => self.bind(x, b.clone()),
            (_, Type::Var(y)) if is_inference_var(y) => self.bind(y, a.clone()),
            (Type::Instance(n1, a1), Type::Instance(n2, a2))
                if n1 == n2 && a1.len() == a2.len() =>
            {
                for (x, y) in a1.iter().zip(a2.iter()) {
                    self.unify_at(x, y, depth + 1)?;
                }
                Ok(())
            }
            (Type::Tuple(x), Type::Tuple(y)) | (Type::Union(x), Type::Union(y))
                if x.len() == y.len() =>
            {
                for (p, q) in x.iter().zip(y.iter()) {
                    self.unify_at(p, q, depth + 1)?;
                }
                Ok(())
            }
            (Type::Callable(x), Type::Callable(y))
                if x.params.len() == y.params.len() && x.any_params == y.any_params =>
            {
                for (p, q) in x.params.iter().zip(y.params.iter()) {
                    self.unify_at(&p.ty, &q.ty, depth + 1)?;
                }
                self.unify_at(&x.ret, &y.ret, depth + 1)
            }
            _ if a == b => Ok(()),
            _ => Err(mismatch()),
        }
    }
}

impl PartialEq for Substitution {
    fn eq(&self, other: &Substitution) -> bool {
        self.resolved_bindings() == other.resolved_bindings()
    }
}

impl Eq for Substitution {}

impl fmt::Debug for Substitution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (k, v) in self.resolved_bindings() {
            map.entry(&k, &v);
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unification_binds_and_checks_occurrence() {
        let (a, b) = (Substitution::fresh(0), Substitution::fresh(1));
        let mut s = Substitution::new();
        s.unify(&Type::list(a.clone()), &Type::list(Type::int()))
            .unwrap();
        assert_eq!(s.resolve(&a), Type::int());
        s.unify(&b, &a).unwrap();
        assert_eq!(s.resolve(&b), Type::int());
        let err = s
            .unify(&Type::list(Type::str()), &Type::list(a.clone()))
            .unwrap_err();
        assert!(matches!(err, UnifyError::Mismatch(..)));
        let mut t = Substitution::new();
        let err = t.unify(&a, &Type::list(a.clone())).unwrap_err();
        assert!(matches!(err, UnifyError::Occurs(..)), "{err}");
        assert!(Substitution::new().unify(&Type::Any, &Type::str()).is_ok());
    }

    #[test]
    fn variable_chains_point_to_the_smallest_name() {
        let (a, b, c) = (
            Substitution::fresh(0),
            Substitution::fresh(1),
            Substitution::fresh(2),
        );
        let mut s1 = Substitution::new();
        s1.unify(&c, &b).unwrap();
        s1.unify(&b, &a).unwrap();
        let mut s2 = Substitution::new();
        s2.unify(&a, &b).unwrap();
        s2.unify(&b, &c).unwrap();
        assert_eq!(s1.resolve(&c), a);
        assert_eq!(s2.resolve(&c), a);
        assert_eq!(s1.resolved_bindings(), s2.resolved_bindings());
    }
}
