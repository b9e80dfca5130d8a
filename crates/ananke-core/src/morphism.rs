//! [`Morphism`]: how knowledge in one domain constrains another.
//!
//! A morphism maps a source constraint to the constraint it implies on the
//! target; the engine meets that image into the target. Two laws make the
//! propagation sound and order-independent at the fixpoint: the map is
//! *monotone* (a stricter source never implies a looser target) and
//! *⊥-preserving* (a contradiction implies a contradiction). The harness in
//! [`crate::laws`] checks both.
//!
//! A morphism may also put what an image adds in words
//! ([`Morphism::describe`]): the engine reports every image that tightened
//! its target ([`Propagation::refinements`](crate::Propagation::refinements)), and a runtime
//! that records why constraints grew asks the morphism, not the target's
//! domain, because only the morphism knows what its image means.

use std::any::{TypeId, type_name};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::{DynConstraint, Error, MeetSemilattice};

/// A monotone, ⊥-preserving map from one lattice to another.
pub trait Morphism: Send + Sync + 'static {
    /// The lattice read.
    type Source: MeetSemilattice + Send + Sync + 'static;
    /// The lattice constrained.
    type Target: MeetSemilattice + Send + Sync + 'static;

    /// A short name for messages and contradiction paths
    /// (`"syntax→types"`).
    fn name(&self) -> &str;

    /// The target constraint implied by `source`. Return the target's ⊤ when
    /// `source` implies nothing.
    fn apply(&self, source: &Self::Source) -> Self::Target;

    /// What `image` (an [`apply`](Morphism::apply) result) adds to
    /// `before` (the target's constraint it tightened), one fact per
    /// sentence, worded as a predicate of the code that was written
    /// (`uses `math.`, so the module must import `math``): a record of
    /// why a constraint grew reads `<morphism>: <who> <fact>`.
    ///
    /// Empty, the default, when the change is not worth a record: facts
    /// that follow from others already recorded, or that change at every
    /// token. It runs only for images that changed their target, never
    /// inside propagation itself.
    fn describe(&self, before: &Self::Target, image: &Self::Target) -> Vec<String> {
        let _ = (before, image);
        Vec::new()
    }
}

/// A morphism from a closure, for small glue and tests.
///
/// ```
/// use ananke_core::{FnMorphism, Morphism, reference::{Interval, SignSet}};
///
/// let signs = FnMorphism::new("interval→sign", |i: &Interval| SignSet::of_interval(*i));
/// assert_eq!(signs.apply(&Interval::new(1, 5)), SignSet::POS);
/// ```
pub struct FnMorphism<S, T, F> {
    name: String,
    function: F,
    _types: PhantomData<fn(&S) -> T>,
}

impl<S, T, F> FnMorphism<S, T, F>
where
    F: Fn(&S) -> T,
{
    /// A morphism called `name` that applies `function`.
    pub fn new(name: impl Into<String>, function: F) -> FnMorphism<S, T, F> {
        FnMorphism {
            name: name.into(),
            function,
            _types: PhantomData,
        }
    }
}

impl<S, T, F> Morphism for FnMorphism<S, T, F>
where
    S: MeetSemilattice + Send + Sync + 'static,
    T: MeetSemilattice + Send + Sync + 'static,
    F: Fn(&S) -> T + Send + Sync + 'static,
{
    type Source = S;
    type Target = T;

    fn name(&self) -> &str {
        &self.name
    }

    fn apply(&self, source: &S) -> T {
        (self.function)(source)
    }
}

/// The object-safe form of [`Morphism`], over [`DynConstraint`]s.
pub trait DynMorphism: Send + Sync {
    /// See [`Morphism::name`].
    fn name(&self) -> &str;
    /// The `TypeId` of the source constraints.
    fn source_type(&self) -> TypeId;
    /// The `TypeId` of the target constraints.
    fn target_type(&self) -> TypeId;
    /// The source type's name, for messages.
    fn source_type_name(&self) -> &'static str;
    /// The target type's name, for messages.
    fn target_type_name(&self) -> &'static str;
    /// See [`Morphism::apply`]; errors when `source` has the wrong type.
    fn apply(&self, source: &DynConstraint) -> Result<DynConstraint, Error>;
    /// See [`Morphism::describe`]; errors when a constraint has the wrong
    /// type. The default describes nothing.
    fn describe(
        &self,
        before: &DynConstraint,
        image: &DynConstraint,
    ) -> Result<Vec<String>, Error> {
        let _ = (before, image);
        Ok(Vec::new())
    }
}

/// A typed morphism behind the [`DynMorphism`] interface.
pub struct ErasedMorphism<M>(pub M);

/// Erases `morphism` for the propagation engine.
pub fn erase_morphism<M: Morphism>(morphism: M) -> Arc<dyn DynMorphism> {
    Arc::new(ErasedMorphism(morphism))
}

impl<M: Morphism> DynMorphism for ErasedMorphism<M> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn source_type(&self) -> TypeId {
        TypeId::of::<M::Source>()
    }

    fn target_type(&self) -> TypeId {
        TypeId::of::<M::Target>()
    }

    fn source_type_name(&self) -> &'static str {
        type_name::<M::Source>()
    }

    fn target_type_name(&self) -> &'static str {
        type_name::<M::Target>()
    }

    fn apply(&self, source: &DynConstraint) -> Result<DynConstraint, Error> {
        let typed = source.expect_ref::<M::Source>(self.0.name())?;
        Ok(DynConstraint::new(self.0.apply(typed)))
    }

    fn describe(
        &self,
        before: &DynConstraint,
        image: &DynConstraint,
    ) -> Result<Vec<String>, Error> {
        let before = before.expect_ref::<M::Target>(self.0.name())?;
        let image = image.expect_ref::<M::Target>(self.0.name())?;
        Ok(self.0.describe(before, image))
    }
}

impl fmt::Debug for dyn DynMorphism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} → {})",
            self.name(),
            self.source_type_name(),
            self.target_type_name()
        )
    }
}
