//! Type-erased constraints: [`DynConstraint`].
//!
//! The runtime holds domains of many constraint types side by side (crates
//! and plugins). A `DynConstraint` is an `Arc` around any
//! [`MeetSemilattice`] value, so cloning one — and therefore checkpointing a
//! whole product — is a reference-count bump. Operations between two
//! erased values check that their types agree and report
//! [`Error::ConstraintType`] instead of panicking when they do not.

use std::any::{Any, TypeId, type_name};
use std::fmt;
use std::sync::Arc;

use crate::{Error, MeetSemilattice};

/// The object-safe face of a [`MeetSemilattice`] value.
///
/// Implemented for every `MeetSemilattice + Send + Sync + 'static` type;
/// there is no need to implement it by hand.
pub trait AnyLattice: Any + fmt::Debug + Send + Sync {
    /// The value as `Any`, for downcasting.
    fn as_any(&self) -> &dyn Any;
    /// The concrete type's name, for error messages.
    fn type_name(&self) -> &'static str;
    /// `self ⊓ other`, or `None` when `other` has another type.
    fn meet_dyn(&self, other: &dyn AnyLattice) -> Option<DynConstraint>;
    /// `self ⊑ other`, or `None` when `other` has another type.
    fn leq_dyn(&self, other: &dyn AnyLattice) -> Option<bool>;
    /// Equality; values of different types are never equal.
    fn eq_dyn(&self, other: &dyn AnyLattice) -> bool;
    /// See [`MeetSemilattice::is_top`].
    fn is_top_dyn(&self) -> bool;
    /// See [`MeetSemilattice::is_bottom`].
    fn is_bottom_dyn(&self) -> bool;
}

impl<T: MeetSemilattice + Send + Sync + 'static> AnyLattice for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn type_name(&self) -> &'static str {
        type_name::<T>()
    }

    fn meet_dyn(&self, other: &dyn AnyLattice) -> Option<DynConstraint> {
        let other = other.as_any().downcast_ref::<T>()?;
        Some(DynConstraint::new(self.meet(other)))
    }

    fn leq_dyn(&self, other: &dyn AnyLattice) -> Option<bool> {
        let other = other.as_any().downcast_ref::<T>()?;
        Some(self.leq(other))
    }

    fn eq_dyn(&self, other: &dyn AnyLattice) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }

    fn is_top_dyn(&self) -> bool {
        self.is_top()
    }

    fn is_bottom_dyn(&self) -> bool {
        self.is_bottom()
    }
}

/// A shared, immutable constraint of some [`MeetSemilattice`] type.
#[derive(Clone)]
pub struct DynConstraint(Arc<dyn AnyLattice>);

impl DynConstraint {
    /// Erases `value`.
    pub fn new<T: MeetSemilattice + Send + Sync + 'static>(value: T) -> DynConstraint {
        DynConstraint(Arc::new(value))
    }

    /// The value as `T`, or `None` when it has another type.
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref::<T>()
    }

    /// The value as `T`, or [`Error::ConstraintType`] naming `context`.
    pub fn expect_ref<T: 'static>(&self, context: &str) -> Result<&T, Error> {
        self.downcast_ref::<T>()
            .ok_or_else(|| Error::ConstraintType {
                context: context.to_owned(),
                expected: type_name::<T>(),
                found: self.0.type_name(),
            })
    }

    /// The `TypeId` of the concrete type.
    pub fn constraint_type(&self) -> TypeId {
        self.0.as_any().type_id()
    }

    /// The concrete type's name.
    pub fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    /// `self ⊓ other`. Sharing the same allocation short-cuts to `self`
    /// (idempotence), and a ⊤ side returns the other side without
    /// allocating.
    pub fn meet(&self, other: &DynConstraint) -> Result<DynConstraint, Error> {
        if Arc::ptr_eq(&self.0, &other.0) {
            return Ok(self.clone());
        }
        if self.constraint_type() != other.constraint_type() {
            return Err(self.mismatch(other));
        }
        if other.is_top() {
            return Ok(self.clone());
        }
        if self.is_top() {
            return Ok(other.clone());
        }
        self.0
            .meet_dyn(&*other.0)
            .ok_or_else(|| self.mismatch(other))
    }

    /// `self ⊑ other`.
    pub fn leq(&self, other: &DynConstraint) -> Result<bool, Error> {
        if Arc::ptr_eq(&self.0, &other.0) {
            return Ok(true);
        }
        self.0
            .leq_dyn(&*other.0)
            .ok_or_else(|| self.mismatch(other))
    }

    /// Whether this is ⊤.
    pub fn is_top(&self) -> bool {
        self.0.is_top_dyn()
    }

    /// Whether this is ⊥.
    pub fn is_bottom(&self) -> bool {
        self.0.is_bottom_dyn()
    }

    /// Whether both share one allocation (a cheap "certainly equal").
    pub fn ptr_eq(&self, other: &DynConstraint) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    fn mismatch(&self, other: &DynConstraint) -> Error {
        Error::ConstraintType {
            context: "meet".to_owned(),
            expected: self.0.type_name(),
            found: other.0.type_name(),
        }
    }
}

impl PartialEq for DynConstraint {
    fn eq(&self, other: &DynConstraint) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.eq_dyn(&*other.0)
    }
}

impl fmt::Debug for DynConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{Interval, Parity};

    #[test]
    fn erased_meet_matches_typed_meet() {
        let a = Interval::new(0, 10);
        let b = Interval::new(5, 20);
        let met = DynConstraint::new(a).meet(&DynConstraint::new(b)).unwrap();
        assert_eq!(met.downcast_ref::<Interval>(), Some(&a.meet(&b)));
        assert!(
            DynConstraint::new(a)
                .leq(&DynConstraint::new(Interval::top_value()))
                .unwrap()
        );
    }

    #[test]
    fn mismatched_types_are_errors_not_panics() {
        let a = DynConstraint::new(Interval::new(0, 1));
        let b = DynConstraint::new(Parity::Even);
        let err = a.meet(&b).unwrap_err();
        assert!(err.to_string().contains("Parity"), "{err}");
        assert!(a.leq(&b).is_err());
        assert_ne!(a, b);
        assert!(b.expect_ref::<Interval>("slot 3").is_err());
    }
}
