//! Holes: the parts of the output still to be written, as a tree.
//!
//! Each hole carries a product constraint. Refining a hole meets a
//! constraint into it and into every hole below it; a constraint with
//! module scope (an import requirement, a version range) also goes up to
//! the ancestors and from there down to their other children, which is how
//! one function's needs become visible to its siblings. Lifting computes
//! what all children of a hole share (the join, for domains that have one)
//! and meets it into the parent. Holes are opened as generation reveals
//! structure ([`StructureScanner`](crate::structure::StructureScanner)): a
//! `def` opens a FUNCTION hole, an indented block a BLOCK hole, an
//! expression after `return` or `=` a TERM hole.

use std::fmt;
use std::str::FromStr;

use ananke_core::{DomainId, DynConstraint, Error, ProductConstraint, ProductDomain};
use im::Vector;

/// The name of the hole every tree starts with.
pub const MODULE_HOLE: &str = "module";

/// How big a hole is, finest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Granularity {
    /// One token.
    Token,
    /// An expression.
    Term,
    /// An indented block.
    Block,
    /// A function.
    Function,
    /// A module.
    Module,
    /// A package of modules.
    Library,
    /// Several libraries.
    System,
}

impl FromStr for Granularity {
    type Err = String;

    fn from_str(text: &str) -> Result<Granularity, String> {
        Ok(match text {
            "token" => Granularity::Token,
            "term" => Granularity::Term,
            "block" => Granularity::Block,
            "function" => Granularity::Function,
            "module" => Granularity::Module,
            "library" => Granularity::Library,
            "system" => Granularity::System,
            other => {
                return Err(format!(
                    "unknown granularity `{other}` (token, term, block, function, module, library, system)"
                ));
            }
        })
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Granularity::Token => "token",
            Granularity::Term => "term",
            Granularity::Block => "block",
            Granularity::Function => "function",
            Granularity::Module => "module",
            Granularity::Library => "library",
            Granularity::System => "system",
        })
    }
}

/// A hole's identity within its tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HoleId(pub u32);

impl fmt::Display for HoleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Whether a refinement stays below the hole or also constrains its
/// ancestors (and through them, its siblings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The hole and its descendants.
    Local,
    /// Also every ancestor: facts about the whole module, such as imports.
    Module,
}

/// One hole.
#[derive(Clone, Debug)]
pub struct Hole {
    /// Its id.
    pub id: HoleId,
    /// A name (from the spec, or what opened it: `def solve`).
    pub name: String,
    /// Its size.
    pub granularity: Granularity,
    /// The enclosing hole.
    pub parent: Option<HoleId>,
    /// The holes inside it.
    pub children: Vec<HoleId>,
    /// Its constraint.
    pub constraint: ProductConstraint,
    /// Why it has that constraint: one line per refinement, with the
    /// domain it concerned.
    pub provenance: Vec<(DomainId, String)>,
    /// Whether it is still being written.
    pub open: bool,
}

/// A contradiction found while refining a hole.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("hole `{hole}` is contradictory in domain `{domain}` (sources: {}): {constraint}", .provenance.join("; "))]
pub struct HoleConflict {
    /// The hole that became ⊥.
    pub hole: String,
    /// The domain that became ⊥.
    pub domain: String,
    /// Every refinement of that domain that reached the hole.
    pub provenance: Vec<String>,
    /// The ⊥ constraint, printed.
    pub constraint: String,
}

/// Why a hole operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HoleError {
    /// The tree has no hole with that id (it comes from another tree).
    #[error("no hole {0} in the tree")]
    UnknownHole(HoleId),
    /// A refinement made a hole contradictory.
    #[error(transparent)]
    Conflict(#[from] HoleConflict),
}

/// The tree of holes (persistent: a clone is a checkpoint).
#[derive(Clone, Debug)]
pub struct HoleTree {
    holes: Vector<Hole>,
}

impl HoleTree {
    /// A tree with one open module hole (id 0) holding `constraint`.
    pub fn new(constraint: ProductConstraint) -> HoleTree {
        let mut holes = Vector::new();
        holes.push_back(Hole {
            id: HoleId(0),
            name: MODULE_HOLE.to_owned(),
            granularity: Granularity::Module,
            parent: None,
            children: Vec::new(),
            constraint,
            provenance: Vec::new(),
            open: true,
        });
        HoleTree { holes }
    }

    /// The module hole.
    pub fn root(&self) -> HoleId {
        HoleId(0)
    }

    /// A hole by id.
    pub fn get(&self, id: HoleId) -> Option<&Hole> {
        self.holes.get(id.0 as usize)
    }

    /// A hole by name.
    pub fn find(&self, name: &str) -> Option<HoleId> {
        self.holes.iter().find(|h| h.name == name).map(|h| h.id)
    }

    /// All holes.
    pub fn iter(&self) -> impl Iterator<Item = &Hole> {
        self.holes.iter()
    }

    /// Opens a hole under `parent`; it starts with the parent's constraint
    /// and provenance.
    pub fn open(
        &mut self,
        parent: HoleId,
        name: &str,
        granularity: Granularity,
    ) -> Result<HoleId, HoleError> {
        let parent_hole = self
            .get(parent)
            .ok_or(HoleError::UnknownHole(parent))?
            .clone();
        let id = HoleId(self.holes.len() as u32);
        self.holes.push_back(Hole {
            id,
            name: name.to_owned(),
            granularity,
            parent: Some(parent),
            children: Vec::new(),
            constraint: parent_hole.constraint.clone(),
            provenance: parent_hole.provenance.clone(),
            open: true,
        });
        self.holes[parent.0 as usize].children.push(id);
        Ok(id)
    }

    /// Marks a hole as being written again (a spec hole generation has
    /// reached).
    pub fn reopen(&mut self, id: HoleId) {
        if let Some(hole) = self.holes.get_mut(id.0 as usize) {
            hole.open = true;
        }
    }

    /// Marks a hole finished.
    pub fn close(&mut self, id: HoleId) {
        if let Some(hole) = self.holes.get_mut(id.0 as usize) {
            hole.open = false;
        }
    }

    /// Meets `constraint` (for `domain`) into `id` and its descendants, and
    /// with [`Scope::Module`] into its ancestors and their descendants too.
    /// A hole that becomes ⊥ is reported with every provenance of that
    /// domain that reached it; the holes met into before it keep the
    /// refinement (refine a clone to have all or nothing).
    pub fn refine(
        &mut self,
        id: HoleId,
        domain: DomainId,
        constraint: &DynConstraint,
        reason: &str,
        scope: Scope,
    ) -> Result<(), HoleError> {
        if self.get(id).is_none() {
            return Err(HoleError::UnknownHole(id));
        }
        let top = match scope {
            Scope::Local => id,
            Scope::Module => {
                let mut top = id;
                while let Some(parent) = self.get(top).and_then(|h| h.parent) {
                    top = parent;
                }
                top
            }
        };
        let mut stack = vec![top];
        while let Some(current) = stack.pop() {
            let hole = &mut self.holes[current.0 as usize];
            hole.provenance.push((domain, reason.to_owned()));
            if let Err(e) = hole.constraint.meet_component_dyn(domain, constraint) {
                return Err(HoleError::Conflict(HoleConflict {
                    hole: hole.name.clone(),
                    domain: domain.to_string(),
                    provenance: vec![reason.to_owned()],
                    constraint: e.to_string(),
                }));
            }
            let component = hole.constraint.component(domain).cloned();
            if let Some(component) = component
                && component.is_bottom()
            {
                let product = hole.constraint.domain();
                return Err(HoleError::Conflict(HoleConflict {
                    hole: hole.name.clone(),
                    domain: product.name(domain).to_owned(),
                    provenance: hole
                        .provenance
                        .iter()
                        .filter(|(d, _)| *d == domain)
                        .map(|(_, r)| r.clone())
                        .collect(),
                    constraint: format!("{component:?}"),
                }));
            }
            stack.extend(hole.children.iter().copied());
        }
        Ok(())
    }

    /// Meets into `id` what all its children share, for every domain with
    /// a join. Returns the domains whose parent constraint changed.
    pub fn lift(&mut self, id: HoleId, product: &ProductDomain) -> Result<Vec<DomainId>, Error> {
        let Some(hole) = self.get(id).cloned() else {
            return Ok(Vec::new());
        };
        if hole.children.is_empty() {
            return Ok(Vec::new());
        }
        let mut changed = Vec::new();
        for domain_id in product.ids() {
            let domain = product.domain(domain_id).expect("id from the product");
            let mut common: Option<DynConstraint> = None;
            let mut joinable = true;
            for child in &hole.children {
                let Some(c) = self
                    .get(*child)
                    .and_then(|h| h.constraint.component(domain_id))
                    .cloned()
                else {
                    continue;
                };
                common = match common.take() {
                    None => Some(c),
                    Some(acc) => match domain.join(&acc, &c)? {
                        Some(joined) => Some(joined),
                        None => {
                            joinable = false;
                            break;
                        }
                    },
                };
            }
            if !joinable {
                continue;
            }
            if let Some(common) = common
                && domain.join(&common, &common)?.is_some()
                && self.holes[id.0 as usize]
                    .constraint
                    .meet_component_dyn(domain_id, &common)?
            {
                changed.push(domain_id);
            }
        }
        Ok(changed)
    }

    /// The open leaf hole to fill next: the most constrained (most
    /// components other than ⊤), finer granularity breaking ties, then
    /// the earliest opened.
    pub fn select_next(&self) -> Option<HoleId> {
        self.holes
            .iter()
            .filter(|h| h.open && h.children.iter().all(|c| !self.holes[c.0 as usize].open))
            .max_by(|a, b| {
                let score = |h: &Hole| {
                    (0..h.constraint.len())
                        .filter(|i| {
                            !h.constraint
                                .component(DomainId::from_index(*i))
                                .is_some_and(DynConstraint::is_top)
                        })
                        .count()
                };
                score(a)
                    .cmp(&score(b))
                    .then(b.granularity.cmp(&a.granularity))
                    .then(b.id.cmp(&a.id))
            })
            .map(|h| h.id)
    }

    /// The innermost open hole (the one generation is writing).
    pub fn active(&self) -> HoleId {
        let mut current = self.root();
        loop {
            let open_child = self.get(current).and_then(|h| {
                h.children
                    .iter()
                    .rev()
                    .find(|c| self.holes[c.0 as usize].open)
                    .copied()
            });
            match open_child {
                Some(child) => current = child,
                None => return current,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ananke_core::reference::Interval;
    use ananke_core::{LatticeDomain, MeetSemilattice};

    /// A tree over one `range` domain, with a function `f` under the
    /// module and a term `t` in it.
    fn tree() -> (HoleTree, DomainId, HoleId, HoleId) {
        let mut builder = ProductDomain::builder();
        let range = builder
            .add(LatticeDomain::<Interval>::new("range"))
            .unwrap()
            .id();
        let mut tree = HoleTree::new(builder.build().top());
        let f = tree.open(tree.root(), "f", Granularity::Function).unwrap();
        let t = tree.open(f, "y =", Granularity::Term).unwrap();
        (tree, range, f, t)
    }

    fn range_of(tree: &HoleTree, id: HoleId, range: DomainId) -> Interval {
        *tree
            .get(id)
            .unwrap()
            .constraint
            .component(range)
            .unwrap()
            .downcast_ref::<Interval>()
            .unwrap()
    }

    #[test]
    fn a_local_refinement_stays_below_and_a_module_one_reaches_everything() {
        let (mut tree, range, f, t) = tree();
        let local = DynConstraint::new(Interval::new(0, 9));
        tree.refine(f, range, &local, "f's body", Scope::Local)
            .unwrap();
        assert_eq!(range_of(&tree, t, range), Interval::new(0, 9));
        assert!(range_of(&tree, tree.root(), range).is_top());
        let module = DynConstraint::new(Interval::new(5, 20));
        tree.refine(t, range, &module, "a module fact", Scope::Module)
            .unwrap();
        assert_eq!(range_of(&tree, tree.root(), range), Interval::new(5, 20));
        assert_eq!(range_of(&tree, t, range), Interval::new(5, 9));
        let reasons: Vec<&str> = tree
            .get(t)
            .unwrap()
            .provenance
            .iter()
            .map(|(_, r)| r.as_str())
            .collect();
        assert_eq!(reasons, ["f's body", "a module fact"]);
        assert_eq!(tree.active(), t);
    }

    #[test]
    fn a_contradiction_names_the_hole_and_every_source() {
        let (mut tree, range, f, _) = tree();
        tree.refine(
            f,
            range,
            &DynConstraint::new(Interval::new(0, 3)),
            "small",
            Scope::Local,
        )
        .unwrap();
        let err = tree
            .refine(
                f,
                range,
                &DynConstraint::new(Interval::new(7, 9)),
                "large",
                Scope::Local,
            )
            .unwrap_err();
        let HoleError::Conflict(conflict) = err else {
            panic!("{err}")
        };
        assert_eq!(conflict.hole, "f");
        assert_eq!(conflict.domain, "range");
        assert_eq!(conflict.provenance, ["small", "large"]);
    }

    #[test]
    fn a_missing_hole_is_reported_as_such() {
        let (mut tree, range, _, _) = tree();
        let missing = HoleId(42);
        assert_eq!(
            tree.open(missing, "g", Granularity::Function),
            Err(HoleError::UnknownHole(missing))
        );
        let err = tree
            .refine(
                missing,
                range,
                &DynConstraint::new(Interval::new(0, 1)),
                "?",
                Scope::Module,
            )
            .unwrap_err();
        assert_eq!(err, HoleError::UnknownHole(missing));
        assert_eq!(err.to_string(), "no hole #42 in the tree");
    }

    #[test]
    fn granularities_parse_and_order() {
        assert_eq!("function".parse::<Granularity>(), Ok(Granularity::Function));
        assert!("huge".parse::<Granularity>().is_err());
        assert!(Granularity::Term < Granularity::Function);
    }
}
