//! The product of registered domains: [`ProductDomain`] and
//! [`ProductConstraint`].
//!
//! A product constraint is one component per domain, held in a persistent
//! vector of shared [`DynConstraint`]s: cloning it (a checkpoint, a fork)
//! copies a handful of pointers, and meeting it touches only the components
//! that change. Typed [`DomainHandle`]s read and write a component without
//! the caller downcasting anything.

use std::any::{TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use smallvec::SmallVec;

use crate::{
    Domain, DynConstraint, DynDomain, Error, MeetSemilattice, Satisfiability, StepContext, TokenId,
    erase,
};

/// The position of a domain in a product.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct DomainId(u32);

impl DomainId {
    /// The position as an index.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of the domain at position `index` (an id for a position a
    /// product does not have is answered with errors, not panics).
    pub fn from_index(index: usize) -> DomainId {
        DomainId(index as u32)
    }
}

impl fmt::Display for DomainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A typed reference to domain `D` in one particular product.
pub struct DomainHandle<D> {
    id: DomainId,
    layout: u64,
    _domain: PhantomData<fn() -> D>,
}

impl<D> DomainHandle<D> {
    /// The domain's position.
    pub fn id(&self) -> DomainId {
        self.id
    }
}

impl<D> Clone for DomainHandle<D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D> Copy for DomainHandle<D> {}

impl<D> fmt::Debug for DomainHandle<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DomainHandle<{}>({})", type_name::<D>(), self.id)
    }
}

static NEXT_LAYOUT: AtomicU64 = AtomicU64::new(1);

struct Layout {
    id: u64,
    domains: Vec<Arc<dyn DynDomain>>,
    by_name: HashMap<String, DomainId>,
    /// Mask order: cheap, selective domains first (from their cost hints).
    mask_order: Vec<DomainId>,
}

/// Collects domains into a [`ProductDomain`].
pub struct ProductBuilder {
    id: u64,
    domains: Vec<Arc<dyn DynDomain>>,
    by_name: HashMap<String, DomainId>,
}

impl ProductBuilder {
    /// Adds a typed domain and returns its handle.
    pub fn add<D: Domain>(&mut self, domain: D) -> Result<DomainHandle<D>, Error> {
        let id = self.add_dyn(erase(domain))?;
        Ok(DomainHandle {
            id,
            layout: self.id,
            _domain: PhantomData,
        })
    }

    /// Adds a type-erased domain (a plugin, say). Names must be unique.
    pub fn add_dyn(&mut self, domain: Arc<dyn DynDomain>) -> Result<DomainId, Error> {
        let name = domain.name().to_owned();
        if self.by_name.contains_key(&name) {
            return Err(Error::DuplicateDomain(name));
        }
        let id = DomainId(self.domains.len() as u32);
        self.by_name.insert(name, id);
        self.domains.push(domain);
        Ok(id)
    }

    /// Finishes the product.
    pub fn build(self) -> ProductDomain {
        let mut mask_order: Vec<DomainId> = (0..self.domains.len() as u32).map(DomainId).collect();
        let rank = |id: &DomainId| {
            let hint = self.domains[id.index()].cost();
            // Classic predicate ordering: cost per rejected candidate.
            let rejects = (1.0 - hint.keep_ratio.clamp(0.0, 1.0)).max(1e-6);
            hint.relative_cost.max(0.0) / rejects
        };
        mask_order.sort_by(|a, b| rank(a).total_cmp(&rank(b)));
        ProductDomain {
            layout: Arc::new(Layout {
                id: self.id,
                domains: self.domains,
                by_name: self.by_name,
                mask_order,
            }),
        }
    }
}

/// The product of a fixed list of domains.
#[derive(Clone)]
pub struct ProductDomain {
    layout: Arc<Layout>,
}

impl ProductDomain {
    /// Starts a product.
    pub fn builder() -> ProductBuilder {
        ProductBuilder {
            id: NEXT_LAYOUT.fetch_add(1, Ordering::Relaxed),
            domains: Vec::new(),
            by_name: HashMap::new(),
        }
    }

    /// Number of domains.
    pub fn len(&self) -> usize {
        self.layout.domains.len()
    }

    /// Whether the product has no domain.
    pub fn is_empty(&self) -> bool {
        self.layout.domains.is_empty()
    }

    /// The domain at `id`.
    pub fn domain(&self, id: DomainId) -> Option<&Arc<dyn DynDomain>> {
        self.layout.domains.get(id.index())
    }

    /// The id of the domain called `name`.
    pub fn id_of(&self, name: &str) -> Option<DomainId> {
        self.layout.by_name.get(name).copied()
    }

    /// The domain's name at `id` (`"?"` for a foreign id).
    pub fn name(&self, id: DomainId) -> &str {
        self.domain(id).map_or("?", |d| d.name())
    }

    /// All domain ids in order.
    pub fn ids(&self) -> impl Iterator<Item = DomainId> + '_ {
        (0..self.len() as u32).map(DomainId)
    }

    /// All domain names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.ids().map(|id| self.name(id))
    }

    /// A typed handle for the domain called `name`, checking that its
    /// constraints are `D::Constraint`.
    pub fn handle<D: Domain>(&self, name: &str) -> Result<DomainHandle<D>, Error> {
        let id = self
            .id_of(name)
            .ok_or_else(|| Error::UnknownDomain(name.to_owned()))?;
        let domain = &self.layout.domains[id.index()];
        if domain.constraint_type() != TypeId::of::<D::Constraint>() {
            return Err(Error::ConstraintType {
                context: name.to_owned(),
                expected: domain.constraint_type_name(),
                found: type_name::<D::Constraint>(),
            });
        }
        Ok(DomainHandle {
            id,
            layout: self.layout.id,
            _domain: PhantomData,
        })
    }

    /// Every component ⊤.
    pub fn top(&self) -> ProductConstraint {
        self.product_of(|d| d.top())
    }

    /// Every component ⊥.
    pub fn bottom(&self) -> ProductConstraint {
        self.product_of(|d| d.bottom())
    }

    /// The order in which to consult the domains for a token mask: cheap,
    /// selective domains first, ranked by their [`CostHint`](crate::CostHint)s.
    ///
    /// The product has no `token_mask` of its own. Masking a product is
    /// the runtime's mask fusion, which does what a loop here could not:
    /// reuses a domain's last mask, shares masks between sessions, reorders
    /// the domains by what it measures and runs expensive ones in
    /// parallel. A second, plainer path would be one more to keep in
    /// agreement with it, and nothing used it; this order is where fusion
    /// starts.
    pub fn mask_order(&self) -> &[DomainId] {
        &self.layout.mask_order
    }

    /// The id of this product's layout, which its constraints and handles
    /// carry (comparing it needs no constraint built).
    pub(crate) fn layout_id(&self) -> u64 {
        self.layout.id
    }

    fn product_of(&self, f: impl Fn(&dyn DynDomain) -> DynConstraint) -> ProductConstraint {
        ProductConstraint {
            layout: self.layout.clone(),
            components: self.layout.domains.iter().map(|d| f(&**d)).collect(),
        }
    }
}

impl fmt::Debug for ProductDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.layout.domains.iter().map(|d| d.name()))
            .finish()
    }
}

/// Domain ids that changed in one operation (rarely more than a few).
pub type ChangedDomains = SmallVec<[DomainId; 8]>;

/// One constraint per domain of a [`ProductDomain`].
///
/// Equality identifies all ⊥ products (a product is ⊥ as soon as one
/// component is), which keeps the lattice laws exact.
#[derive(Clone)]
pub struct ProductConstraint {
    layout: Arc<Layout>,
    components: im::Vector<DynConstraint>,
}

impl ProductConstraint {
    /// Number of components.
    pub fn len(&self) -> usize {
        self.components.len()
    }

    /// Whether the product has no component.
    pub fn is_empty(&self) -> bool {
        self.components.is_empty()
    }

    /// The product this constraint belongs to.
    pub fn domain(&self) -> ProductDomain {
        ProductDomain {
            layout: self.layout.clone(),
        }
    }

    /// The typed component for `handle`.
    pub fn get<D: Domain>(&self, handle: DomainHandle<D>) -> Result<&D::Constraint, Error> {
        self.check_layout(handle.layout)?;
        let component = &self.components[handle.id.index()];
        component.expect_ref::<D::Constraint>(self.layout.domains[handle.id.index()].name())
    }

    /// The erased component at `id`.
    pub fn component(&self, id: DomainId) -> Option<&DynConstraint> {
        self.components.get(id.index())
    }

    /// Replaces the component for `handle`.
    pub fn set<D: Domain>(
        &mut self,
        handle: DomainHandle<D>,
        constraint: D::Constraint,
    ) -> Result<(), Error> {
        self.check_layout(handle.layout)?;
        self.components
            .set(handle.id.index(), DynConstraint::new(constraint));
        Ok(())
    }

    /// Replaces the erased component at `id`, checking its type.
    pub fn set_dyn(&mut self, id: DomainId, constraint: DynConstraint) -> Result<(), Error> {
        self.check_slot(id, &constraint)?;
        self.components.set(id.index(), constraint);
        Ok(())
    }

    /// Meets `constraint` into the component for `handle`; reports whether
    /// it changed.
    pub fn meet_component<D: Domain>(
        &mut self,
        handle: DomainHandle<D>,
        constraint: D::Constraint,
    ) -> Result<bool, Error> {
        self.check_layout(handle.layout)?;
        self.meet_component_dyn(handle.id, &DynConstraint::new(constraint))
    }

    /// Meets an erased constraint into the component at `id`; reports
    /// whether it changed.
    pub fn meet_component_dyn(
        &mut self,
        id: DomainId,
        constraint: &DynConstraint,
    ) -> Result<bool, Error> {
        self.check_slot(id, constraint)?;
        let current = &self.components[id.index()];
        let met = current.meet(constraint)?;
        if met == *current {
            Ok(false)
        } else {
            self.components.set(id.index(), met);
            Ok(true)
        }
    }

    /// `self ⊓ other`, componentwise; errors when the two belong to
    /// different products.
    pub fn try_meet(&self, other: &ProductConstraint) -> Result<ProductConstraint, Error> {
        self.check_layout(other.layout.id)?;
        let mut result = self.clone();
        for (i, theirs) in other.components.iter().enumerate() {
            let ours = &self.components[i];
            if !ours.ptr_eq(theirs) {
                result.components.set(i, ours.meet(theirs)?);
            }
        }
        Ok(result)
    }

    /// The domains whose component is ⊥.
    pub fn bottom_domains(&self) -> impl Iterator<Item = DomainId> + '_ {
        self.components
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_bottom())
            .map(|(i, _)| DomainId(i as u32))
    }

    /// The conjunction of every domain's verdict.
    pub fn satisfiability(&self) -> Result<Satisfiability, Error> {
        let mut verdict = Satisfiability::Sat;
        for (domain, component) in self.layout.domains.iter().zip(&self.components) {
            verdict = verdict.and(domain.satisfiability(component)?);
            if verdict == Satisfiability::Unsat {
                break;
            }
        }
        Ok(verdict)
    }

    /// The product after `token`; returns the ids of the components that
    /// changed (the seeds for propagation).
    pub fn observe(
        &mut self,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<ChangedDomains, Error> {
        ctx.vocab.try_token_bytes(token)?;
        let mut changed = ChangedDomains::new();
        for (i, domain) in self.layout.domains.iter().enumerate() {
            let current = &self.components[i];
            let next = domain.observe(current, token, ctx)?;
            if !next.ptr_eq(current) && next != *current {
                self.components.set(i, next);
                changed.push(DomainId(i as u32));
            }
        }
        Ok(changed)
    }

    /// A copy that evolves independently (see [`Domain::fork`]).
    pub fn fork(&self) -> Result<ProductConstraint, Error> {
        let mut forked = self.clone();
        for (i, domain) in self.layout.domains.iter().enumerate() {
            forked.components.set(i, domain.fork(&self.components[i])?);
        }
        Ok(forked)
    }

    /// Every domain's explanation for rejecting `token`.
    pub fn explain(
        &self,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<Vec<(String, String)>, Error> {
        let mut reasons = Vec::new();
        for (domain, component) in self.layout.domains.iter().zip(&self.components) {
            if let Some(reason) = domain.explain(component, token, ctx)? {
                reasons.push((domain.name().to_owned(), reason));
            }
        }
        Ok(reasons)
    }

    pub(crate) fn layout_id(&self) -> u64 {
        self.layout.id
    }

    pub(crate) fn component_unchecked(&self, id: DomainId) -> &DynConstraint {
        &self.components[id.index()]
    }

    pub(crate) fn replace_unchecked(&mut self, id: DomainId, constraint: DynConstraint) {
        self.components.set(id.index(), constraint);
    }

    fn check_layout(&self, found: u64) -> Result<(), Error> {
        if found == self.layout.id {
            Ok(())
        } else {
            Err(Error::ForeignProduct {
                expected: self.layout.id,
                found,
            })
        }
    }

    fn check_slot(&self, id: DomainId, constraint: &DynConstraint) -> Result<(), Error> {
        let domain = self
            .layout
            .domains
            .get(id.index())
            .ok_or_else(|| Error::UnknownDomain(id.to_string()))?;
        if constraint.constraint_type() != domain.constraint_type() {
            return Err(Error::ConstraintType {
                context: domain.name().to_owned(),
                expected: domain.constraint_type_name(),
                found: constraint.type_name(),
            });
        }
        Ok(())
    }
}

impl PartialEq for ProductConstraint {
    fn eq(&self, other: &ProductConstraint) -> bool {
        let self_bottom = self.is_bottom();
        if self_bottom || other.is_bottom() {
            return self_bottom && other.is_bottom();
        }
        self.layout.id == other.layout.id && self.components == other.components
    }
}

impl MeetSemilattice for ProductConstraint {
    /// Componentwise meet. Meeting products of two different
    /// [`ProductDomain`]s is a wiring mistake; it yields `self`'s ⊥ rather
    /// than a panic (use [`ProductConstraint::try_meet`] to get the error).
    fn meet(&self, other: &ProductConstraint) -> ProductConstraint {
        self.try_meet(other)
            .unwrap_or_else(|_| self.domain().bottom())
    }

    fn is_top(&self) -> bool {
        self.components.iter().all(DynConstraint::is_top)
    }

    fn is_bottom(&self) -> bool {
        self.components.iter().any(DynConstraint::is_bottom)
    }
}

impl fmt::Debug for ProductConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (domain, component) in self.layout.domains.iter().zip(&self.components) {
            map.entry(&domain.name(), component);
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LatticeDomain;
    use crate::TokenMask;
    use crate::Vocabulary;
    use crate::reference::{Interval, Parity};

    #[test]
    fn typed_handles_read_and_write_components() {
        let mut builder = ProductDomain::builder();
        let range = builder
            .add(LatticeDomain::<Interval>::new("range"))
            .unwrap();
        let parity = builder.add(LatticeDomain::<Parity>::new("parity")).unwrap();
        let product = builder.build();
        let mut c = product.top();
        assert!(c.is_top());
        assert!(c.meet_component(range, Interval::new(0, 9)).unwrap());
        assert!(!c.meet_component(range, Interval::new(-5, 20)).unwrap());
        c.set(parity, Parity::Odd).unwrap();
        assert_eq!(c.get(range).unwrap(), &Interval::new(0, 9));
        assert_eq!(c.get(parity).unwrap(), &Parity::Odd);
        assert_eq!(
            product
                .handle::<LatticeDomain<Parity>>("parity")
                .unwrap()
                .id(),
            parity.id()
        );
        assert!(product.handle::<LatticeDomain<Interval>>("parity").is_err());
        assert!(matches!(
            product.handle::<LatticeDomain<Parity>>("nope"),
            Err(Error::UnknownDomain(_))
        ));
    }

    #[test]
    fn duplicate_names_and_foreign_handles_are_errors() {
        let mut builder = ProductDomain::builder();
        builder.add(LatticeDomain::<Interval>::new("x")).unwrap();
        let err = builder.add(LatticeDomain::<Parity>::new("x")).unwrap_err();
        assert_eq!(err, Error::DuplicateDomain("x".into()));
        let first = builder.build();
        let mut other_builder = ProductDomain::builder();
        let foreign = other_builder
            .add(LatticeDomain::<Interval>::new("x"))
            .unwrap();
        let c = first.top();
        assert!(matches!(c.get(foreign), Err(Error::ForeignProduct { .. })));
        let other = other_builder.build().top();
        assert!(c.try_meet(&other).is_err());
        assert!(
            c.meet(&other).is_bottom(),
            "wiring mistakes give ⊥, not a panic"
        );
    }

    /// The tokens every domain of `c` allows, asking them in
    /// [`ProductDomain::mask_order`] (what the runtime's fusion starts
    /// from).
    fn mask_in_order(c: &ProductConstraint, ctx: StepContext<'_>) -> TokenMask {
        let n = ctx.vocab.len();
        let mut out = TokenMask::new_full(n);
        let mut scratch = TokenMask::new_empty(n);
        for &id in c.domain().mask_order() {
            let domain = c.domain().domain(id).unwrap().clone();
            domain
                .token_mask(c.component(id).unwrap(), ctx, &out, &mut scratch)
                .unwrap();
            std::mem::swap(&mut out, &mut scratch);
        }
        out
    }

    #[test]
    fn bottom_products_are_equal_and_masks_are_empty() {
        let mut builder = ProductDomain::builder();
        let range = builder
            .add(LatticeDomain::<Interval>::new("range"))
            .unwrap();
        builder.add(LatticeDomain::<Parity>::new("parity")).unwrap();
        let product = builder.build();
        let mut a = product.top();
        a.set(range, Interval::new(3, 1)).unwrap();
        assert!(a.is_bottom());
        assert_eq!(a, product.bottom());
        assert_eq!(a.bottom_domains().collect::<Vec<_>>(), vec![range.id()]);
        assert_eq!(a.satisfiability().unwrap(), Satisfiability::Unsat);

        let vocab = Vocabulary::new("tiny", ["x", "y"], &[], &[]).unwrap();
        let ctx = StepContext::new(&vocab);
        assert!(mask_in_order(&a, ctx).is_empty());
        assert!(mask_in_order(&product.top(), ctx).is_full());
        let reasons = a.explain(0, ctx).unwrap();
        assert_eq!(reasons.len(), 1);
        assert_eq!(reasons[0].0, "range");
    }

    #[test]
    fn set_dyn_checks_the_slot_type() {
        let mut builder = ProductDomain::builder();
        let range = builder
            .add(LatticeDomain::<Interval>::new("range"))
            .unwrap();
        let product = builder.build();
        let mut c = product.top();
        let err = c
            .set_dyn(range.id(), DynConstraint::new(Parity::Even))
            .unwrap_err();
        assert!(matches!(err, Error::ConstraintType { .. }));
        assert!(
            c.set_dyn(DomainId(9), DynConstraint::new(Interval::exactly(1)))
                .is_err()
        );
    }
}
