//! The standard morphisms between the shipped domains. They live here, not
//! in the domain crates, because a domain crate never depends on another.
//!
//! - [`TypesToImports`]: a qualified use of a module the code never bound
//!   (`math.` in `return math.sqrt(x)`) requires that module. If the
//!   policy forbids it the product is ⊥ (the imports mask has already kept
//!   such tokens out); otherwise the requirement travels to the module:
//!   the morphism describes each new requirement, the session records it
//!   on the module hole, and the module cannot end before importing it.
//! - [`ImportsToTypes`]: the modules the policy requires are assumed
//!   imported in the types domain, so their names and typeshed members are
//!   in scope wherever the code reads them. A name bound only by an
//!   assumed import still counts as a use for types → imports, which keeps
//!   the pair monotone.
//! - [`CfgToSemantics`]: what the control-flow sketch knows of the code —
//!   which statements no path reaches, which bodies never run off their
//!   end — travels to the semantics domain as
//!   [`ControlFacts`](ananke_core::control::ControlFacts). There a
//!   statement no path reaches is not judged, and a branch whose body
//!   always leaves (by `sys.exit()`, an endless loop, a `try` whose every
//!   way out returns, as well as `return`) adds its negated test to the
//!   path of the code after it: `if n >= 0: sys.exit(1)` then `return n`
//!   cannot meet `result >= 0`. The image depends on the sketch only, so
//!   stricter requirements give the same image. Facts a token makes
//!   arrive by propagation, after the semantics domain has judged that
//!   token, so its mask and `observe` always judge with the same facts; a
//!   late fact only means a judgement made knowing less, never the
//!   rejection of a reachable statement that meets the contract.
//! - [`SemanticsToTypes`]: a contract's sorts are type facts. Its formulas
//!   read an `Int` parameter as a Python `int` (and `Bool` as `bool`, and
//!   `result` as the return value), so the definition of the contract's
//!   function must declare those types: the types domain rejects a header
//!   that annotates them otherwise (`def f(n: float)` under a contract
//!   that takes `n` as `Int`, whose formulas would otherwise be read with
//!   the wrong sort), or lacks a parameter the contract names. Opaque
//!   objects (`Obj`) imply nothing. Where the contract's signature was read
//!   from the very header the code has, nothing changes; where it came from
//!   the spec's `semantics.signature`, a header the model writes that
//!   contradicts it is rejected at its `:`. The image is cached by the
//!   contract's `Arc`: the semantics component changes at every token, its
//!   contract once per spec.
//!
//! All are monotone and ⊥-preserving (checked in `tests/imports.rs` and
//! `tests/semantics.rs`). The table `EDGES` says which domains each connects, and
//! with what priority: the runtime wires every edge whose two domains are
//! composed.
//!
//! The syntax domain has no edge. Every domain observes each committed
//! token in the step the syntax domain accepts it, which is what
//! syntax → types and syntax → cfg would carry (the statements read), and
//! fusion runs the types mask on the syntax survivors, which is what
//! types → syntax would do; llguidance's parse states expose no statement
//! structure a morphism could map without reading the text again at every
//! token.

use std::sync::{Arc, Mutex};

use ananke_cfg::{CfgConstraint, CfgDomain};
use ananke_core::{DynMorphism, MeetSemilattice, Morphism, erase_morphism};
use ananke_imports::{ImportPolicy, ImportsConstraint, ImportsDomain, ModuleName};
use ananke_semantics::{Contract, SemanticsConstraint, SemanticsDomain, Sort};
use ananke_types::{Type, TypesConstraint, TypesDomain};

/// Priorities of the morphisms between the built-in domains (lower fires
/// first), in the order of DESIGN.md §4. Its syntax→types, types→syntax and
/// syntax→cfg are no edges: every domain observes each committed token in
/// the step the syntax domain accepts it (what syntax→types and syntax→cfg
/// would carry), and fusion runs the types mask on the syntax survivors
/// (what types→syntax would do).
pub mod priority {
    /// types → imports.
    pub const TYPES_TO_IMPORTS: u32 = 2;
    /// imports → types.
    pub const IMPORTS_TO_TYPES: u32 = 3;
    /// control flow → semantics.
    pub const CFG_TO_SEMANTICS: u32 = 5;
    /// semantics → types.
    pub const SEMANTICS_TO_TYPES: u32 = 6;
}

/// A morphism between two built-in domains, wired whenever both are
/// composed.
pub(crate) struct Edge {
    /// The source domain's name.
    pub(crate) source: &'static str,
    /// The target domain's name.
    pub(crate) target: &'static str,
    /// See [`priority`].
    pub(crate) priority: u32,
    /// A fresh morphism (one per compiled spec: some keep a cache).
    pub(crate) morphism: fn() -> Arc<dyn DynMorphism>,
}

/// Every morphism between built-in domains, in the order they are wired.
pub(crate) const EDGES: &[Edge] = &[
    Edge {
        source: TypesDomain::NAME,
        target: ImportsDomain::NAME,
        priority: priority::TYPES_TO_IMPORTS,
        morphism: || erase_morphism(TypesToImports),
    },
    Edge {
        source: ImportsDomain::NAME,
        target: TypesDomain::NAME,
        priority: priority::IMPORTS_TO_TYPES,
        morphism: || erase_morphism(ImportsToTypes),
    },
    Edge {
        source: SemanticsDomain::NAME,
        target: TypesDomain::NAME,
        priority: priority::SEMANTICS_TO_TYPES,
        morphism: || erase_morphism(SemanticsToTypes::default()),
    },
    Edge {
        source: CfgDomain::NAME,
        target: SemanticsDomain::NAME,
        priority: priority::CFG_TO_SEMANTICS,
        morphism: || erase_morphism(CfgToSemantics),
    },
];

/// types → imports (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct TypesToImports;

impl Morphism for TypesToImports {
    type Source = TypesConstraint;
    type Target = ImportsConstraint;

    fn name(&self) -> &str {
        "types→imports"
    }

    fn apply(&self, types: &TypesConstraint) -> ImportsConstraint {
        if types.is_bottom() {
            return ImportsConstraint::contradiction(format!(
                "types: {}",
                types.conflict().unwrap_or("contradiction")
            ));
        }
        let mut required = ImportPolicy::top();
        for module in types.unbound_module_uses() {
            if let Ok(module) = ModuleName::parse(&module) {
                required = required.meet(&ImportPolicy::require(module));
            }
        }
        required.into()
    }

    /// Each module the image requires that `before` did not: the code
    /// `uses `math.`, so the module must import `math``.
    fn describe(&self, before: &ImportsConstraint, image: &ImportsConstraint) -> Vec<String> {
        image
            .policy()
            .required()
            .filter(|module| !before.policy().required().any(|known| known == *module))
            .map(|module| format!("uses `{module}.`, so the module must import `{module}`"))
            .collect()
    }
}

/// imports → types (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct ImportsToTypes;

impl Morphism for ImportsToTypes {
    type Source = ImportsConstraint;
    type Target = TypesConstraint;

    fn name(&self) -> &str {
        "imports→types"
    }

    fn apply(&self, imports: &ImportsConstraint) -> TypesConstraint {
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
    type Source = CfgConstraint;
    type Target = SemanticsConstraint;

    fn name(&self) -> &str {
        "cfg→semantics"
    }

    fn apply(&self, cfg: &CfgConstraint) -> SemanticsConstraint {
        if cfg.is_bottom() {
            return SemanticsConstraint::contradiction(format!(
                "cfg: {}",
                cfg.violation().unwrap_or("contradiction")
            ));
        }
        SemanticsConstraint::knowing(cfg.control_facts())
    }
}

/// semantics → types (see the module docs).
#[derive(Default)]
pub struct SemanticsToTypes {
    /// The image of the last contract seen: the semantics component changes
    /// at every token, its contract once per spec.
    last: Mutex<Option<(Arc<Contract>, TypesConstraint)>>,
}

impl SemanticsToTypes {
    /// The types the definition of `contract`'s function must declare.
    fn declared(contract: &Contract) -> TypesConstraint {
        let Some(function) = contract.function() else {
            return TypesConstraint::top();
        };
        let ty = |sort: Sort| match sort {
            Sort::Int => Some(Type::int()),
            Sort::Bool => Some(Type::bool()),
            Sort::Obj => None,
        };
        let params: Vec<(&str, Type)> = contract
            .signature()
            .iter()
            .filter(|(name, _)| *name != "result")
            .filter_map(|(name, sort)| Some((name, ty(sort)?)))
            .collect();
        let returns = contract.signature().sort("result").and_then(ty);
        TypesConstraint::declaring(
            function,
            params.iter().map(|(name, ty)| (*name, ty)),
            returns.as_ref(),
        )
    }
}

impl Morphism for SemanticsToTypes {
    type Source = SemanticsConstraint;
    type Target = TypesConstraint;

    fn name(&self) -> &str {
        "semantics→types"
    }

    fn apply(&self, semantics: &SemanticsConstraint) -> TypesConstraint {
        if semantics.is_bottom() {
            return TypesConstraint::contradiction(format!(
                "semantics: {}",
                semantics.conflict().unwrap_or("contradiction")
            ));
        }
        let contract = semantics.shared_contract();
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((seen, image)) = last.as_ref()
            && Arc::ptr_eq(seen, contract)
        {
            return image.clone();
        }
        let image = SemanticsToTypes::declared(contract);
        *last = Some((contract.clone(), image.clone()));
        image
    }
}
