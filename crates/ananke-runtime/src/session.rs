//! [`Ananke`] (a compiled spec) and [`Session`] (one generation): what an
//! inference engine calls once per token.
//!
//! The session API maps one to one onto SGLang's grammar object and vLLM's
//! structured-output grammar:
//!
//! | Session | SGLang | vLLM |
//! |---|---|---|
//! | [`compute_mask`](Session::compute_mask) | `fill_vocab_mask` | `fill_bitmask` |
//! | [`commit`](Session::commit) / [`commit_many`](Session::commit_many) | `accept_token` | `accept_tokens` |
//! | [`validate`](Session::validate) | — | `validate_tokens` |
//! | [`rollback`](Session::rollback) | `rollback` | `rollback` |
//! | [`fork`](Session::fork) | `copy` | — |
//! | [`is_accepting`](Session::is_accepting) | `is_terminated` | `is_terminated` |
//! | [`jump_forward`](Session::jump_forward) | jump-forward | — |
//! | [`reset`](Session::reset) | — | `reset` |
//!
//! State is persistent: the product constraint, the token list and the
//! per-token history are `im` structures, so `checkpoint` and `fork` copy a
//! few pointers and `rollback(k)` costs O(k + log n).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ananke_core::{
    DomainHandle, DomainId, DynConstraint, Error, MeetSemilattice, ProductConstraint,
    ProductDomain, PropagationEngine, PropagationError, Satisfiability, Seed, StepContext, TokenId,
    TokenMask,
};
use ananke_imports::{ImportsConstraint, ImportsDomain};
use ananke_syntax::{
    GrammarSource, SyntaxDomain, SyntaxError, SyntaxVocab, backend_by_name, python,
};
use ananke_types::{TypesConstraint, TypesDomain};
use im::Vector;

use crate::holes::{Granularity, HoleEvent, HoleId, HoleTree, Scope, StructureScanner};
use crate::spec::{Spec, SpecError};
use crate::{Registry, fusion::Fusion};

/// Everything that can go wrong in the runtime.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The spec is invalid.
    #[error("invalid spec: {0}")]
    Spec(#[from] SpecError),
    /// Loading the tokenizer or compiling the grammar failed.
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    /// A core operation failed (a wiring mistake, an unknown token id).
    #[error(transparent)]
    Core(#[from] Error),
    /// The spec's constraints contradict each other.
    #[error("the spec is contradictory: {0}")]
    Contradiction(String),
    /// The token is not allowed; the session is unchanged.
    #[error("token {token} ({text:?}) is rejected: {}", .reasons.iter().map(|(d, r)| format!("{d}: {r}")).collect::<Vec<_>>().join("; "))]
    Rejected {
        /// The token id.
        token: TokenId,
        /// Its text.
        text: String,
        /// Each rejecting domain and why.
        reasons: Vec<(String, String)>,
    },
    /// Rolling back further than the tokens committed.
    #[error("cannot roll back {requested} tokens: only {available} committed")]
    RollbackTooFar {
        /// Tokens asked for.
        requested: usize,
        /// Tokens there are.
        available: usize,
    },
    /// No checkpoint with that id.
    #[error("no checkpoint {0}")]
    UnknownCheckpoint(u64),
    /// An unknown domain name (in `--domains`).
    #[error("unknown domain `{0}` (available: syntax, imports, types, cfg, semantics)")]
    UnknownDomain(String),
    /// A plugin could not be loaded or set up.
    #[error(transparent)]
    Plugin(#[from] crate::plugin::PluginError),
    /// An earlier internal error left the session unusable.
    #[error("the session failed earlier and cannot continue: {0}")]
    Poisoned(String),
}

/// The domains this build knows, by name.
pub const DOMAINS: &[&str] = &["syntax", "imports", "types", "cfg", "semantics"];

/// A compiled spec: vocabulary, grammar, product, propagation network and
/// the initial constraint, shared by every session.
pub struct Ananke {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) vocab: Arc<SyntaxVocab>,
    pub(crate) product: ProductDomain,
    pub(crate) engine: PropagationEngine,
    pub(crate) initial: ProductConstraint,
    /// What `initial` was computed from (for sessions with another body).
    composition: crate::Composition,
    initial_constraints: Vec<(DomainId, DynConstraint, String)>,
    types: Option<DomainId>,
    pub(crate) syntax: Option<DomainHandle<SyntaxDomain>>,
    pub(crate) imports: Option<DomainId>,
    pub(crate) holes: Vec<crate::spec::HoleSpec>,
    /// Code every session starts with committed (`types.body_prefix`).
    pub(crate) body_prefix: Option<String>,
    /// Masks by (domain, cache key), shared by sessions.
    pub(crate) mask_cache: Mutex<crate::fusion::MaskCache>,
}

impl Ananke {
    /// Compiles `spec` with every domain this build has that applies: the
    /// types domain checks Python, so it joins only when the grammar is
    /// the built-in Python one.
    pub fn new(spec: &Spec) -> Result<Ananke, RuntimeError> {
        Ananke::with_domains(spec, &Ananke::default_domains(spec))
    }

    /// The built-in domains [`Ananke::new`] composes for `spec`: every one,
    /// except that the types, control-flow and semantics domains read
    /// Python and so join only when the grammar is the built-in Python one.
    pub fn default_domains(spec: &Spec) -> Vec<&'static str> {
        DOMAINS
            .iter()
            .copied()
            .filter(|&d| {
                !matches!(d, "types" | "cfg" | "semantics") || spec.syntax.grammar_file.is_none()
            })
            .collect()
    }

    /// Compiles `spec` with the named domains only (`syntax` must be one).
    pub fn with_domains(spec: &Spec, domains: &[&str]) -> Result<Ananke, RuntimeError> {
        spec.validate()?;
        let vocab = load_vocab(&spec.syntax.tokenizer)?;
        Ananke::with_vocab(spec, vocab, domains)
    }

    /// Like [`Ananke::with_domains`], on a vocabulary the caller already
    /// holds (a model's own, say) instead of the spec's `tokenizer`. The
    /// vocabulary's derived tables are shared, so compiling many specs
    /// over one vocabulary is cheap.
    pub fn with_vocab(
        spec: &Spec,
        vocab: Arc<SyntaxVocab>,
        domains: &[&str],
    ) -> Result<Ananke, RuntimeError> {
        spec.validate()?;
        for d in domains {
            if !DOMAINS.contains(d) {
                return Err(RuntimeError::UnknownDomain((*d).to_owned()));
            }
        }
        let mut registry = Registry::new();
        let mut syntax = None;
        let mut grammar_start = None;
        if domains.contains(&"syntax") {
            let backend = backend_by_name(&spec.syntax.backend, &vocab)?;
            let domain = SyntaxDomain::new(backend);
            let (source, label) = match (&spec.syntax.grammar, &spec.syntax.grammar_file) {
                (_, Some(file)) => (GrammarSource::from_file(file)?, file.display().to_string()),
                _ => (
                    python::grammar_for(&spec.syntax.backend),
                    "python.lark".to_owned(),
                ),
            };
            grammar_start = Some((domain.constraint(&source, &label)?, label));
            syntax = Some(registry.register(domain)?);
        }
        let imports = if domains.contains(&"imports") {
            Some(registry.register(ImportsDomain::new())?.id())
        } else {
            None
        };
        let types = if domains.contains(&"types") {
            Some(
                registry
                    .register(TypesDomain::new(vocab.vocabulary()))?
                    .id(),
            )
        } else {
            None
        };
        let cfg = if domains.contains(&"cfg") {
            Some(registry.register(ananke_cfg::CfgDomain::new())?.id())
        } else {
            None
        };
        let semantics = if domains.contains(&"semantics") {
            Some(
                registry
                    .register(ananke_semantics::SemanticsDomain::new())?
                    .id(),
            )
        } else {
            None
        };
        let mut plugin_starts: Vec<(DomainId, DynConstraint, String)> = Vec::new();
        for (i, entry) in spec.plugins.iter().enumerate() {
            for plugin in crate::plugin::Plugin::load_path(&entry.path)? {
                let host = plugin.domain(vocab.vocabulary())?;
                // No constraint given: the plugin's default policy (its
                // reading of the empty text).
                let start = host.parse(entry.constraint.as_deref().unwrap_or(""))?;
                let id = registry.register(host)?.id();
                plugin_starts.push((
                    id,
                    DynConstraint::new(start),
                    format!("spec plugins[{i}] ({})", plugin.path().display()),
                ));
            }
        }
        if imports.is_some() && types.is_some() {
            registry.connect(
                "types",
                "imports",
                crate::priority::TYPES_TO_IMPORTS,
                ananke_core::erase_morphism(crate::morphisms::TypesToImports),
            );
            registry.connect(
                "imports",
                "types",
                crate::priority::IMPORTS_TO_TYPES,
                ananke_core::erase_morphism(crate::morphisms::ImportsToTypes),
            );
        }
        if types.is_some() && semantics.is_some() {
            registry.connect(
                ananke_semantics::SemanticsDomain::NAME,
                TypesDomain::NAME,
                crate::priority::SEMANTICS_TO_TYPES,
                ananke_core::erase_morphism(crate::morphisms::SemanticsToTypes::default()),
            );
        }
        if cfg.is_some() && semantics.is_some() {
            registry.connect(
                ananke_cfg::CfgDomain::NAME,
                ananke_semantics::SemanticsDomain::NAME,
                crate::priority::CFG_TO_SEMANTICS,
                ananke_core::erase_morphism(crate::morphisms::CfgToSemantics),
            );
        }
        let composition = registry.build()?;
        let mut initial_constraints: Vec<(DomainId, DynConstraint, String)> = Vec::new();
        if let (Some(handle), Some((start, label))) = (syntax, grammar_start) {
            initial_constraints.push((
                handle.id(),
                DynConstraint::new(start),
                format!("spec syntax.grammar ({label})"),
            ));
        }
        if let Some(imports) = imports {
            let policy = spec.imports.constraint("imports")?;
            initial_constraints.push((
                imports,
                DynConstraint::new(ImportsConstraint::from(policy)),
                "spec [imports]".to_owned(),
            ));
        }
        if let Some(types) = types {
            let (constraint, reason) = match &spec.types.body_prefix {
                Some(prefix) => (
                    TypesConstraint::body_after(prefix.len()),
                    "spec types.body_prefix (a closed function body)",
                ),
                None => (TypesConstraint::module(), "a module written from its start"),
            };
            initial_constraints.push((types, DynConstraint::new(constraint), reason.to_owned()));
        }
        if let Some(cfg) = cfg {
            initial_constraints.push((
                cfg,
                DynConstraint::new(ananke_cfg::CfgConstraint::from(spec.cfg.requirements()?)),
                "spec [cfg] requirements".to_owned(),
            ));
        }
        if let Some(semantics) = semantics {
            let contract = spec.semantics.contract(spec)?.unwrap_or_default();
            initial_constraints.push((
                semantics,
                DynConstraint::new(ananke_semantics::SemanticsConstraint::new(contract)),
                "spec [semantics] contract".to_owned(),
            ));
        }
        initial_constraints.extend(plugin_starts);
        let initial = start_state(&composition, &initial_constraints)?;
        Ok(Ananke {
            shared: Arc::new(Shared {
                vocab,
                product: composition.product().clone(),
                engine: composition.engine(),
                initial,
                composition,
                initial_constraints,
                types,
                syntax,
                imports,
                holes: spec.holes.clone(),
                body_prefix: spec.types.body_prefix.clone(),
                mask_cache: Mutex::new(crate::fusion::MaskCache::new(
                    crate::fusion::MASK_CACHE_CAPACITY,
                )),
            }),
        })
    }

    /// The vocabulary.
    pub fn vocab(&self) -> &Arc<SyntaxVocab> {
        &self.shared.vocab
    }

    /// The product of the enabled domains.
    pub fn product(&self) -> &ProductDomain {
        &self.shared.product
    }

    /// Masks held in the cache shared by this spec's sessions.
    pub fn mask_cache_len(&self) -> usize {
        self.shared
            .mask_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// A fresh session at the start of the output.
    pub fn session(&self) -> Result<Session, RuntimeError> {
        self.start_session(
            self.shared.initial.fork()?,
            self.shared.body_prefix.as_deref(),
        )
    }

    /// A session that generates the body of the function `prefix` ends
    /// with, as a closed hole — what the spec's `types.body_prefix` does,
    /// for any prefix, without compiling the spec again: one `Ananke`
    /// serves every prompt. `prefix` must end with the `def ...:` line and
    /// a line break; the session starts with it committed.
    pub fn body_session(&self, prefix: &str) -> Result<Session, RuntimeError> {
        crate::spec::check_body_prefix(prefix)?;
        let state = match self.shared.types {
            Some(types) => {
                let mut constraints = self.shared.initial_constraints.clone();
                for (domain, constraint, reason) in &mut constraints {
                    if *domain == types {
                        *constraint = DynConstraint::new(TypesConstraint::body_after(prefix.len()));
                        *reason = "a closed function body (Ananke::body_session)".to_owned();
                    }
                }
                start_state(&self.shared.composition, &constraints)?
            }
            None => self.shared.initial.fork()?,
        };
        self.start_session(state, Some(prefix))
    }

    fn start_session(
        &self,
        state: ProductConstraint,
        body_prefix: Option<&str>,
    ) -> Result<Session, RuntimeError> {
        let mut holes = HoleTree::new(state.clone());
        // Spec holes start under the module hole, not yet open for writing
        // (generation opens them when it reaches them).
        for hole in &self.shared.holes {
            let granularity = hole
                .granularity
                .parse::<Granularity>()
                .unwrap_or(Granularity::Function);
            let id = holes.open(holes.root(), &hole.name, granularity)?;
            holes.close(id);
        }
        let mut session = Session {
            shared: self.shared.clone(),
            state: state.clone(),
            tokens: Vector::new(),
            history: Vector::new(),
            holes,
            scanner: StructureScanner::default(),
            checkpoints: HashMap::new(),
            next_checkpoint: 0,
            engine: self.shared.engine.clone(),
            fusion: Fusion::new(&self.shared.product),
            poisoned: None,
        };
        session.apply_hole_specs()?;
        if let Some(prefix) = body_prefix {
            let tokens = self.shared.vocab.encode(prefix);
            for (i, &token) in tokens.iter().enumerate() {
                match session.commit(token) {
                    Ok(()) => {}
                    Err(RuntimeError::Rejected { reasons, .. }) => {
                        let at = self.shared.vocab.decode(&tokens[..i]).len();
                        let why: Vec<String> =
                            reasons.iter().map(|(d, r)| format!("{d}: {r}")).collect();
                        return Err(RuntimeError::Spec(SpecError::new(
                            "types.body_prefix",
                            format!(
                                "the constraints reject it at byte {at} ({})",
                                why.join("; ")
                            ),
                        )));
                    }
                    Err(other) => return Err(other),
                }
            }
        }
        Ok(session)
    }
}

/// Meets the initial constraints into ⊤ and propagates.
fn start_state(
    composition: &crate::Composition,
    constraints: &[(DomainId, DynConstraint, String)],
) -> Result<ProductConstraint, RuntimeError> {
    composition
        .initial(
            constraints
                .iter()
                .map(|(d, c, r)| (*d, c.clone(), r.as_str())),
        )
        .map_err(|e| RuntimeError::Contradiction(e.to_string()))
}

fn load_vocab(tokenizer: &str) -> Result<Arc<SyntaxVocab>, RuntimeError> {
    match tokenizer {
        "cl100k_base" | "cl100k" | "o200k_base" | "o200k" => Ok(SyntaxVocab::by_name(tokenizer)?),
        path => Ok(SyntaxVocab::from_tokenizer_json(
            std::path::Path::new(path),
            &[],
        )?),
    }
}

/// What the session remembers of a step, to undo it.
#[derive(Clone)]
struct Step {
    state: ProductConstraint,
    holes: HoleTree,
    scanner: StructureScanner,
}

#[derive(Clone)]
struct Snapshot {
    state: ProductConstraint,
    tokens: Vector<TokenId>,
    history: Vector<Step>,
    holes: HoleTree,
    scanner: StructureScanner,
}

/// Why a token is allowed or not, domain by domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The token.
    pub token: TokenId,
    /// Its text.
    pub text: String,
    /// Whether the fused mask allows it.
    pub allowed: bool,
    /// Each rejecting domain, why, and where its constraint came from.
    pub rejections: Vec<Rejection>,
}

/// One domain's rejection of a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The domain.
    pub domain: String,
    /// Why, in words.
    pub reason: String,
    /// The refinements that shaped the domain's constraint in the active
    /// hole (spec lines, holes).
    pub provenance: Vec<String>,
}

/// One generation in progress (see the module docs).
pub struct Session {
    shared: Arc<Shared>,
    state: ProductConstraint,
    tokens: Vector<TokenId>,
    history: Vector<Step>,
    holes: HoleTree,
    scanner: StructureScanner,
    checkpoints: HashMap<u64, Snapshot>,
    next_checkpoint: u64,
    engine: PropagationEngine,
    fusion: Fusion,
    poisoned: Option<String>,
}

impl Session {
    fn check_usable(&self) -> Result<(), RuntimeError> {
        match &self.poisoned {
            Some(reason) => Err(RuntimeError::Poisoned(reason.clone())),
            None => Ok(()),
        }
    }

    /// Records an internal failure: every later call reports it instead of
    /// continuing on a state that may be inconsistent.
    fn poison(&mut self, error: RuntimeError) -> RuntimeError {
        self.poisoned = Some(error.to_string());
        error
    }

    fn ctx(&self) -> StepContext<'_> {
        StepContext::new(self.shared.vocab.vocabulary())
    }

    /// The tokens committed so far.
    pub fn tokens(&self) -> Vec<TokenId> {
        self.tokens.iter().copied().collect()
    }

    /// The text committed so far (special tokens as `0xFF` + name).
    pub fn text(&self) -> Vec<u8> {
        self.shared.vocab.decode(&self.tokens())
    }

    /// The current product constraint.
    pub fn state(&self) -> &ProductConstraint {
        &self.state
    }

    /// The hole tree.
    pub fn holes(&self) -> &HoleTree {
        &self.holes
    }

    /// Fusion statistics so far.
    pub fn stats(&self) -> &crate::fusion::FusionStats {
        self.fusion.stats()
    }

    /// Writes the tokens every domain allows next into `out` (one bit per
    /// vocabulary id, the int32 layout engines use).
    pub fn compute_mask(&mut self, out: &mut TokenMask) -> Result<(), RuntimeError> {
        self.check_usable()?;
        let shared = self.shared.clone();
        let ctx = StepContext::new(shared.vocab.vocabulary());
        match self.fusion.compute(&shared, &self.state, ctx, out) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.poison(RuntimeError::Core(e))),
        }
    }

    /// Appends `token` if every domain allows it; otherwise returns
    /// [`RuntimeError::Rejected`] and leaves the session as it was.
    pub fn commit(&mut self, token: TokenId) -> Result<(), RuntimeError> {
        self.check_usable()?;
        let ctx = self.ctx();
        let bytes = ctx.vocab.try_token_bytes(token)?.to_vec();
        let mut next = self.state.clone();
        let changed = match next.observe(token, ctx) {
            Ok(changed) => changed,
            Err(e) => return Err(self.poison(RuntimeError::Core(e))),
        };
        let reason = format!("token {token} observed");
        let seeds: Vec<Seed<'_>> = changed
            .iter()
            .map(|&domain| Seed {
                domain,
                reason: &reason,
            })
            .collect();
        let propagated = self.engine.propagate(&mut next, &seeds);
        let rejected = match propagated {
            Ok(_) => next.is_bottom(),
            Err(PropagationError::Contradiction(_)) => true,
            Err(other) => return Err(self.poison(RuntimeError::Contradiction(other.to_string()))),
        };
        if rejected {
            let reasons = self.rejection_reasons(token, &next);
            return Err(RuntimeError::Rejected {
                token,
                text: String::from_utf8_lossy(&bytes).into_owned(),
                reasons,
            });
        }
        self.history.push_back(Step {
            state: std::mem::replace(&mut self.state, next),
            holes: self.holes.clone(),
            scanner: self.scanner.clone(),
        });
        self.tokens.push_back(token);
        self.report_requirements(&self.history.back().expect("just pushed").state.clone());
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let events = self.scanner.feed(&text);
        self.apply_hole_events(events)?;
        Ok(())
    }

    /// Modules the last step began to require (a qualified use the types →
    /// imports morphism turned into a requirement) are recorded on the
    /// module hole, with the hole that used them: what the enclosing
    /// module must import.
    fn report_requirements(&mut self, before: &ProductConstraint) {
        let Some(imports) = self.shared.imports else {
            return;
        };
        let required = |state: &ProductConstraint| {
            state
                .component(imports)
                .and_then(|c| c.downcast_ref::<ImportsConstraint>())
                .map(|c| c.policy().required().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        let (old, new) = (required(before), required(&self.state));
        if old.len() == new.len() {
            return;
        }
        // Name the enclosing function hole (or the module).
        let mut user = crate::MODULE_HOLE.to_owned();
        let mut current = Some(self.holes.active());
        while let Some(hole) = current.and_then(|id| self.holes.get(id)) {
            if hole.granularity == Granularity::Function {
                user.clone_from(&hole.name);
                break;
            }
            current = hole.parent;
        }
        for module in new.iter().filter(|m| !old.contains(m)) {
            let reason = format!(
                "types→imports: hole `{user}` uses `{module}.`, so the module must import `{module}`"
            );
            let constraint =
                ImportsConstraint::from(ananke_imports::ImportPolicy::require(module.clone()));
            // The session's state has the requirement already; the tree
            // records where it came from. A tree conflict cannot arise
            // that the state did not already have.
            let _ = self.holes.refine(
                self.holes.root(),
                imports,
                &DynConstraint::new(constraint),
                &reason,
                Scope::Module,
            );
        }
    }

    fn rejection_reasons(
        &self,
        token: TokenId,
        after: &ProductConstraint,
    ) -> Vec<(String, String)> {
        let product = &self.shared.product;
        let mut reasons: Vec<(String, String)> = after
            .bottom_domains()
            .map(|id| {
                let why = self
                    .state
                    .component(id)
                    .and_then(|c| {
                        product
                            .domain(id)
                            .and_then(|d| d.explain(c, token, self.ctx()).ok().flatten())
                    })
                    .unwrap_or_else(|| format!("{:?}", after.component(id)));
                (product.name(id).to_owned(), why)
            })
            .collect();
        if reasons.is_empty() {
            reasons.push(("product".into(), "contradiction".into()));
        }
        reasons
    }

    /// Commits tokens in order; stops at the first rejected one and
    /// returns how many were committed (the rest are untouched).
    pub fn commit_many(&mut self, tokens: &[TokenId]) -> Result<usize, RuntimeError> {
        for (i, &token) in tokens.iter().enumerate() {
            match self.commit(token) {
                Ok(()) => {}
                Err(RuntimeError::Rejected { .. }) => return Ok(i),
                Err(other) => return Err(other),
            }
        }
        Ok(tokens.len())
    }

    /// How many of `tokens` would be accepted in order, without changing
    /// the session.
    pub fn validate(&mut self, tokens: &[TokenId]) -> Result<usize, RuntimeError> {
        let mark = self.tokens.len();
        let accepted = self.commit_many(tokens)?;
        self.rollback(self.tokens.len() - mark)?;
        Ok(accepted)
    }

    /// Removes the last `n` tokens. O(n + log length).
    pub fn rollback(&mut self, n: usize) -> Result<(), RuntimeError> {
        self.check_usable()?;
        if n > self.tokens.len() {
            return Err(RuntimeError::RollbackTooFar {
                requested: n,
                available: self.tokens.len(),
            });
        }
        if n == 0 {
            return Ok(());
        }
        let keep = self.tokens.len() - n;
        let step = self.history[keep].clone();
        self.history.truncate(keep);
        self.tokens.truncate(keep);
        self.state = step.state;
        self.holes = step.holes;
        self.scanner = step.scanner;
        Ok(())
    }

    /// Saves the current state; O(1).
    pub fn checkpoint(&mut self) -> u64 {
        let id = self.next_checkpoint;
        self.next_checkpoint += 1;
        self.checkpoints.insert(
            id,
            Snapshot {
                state: self.state.clone(),
                tokens: self.tokens.clone(),
                history: self.history.clone(),
                holes: self.holes.clone(),
                scanner: self.scanner.clone(),
            },
        );
        id
    }

    /// Forgets a checkpoint.
    pub fn release(&mut self, id: u64) {
        self.checkpoints.remove(&id);
    }

    /// Returns to a checkpoint (which stays available).
    pub fn restore(&mut self, id: u64) -> Result<(), RuntimeError> {
        let snapshot = self
            .checkpoints
            .get(&id)
            .cloned()
            .ok_or(RuntimeError::UnknownCheckpoint(id))?;
        self.state = snapshot.state;
        self.tokens = snapshot.tokens;
        self.history = snapshot.history;
        self.holes = snapshot.holes;
        self.scanner = snapshot.scanner;
        self.poisoned = None;
        Ok(())
    }

    /// An independent copy (beam search, parallel sampling): domains with
    /// shared parsers detach them.
    pub fn fork(&self) -> Result<Session, RuntimeError> {
        self.check_usable()?;
        Ok(Session {
            shared: self.shared.clone(),
            state: self.state.fork()?,
            tokens: self.tokens.clone(),
            history: self.history.clone(),
            holes: self.holes.clone(),
            scanner: self.scanner.clone(),
            checkpoints: HashMap::new(),
            next_checkpoint: 0,
            engine: self.engine.clone(),
            fusion: Fusion::new(&self.shared.product),
            poisoned: None,
        })
    }

    /// Back to the start.
    pub fn reset(&mut self) -> Result<(), RuntimeError> {
        let n = self.tokens.len();
        self.poisoned = None;
        self.rollback(n)
    }

    /// Whether the output may end here: the syntax domain accepts, no
    /// domain is contradictory, and every domain allows the end-of-sequence
    /// token (the types domain checks the finished module there).
    pub fn is_accepting(&self) -> Result<bool, RuntimeError> {
        let product = &self.shared.product;
        for id in product.ids() {
            let domain = product.domain(id).expect("id from the product");
            let component = self.state.component(id).expect("id from the product");
            match domain.satisfiability(component)? {
                Satisfiability::Unsat => return Ok(false),
                Satisfiability::Unknown if Some(id) == self.shared.syntax.map(|h| h.id()) => {
                    return Ok(false);
                }
                _ => {}
            }
        }
        let ctx = self.ctx();
        let Some(&eos) = ctx.vocab.eos().first() else {
            return Ok(true);
        };
        let mut next = self.state.clone();
        next.observe(eos, ctx)?;
        Ok(!next.is_bottom())
    }

    /// Why `token` is or is not allowed next, per domain, with provenance.
    pub fn explain(&mut self, token: TokenId) -> Result<Explanation, RuntimeError> {
        let ctx = self.ctx();
        let text = String::from_utf8_lossy(ctx.vocab.try_token_bytes(token)?).into_owned();
        let mut mask = TokenMask::new_empty(self.shared.vocab.len());
        self.compute_mask(&mut mask)?;
        let reasons = self.state.explain(token, self.ctx())?;
        let active = self.holes.get(self.holes.active());
        let product = &self.shared.product;
        let rejections = reasons
            .into_iter()
            .map(|(domain, reason)| {
                let id = product.id_of(&domain);
                let provenance = active
                    .map(|h| {
                        h.provenance
                            .iter()
                            .filter(|(d, _)| Some(*d) == id)
                            .map(|(_, r)| r.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                Rejection {
                    domain,
                    reason,
                    provenance,
                }
            })
            .collect();
        Ok(Explanation {
            token,
            text,
            allowed: mask.contains(token),
            rejections,
        })
    }

    /// Bytes the syntax domain forces next, and their canonical tokens
    /// (jump-forward decoding): committing them saves model calls.
    pub fn jump_forward(&self) -> Result<(Vec<TokenId>, Vec<u8>), RuntimeError> {
        let Some(handle) = self.shared.syntax else {
            return Ok((Vec::new(), Vec::new()));
        };
        let syntax = self.state.get(handle)?;
        let bytes = syntax.forced_bytes()?;
        let tokens = match std::str::from_utf8(&bytes) {
            Ok(text) if !text.is_empty() => self.shared.vocab.encode(text),
            _ => Vec::new(),
        };
        Ok((tokens, bytes))
    }

    /// Refines a hole with a constraint for one domain (see
    /// [`HoleTree::refine`]); the session's state takes it too when the
    /// hole is the active one or encloses it.
    pub fn refine_hole(
        &mut self,
        hole: HoleId,
        domain: DomainId,
        constraint: DynConstraint,
        reason: &str,
        scope: Scope,
    ) -> Result<(), RuntimeError> {
        self.holes
            .refine(hole, domain, &constraint, reason, scope)
            .map_err(|e| RuntimeError::Contradiction(e.to_string()))?;
        let active = self.holes.active();
        let mut on_path = false;
        let mut current = Some(active);
        while let Some(id) = current {
            on_path |= id == hole;
            current = self.holes.get(id).and_then(|h| h.parent);
        }
        if on_path || scope == Scope::Module {
            self.state.meet_component_dyn(domain, &constraint)?;
            let seeds = [Seed { domain, reason }];
            self.engine
                .propagate(&mut self.state, &seeds)
                .map_err(|e| RuntimeError::Contradiction(e.to_string()))?;
        }
        Ok(())
    }

    /// Spec holes' import constraints are module-wide: refine the tree.
    fn apply_hole_specs(&mut self) -> Result<(), RuntimeError> {
        let Some(imports) = self.shared.imports else {
            return Ok(());
        };
        for (i, hole) in self.shared.holes.clone().iter().enumerate() {
            let constraint = hole.imports.constraint(&format!("holes[{i}].imports"))?;
            if ananke_core::MeetSemilattice::is_top(&constraint) {
                continue;
            }
            let id = self
                .holes
                .find(&hole.name)
                .expect("spec holes are in the tree");
            let reason = format!("hole `{}` (spec holes[{i}].imports)", hole.name);
            self.refine_hole(
                id,
                imports,
                DynConstraint::new(ImportsConstraint::from(constraint)),
                &reason,
                Scope::Module,
            )?;
        }
        Ok(())
    }

    fn apply_hole_events(&mut self, events: Vec<HoleEvent>) -> Result<(), RuntimeError> {
        for event in events {
            match event {
                HoleEvent::Open(name, granularity) => {
                    let parent = self.holes.active();
                    // A spec hole of that name opens again for writing.
                    match self.holes.find(&name).filter(|id| {
                        self.holes
                            .get(*id)
                            .is_some_and(|h| !h.open && h.children.is_empty())
                    }) {
                        Some(existing) if granularity == Granularity::Function => {
                            self.holes = reopen(&self.holes, existing);
                        }
                        _ => {
                            self.holes.open(parent, &name, granularity)?;
                        }
                    }
                }
                HoleEvent::Close(granularity) => {
                    let mut current = Some(self.holes.active());
                    while let Some(id) = current {
                        let hole = self.holes.get(id).expect("active hole exists");
                        if hole.granularity == granularity && id != self.holes.root() {
                            self.holes.close(id);
                            break;
                        }
                        current = hole.parent;
                    }
                }
            }
        }
        Ok(())
    }
}

fn reopen(tree: &HoleTree, id: HoleId) -> HoleTree {
    let mut tree = tree.clone();
    tree.reopen(id);
    tree
}
