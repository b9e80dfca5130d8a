//! The standard morphisms between the shipped domains. They live here, not
//! in the domain crates, because a domain crate never depends on another.
//!
//! - [`TypesToImports`]: a qualified use of a module the code never bound
//!   (`math.` in `return math.sqrt(x)`) requires that module. If the
//!   policy forbids it the product is ⊥ (the imports mask has already kept
//!   such tokens out); otherwise the requirement travels to the module:
//!   the session records it on the module hole, and the module cannot end
//!   before importing it.
//! - [`ImportsToTypes`]: the modules the policy requires are assumed
//!   imported in the types domain, so their names and typeshed members are
//!   in scope wherever the code reads them.
//!
//! Both are monotone and ⊥-preserving (checked in `tests/imports.rs`).

use ananke_core::{MeetSemilattice, Morphism};
use ananke_imports::{ImportConstraint, ImportState, ModuleName};
use ananke_types::TypesConstraint;

/// types → imports (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct TypesToImports;

impl Morphism for TypesToImports {
    type Source = TypesConstraint;
    type Target = ImportState;

    fn name(&self) -> &str {
        "types→imports"
    }

    fn apply(&self, types: &TypesConstraint) -> ImportState {
        if types.is_bottom() {
            return ImportState::contradiction(format!(
                "types: {}",
                types.conflict().unwrap_or("contradiction")
            ));
        }
        let mut required = ImportConstraint::top();
        for module in types.unbound_module_uses() {
            if let Ok(module) = ModuleName::parse(&module) {
                required = required.meet(&ImportConstraint::require(module));
            }
        }
        required.into()
    }
}

/// imports → types (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportsToTypes;

impl Morphism for ImportsToTypes {
    type Source = ImportState;
    type Target = TypesConstraint;

    fn name(&self) -> &str {
        "imports→types"
    }

    fn apply(&self, imports: &ImportState) -> TypesConstraint {
        if imports.is_bottom() {
            return TypesConstraint::contradiction(format!(
                "imports: {}",
                imports.violation().unwrap_or_default()
            ));
        }
        TypesConstraint::assuming(imports.policy().required().map(ModuleName::as_str))
    }
}
