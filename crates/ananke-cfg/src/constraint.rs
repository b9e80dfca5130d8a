//! [`CfgConstraint`]: the control-flow lattice element — the requirements,
//! the sketch of the code read so far, and why it is ⊥ if it is. Apart from
//! the domain: this is the value a session holds, meets and checkpoints;
//! the domain only reads tokens into it.

use std::fmt;
use std::sync::Arc;

use ananke_core::control::ControlFacts;
use ananke_core::{Bounded, MeetSemilattice};

use crate::graph;
use crate::requirements::Requirements;
use crate::sketch::{Breach, Sketch};

/// The control-flow constraint: requirements, the sketch of the code read
/// so far, and why it is ⊥ if it is (all ⊥s are equal).
#[derive(Clone)]
pub struct CfgConstraint {
    requirements: Requirements,
    sketch: Option<Arc<Sketch>>,
    violation: Option<Arc<str>>,
}

impl From<Requirements> for CfgConstraint {
    fn from(requirements: Requirements) -> CfgConstraint {
        CfgConstraint {
            requirements,
            sketch: None,
            violation: None,
        }
    }
}

impl CfgConstraint {
    /// The requirements.
    pub fn requirements(&self) -> &Requirements {
        &self.requirements
    }

    /// Why this is ⊥, if it is.
    pub fn violation(&self) -> Option<&str> {
        self.violation.as_deref()
    }

    /// The control-flow graph of every function in the code read so far
    /// (see [`crate::graph`]). With `at_end`, the output is taken to be complete;
    /// otherwise a function whose body runs to the last statement read
    /// goes on at a hole.
    pub fn graphs(&self, at_end: bool) -> Vec<graph::FunctionGraph> {
        let sketch = self.sketch();
        if at_end {
            // The statement being written ends with the output.
            let done = sketch.ended(&Requirements::NONE).unwrap_or(sketch);
            return graph::functions(&done.statements(), true);
        }
        graph::functions(&sketch.statements(), false)
    }

    /// What the code read tells other domains: unreachable statements
    /// and bodies that never run off their end, by the offset where each
    /// starts (the control flow → semantics morphism carries them).
    pub fn control_facts(&self) -> ControlFacts {
        self.sketch
            .as_deref()
            .map(|s| s.control().clone())
            .unwrap_or_default()
    }

    /// The ⊥ that `reason` explains.
    pub(crate) fn contradiction(reason: impl Into<String>) -> CfgConstraint {
        CfgConstraint {
            requirements: Requirements::NONE,
            sketch: None,
            violation: Some(reason.into().into()),
        }
    }

    /// The sketch of the code read so far (an empty one before any).
    pub(crate) fn sketch(&self) -> Sketch {
        self.sketch.as_deref().cloned().unwrap_or_default()
    }

    /// What reading `bytes` from here breaks.
    pub(crate) fn breach(&self, bytes: &[u8]) -> Option<Breach> {
        self.sketch().feed(&self.requirements, bytes).err()
    }

    /// The constraint after reading `bytes`, whose breach (if any) the
    /// caller has already judged: the reading goes on past it.
    pub(crate) fn after(&self, bytes: &[u8]) -> CfgConstraint {
        let mut sketch = self.sketch();
        let _ = sketch.feed(&self.requirements, bytes);
        CfgConstraint {
            requirements: self.requirements.clone(),
            sketch: Some(Arc::new(sketch)),
            violation: None,
        }
    }
}

impl PartialEq for CfgConstraint {
    fn eq(&self, other: &CfgConstraint) -> bool {
        match (&self.violation, &other.violation) {
            (Some(_), Some(_)) => true,
            (None, None) => {
                self.requirements == other.requirements
                    && ananke_core::reading::same(&self.sketch, &other.sketch)
            }
            _ => false,
        }
    }
}

impl fmt::Debug for CfgConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.violation {
            Some(v) => write!(f, "⊥ ({v})"),
            None => write!(
                f,
                "CfgConstraint({:?}, read: {})",
                self.requirements,
                self.sketch.is_some()
            ),
        }
    }
}

impl MeetSemilattice for CfgConstraint {
    fn meet(&self, other: &CfgConstraint) -> CfgConstraint {
        if self.is_bottom() {
            return self.clone();
        }
        if other.is_bottom() {
            return other.clone();
        }
        let Ok(sketch) = ananke_core::reading::meet(&self.sketch, &other.sketch) else {
            return CfgConstraint::contradiction("the constraints follow different texts");
        };
        CfgConstraint {
            requirements: self.requirements.meet(&other.requirements),
            sketch,
            violation: None,
        }
    }

    fn is_top(&self) -> bool {
        self.violation.is_none() && self.sketch.is_none() && self.requirements == Requirements::NONE
    }

    fn is_bottom(&self) -> bool {
        self.violation.is_some()
    }
}

impl Bounded for CfgConstraint {
    fn top() -> CfgConstraint {
        Requirements::NONE.into()
    }

    fn bottom() -> CfgConstraint {
        CfgConstraint::contradiction("contradictory control-flow constraints")
    }
}
