//! Small reference lattices: integer intervals, sign sets and parity.
//!
//! They are the textbook abstract domains, small enough to read in a minute.
//! Core's own tests, benchmarks and documentation use them to exercise the
//! product and the propagation engine, and a domain author can copy their
//! shape: a normalised representation (every empty interval is the one ⊥),
//! `meet` and `join` written once, laws checked by [`crate::laws`].

use std::fmt;

use crate::{Bounded, JoinSemilattice, MeetSemilattice};

/// A closed integer interval `[lo, hi]`, or the empty interval (⊥).
///
/// ⊤ is `[i64::MIN, i64::MAX]`. The lattice has infinite descending chains
/// in practice (`[0, n]`, `[0, n - 1]`, …), which makes it the test case for
/// the engine's step bound.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interval(Option<(i64, i64)>);

impl Interval {
    /// `[lo, hi]`; ⊥ when `lo > hi`.
    pub fn new(lo: i64, hi: i64) -> Interval {
        if lo <= hi {
            Interval(Some((lo, hi)))
        } else {
            Interval(None)
        }
    }

    /// The single value `v`.
    pub fn exactly(v: i64) -> Interval {
        Interval::new(v, v)
    }

    /// All integers.
    pub fn top_value() -> Interval {
        Interval(Some((i64::MIN, i64::MAX)))
    }

    /// The bounds, `None` for ⊥.
    pub fn bounds(&self) -> Option<(i64, i64)> {
        self.0
    }

    /// Whether `v` lies inside.
    pub fn contains(&self, v: i64) -> bool {
        self.0.is_some_and(|(lo, hi)| lo <= v && v <= hi)
    }
}

impl MeetSemilattice for Interval {
    fn meet(&self, other: &Interval) -> Interval {
        match (self.0, other.0) {
            (Some((a, b)), Some((c, d))) => Interval::new(a.max(c), b.min(d)),
            _ => Interval(None),
        }
    }

    fn is_top(&self) -> bool {
        *self == Interval::top_value()
    }

    fn is_bottom(&self) -> bool {
        self.0.is_none()
    }

    fn leq(&self, other: &Interval) -> bool {
        match (self.0, other.0) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((a, b)), Some((c, d))) => c <= a && b <= d,
        }
    }
}

impl JoinSemilattice for Interval {
    fn join(&self, other: &Interval) -> Interval {
        match (self.0, other.0) {
            (Some((a, b)), Some((c, d))) => Interval::new(a.min(c), b.max(d)),
            (Some(_), None) => *self,
            (None, _) => *other,
        }
    }
}

impl Bounded for Interval {
    fn top() -> Interval {
        Interval::top_value()
    }

    fn bottom() -> Interval {
        Interval(None)
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("⊥"),
            Some((lo, hi)) => write!(f, "[{lo}, {hi}]"),
        }
    }
}

/// Which signs a value may have: a subset of {negative, zero, positive}.
///
/// The powerset lattice: meet is intersection, join is union, ⊥ the empty
/// set.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignSet(u8);

impl SignSet {
    /// May be negative.
    pub const NEG: SignSet = SignSet(0b001);
    /// May be zero.
    pub const ZERO: SignSet = SignSet(0b010);
    /// May be positive.
    pub const POS: SignSet = SignSet(0b100);
    /// Any sign (⊤).
    pub const ANY: SignSet = SignSet(0b111);
    /// No value at all (⊥).
    pub const NONE: SignSet = SignSet(0);

    /// From the three-bit representation (higher bits ignored).
    pub fn from_bits(bits: u8) -> SignSet {
        SignSet(bits & 0b111)
    }

    /// The three-bit representation (negative, zero, positive from bit 0).
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Both sets' signs.
    pub fn union(self, other: SignSet) -> SignSet {
        SignSet(self.0 | other.0)
    }

    /// The signs of the values in `interval`.
    pub fn of_interval(interval: Interval) -> SignSet {
        let Some((lo, hi)) = interval.bounds() else {
            return SignSet::NONE;
        };
        let mut bits = 0;
        if lo < 0 {
            bits |= SignSet::NEG.0;
        }
        if lo <= 0 && 0 <= hi {
            bits |= SignSet::ZERO.0;
        }
        if hi > 0 {
            bits |= SignSet::POS.0;
        }
        SignSet(bits)
    }

    /// The smallest interval holding every value of these signs.
    pub fn hull(self) -> Interval {
        let lo = if self.0 & SignSet::NEG.0 != 0 {
            i64::MIN
        } else if self.0 & SignSet::ZERO.0 != 0 {
            0
        } else {
            1
        };
        let hi = if self.0 & SignSet::POS.0 != 0 {
            i64::MAX
        } else if self.0 & SignSet::ZERO.0 != 0 {
            0
        } else {
            -1
        };
        if self.0 == 0 {
            Interval::bottom()
        } else {
            Interval::new(lo, hi)
        }
    }
}

impl MeetSemilattice for SignSet {
    fn meet(&self, other: &SignSet) -> SignSet {
        SignSet(self.0 & other.0)
    }

    fn is_top(&self) -> bool {
        *self == SignSet::ANY
    }

    fn is_bottom(&self) -> bool {
        self.0 == 0
    }
}

impl JoinSemilattice for SignSet {
    fn join(&self, other: &SignSet) -> SignSet {
        self.union(*other)
    }
}

impl Bounded for SignSet {
    fn top() -> SignSet {
        SignSet::ANY
    }

    fn bottom() -> SignSet {
        SignSet::NONE
    }
}

impl fmt::Debug for SignSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (SignSet::NEG, "-"),
            (SignSet::ZERO, "0"),
            (SignSet::POS, "+"),
        ];
        f.write_str("{")?;
        for (sign, name) in names {
            if self.0 & sign.0 != 0 {
                f.write_str(name)?;
            }
        }
        f.write_str("}")
    }
}

/// The flat parity lattice: ⊤ above `Even` and `Odd`, ⊥ below.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Parity {
    /// Unknown parity.
    Top,
    /// Divisible by two.
    Even,
    /// Not divisible by two.
    Odd,
    /// No value.
    Bottom,
}

impl Parity {
    /// The parity of the values in `interval` (exact for single values).
    pub fn of_interval(interval: Interval) -> Parity {
        match interval.bounds() {
            None => Parity::Bottom,
            Some((lo, hi)) if lo == hi => {
                if lo.rem_euclid(2) == 0 {
                    Parity::Even
                } else {
                    Parity::Odd
                }
            }
            Some(_) => Parity::Top,
        }
    }
}

impl MeetSemilattice for Parity {
    fn meet(&self, other: &Parity) -> Parity {
        use Parity::*;
        match (*self, *other) {
            (Top, x) | (x, Top) => x,
            (a, b) if a == b => a,
            _ => Bottom,
        }
    }

    fn is_top(&self) -> bool {
        *self == Parity::Top
    }

    fn is_bottom(&self) -> bool {
        *self == Parity::Bottom
    }
}

impl JoinSemilattice for Parity {
    fn join(&self, other: &Parity) -> Parity {
        use Parity::*;
        match (*self, *other) {
            (Bottom, x) | (x, Bottom) => x,
            (a, b) if a == b => a,
            _ => Top,
        }
    }
}

impl Bounded for Parity {
    fn top() -> Parity {
        Parity::Top
    }

    fn bottom() -> Parity {
        Parity::Bottom
    }
}

/// proptest strategies for the reference lattices (feature `laws`).
#[cfg(feature = "laws")]
pub mod strategies {
    use proptest::prelude::*;

    use super::{Interval, Parity, SignSet};

    /// Intervals over a small range (so that overlaps and ⊥ are common),
    /// plus ⊤ and ⊥ themselves.
    pub fn interval() -> impl Strategy<Value = Interval> + Clone {
        prop_oneof![
            8 => (-30i64..30, -30i64..30).prop_map(|(a, b)| Interval::new(a, b)),
            1 => Just(Interval::top_value()),
            1 => (-30i64..30).prop_map(|a| Interval::new(a, i64::MAX)),
            1 => (-30i64..30).prop_map(|b| Interval::new(i64::MIN, b)),
        ]
    }

    /// Every sign set.
    pub fn sign_set() -> impl Strategy<Value = SignSet> + Clone {
        (0u8..8).prop_map(SignSet::from_bits)
    }

    /// Every parity.
    pub fn parity() -> impl Strategy<Value = Parity> + Clone {
        prop_oneof![
            Just(Parity::Top),
            Just(Parity::Even),
            Just(Parity::Odd),
            Just(Parity::Bottom),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_meet_and_join() {
        let a = Interval::new(0, 10);
        let b = Interval::new(5, 20);
        assert_eq!(a.meet(&b), Interval::new(5, 10));
        assert_eq!(a.join(&b), Interval::new(0, 20));
        assert!(Interval::new(3, 1).is_bottom());
        assert_eq!(Interval::new(3, 1), Interval::new(9, 2), "one ⊥");
        assert!(Interval::exactly(4).leq(&a));
    }

    #[test]
    fn sign_and_parity_abstractions() {
        assert_eq!(
            SignSet::of_interval(Interval::new(-3, 0)),
            SignSet::from_bits(0b011)
        );
        assert_eq!(SignSet::POS.hull(), Interval::new(1, i64::MAX));
        assert_eq!(SignSet::NONE.hull(), Interval::bottom());
        assert_eq!(Parity::of_interval(Interval::exactly(-3)), Parity::Odd);
        assert_eq!(Parity::Even.meet(&Parity::Odd), Parity::Bottom);
        assert_eq!(Parity::Even.join(&Parity::Odd), Parity::Top);
        assert_eq!(format!("{:?}", SignSet::from_bits(0b101)), "{-+}");
    }
}
