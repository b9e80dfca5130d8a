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
//! - [`CfgToSemantics`]: what the control-flow sketch knows of the code —
//!   which statements no path reaches, which bodies never run off their
//!   end — travels to the semantics domain as
//!   [`ControlFacts`](ananke_core::control::ControlFacts). There a
//!   statement no path reaches is not judged, and a branch whose body
//!   always leaves (by `sys.exit()`, an endless loop, a `try` whose every
//!   way out returns, as well as `return`) adds its negated test to the
//!   path of the code after it: `if n >= 0: sys.exit(1)` then `return n`
//!   cannot meet `result >= 0`.
//!
//! All are monotone and ⊥-preserving (checked in `tests/imports.rs` and
//! `tests/semantics.rs`).

use ananke_cfg::CfgState;
use ananke_core::{MeetSemilattice, Morphism};
use ananke_imports::{ImportConstraint, ImportState, ModuleName};
use ananke_smt::SemanticConstraint;
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

/// control flow → semantics (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct CfgToSemantics;

impl Morphism for CfgToSemantics {
    type Source = CfgState;
    type Target = SemanticConstraint;

    fn name(&self) -> &str {
        "cfg→semantics"
    }

    fn apply(&self, cfg: &CfgState) -> SemanticConstraint {
        if cfg.is_bottom() {
            return SemanticConstraint::contradiction(format!(
                "cfg: {}",
                cfg.violation().unwrap_or("contradiction")
            ));
        }
        SemanticConstraint::knowing(cfg.control_facts())
    }
}
