//! [`SemanticsConstraint`]: the semantics lattice element — a contract,
//! the code read so far, what the control-flow domain knows of that code,
//! and why it is ⊥ if it is. Apart from the domain: this is the value a
//! session holds, meets and checkpoints; the domain reads tokens into it.

use std::fmt;
use std::sync::Arc;

use ananke_core::control::ControlFacts;
use ananke_core::{Bounded, MeetSemilattice};

use crate::contract::Contract;
use crate::reader::Reader;
use crate::violation::Violation;

/// The semantics constraint: a contract, the code read so far, and why it
/// is ⊥ if it is (all ⊥s are equal).
#[derive(Clone)]
pub struct SemanticsConstraint {
    contract: Arc<Contract>,
    reader: Option<Arc<Reader>>,
    conflict: Option<Arc<str>>,
    /// What the control-flow domain knows of the code (through the
    /// control flow → semantics morphism): statements no path reaches are
    /// not judged, and a branch whose body always leaves guards the code
    /// after it.
    control: ControlFacts,
}

impl SemanticsConstraint {
    /// The constraint of `contract` before any code; ⊥ when its formulas
    /// cannot all hold.
    pub fn new(contract: Contract) -> SemanticsConstraint {
        match contract.consistent() {
            Ok(()) => SemanticsConstraint {
                contract: Arc::new(contract),
                reader: None,
                conflict: None,
                control: ControlFacts::default(),
            },
            Err(why) => SemanticsConstraint::contradiction(why),
        }
    }

    /// The constraint that allows everything. Its empty contract is one
    /// shared value: the control flow → semantics morphism makes a ⊤ with
    /// facts after every token.
    pub fn top() -> SemanticsConstraint {
        static EMPTY: std::sync::OnceLock<Arc<Contract>> = std::sync::OnceLock::new();
        SemanticsConstraint {
            contract: EMPTY.get_or_init(|| Arc::new(Contract::default())).clone(),
            reader: None,
            conflict: None,
            control: ControlFacts::default(),
        }
    }

    /// ⊥ with a reason.
    pub fn contradiction(reason: impl Into<String>) -> SemanticsConstraint {
        SemanticsConstraint {
            contract: Arc::new(Contract::default()),
            reader: None,
            conflict: Some(reason.into().into()),
            control: ControlFacts::default(),
        }
    }

    /// The constraint that only knows `control` about the code (the
    /// image of the control flow → semantics morphism).
    pub fn knowing(control: ControlFacts) -> SemanticsConstraint {
        SemanticsConstraint {
            control,
            ..SemanticsConstraint::top()
        }
    }

    /// What this constraint knows of the code's control flow.
    pub fn control_facts(&self) -> &ControlFacts {
        &self.control
    }

    /// The contract.
    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    /// The contract as shared by every state that follows it (one
    /// allocation per spec: a morphism may key a cache by it).
    pub fn shared_contract(&self) -> &Arc<Contract> {
        &self.contract
    }

    /// Why this is ⊥, if it is.
    pub fn conflict(&self) -> Option<&str> {
        self.conflict.as_deref()
    }

    /// The reader of the code read so far (a fresh one before any).
    pub(crate) fn reader(&self) -> Reader {
        self.reader.as_deref().cloned().unwrap_or_default()
    }

    /// What reading `bytes` (then the end of the output, with `end`) does
    /// to this constraint: `Err` is the violation.
    pub(crate) fn read(&self, bytes: &[u8], end: bool) -> Result<Reader, Violation> {
        let mut reader = self.reader();
        reader.feed(bytes, &self.contract, &self.control)?;
        if end {
            reader.finish(&self.contract, &self.control)?;
        }
        Ok(reader)
    }

    /// This constraint with the code read by `reader`.
    pub(crate) fn with_reader(&self, reader: Reader) -> SemanticsConstraint {
        SemanticsConstraint {
            contract: self.contract.clone(),
            reader: Some(Arc::new(reader)),
            conflict: None,
            control: self.control.clone(),
        }
    }
}

impl PartialEq for SemanticsConstraint {
    fn eq(&self, other: &SemanticsConstraint) -> bool {
        match (&self.conflict, &other.conflict) {
            (Some(_), Some(_)) => true,
            (None, None) => {
                (Arc::ptr_eq(&self.contract, &other.contract) || self.contract == other.contract)
                    && ananke_core::reading::same(&self.reader, &other.reader)
                    && self.control == other.control
            }
            _ => false,
        }
    }
}

impl fmt::Debug for SemanticsConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.conflict {
            Some(c) => write!(f, "⊥ ({c})"),
            None => write!(
                f,
                "SemanticsConstraint({:?}, read: {})",
                self.contract,
                self.reader.is_some()
            ),
        }
    }
}

impl MeetSemilattice for SemanticsConstraint {
    fn meet(&self, other: &SemanticsConstraint) -> SemanticsConstraint {
        if self.is_bottom() {
            return self.clone();
        }
        if other.is_bottom() {
            return other.clone();
        }
        let Ok(reader) = ananke_core::reading::meet(&self.reader, &other.reader) else {
            return SemanticsConstraint::contradiction("the constraints follow different texts");
        };
        let control = self.control.meet(&other.control);
        if other.contract.is_empty() && other.contract.signature().iter().next().is_none() {
            return SemanticsConstraint {
                reader,
                control,
                ..self.clone()
            };
        }
        match self.contract.meet(&other.contract) {
            Ok(contract) => SemanticsConstraint {
                reader,
                control,
                ..SemanticsConstraint::new(contract)
            },
            Err(why) => SemanticsConstraint::contradiction(why),
        }
    }

    fn is_top(&self) -> bool {
        self.conflict.is_none()
            && self.reader.is_none()
            && *self.contract == Contract::default()
            && self.control.is_top()
    }

    fn is_bottom(&self) -> bool {
        self.conflict.is_some()
    }
}

impl Bounded for SemanticsConstraint {
    fn top() -> SemanticsConstraint {
        SemanticsConstraint::top()
    }

    fn bottom() -> SemanticsConstraint {
        SemanticsConstraint::contradiction("contradictory semantic constraints")
    }
}
