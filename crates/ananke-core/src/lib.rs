/*!
The algebra under Ananke: constraint lattices, token masks, domains, their
product, morphisms between them, and the engine that propagates constraints
to a fixpoint.

Every constraint domain in Ananke — syntax, types, imports, control flow,
semantics, plugins — is a bounded meet-semilattice ([`MeetSemilattice`]):
⊤ allows everything, ⊥ is a contradiction, `meet` is conjunction. A
[`Domain`] turns its constraint into a [`TokenMask`] and moves it forward
when a token is committed. The runtime holds domains of different types
side by side as [`DynDomain`]s inside a [`ProductDomain`], whose
[`ProductConstraint`] is a persistent vector (a checkpoint is an O(1)
clone). [`Morphism`]s say what one domain's constraint implies for
another's; the [`PropagationEngine`] runs them over a petgraph network
until nothing changes, and reports a [`Contradiction`] with the path that
caused it.

A key design decision is that core knows nothing about tokenizers, grammars
or Python: it sees a token only as an id and the bytes in a [`Vocabulary`].
Everything language-specific lives in domain crates that depend on this one
and never on each other.

With the `laws` feature, [`laws`] checks any lattice and morphism against
the algebraic laws with one call per lattice.

# Example

A product of two reference domains, a morphism between them, and a
propagation that finds a contradiction:

```
use ananke_core::reference::{Interval, Parity};
use ananke_core::{FnMorphism, LatticeDomain, ProductDomain, PropagationEngine, PropagationError, Seed};

let mut builder = ProductDomain::builder();
let value = builder.add(LatticeDomain::<Interval>::new("value"))?;
let parity = builder.add(LatticeDomain::<Parity>::new("parity"))?;
let product = builder.build();

let mut network = PropagationEngine::builder(&product);
network.connect(
    value,
    parity,
    0,
    FnMorphism::new("value→parity", |i: &Interval| Parity::of_interval(*i)),
)?;
let mut engine = network.build();

// The value is exactly 3 (odd), but something demands an even number.
let mut state = product.top();
state.set(parity, Parity::Even)?;
state.set(value, Interval::exactly(3))?;
let seeds = [Seed { domain: value.id(), reason: "x = 3 observed" }];
match engine.propagate(&mut state, &seeds) {
    Err(PropagationError::Contradiction(c)) => {
        assert_eq!(c.domain_name, "parity");
        assert_eq!(c.path[0].morphism, "value→parity");
        assert_eq!(c.provenance, ["x = 3 observed"]);
    }
    other => panic!("expected a contradiction, got {other:?}"),
}
# Ok::<(), ananke_core::Error>(())
```
*/

pub mod control;
mod domain;
mod engine;
mod erased;
mod error;
mod lattice;
mod mask;
mod morphism;
mod product;
pub mod reference;
mod vocab;

#[cfg(feature = "laws")]
pub mod laws;

pub use domain::{CostHint, Domain, DynDomain, ErasedDomain, LatticeDomain, StepContext, erase};
pub use engine::{
    Contradiction, DEFAULT_STEP_BOUND, EdgeId, EdgeStep, NetworkBuilder, Propagation,
    PropagationEngine, PropagationError, Refinement, Seed,
};
pub use erased::{AnyLattice, DynConstraint};
pub use error::Error;
pub use lattice::{Bounded, JoinSemilattice, MeetSemilattice, Satisfiability, reading};
pub use mask::{TokenId, TokenMask};
pub use morphism::{DynMorphism, ErasedMorphism, FnMorphism, Morphism, erase_morphism};
pub use product::{
    ChangedDomains, DomainHandle, DomainId, ProductBuilder, ProductConstraint, ProductDomain,
};
pub use vocab::{PerVocab, Vocabulary};
