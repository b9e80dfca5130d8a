//! [`ImportPolicy`]: which modules must and must not be imported, and
//! which versions of which packages the code may assume.

use std::fmt;
use std::ops::Bound;
use std::sync::Arc;

use ananke_core::{Bounded, JoinSemilattice, MeetSemilattice};
use im::{OrdMap, OrdSet};

use crate::{ModuleName, PackageName, ParseError, VersionSet};

/// Why an [`ImportPolicy`] is ⊥.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// ⊥ was asked for directly.
    Contradiction,
    /// A required module lies within a forbidden one.
    RequiredForbidden {
        /// The required module.
        module: ModuleName,
        /// The forbidden module it lies within (itself or an ancestor).
        forbidden: ModuleName,
    },
    /// Two version constraints on one package have no version in common.
    NoVersionLeft {
        /// The package.
        package: PackageName,
        /// One side's versions.
        left: VersionSet,
        /// The other side's versions.
        right: VersionSet,
    },
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conflict::Contradiction => f.write_str("contradictory import constraints"),
            Conflict::RequiredForbidden { module, forbidden } if module == forbidden => {
                write!(f, "module `{module}` is both required and forbidden")
            }
            Conflict::RequiredForbidden { module, forbidden } => {
                write!(
                    f,
                    "module `{module}` is required but `{forbidden}` (and everything in it) is forbidden"
                )
            }
            Conflict::NoVersionLeft {
                package,
                left,
                right,
            } => write!(
                f,
                "no version of `{package}` satisfies both `{left}` and `{right}`"
            ),
        }
    }
}

/// Required modules, forbidden modules (each with all its submodules) and
/// per-package version sets.
///
/// The order: more requirements, more prohibitions and narrower version
/// sets are stricter. ⊤ requires and forbids nothing. ⊥ is any constraint
/// that requires something it forbids or leaves a package no version; all
/// such constraints are equal, and [`conflict`](ImportPolicy::conflict)
/// says which contradiction made this one ⊥.
#[derive(Clone)]
pub struct ImportPolicy {
    required: OrdSet<ModuleName>,
    /// No entry lies within another (`os` subsumes `os.path`).
    forbidden: OrdSet<ModuleName>,
    /// No entry is "any version".
    versions: OrdMap<PackageName, VersionSet>,
    conflict: Option<Arc<Conflict>>,
}

impl ImportPolicy {
    /// Requires and forbids nothing.
    pub fn top() -> ImportPolicy {
        ImportPolicy {
            required: OrdSet::new(),
            forbidden: OrdSet::new(),
            versions: OrdMap::new(),
            conflict: None,
        }
    }

    /// The contradiction.
    pub fn bottom() -> ImportPolicy {
        ImportPolicy::contradiction(Conflict::Contradiction)
    }

    fn contradiction(conflict: Conflict) -> ImportPolicy {
        ImportPolicy {
            conflict: Some(Arc::new(conflict)),
            ..ImportPolicy::top()
        }
    }

    /// The code must import `module`.
    pub fn require(module: ModuleName) -> ImportPolicy {
        let mut c = ImportPolicy::top();
        c.required.insert(module);
        c
    }

    /// The code must not import `module` or any of its submodules.
    pub fn forbid(module: ModuleName) -> ImportPolicy {
        let mut c = ImportPolicy::top();
        c.forbidden.insert(module);
        c
    }

    /// The code may assume only `versions` of `package`.
    pub fn versions(package: PackageName, versions: VersionSet) -> ImportPolicy {
        if versions.is_empty() {
            return ImportPolicy::contradiction(Conflict::NoVersionLeft {
                package,
                left: versions,
                right: VersionSet::any(),
            });
        }
        let mut c = ImportPolicy::top();
        if !versions.is_any() {
            c.versions.insert(package, versions);
        }
        c
    }

    /// Parses a spec: items separated by `;` or newlines, each one of
    ///
    /// - `module.path` — the module must be imported;
    /// - `!module.path` — the module and its submodules must not be;
    /// - `package SPECIFIERS` — only these versions of the package
    ///   (`pandas>=1.0,<3`, `numpy ~=1.26`, `attrs <21 || >=23`; see
    ///   [`VersionSet::parse`]).
    ///
    /// The items are met together, so a contradictory spec parses to ⊥
    /// (with its [`conflict`](ImportPolicy::conflict)). Malformed items
    /// are errors that give the byte offset in `text`.
    pub fn parse(text: &str) -> Result<ImportPolicy, ParseError> {
        let mut constraint = ImportPolicy::top();
        let mut start = 0;
        for item in text.split([';', '\n']) {
            let item_constraint = parse_item(item, start).map_err(|err| err.within(text))?;
            constraint = constraint.meet(&item_constraint);
            start += item.len() + 1;
        }
        Ok(constraint)
    }

    /// The required modules, in order.
    pub fn required(&self) -> impl Iterator<Item = &ModuleName> {
        self.required.iter()
    }

    /// The forbidden modules, in order (none within another).
    pub fn forbidden(&self) -> impl Iterator<Item = &ModuleName> {
        self.forbidden.iter()
    }

    /// The constrained packages and their version sets.
    pub fn version_constraints(&self) -> impl Iterator<Item = (&PackageName, &VersionSet)> {
        self.versions.iter()
    }

    /// The versions of `package` the code may assume.
    pub fn versions_of(&self, package: &PackageName) -> VersionSet {
        self.versions
            .get(package)
            .cloned()
            .unwrap_or_else(VersionSet::any)
    }

    /// The forbidden module that `module` lies within, if any.
    pub fn forbidding(&self, module: &ModuleName) -> Option<&ModuleName> {
        self.forbidding_name(module.as_str())
    }

    /// The forbidden module that the dotted name `text` lies within, if
    /// any (no validation, no allocation: the mask's check).
    pub fn forbidding_name(&self, text: &str) -> Option<&ModuleName> {
        if self.forbidden.is_empty() {
            return None;
        }
        // Forbidden entries are ancestors of `module`: its dotted prefixes.
        let prefixes = text
            .match_indices('.')
            .map(|(at, _)| &text[..at])
            .chain(std::iter::once(text));
        prefixes.into_iter().find_map(|prefix| {
            let exactly = (Bound::Included(prefix), Bound::Included(prefix));
            self.forbidden.range::<_, str>(exactly).next()
        })
    }

    /// Whether importing `module` is forbidden.
    pub fn is_forbidden(&self, module: &ModuleName) -> bool {
        self.forbidding(module).is_some()
    }

    /// Why this constraint is ⊥ (`None` unless it is).
    pub fn conflict(&self) -> Option<&Conflict> {
        self.conflict.as_deref()
    }

    fn add_forbidden(&mut self, module: &ModuleName) {
        if self.is_forbidden(module) {
            return;
        }
        let subsumed: Vec<ModuleName> = self
            .forbidden
            .range(module.clone()..)
            .take_while(|m| m.as_str().starts_with(module.as_str()))
            .filter(|m| m.is_within(module))
            .cloned()
            .collect();
        for m in subsumed {
            self.forbidden.remove(&m);
        }
        self.forbidden.insert(module.clone());
    }

    /// Turns `self` into ⊥ if a required module is forbidden.
    fn settle(mut self) -> ImportPolicy {
        let clash = self
            .required
            .iter()
            .find_map(|r| self.forbidding(r).map(|f| (r.clone(), f.clone())));
        if let Some((module, forbidden)) = clash {
            self = ImportPolicy::contradiction(Conflict::RequiredForbidden { module, forbidden });
        }
        self
    }
}

fn parse_item(item: &str, offset: usize) -> Result<ImportPolicy, ParseError> {
    let trimmed = item.trim_start();
    let at = offset + (item.len() - trimmed.len());
    let trimmed = trimmed.trim_end();
    if trimmed.is_empty() {
        return Ok(ImportPolicy::top());
    }
    if let Some(rest) = trimmed.strip_prefix('!') {
        let name = rest.trim_start();
        let name_at = at + 1 + (rest.len() - name.len());
        return Ok(ImportPolicy::forbid(ModuleName::parse_at(name, name_at)?));
    }
    let name_end = trimmed
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '=' | '!' | '~'))
        .unwrap_or(trimmed.len());
    let (name, rest) = trimmed.split_at(name_end);
    let specifiers = rest.trim_start();
    if specifiers.is_empty() {
        return Ok(ImportPolicy::require(ModuleName::parse_at(name, at)?));
    }
    let package = PackageName::parse_at(name, at)?;
    let spec_at = at + name_end + (rest.len() - specifiers.len());
    Ok(ImportPolicy::versions(
        package,
        VersionSet::parse_at(specifiers, spec_at)?,
    ))
}

impl PartialEq for ImportPolicy {
    /// Semantic equality: all ⊥ constraints are equal, whatever their
    /// conflict.
    fn eq(&self, other: &ImportPolicy) -> bool {
        match (self.is_bottom(), other.is_bottom()) {
            (true, true) => true,
            (false, false) => {
                self.required == other.required
                    && self.forbidden == other.forbidden
                    && self.versions == other.versions
            }
            _ => false,
        }
    }
}

impl Eq for ImportPolicy {}

impl MeetSemilattice for ImportPolicy {
    fn meet(&self, other: &ImportPolicy) -> ImportPolicy {
        if self.is_bottom() || other.is_top() {
            return self.clone();
        }
        if other.is_bottom() || self.is_top() {
            return other.clone();
        }
        let mut out = self.clone();
        for module in &other.forbidden {
            out.add_forbidden(module);
        }
        out.required = out.required.union(other.required.clone());
        for (package, theirs) in &other.versions {
            let merged = match out.versions.get(package) {
                Some(ours) => {
                    let both = ours.intersection(theirs);
                    if both.is_empty() {
                        return ImportPolicy::contradiction(Conflict::NoVersionLeft {
                            package: package.clone(),
                            left: ours.clone(),
                            right: theirs.clone(),
                        });
                    }
                    both
                }
                None => theirs.clone(),
            };
            out.versions.insert(package.clone(), merged);
        }
        out.settle()
    }

    fn is_top(&self) -> bool {
        self.conflict.is_none()
            && self.required.is_empty()
            && self.forbidden.is_empty()
            && self.versions.is_empty()
    }

    fn is_bottom(&self) -> bool {
        self.conflict.is_some()
    }
}

impl JoinSemilattice for ImportPolicy {
    /// What either side allows: modules required by both, modules forbidden
    /// by both (a submodule counts when the other side forbids its
    /// ancestor), and the union of version sets on packages both constrain.
    fn join(&self, other: &ImportPolicy) -> ImportPolicy {
        if self.is_bottom() {
            return other.clone();
        }
        if other.is_bottom() {
            return self.clone();
        }
        let mut out = ImportPolicy::top();
        out.required = self.required.clone().intersection(other.required.clone());
        for (a, b) in [(self, other), (other, self)] {
            for module in &a.forbidden {
                if b.is_forbidden(module) {
                    out.add_forbidden(module);
                }
            }
        }
        for (package, ours) in &self.versions {
            if let Some(theirs) = other.versions.get(package) {
                let either = ours.union(theirs);
                if !either.is_any() {
                    out.versions.insert(package.clone(), either);
                }
            }
        }
        out
    }
}

impl Bounded for ImportPolicy {
    fn top() -> ImportPolicy {
        ImportPolicy::top()
    }

    fn bottom() -> ImportPolicy {
        ImportPolicy::bottom()
    }
}

impl Default for ImportPolicy {
    fn default() -> ImportPolicy {
        ImportPolicy::top()
    }
}

impl fmt::Debug for ImportPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(conflict) = &self.conflict {
            return write!(f, "⊥ ({conflict})");
        }
        write!(f, "{self}")
    }
}

impl fmt::Display for ImportPolicy {
    /// The spec syntax of [`parse`](ImportPolicy::parse). Version sets
    /// print their interval bounds in PEP 440 style, which is exact for
    /// sets built from `>=`, `<=`, `<`, `>`, `~=`, `==` and `==X.*`; a set
    /// with a hole (`!=1.0`) prints as `<1.0 || >1.0`, which PEP 440 reads
    /// as slightly narrower (it drops 1.0's pre- and post-releases).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(conflict) = &self.conflict {
            return write!(f, "⊥ ({conflict})");
        }
        if self.is_top() {
            return f.write_str("⊤");
        }
        let items = self
            .required
            .iter()
            .map(ToString::to_string)
            .chain(self.forbidden.iter().map(|m| format!("!{m}")))
            .chain(self.versions.iter().map(|(p, v)| format!("{p} {v}")));
        let items: Vec<String> = items.collect();
        f.write_str(&items.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> ImportPolicy {
        ImportPolicy::parse(text).unwrap()
    }

    #[test]
    fn meet_unions_requirements_and_prohibitions() {
        let c = spec("numpy; !os").meet(&spec("json; !subprocess; !os.path"));
        assert_eq!(
            c.required().map(|m| m.as_str()).collect::<Vec<_>>(),
            ["json", "numpy"]
        );
        assert_eq!(
            c.forbidden().map(|m| m.as_str()).collect::<Vec<_>>(),
            ["os", "subprocess"]
        );
        assert!(c.is_forbidden(&ModuleName::parse("os.path").unwrap()));
        assert!(!c.is_forbidden(&ModuleName::parse("osx").unwrap()));
        assert_eq!(
            c,
            spec("!os.path; !subprocess; json; numpy; !os"),
            "order and subsumed entries do not matter"
        );
    }

    #[test]
    fn required_within_forbidden_is_bottom() {
        let c = spec("os.path").meet(&spec("!os"));
        assert!(c.is_bottom());
        assert_eq!(
            c.conflict().unwrap().to_string(),
            "module `os.path` is required but `os` (and everything in it) is forbidden"
        );
        assert!(spec("os; !os").is_bottom());
        assert!(
            !spec("os; !os.path").is_bottom(),
            "requiring os does not require os.path"
        );
    }

    #[test]
    fn version_ranges_intersect_and_empty_is_bottom() {
        let c = spec("pandas>=1.0,<3").meet(&spec("pandas ~=2.1"));
        assert!(!c.is_bottom());
        assert_eq!(
            c.versions_of(&PackageName::parse("Pandas").unwrap())
                .to_string(),
            ">=2.1, <3"
        );
        let c = spec("pandas>=2").meet(&spec("pandas<1"));
        assert!(c.is_bottom());
        let text = c.conflict().unwrap().to_string();
        assert!(
            text.starts_with("no version of `pandas` satisfies both `>=2` and `<1"),
            "{text}"
        );
        assert!(spec("numpy>=2,<1").is_bottom());
    }

    #[test]
    fn join_keeps_what_both_share() {
        let a = spec("numpy; json; !os; pandas>=2");
        let b = spec("numpy; !os.path; !sys; pandas<1");
        let j = a.join(&b);
        assert_eq!(
            j.required().map(|m| m.as_str()).collect::<Vec<_>>(),
            ["numpy"]
        );
        assert_eq!(
            j.forbidden().map(|m| m.as_str()).collect::<Vec<_>>(),
            ["os.path"]
        );
        let pandas = j.versions_of(&PackageName::parse("pandas").unwrap());
        assert_eq!(pandas.to_string(), "<1 || >=2");
        assert_eq!(a.join(&ImportPolicy::bottom()), a);
    }

    #[test]
    fn display_round_trips() {
        let c = spec("numpy; !os; pandas>=1.0,<3");
        assert_eq!(c.to_string(), "numpy; !os; pandas >=1.0, <3");
        assert_eq!(ImportPolicy::parse(&c.to_string()).unwrap(), c);
        assert_eq!(ImportPolicy::top().to_string(), "⊤");
    }

    #[test]
    fn parse_errors_give_positions() {
        let err = ImportPolicy::parse("numpy; !os..path").unwrap_err();
        assert_eq!(err.position, 11);
        assert_eq!(err.input, "numpy; !os..path");
        let err = ImportPolicy::parse("numpy\npandas >=1.0, <>3").unwrap_err();
        assert_eq!(err.position, 20);
        let err = ImportPolicy::parse("ok; 9bad").unwrap_err();
        assert_eq!(err.position, 4);
        assert!(err.to_string().contains("byte 4"), "{err}");
        assert!(ImportPolicy::parse("!").is_err());
        assert!(ImportPolicy::parse(" ; \n ").unwrap().is_top());
    }
}
