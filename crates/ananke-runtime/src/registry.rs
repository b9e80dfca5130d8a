//! [`Registry`]: domains and morphisms by name, composed into a product and
//! a propagation network.

use std::sync::Arc;

use ananke_core::{
    Contradiction, Domain, DomainHandle, DomainId, DynConstraint, DynDomain, DynMorphism, Error,
    ProductBuilder, ProductConstraint, ProductDomain, PropagationEngine, PropagationError, Seed,
};
use ananke_imports::ImportsDomain;

struct PendingEdge {
    source: String,
    target: String,
    priority: u32,
    morphism: Arc<dyn DynMorphism>,
}

/// Domains and morphisms by name, before they are composed.
pub struct Registry {
    product: ProductBuilder,
    edges: Vec<PendingEdge>,
    step_bound: Option<usize>,
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::new()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry {
            product: ProductDomain::builder(),
            edges: Vec::new(),
            step_bound: None,
        }
    }

    /// A registry holding the imports domain: the one built-in domain that
    /// needs neither a vocabulary nor a spec to be built, so a product
    /// composed by hand can start from it. (A spec compiles every built-in
    /// domain that applies: [`Ananke::new`](crate::Ananke::new).)
    pub fn with_standard_domains() -> Result<Registry, Error> {
        let mut registry = Registry::new();
        registry.register(ImportsDomain::new())?;
        Ok(registry)
    }

    /// Registers a typed domain; names must be unique.
    pub fn register<D: Domain>(&mut self, domain: D) -> Result<DomainHandle<D>, Error> {
        self.product.add(domain)
    }

    /// Registers a type-erased domain (a plugin).
    pub fn register_dyn(&mut self, domain: Arc<dyn DynDomain>) -> Result<DomainId, Error> {
        self.product.add_dyn(domain)
    }

    /// Connects the domains called `source` and `target`; resolved and
    /// type-checked by [`build`](Registry::build).
    pub fn connect(
        &mut self,
        source: &str,
        target: &str,
        priority: u32,
        morphism: Arc<dyn DynMorphism>,
    ) {
        self.edges.push(PendingEdge {
            source: source.to_owned(),
            target: target.to_owned(),
            priority,
            morphism,
        });
    }

    /// Bounds the morphism applications of one propagation.
    pub fn step_bound(&mut self, bound: usize) {
        self.step_bound = Some(bound);
    }

    /// Builds the product and the network. Errors name an unknown domain or
    /// a morphism whose types do not fit its endpoints.
    pub fn build(self) -> Result<Composition, Error> {
        let product = self.product.build();
        let mut network = PropagationEngine::builder(&product);
        if let Some(bound) = self.step_bound {
            network = network.step_bound(bound);
        }
        for edge in self.edges {
            let resolve = |name: &str| {
                product
                    .id_of(name)
                    .ok_or_else(|| Error::UnknownDomain(name.to_owned()))
            };
            network.connect_dyn(
                resolve(&edge.source)?,
                resolve(&edge.target)?,
                edge.priority,
                edge.morphism,
            )?;
        }
        Ok(Composition {
            product,
            engine: network.build(),
        })
    }
}

/// Why [`Composition::initial`] failed.
#[derive(Debug, thiserror::Error)]
pub enum InitialError {
    /// The declared constraints contradict each other.
    #[error("{0}")]
    Contradiction(Box<Contradiction>),
    /// Propagation did not settle or a morphism failed.
    #[error(transparent)]
    Propagation(PropagationError),
    /// A constraint did not fit its domain.
    #[error(transparent)]
    Invalid(#[from] Error),
}

impl From<PropagationError> for InitialError {
    fn from(err: PropagationError) -> InitialError {
        match err {
            PropagationError::Contradiction(c) => InitialError::Contradiction(c),
            other => InitialError::Propagation(other),
        }
    }
}

/// The composed product and its propagation network.
#[derive(Clone)]
pub struct Composition {
    product: ProductDomain,
    engine: PropagationEngine,
}

impl Composition {
    /// The product of the registered domains.
    pub fn product(&self) -> &ProductDomain {
        &self.product
    }

    /// A propagation engine over the network (cheap to clone: one per
    /// session).
    pub fn engine(&self) -> PropagationEngine {
        self.engine.clone()
    }

    /// Meets each `(domain, constraint, provenance)` into ⊤ and propagates
    /// to a fixpoint. When a domain becomes ⊥ while the constraints are
    /// being met, the error lists the provenance of every constraint given
    /// to that domain.
    pub fn initial<'a>(
        &self,
        constraints: impl IntoIterator<Item = (DomainId, DynConstraint, &'a str)>,
    ) -> Result<ProductConstraint, InitialError> {
        let mut state = self.product.top();
        let mut seeds: Vec<Seed<'a>> = Vec::new();
        for (domain, constraint, reason) in constraints {
            state.meet_component_dyn(domain, &constraint)?;
            seeds.push(Seed { domain, reason });
            let component = state
                .component(domain)
                .ok_or_else(|| Error::UnknownDomain(domain.to_string()))?;
            if component.is_bottom() {
                return Err(InitialError::Contradiction(Box::new(Contradiction {
                    domain,
                    domain_name: self.product.name(domain).to_owned(),
                    path: Vec::new(),
                    provenance: seeds
                        .iter()
                        .filter(|s| s.domain == domain)
                        .map(|s| s.reason.to_owned())
                        .collect(),
                    constraint: format!("{component:?}"),
                })));
            }
        }
        self.engine.clone().propagate(&mut state, &seeds)?;
        Ok(state)
    }
}
