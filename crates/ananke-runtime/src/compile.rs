//! Compiling a spec: [`CompiledSpec`], the inside of an
//! [`Ananke`](crate::Ananke) that every session of it shares.
//!
//! The compiler reads the table of built-in domains
//! ([`crate::domains::BUILTIN`]) and of their morphisms
//! ([`crate::morphisms::EDGES`]), loads the spec's plugins, composes the
//! product and its propagation network, and settles the initial
//! constraint. What a session needs of a domain beyond [`ananke_core`]'s
//! interface — which component forces bytes, which one must be satisfied
//! for the output to end, what a spec hole constrains — it draws from the
//! table once, here, by domain id: the session never sees a domain's name
//! or type.

use std::sync::{Arc, Mutex, OnceLock};

use ananke_core::{
    DomainId, DynConstraint, ProductConstraint, ProductDomain, PropagationEngine, TokenId,
};
use ananke_syntax::SyntaxVocab;

use crate::domains::{BUILTIN, BodyStart, ForcedBytes, builtin};
use crate::error::RuntimeError;
use crate::fusion::{MASK_CACHE_CAPACITY, MASK_CACHE_MASKS, MaskCache};
use crate::morphisms::EDGES;
use crate::plugin::Plugin;
use crate::registry::{Composition, Registry};
use crate::spec::{HoleSpec, Spec};

/// A constraint the output starts with, and where it comes from.
#[derive(Clone)]
pub(crate) struct Start {
    /// The domain it constrains.
    pub(crate) domain: DomainId,
    /// The constraint.
    pub(crate) constraint: DynConstraint,
    /// Its provenance (a contradiction names it).
    pub(crate) provenance: String,
}

/// A spec hole's constraint on one domain (module-wide: a hole's needs are
/// the module's).
pub(crate) struct HoleStart {
    /// The hole's name.
    pub(crate) hole: String,
    /// The domain.
    pub(crate) domain: DomainId,
    /// The constraint.
    pub(crate) constraint: DynConstraint,
    /// Why (`hole `solve` (spec holes[0].imports)`).
    pub(crate) reason: String,
}

/// A compiled spec: vocabulary, product, propagation network, the initial
/// constraint and what it was made of, the spec's holes, and the mask
/// cache its sessions share (see the module docs).
pub(crate) struct CompiledSpec {
    /// The vocabulary sessions decode over.
    pub(crate) vocab: Arc<SyntaxVocab>,
    /// The product of the domains and their propagation network.
    pub(crate) composition: Composition,
    /// The constraint every session starts from (propagated).
    pub(crate) initial: ProductConstraint,
    /// What `initial` was met from, in order, for starts with another body.
    pub(crate) starts: Vec<Start>,
    /// How the domains that start differently in a closed function body
    /// start there, given the prefix's length.
    pub(crate) body_starts: Vec<(DomainId, BodyStart)>,
    /// The spec's holes.
    pub(crate) holes: Vec<HoleSpec>,
    /// Their constraints, hole by hole, in spec order.
    pub(crate) hole_starts: Vec<HoleStart>,
    /// The domain that can tell the bytes forced next, and how.
    pub(crate) forced_bytes: Option<(DomainId, ForcedBytes)>,
    /// Domains whose verdict must be `Sat` for the output to end.
    pub(crate) ends_only_when_sat: Vec<DomainId>,
    /// Code every session starts with committed (`types.body_prefix`).
    pub(crate) body_prefix: Option<String>,
    /// Masks by (domain, cache key), shared by sessions.
    pub(crate) mask_cache: Mutex<MaskCache>,
    /// Tokens that can break a template hole's shape mid-line (see
    /// [`crate::fill`]), found once.
    pub(crate) shape_tokens: OnceLock<Arc<[TokenId]>>,
}

impl CompiledSpec {
    /// Compiles `spec` over `vocab` with the named built-in domains (each
    /// must be one) and the spec's plugins.
    pub(crate) fn compile(
        spec: &Spec,
        vocab: Arc<SyntaxVocab>,
        domains: &[&str],
    ) -> Result<CompiledSpec, RuntimeError> {
        spec.validate()?;
        if let Some(unknown) = domains.iter().find(|name| builtin(name).is_none()) {
            return Err(RuntimeError::UnknownDomain((*unknown).to_owned()));
        }
        let mut registry = Registry::new();
        let mut starts = Vec::new();
        let mut built = Vec::new();
        for entry in BUILTIN.iter().filter(|d| domains.contains(&d.name)) {
            let domain = (entry.build)(&vocab, spec)?;
            let id = registry.register_dyn(domain.domain)?;
            starts.push(Start {
                domain: id,
                constraint: domain.start,
                provenance: domain.provenance,
            });
            built.push((id, entry));
        }
        let mut plugin_starts = Vec::new();
        for (i, entry) in spec.plugins.iter().enumerate() {
            for plugin in Plugin::load_path(&entry.path)? {
                let host = plugin.domain(vocab.vocabulary())?;
                // No constraint given: the plugin's default policy (its
                // reading of the empty text).
                let start = host.parse(entry.constraint.as_deref().unwrap_or(""))?;
                let id = registry.register(host)?.id();
                plugin_starts.push(Start {
                    domain: id,
                    constraint: DynConstraint::new(start),
                    provenance: format!("spec plugins[{i}] ({})", plugin.path().display()),
                });
            }
        }
        starts.extend(plugin_starts);
        for edge in EDGES {
            let composed = |name: &str| built.iter().any(|(_, d)| d.name == name);
            if composed(edge.source) && composed(edge.target) {
                registry.connect(edge.source, edge.target, edge.priority, (edge.morphism)());
            }
        }
        let composition = registry.build()?;
        let mut hole_starts = Vec::new();
        for (i, hole) in spec.holes.iter().enumerate() {
            for (id, entry) in &built {
                let Some(constrain) = entry.hole_constraint else {
                    continue;
                };
                let field = format!("holes[{i}].{}", entry.name);
                if let Some(constraint) = constrain(hole, &field)? {
                    hole_starts.push(HoleStart {
                        hole: hole.name.clone(),
                        domain: *id,
                        constraint,
                        reason: format!("hole `{}` (spec {field})", hole.name),
                    });
                }
            }
        }
        let initial = settle(&composition, &starts)?;
        Ok(CompiledSpec {
            vocab,
            initial,
            starts,
            body_starts: built
                .iter()
                .filter_map(|(id, d)| Some((*id, d.body_start?)))
                .collect(),
            holes: spec.holes.clone(),
            hole_starts,
            forced_bytes: built
                .iter()
                .find_map(|(id, d)| Some((*id, d.forced_bytes?))),
            ends_only_when_sat: built
                .iter()
                .filter(|(_, d)| d.ends_only_when_sat)
                .map(|(id, _)| *id)
                .collect(),
            body_prefix: spec.types.body_prefix.clone(),
            mask_cache: Mutex::new(MaskCache::new(MASK_CACHE_CAPACITY, MASK_CACHE_MASKS)),
            shape_tokens: OnceLock::new(),
            composition,
        })
    }

    /// The product of the composed domains.
    pub(crate) fn product(&self) -> &ProductDomain {
        self.composition.product()
    }

    /// A propagation engine over the network (one per session).
    pub(crate) fn engine(&self) -> PropagationEngine {
        self.composition.engine()
    }

    /// The constraint a closed function body after a prefix of `len` bytes
    /// starts from: the initial constraint, with each domain that starts
    /// differently in a body started so.
    pub(crate) fn body_state(&self, len: usize) -> Result<ProductConstraint, RuntimeError> {
        if self.body_starts.is_empty() {
            return Ok(self.initial.fork()?);
        }
        let mut starts = self.starts.clone();
        for start in &mut starts {
            if let Some((_, body_start)) = self.body_starts.iter().find(|(d, _)| *d == start.domain)
            {
                start.constraint = body_start(len);
                start.provenance = "a closed function body (Ananke::body_session)".to_owned();
            }
        }
        settle(&self.composition, &starts)
    }
}

/// Meets the starts into ⊤ and propagates.
fn settle(composition: &Composition, starts: &[Start]) -> Result<ProductConstraint, RuntimeError> {
    composition
        .initial(
            starts
                .iter()
                .map(|s| (s.domain, s.constraint.clone(), s.provenance.as_str())),
        )
        .map_err(|e| RuntimeError::Contradiction(e.to_string()))
}
