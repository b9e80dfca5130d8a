//! Lattice traits: the algebra every constraint obeys.
//!
//! Orientation: ⊤ (top) is "no constraint, every continuation allowed" and
//! ⊥ (bottom) is "contradiction, nothing allowed". `meet` is conjunction: it
//! keeps only what both sides allow, so `a.meet(b)` is below (at least as
//! strict as) both. `a.leq(b)` reads "a is at least as strict as b".
//!
//! Equality must be *semantic*: two values that allow exactly the same things
//! compare equal. Lattices with several representations of one element (most
//! often several ways of being ⊥) normalise them or compare them specially;
//! the law harness ([`crate::laws`], feature `laws`) checks this.

use std::fmt;
use std::sync::Arc;

/// A bounded meet-semilattice element: the common interface of every
/// constraint in Ananke.
///
/// Required: [`meet`](MeetSemilattice::meet),
/// [`is_top`](MeetSemilattice::is_top) and
/// [`is_bottom`](MeetSemilattice::is_bottom). `meet` must be associative,
/// commutative and idempotent, with ⊤ as identity and ⊥ as annihilator.
/// ⊤ and ⊥ themselves come from the [`Domain`](crate::Domain) (their shape
/// can depend on a grammar or a vocabulary) or, for context-free lattices,
/// from [`Bounded`].
pub trait MeetSemilattice: Clone + PartialEq + fmt::Debug {
    /// The greatest lower bound: everything both `self` and `other` allow.
    fn meet(&self, other: &Self) -> Self;

    /// Whether this is ⊤, the constraint that forbids nothing.
    fn is_top(&self) -> bool;

    /// Whether this is ⊥, the contradiction.
    fn is_bottom(&self) -> bool;

    /// `self ⊑ other`: `self` is at least as strict as `other`.
    ///
    /// The default derives the order from `meet` (`a ⊑ b ⇔ a ⊓ b = a`);
    /// override it only with something faster that agrees.
    fn leq(&self, other: &Self) -> bool {
        self.meet(other) == *self
    }

    /// Replaces `self` by `self ⊓ other` and reports whether it changed —
    /// the "changed" signal the propagation engine runs on.
    fn meet_assign(&mut self, other: &Self) -> bool {
        let met = self.meet(other);
        if met == *self {
            false
        } else {
            *self = met;
            true
        }
    }
}

/// A meet-semilattice that also has a least upper bound.
///
/// Used to lift the constraints that all children of a hole share up to the
/// parent hole. `join` must be associative, commutative and idempotent,
/// absorb with `meet` (`a ⊓ (a ⊔ b) = a`, `a ⊔ (a ⊓ b) = a`), and have ⊥ as
/// identity and ⊤ as annihilator.
pub trait JoinSemilattice: MeetSemilattice {
    /// The least upper bound: what either `self` or `other` allows.
    fn join(&self, other: &Self) -> Self;
}

/// A lattice whose ⊤ and ⊥ need no context.
pub trait Bounded: MeetSemilattice {
    /// The constraint that forbids nothing.
    fn top() -> Self;
    /// The contradiction.
    fn bottom() -> Self;
}

/// What a domain can say about whether a constraint still has a solution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Satisfiability {
    /// A solution exists (for a syntax domain: the text so far is complete).
    Sat,
    /// No solution exists: the constraint is ⊥.
    Unsat,
    /// Not decided (yet): more tokens may be needed, or the question is
    /// outside what the domain models.
    Unknown,
}

impl Satisfiability {
    /// Conjunction of two verdicts about independent parts of one product:
    /// any `Unsat` wins, then any `Unknown`, and `Sat` only when both are.
    pub fn and(self, other: Satisfiability) -> Satisfiability {
        use Satisfiability::*;
        match (self, other) {
            (Unsat, _) | (_, Unsat) => Unsat,
            (Unknown, _) | (_, Unknown) => Unknown,
            (Sat, Sat) => Sat,
        }
    }
}

impl fmt::Display for Satisfiability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Satisfiability::Sat => "sat",
            Satisfiability::Unsat => "unsat",
            Satisfiability::Unknown => "unknown",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfiability_and_is_a_conjunction() {
        use Satisfiability::*;
        assert_eq!(Sat.and(Sat), Sat);
        assert_eq!(Sat.and(Unknown), Unknown);
        assert_eq!(Unknown.and(Unsat), Unsat);
        assert_eq!(Unsat.and(Sat), Unsat);
        assert_eq!(Unsat.to_string(), "unsat");
    }
}

/// The text a constraint has read, for domains whose constraints follow
/// the output (a sketch, a parser position): `None` before any text.
///
/// Two readings agree when they are the same reading (one `Arc`, or equal
/// values); a meet of constraints that read different texts is ⊥. These
/// helpers give every such domain the same rule.
pub mod reading {
    use super::Arc;

    /// Whether `a` and `b` are the same reading.
    pub fn same<T: PartialEq>(a: &Option<Arc<T>>, b: &Option<Arc<T>>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
            _ => false,
        }
    }

    /// The reading both constraints agree on (`None` stands for any), or
    /// `Err` when they read different texts.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ananke_core::reading;
    ///
    /// let text = Some(Arc::new("x = 1".to_owned()));
    /// assert_eq!(reading::meet(&None, &text), Ok(text.clone()));
    /// assert!(reading::meet(&text, &Some(Arc::new("y".to_owned()))).is_err());
    /// ```
    #[allow(clippy::result_unit_err)]
    pub fn meet<T: PartialEq>(
        a: &Option<Arc<T>>,
        b: &Option<Arc<T>>,
    ) -> Result<Option<Arc<T>>, ()> {
        match (a, b) {
            (None, r) | (r, None) => Ok(r.clone()),
            (Some(x), Some(y)) if Arc::ptr_eq(x, y) || x == y => Ok(Some(x.clone())),
            _ => Err(()),
        }
    }
}
