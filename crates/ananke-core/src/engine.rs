//! The propagation engine: domains are nodes, morphisms are edges, and a
//! priority worklist meets morphism images into their targets until nothing
//! changes.
//!
//! Scheduling: an edge is queued when its source changes; the queue pops the
//! lowest `priority` first, then edges whose source comes earlier in a
//! topological order of the strongly connected components (so upstream
//! facts settle before downstream ones), then first-queued first. Each edge
//! is in the queue at most once. Monotone morphisms over lattices without
//! infinite descending chains reach the greatest fixpoint below the seeds;
//! for everything else a step bound turns a runaway chain into
//! [`PropagationError::NonTermination`].
//!
//! The graph is built once and shared (`Arc`); each engine value owns its
//! scratch space, so a propagation allocates nothing unless it fails (or
//! refines more targets than [`Propagation::refinements`] holds inline).
//!
//! A propagation reports what it did: each [`Refinement`] names the edge
//! that fired, its endpoints, the target's constraint before and the image
//! that tightened it. Callers that keep a record of why a constraint grew
//! (the runtime's hole tree) read it there, and a morphism can put the
//! change in words ([`DynMorphism::describe`]), so nobody has to diff
//! states to rediscover what a morphism added.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::sync::Arc;

use fixedbitset::FixedBitSet;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use smallvec::SmallVec;

use crate::{
    ChangedDomains, Domain, DomainHandle, DomainId, DynConstraint, DynMorphism, Error, Morphism,
    ProductConstraint, ProductDomain, erase_morphism,
};

/// Default bound on edge applications per propagation.
pub const DEFAULT_STEP_BOUND: usize = 10_000;

/// How many of the last edges a [`PropagationError::NonTermination`] shows.
const RECENT: usize = 8;

/// The position of a morphism in a network.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct EdgeId(u32);

impl EdgeId {
    /// The position as an index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A change that starts a propagation, and why it happened (the provenance
/// a contradiction reports).
#[derive(Clone, Copy, Debug)]
pub struct Seed<'a> {
    /// The domain whose constraint changed.
    pub domain: DomainId,
    /// Why: `"spec: imports.forbidden"`, `"token 42 observed"`, …
    pub reason: &'a str,
}

/// One fired morphism, by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeStep {
    /// The morphism's name.
    pub morphism: String,
    /// The source domain's name.
    pub source: String,
    /// The target domain's name.
    pub target: String,
}

impl fmt::Display for EdgeStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} →[{}] {}", self.source, self.morphism, self.target)
    }
}

/// A domain became ⊥: which one, through which chain of morphisms, and
/// which seeds started the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contradiction {
    /// The domain that became ⊥.
    pub domain: DomainId,
    /// Its name.
    pub domain_name: String,
    /// The morphisms that carried the change to it, first to last (empty
    /// when a seed itself was ⊥).
    pub path: Vec<EdgeStep>,
    /// The reasons of the seeds of every domain on the path (each one's
    /// constraint took part in the meet that failed), in seed order.
    pub provenance: Vec<String>,
    /// The ⊥ constraint, printed.
    pub constraint: String,
}

impl fmt::Display for Contradiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "domain `{}` became ⊥", self.domain_name)?;
        if !self.path.is_empty() {
            f.write_str(" via ")?;
            for (i, step) in self.path.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{step}")?;
            }
        }
        if !self.provenance.is_empty() {
            f.write_str(" (sources: ")?;
            for (i, source) in self.provenance.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "`{source}`")?;
            }
            f.write_str(")")?;
        }
        write!(f, ": {}", self.constraint)
    }
}

/// Why a propagation did not reach a fixpoint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PropagationError {
    /// Some domain became ⊥.
    #[error("{0}")]
    Contradiction(Box<Contradiction>),
    /// The step bound was reached: a chain that does not settle.
    #[error("propagation did not settle within {bound} morphism applications; last edges: {}", display_steps(.recent))]
    NonTermination {
        /// The bound.
        bound: usize,
        /// The last edges fired, oldest first.
        recent: Vec<EdgeStep>,
    },
    /// A morphism or domain failed (a wiring mistake, usually).
    #[error(transparent)]
    Failed(#[from] Error),
}

fn display_steps(steps: &[EdgeStep]) -> String {
    steps
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One morphism image that tightened its target during a propagation.
///
/// Both constraints are shared handles (an `Arc` clone each), so recording
/// a refinement copies no constraint.
#[derive(Clone, Debug, PartialEq)]
pub struct Refinement {
    /// The edge that fired (its morphism: [`PropagationEngine::morphism`]).
    pub edge: EdgeId,
    /// The domain the morphism read.
    pub source: DomainId,
    /// The domain it tightened.
    pub target: DomainId,
    /// The target's constraint just before the image was met into it.
    pub before: DynConstraint,
    /// The image the morphism produced; `before ⊓ image` differs from
    /// `before`.
    pub image: DynConstraint,
}

/// What a successful propagation did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Propagation {
    /// Morphism applications performed.
    pub steps: usize,
    /// Domains whose constraint changed (not counting the seeds' own
    /// change), in the order they first changed.
    pub changed: ChangedDomains,
    /// Every image that changed its target, in the order they were met
    /// (a domain tightened twice appears twice). Empty — and unallocated —
    /// when no morphism changed anything; a token rarely changes more than
    /// a few targets, so up to four are kept inline.
    pub refinements: SmallVec<[Refinement; 4]>,
}

struct EdgeData {
    morphism: Arc<dyn DynMorphism>,
    priority: u32,
}

struct Network {
    product: ProductDomain,
    graph: DiGraph<DomainId, EdgeData>,
    /// Topological rank of each node's strongly connected component.
    scc_rank: Vec<u32>,
    /// Each node's outgoing edges in registration order.
    out_edges: Vec<Box<[u32]>>,
    step_bound: usize,
}

/// Wires morphisms between the domains of one product.
pub struct NetworkBuilder {
    product: ProductDomain,
    graph: DiGraph<DomainId, EdgeData>,
    step_bound: usize,
}

impl NetworkBuilder {
    /// A network over `product`'s domains, with no edges yet.
    pub fn new(product: &ProductDomain) -> NetworkBuilder {
        let mut graph = DiGraph::new();
        for id in product.ids() {
            graph.add_node(id);
        }
        NetworkBuilder {
            product: product.clone(),
            graph,
            step_bound: DEFAULT_STEP_BOUND,
        }
    }

    /// Adds a typed morphism from `source` to `target`. Lower `priority`
    /// fires first.
    pub fn connect<S, T, M>(
        &mut self,
        source: DomainHandle<S>,
        target: DomainHandle<T>,
        priority: u32,
        morphism: M,
    ) -> Result<EdgeId, Error>
    where
        S: Domain,
        T: Domain,
        M: Morphism<Source = S::Constraint, Target = T::Constraint>,
    {
        self.connect_dyn(source.id(), target.id(), priority, erase_morphism(morphism))
    }

    /// Adds an erased morphism, checking that its source and target types
    /// match the domains'.
    pub fn connect_dyn(
        &mut self,
        source: DomainId,
        target: DomainId,
        priority: u32,
        morphism: Arc<dyn DynMorphism>,
    ) -> Result<EdgeId, Error> {
        for (id, expected, expected_name) in [
            (source, morphism.source_type(), morphism.source_type_name()),
            (target, morphism.target_type(), morphism.target_type_name()),
        ] {
            let domain = self
                .product
                .domain(id)
                .ok_or_else(|| Error::UnknownDomain(id.to_string()))?;
            if domain.constraint_type() != expected {
                return Err(Error::ConstraintType {
                    context: format!(
                        "morphism `{}` at domain `{}`",
                        morphism.name(),
                        domain.name()
                    ),
                    expected: expected_name,
                    found: domain.constraint_type_name(),
                });
            }
        }
        let edge = self.graph.add_edge(
            NodeIndex::new(source.index()),
            NodeIndex::new(target.index()),
            EdgeData { morphism, priority },
        );
        Ok(EdgeId(edge.index() as u32))
    }

    /// Sets the bound on morphism applications per propagation.
    pub fn step_bound(mut self, bound: usize) -> NetworkBuilder {
        self.step_bound = bound;
        self
    }

    /// Finishes the network.
    pub fn build(self) -> PropagationEngine {
        let sccs = petgraph::algo::tarjan_scc(&self.graph);
        // tarjan_scc yields components in reverse topological order.
        let mut scc_rank = vec![0u32; self.graph.node_count()];
        for (i, component) in sccs.iter().enumerate() {
            for node in component {
                scc_rank[node.index()] = (sccs.len() - 1 - i) as u32;
            }
        }
        let out_edges = self
            .graph
            .node_indices()
            .map(|node| {
                let mut edges: Vec<u32> = self
                    .graph
                    .edges(node)
                    .map(|e| e.id().index() as u32)
                    .collect();
                edges.sort_unstable();
                edges.into_boxed_slice()
            })
            .collect();
        let network = Network {
            product: self.product,
            graph: self.graph,
            scc_rank,
            out_edges,
            step_bound: self.step_bound,
        };
        PropagationEngine {
            scratch: Scratch::new(&network),
            network: Arc::new(network),
        }
    }
}

#[derive(Clone)]
struct Scratch {
    /// (priority, source SCC rank, sequence number, edge).
    heap: BinaryHeap<Reverse<(u32, u32, u64, u32)>>,
    queued: FixedBitSet,
    /// The edge that last changed each domain in this run.
    changed_by: Vec<Option<u32>>,
    changed: FixedBitSet,
    seq: u64,
    recent: [u32; RECENT],
}

impl Scratch {
    fn new(network: &Network) -> Scratch {
        Scratch {
            heap: BinaryHeap::with_capacity(network.graph.edge_count()),
            queued: FixedBitSet::with_capacity(network.graph.edge_count()),
            changed_by: vec![None; network.graph.node_count()],
            changed: FixedBitSet::with_capacity(network.graph.node_count()),
            seq: 0,
            recent: [0; RECENT],
        }
    }

    fn reset(&mut self) {
        self.heap.clear();
        self.queued.clear();
        self.changed_by.fill(None);
        self.changed.clear();
        self.seq = 0;
    }
}

/// Runs propagation over a fixed network (see the module docs).
///
/// Cloning is cheap: the graph is shared, the scratch space is per value.
#[derive(Clone)]
pub struct PropagationEngine {
    network: Arc<Network>,
    scratch: Scratch,
}

impl PropagationEngine {
    /// Starts wiring a network over `product`.
    pub fn builder(product: &ProductDomain) -> NetworkBuilder {
        NetworkBuilder::new(product)
    }

    /// The product whose domains are the nodes.
    pub fn product(&self) -> &ProductDomain {
        &self.network.product
    }

    /// Number of morphisms.
    pub fn edge_count(&self) -> usize {
        self.network.graph.edge_count()
    }

    /// The configured step bound.
    pub fn step_bound(&self) -> usize {
        self.network.step_bound
    }

    /// The morphism on `edge` (to name it, or to have it
    /// [`describe`](DynMorphism::describe) one of a propagation's
    /// [`refinements`](Propagation::refinements)).
    pub fn morphism(&self, edge: EdgeId) -> Option<&dyn DynMorphism> {
        self.network
            .graph
            .edge_weight(EdgeIndex::new(edge.index()))
            .map(|data| &*data.morphism)
    }

    /// Propagates the changes in `seeds` through the network until a
    /// fixpoint, updating `product` in place.
    ///
    /// On a contradiction `product` holds the state at that moment (one
    /// domain ⊥); callers that want the old state back clone `product`
    /// first, which is O(1).
    pub fn propagate(
        &mut self,
        product: &mut ProductConstraint,
        seeds: &[Seed<'_>],
    ) -> Result<Propagation, PropagationError> {
        let network = Arc::clone(&self.network);
        let expected = network.product.layout_id();
        if product.layout_id() != expected {
            return Err(Error::ForeignProduct {
                expected,
                found: product.layout_id(),
            }
            .into());
        }
        self.scratch.reset();
        for seed in seeds {
            let constraint = product
                .component(seed.domain)
                .ok_or_else(|| Error::UnknownDomain(seed.domain.to_string()))?;
            if constraint.is_bottom() {
                return Err(self.contradiction(product, seed.domain, seeds));
            }
            self.enqueue_out(&network, seed.domain);
        }
        let mut result = Propagation::default();
        while let Some(Reverse((_, _, _, edge))) = self.scratch.heap.pop() {
            self.scratch.queued.set(edge as usize, false);
            if result.steps == network.step_bound {
                return Err(self.non_termination(result.steps));
            }
            self.scratch.recent[result.steps % RECENT] = edge;
            result.steps += 1;

            let edge_index = EdgeIndex::new(edge as usize);
            let (source, target) = network
                .graph
                .edge_endpoints(edge_index)
                .expect("queued edges exist in the graph");
            let source = DomainId::from_node(source);
            let target = DomainId::from_node(target);
            let image = network.graph[edge_index]
                .morphism
                .apply(product.component_unchecked(source))?;
            let current = product.component_unchecked(target);
            let met = current.meet(&image)?;
            if met.ptr_eq(current) || met == *current {
                continue;
            }
            let bottom = met.is_bottom();
            result.refinements.push(Refinement {
                edge: EdgeId(edge),
                source,
                target,
                before: current.clone(),
                image,
            });
            product.replace_unchecked(target, met);
            self.scratch.changed_by[target.index()] = Some(edge);
            if !self.scratch.changed.put(target.index()) {
                result.changed.push(target);
            }
            if bottom {
                return Err(self.contradiction(product, target, seeds));
            }
            self.enqueue_out(&network, target);
        }
        Ok(result)
    }

    /// Propagates from every domain at once: the fixpoint of a freshly
    /// built product (a spec's constraints, say).
    pub fn propagate_all(
        &mut self,
        product: &mut ProductConstraint,
        reason: &str,
    ) -> Result<Propagation, PropagationError> {
        let seeds: Vec<Seed<'_>> = self
            .network
            .product
            .ids()
            .map(|domain| Seed { domain, reason })
            .collect();
        self.propagate(product, &seeds)
    }

    /// Whether no morphism can tighten `product` any further.
    pub fn is_fixpoint(&self, product: &ProductConstraint) -> Result<bool, Error> {
        for edge in self.network.graph.edge_references() {
            let source = DomainId::from_node(edge.source());
            let target = DomainId::from_node(edge.target());
            let image = edge
                .weight()
                .morphism
                .apply(product.component_unchecked(source))?;
            let current = product.component_unchecked(target);
            if current.meet(&image)? != *current {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn enqueue_out(&mut self, network: &Network, domain: DomainId) {
        let rank = network.scc_rank[domain.index()];
        for &edge in network.out_edges[domain.index()].iter() {
            if !self.scratch.queued.put(edge as usize) {
                self.scratch.seq += 1;
                let priority = network.graph[EdgeIndex::new(edge as usize)].priority;
                self.scratch
                    .heap
                    .push(Reverse((priority, rank, self.scratch.seq, edge)));
            }
        }
    }

    fn step(&self, edge: u32) -> EdgeStep {
        let graph = &self.network.graph;
        let index = EdgeIndex::new(edge as usize);
        let (source, target) = graph.edge_endpoints(index).expect("edge exists");
        EdgeStep {
            morphism: graph[index].morphism.name().to_owned(),
            source: self
                .network
                .product
                .name(DomainId::from_node(source))
                .to_owned(),
            target: self
                .network
                .product
                .name(DomainId::from_node(target))
                .to_owned(),
        }
    }

    fn contradiction(
        &self,
        product: &ProductConstraint,
        domain: DomainId,
        seeds: &[Seed<'_>],
    ) -> PropagationError {
        // Walk back along the edges that last changed each domain; every
        // domain on the way contributed its own constraint to the meet.
        let mut path = Vec::new();
        let mut on_path = FixedBitSet::with_capacity(self.network.graph.node_count());
        let mut node = domain;
        on_path.insert(node.index());
        while let Some(edge) = self.scratch.changed_by[node.index()] {
            let (source, _) = self
                .network
                .graph
                .edge_endpoints(EdgeIndex::new(edge as usize))
                .expect("edge exists");
            path.push(self.step(edge));
            node = DomainId::from_node(source);
            if on_path.put(node.index()) {
                break;
            }
        }
        path.reverse();
        let mut provenance: Vec<String> = Vec::new();
        for seed in seeds.iter().filter(|s| on_path.contains(s.domain.index())) {
            if !provenance.iter().any(|p| p == seed.reason) {
                provenance.push(seed.reason.to_owned());
            }
        }
        PropagationError::Contradiction(Box::new(Contradiction {
            domain,
            domain_name: self.network.product.name(domain).to_owned(),
            path,
            provenance,
            constraint: format!("{:?}", product.component_unchecked(domain)),
        }))
    }

    fn non_termination(&self, steps: usize) -> PropagationError {
        let shown = steps.min(RECENT);
        let recent = (steps - shown..steps)
            .map(|i| self.step(self.scratch.recent[i % RECENT]))
            .collect();
        PropagationError::NonTermination {
            bound: self.network.step_bound,
            recent,
        }
    }
}

impl DomainId {
    fn from_node(node: NodeIndex) -> DomainId {
        DomainId::from_index(node.index())
    }
}
