//! [`ControlFacts`]: what a control-flow reading of the output knows about
//! its statements, in a form another domain can use without depending on
//! the control-flow domain.
//!
//! Statements are named by the byte offset of their first code byte in
//! the output: every domain that reads the output counts the same bytes,
//! whatever it takes a line break to be, so a fact can only ever attach to
//! the statement it was made about. A domain that does not find a
//! statement there (it split the text differently) simply has no fact.
//!
//! Facts only accumulate while a text is read (a statement once
//! unreachable stays so; a body known to leave stays so), so the meet is
//! the union and ⊤ is knowing nothing.

use std::sync::{Arc, LazyLock};

use im::OrdSet;

use crate::MeetSemilattice;

/// Persistent sets: a mask tries tokens on copies of the reader that holds
/// the facts, and a token that ends a statement adds one; with sorted
/// vectors each such try copied every fact of the text so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Sets {
    unreachable: OrdSet<u32>,
    leaving: OrdSet<u32>,
}

/// Facts about the statements of the output (see the module docs). The
/// default knows nothing (⊤); there is no ⊥, since facts alone never
/// contradict (the constraint that holds them has its own).
///
/// ```
/// use ananke_core::{MeetSemilattice, control::ControlFacts};
///
/// let mut a = ControlFacts::default();
/// a.add_unreachable(40);
/// let mut b = ControlFacts::default();
/// b.add_leaving(12);
/// let both = a.meet(&b);
/// assert!(both.is_unreachable(40) && both.leaves(12));
/// assert!(!both.is_unreachable(12));
/// ```
#[derive(Clone, Debug, Default)]
pub struct ControlFacts(Option<Arc<Sets>>);

/// What knowing nothing holds (so ⊤ allocates nothing).
static NOTHING: LazyLock<Sets> = LazyLock::new(Sets::default);

impl ControlFacts {
    fn sets(&self) -> &Sets {
        self.0.as_deref().unwrap_or(&NOTHING)
    }

    fn sets_mut(&mut self) -> &mut Sets {
        Arc::make_mut(self.0.get_or_insert_with(Default::default))
    }

    /// The statement starting at `offset` is reached by no path.
    pub fn add_unreachable(&mut self, offset: u32) {
        if !self.is_unreachable(offset) {
            self.sets_mut().unreachable.insert(offset);
        }
    }

    /// The body of the compound statement starting at `offset` never runs
    /// off its end: control leaves it by `return`, `raise`, `break`,
    /// `continue`, a call that does not return, or a loop that never
    /// ends.
    pub fn add_leaving(&mut self, offset: u32) {
        if !self.leaves(offset) {
            self.sets_mut().leaving.insert(offset);
        }
    }

    /// Whether the statement starting at `offset` is known unreachable.
    pub fn is_unreachable(&self, offset: u32) -> bool {
        self.sets().unreachable.contains(&offset)
    }

    /// Whether the body of the statement starting at `offset` is known
    /// never to run off its end.
    pub fn leaves(&self, offset: u32) -> bool {
        self.sets().leaving.contains(&offset)
    }

    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.sets().unreachable.is_empty() && self.sets().leaving.is_empty()
    }

    /// Whether `self` knows everything `other` knows.
    fn covers(&self, other: &ControlFacts) -> bool {
        let (mine, theirs) = (self.sets(), other.sets());
        std::ptr::eq(mine, theirs)
            || (theirs.unreachable.is_subset(&mine.unreachable)
                && theirs.leaving.is_subset(&mine.leaving))
    }
}

impl PartialEq for ControlFacts {
    fn eq(&self, other: &ControlFacts) -> bool {
        std::ptr::eq(self.sets(), other.sets()) || self.sets() == other.sets()
    }
}

impl Eq for ControlFacts {}

impl std::hash::Hash for ControlFacts {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.sets().hash(state);
    }
}

impl MeetSemilattice for ControlFacts {
    /// Both sets of facts. Along one text one side usually knows all the
    /// other does, and that side is returned as it is (no allocation).
    fn meet(&self, other: &ControlFacts) -> ControlFacts {
        if self.covers(other) {
            return self.clone();
        }
        if other.covers(self) {
            return other.clone();
        }
        let (mine, theirs) = (self.sets(), other.sets());
        ControlFacts(Some(Arc::new(Sets {
            unreachable: mine.unreachable.clone().union(theirs.unreachable.clone()),
            leaving: mine.leaving.clone().union(theirs.leaving.clone()),
        })))
    }

    fn is_top(&self) -> bool {
        self.is_empty()
    }

    /// Facts alone never contradict: the domain that holds them has the ⊥.
    fn is_bottom(&self) -> bool {
        false
    }
}
