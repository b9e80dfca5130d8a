//! [`ImportsConstraint`]: the imports domain's constraint — a policy
//! ([`ImportPolicy`]) and what the text written so far has imported.

use std::fmt;
use std::hash::Hasher;
use std::sync::Arc;

use ananke_core::{Bounded, JoinSemilattice, MeetSemilattice};
use im::OrdSet;

use crate::scan::{Event, Scanner, Via};
use crate::{ImportPolicy, ModuleName};

/// What the text read so far has imported and bound, and where its
/// scanner stands.
#[derive(Clone, Default)]
pub(crate) struct Progress {
    pub(crate) scanner: Scanner,
    /// Bytes read, and a hash of them: two progresses are equal when they
    /// read the same text.
    length: usize,
    hash: u64,
    /// Modules the text imports (complete names only).
    imported: OrdSet<ModuleName>,
    /// Names the text binds (aliases, assignment targets, parameters...).
    bound: OrdSet<Arc<str>>,
}

impl PartialEq for Progress {
    fn eq(&self, other: &Progress) -> bool {
        self.length == other.length
            && self.hash == other.hash
            && self.imported == other.imported
            && self.bound == other.bound
    }
}

/// Why committing to `name` (reached `via`) breaks the policy entry
/// `forbidden`.
fn describe(via: Via, name: &str, forbidden: &ModuleName) -> String {
    let what = match via {
        Via::Import | Via::From => format!("this imports `{name}`"),
        Via::FromName => format!("`from ... import` here loads `{name}`"),
        Via::Dynamic => format!("this dynamically imports `{name}`"),
        Via::Use => format!("`{name}.` uses module `{name}`, which is not bound here"),
    };
    format!("{what}, and the policy forbids `{forbidden}` (`!{forbidden}`)")
}

/// The imports domain's constraint: the policy the code must follow and
/// the imports the code has made.
///
/// Meet combines the policies and keeps the text, if either has one (two
/// different texts contradict). It is ⊥ when the policy is, when the text
/// already imports something the policy forbids, or when a token was
/// rejected ([`violation`](ImportsConstraint::violation) says why).
#[derive(Clone)]
pub struct ImportsConstraint {
    pub(crate) policy: ImportPolicy,
    pub(crate) progress: Option<Arc<Progress>>,
    violation: Option<Arc<str>>,
}

impl From<ImportPolicy> for ImportsConstraint {
    fn from(policy: ImportPolicy) -> ImportsConstraint {
        ImportsConstraint {
            policy,
            progress: None,
            violation: None,
        }
    }
}

impl ImportsConstraint {
    /// No policy, no text.
    pub fn top() -> ImportsConstraint {
        ImportPolicy::top().into()
    }

    /// The contradiction, with a reason.
    pub fn contradiction(reason: impl Into<String>) -> ImportsConstraint {
        ImportsConstraint {
            policy: ImportPolicy::top(),
            progress: None,
            violation: Some(reason.into().into()),
        }
    }

    /// The policy.
    pub fn policy(&self) -> &ImportPolicy {
        &self.policy
    }

    /// The modules the text has imported so far.
    pub fn imported(&self) -> impl Iterator<Item = &ModuleName> {
        self.progress.iter().flat_map(|p| p.imported.iter())
    }

    /// A required module the text has not imported yet (the first, in
    /// name order). Importing a submodule (`import os.path`) imports its
    /// ancestors too.
    pub fn missing_required(&self) -> Option<&ModuleName> {
        let empty = OrdSet::new();
        let imported = self.progress.as_ref().map_or(&empty, |p| &p.imported);
        self.policy.required().find(|&r| {
            !imported
                .range(r.clone()..)
                .next()
                .is_some_and(|m| m.is_within(r))
        })
    }

    /// Why this is ⊥ (`None` unless it is).
    pub fn violation(&self) -> Option<String> {
        if let Some(v) = &self.violation {
            return Some(v.to_string());
        }
        self.policy.conflict().map(ToString::to_string)
    }

    /// This state after reading `bytes` (which
    /// [`violation_of`](Self::violation_of) accepted).
    pub(crate) fn read(&self, bytes: &[u8]) -> ImportsConstraint {
        let mut progress = self.progress.as_deref().cloned().unwrap_or_default();
        let mut scanner = progress.scanner;
        let _ = scanner.feed::<()>(bytes, &mut |event| {
            match event {
                Event::Module {
                    name,
                    via,
                    complete: true,
                } if via != Via::Use => {
                    if let Ok(module) = ModuleName::parse(name) {
                        progress.imported.insert(module);
                    }
                }
                Event::Bind(name) => {
                    if !progress.bound.contains(name) {
                        progress.bound.insert(name.into());
                    }
                }
                Event::Module { .. } => {}
            }
            Ok(())
        });
        progress.scanner = scanner;
        progress.length += bytes.len();
        let mut hasher = std::hash::DefaultHasher::new();
        hasher.write_u64(progress.hash);
        hasher.write(bytes);
        progress.hash = hasher.finish();
        ImportsConstraint {
            policy: self.policy.clone(),
            progress: Some(Arc::new(progress)),
            violation: None,
        }
    }

    /// Whether reading `bytes` from here commits to a forbidden module.
    /// Allocates nothing (the mask calls it per candidate).
    pub(crate) fn commits_forbidden(&self, bytes: &[u8]) -> bool {
        self.first_violation(bytes, |_, _, _| ()).is_some()
    }

    /// Why reading `bytes` from here breaks the policy, if it does.
    pub(crate) fn violation_of(&self, bytes: &[u8]) -> Option<String> {
        self.first_violation(bytes, describe)
    }

    /// The first report in `bytes` that falls under a forbidden module,
    /// as `found` makes it.
    fn first_violation<R>(
        &self,
        bytes: &[u8],
        found: impl Fn(Via, &str, &ModuleName) -> R,
    ) -> Option<R> {
        // Nothing forbidden, nothing to find.
        self.policy.forbidden().next()?;
        let progress = self.progress.as_deref();
        let mut scanner = progress.map(|p| p.scanner).unwrap_or_default();
        scanner
            .feed(bytes, &mut |event| {
                let Event::Module { name, via, .. } = event else {
                    return Ok(());
                };
                if via == Via::Use && progress.is_some_and(|p| p.bound.contains(name)) {
                    return Ok(());
                }
                match self.policy.forbidding_name(name) {
                    // A use is judged on its top-level name only (`os.`
                    // when `os` is forbidden; not when only `os.path` is).
                    Some(forbidden) if via != Via::Use || forbidden.as_str() == name => {
                        Err(found(via, name, forbidden))
                    }
                    _ => Ok(()),
                }
            })
            .err()
    }

    /// The scanner at the end of the text.
    pub(crate) fn scanner(&self) -> Scanner {
        self.progress
            .as_deref()
            .map(|p| p.scanner)
            .unwrap_or_default()
    }

    fn with_policy(&self, policy: ImportPolicy) -> ImportsConstraint {
        ImportsConstraint {
            policy,
            progress: self.progress.clone(),
            violation: self.violation.clone(),
        }
        .settle()
    }

    /// Turns `self` into ⊥ if the text has imported a module the policy
    /// forbids (a policy refined after the import was written).
    fn settle(self) -> ImportsConstraint {
        if self.is_bottom() {
            return self;
        }
        let clash = self.imported().find_map(|m| {
            self.policy
                .forbidding(m)
                .map(|f| format!("the code already imports `{m}`, and the policy forbids `{f}`"))
        });
        match clash {
            Some(reason) => ImportsConstraint::contradiction(reason),
            None => self,
        }
    }
}

impl PartialEq for ImportsConstraint {
    fn eq(&self, other: &ImportsConstraint) -> bool {
        match (self.is_bottom(), other.is_bottom()) {
            (true, true) => true,
            (false, false) => {
                self.policy == other.policy
                    && match (&self.progress, &other.progress) {
                        (None, None) => true,
                        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
                        _ => false,
                    }
            }
            _ => false,
        }
    }
}

impl Eq for ImportsConstraint {}

impl MeetSemilattice for ImportsConstraint {
    fn meet(&self, other: &ImportsConstraint) -> ImportsConstraint {
        if self.is_bottom() {
            return self.clone();
        }
        if other.is_bottom() {
            return other.clone();
        }
        let progress = match (&self.progress, &other.progress) {
            (None, p) | (p, None) => p.clone(),
            (Some(a), Some(b)) if Arc::ptr_eq(a, b) || a == b => Some(a.clone()),
            _ => return ImportsConstraint::contradiction("the constraints follow different texts"),
        };
        ImportsConstraint {
            policy: self.policy.meet(&other.policy),
            progress,
            violation: None,
        }
        .settle()
    }

    fn is_top(&self) -> bool {
        self.policy.is_top() && self.progress.is_none() && self.violation.is_none()
    }

    fn is_bottom(&self) -> bool {
        self.violation.is_some() || self.policy.is_bottom()
    }
}

impl JoinSemilattice for ImportsConstraint {
    /// What both sides share: the join of the policies, and the text if
    /// both read the same one (⊥ is the unit).
    fn join(&self, other: &ImportsConstraint) -> ImportsConstraint {
        if self.is_bottom() {
            return other.clone();
        }
        if other.is_bottom() {
            return self.clone();
        }
        let progress = match (&self.progress, &other.progress) {
            (Some(a), Some(b)) if Arc::ptr_eq(a, b) || a == b => Some(a.clone()),
            _ => None,
        };
        ImportsConstraint {
            policy: self.policy.join(&other.policy),
            progress,
            violation: None,
        }
    }
}

impl Bounded for ImportsConstraint {
    fn top() -> ImportsConstraint {
        ImportsConstraint::top()
    }

    fn bottom() -> ImportsConstraint {
        ImportsConstraint::contradiction("contradictory import constraints")
    }
}

impl ImportsConstraint {
    /// The same text under `policy` met with this one's.
    pub fn refined(&self, policy: &ImportPolicy) -> ImportsConstraint {
        self.with_policy(self.policy.meet(policy))
    }
}

impl fmt::Debug for ImportsConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("ImportsConstraint");
        s.field("policy", &self.policy.to_string());
        if let Some(p) = &self.progress {
            s.field("read", &p.length)
                .field("imported", &p.imported.iter().collect::<Vec<_>>());
        }
        if let Some(v) = self.violation() {
            s.field("violation", &v);
        }
        s.finish()
    }
}

impl fmt::Display for ImportsConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.violation() {
            Some(v) => write!(f, "⊥ ({v})"),
            None => write!(f, "{}", self.policy),
        }
    }
}
