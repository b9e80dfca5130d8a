//! Mask fusion: one token mask from every domain, cheaply.
//!
//! Domains run in an order chosen by measured cost per rejected candidate,
//! each over the candidates the previous ones left, stopping as soon as
//! none is left. The order starts from the product's
//! [`mask_order`](ananke_core::ProductDomain::mask_order) and is redone
//! every few steps from what was measured: first the domains whose cost
//! does not depend on their candidates (a grammar walk, paid in full
//! whatever runs before it), then greedily the one with the least cost per
//! share of candidates removed, each weighed at the candidates it would
//! see — so the types domain, whose cost scales with its candidates,
//! always runs on the syntax survivors. A domain whose constraint did not change since the last step and
//! sees the same candidates reuses its last mask; a domain whose
//! constraint has a cache key and that sees every token looks its mask up
//! in a bounded cache shared by sessions. When two or more expensive
//! domains remain over many candidates, they run in parallel (rayon) on the
//! same candidates and their masks are intersected. Every decision is
//! counted in [`FusionStats`].
//!
//! Fusion knows the product and the cache it is handed, nothing of the
//! spec or the session: a session owns a [`Fusion`] and lends it the
//! compiled spec's product and cache at each step.
//!
//! On the sequential path a step allocates nothing once every domain has
//! run once (its last mask is kept in place); what remains is a cache
//! miss's copy of the mask it stores, and the parallel path's one mask per
//! domain.

use std::collections::{BTreeMap, HashMap};
use std::hash::DefaultHasher;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ananke_core::{
    DomainId, DynConstraint, Error, ProductConstraint, ProductDomain, StepContext, TokenMask,
};

/// Keys the shared cache remembers a mask for. A key costs a few dozen
/// bytes; the masks are what weigh, and keys with equal masks share one
/// (see [`MaskCache`]).
pub const MASK_CACHE_CAPACITY: usize = 16_384;

/// Distinct masks the shared cache holds: at most 12.5 MB on cl100k_base,
/// 25 MB on o200k_base, per compiled spec. On the MBPP corpus the syntax
/// domain's 7,844 distinct keys on the shipped Python grammar (see
/// `ananke_syntax::layout`) have 505 distinct masks.
pub const MASK_CACHE_MASKS: usize = 1_024;

/// Steps between re-ordering the domains from their measurements.
const REORDER_EVERY: u64 = 16;

/// A domain is "expensive" (worth a thread) from this relative cost up.
const EXPENSIVE: f32 = 0.5;

/// Parallel evaluation needs at least this share of the vocabulary as
/// candidates.
const PARALLEL_MIN_SHARE: f64 = 0.25;

/// A bounded least-recently-used cache of masks by (domain, key). Keys
/// whose masks are equal share one copy: the syntax domain's keys are many
/// (one per place in a line, per kind of block) and their masks few (the
/// tokens after a name are the same wherever the name is), so the cache
/// is bounded both in keys and in distinct masks, evicting the least
/// recently used key until both bounds hold.
pub struct MaskCache {
    entries: HashMap<(DomainId, u64), Entry>,
    /// Entries by last use, oldest first.
    by_use: BTreeMap<u64, (DomainId, u64)>,
    /// The distinct masks held, by a hash of their words.
    masks: HashMap<u64, Arc<TokenMask>>,
    clock: u64,
    capacity: usize,
    mask_capacity: usize,
}

struct Entry {
    mask: Arc<TokenMask>,
    /// Hash of the mask's words (its place in `masks`).
    content: u64,
    used: u64,
}

/// A hash of the mask's words (the mask's own `Hash`), paid on a miss only.
fn content_hash(mask: &TokenMask) -> u64 {
    std::hash::BuildHasher::hash_one(
        &std::hash::BuildHasherDefault::<DefaultHasher>::default(),
        mask,
    )
}

impl MaskCache {
    /// An empty cache holding masks for at most `capacity` keys and at
    /// most `mask_capacity` distinct masks.
    pub fn new(capacity: usize, mask_capacity: usize) -> MaskCache {
        MaskCache {
            entries: HashMap::new(),
            by_use: BTreeMap::new(),
            masks: HashMap::new(),
            clock: 0,
            capacity,
            mask_capacity,
        }
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn get(&mut self, key: (DomainId, u64), out: &mut TokenMask) -> bool {
        let now = self.tick();
        match self.entries.get_mut(&key) {
            Some(entry) => {
                self.by_use.remove(&entry.used);
                entry.used = now;
                self.by_use.insert(now, key);
                out.copy_from(&entry.mask);
                true
            }
            None => false,
        }
    }

    fn put(&mut self, key: (DomainId, u64), mask: &TokenMask) {
        if self.capacity == 0 || self.mask_capacity == 0 {
            return;
        }
        self.remove(key);
        let content = content_hash(mask);
        let shared = self.masks.get(&content).filter(|m| ***m == *mask).cloned();
        while self.entries.len() >= self.capacity
            || (shared.is_none() && self.masks.len() >= self.mask_capacity)
        {
            let Some((_, oldest)) = self.by_use.pop_first() else {
                break;
            };
            self.remove(oldest);
        }
        let mask = shared.unwrap_or_else(|| {
            let fresh = Arc::new(mask.clone());
            // A hash shared by different masks keeps the first in `masks`.
            self.masks.entry(content).or_insert_with(|| fresh.clone());
            fresh
        });
        let used = self.tick();
        self.by_use.insert(used, key);
        self.entries.insert(
            key,
            Entry {
                mask,
                content,
                used,
            },
        );
    }

    /// Forgets `key`, and its mask when no other key shares it.
    fn remove(&mut self, key: (DomainId, u64)) {
        let Some(entry) = self.entries.remove(&key) else {
            return;
        };
        self.by_use.remove(&entry.used);
        if let Some(held) = self.masks.get(&entry.content)
            && Arc::ptr_eq(held, &entry.mask)
            && Arc::strong_count(&entry.mask) == 2
        {
            self.masks.remove(&entry.content);
        }
    }

    /// Number of distinct masks held.
    pub fn len(&self) -> usize {
        self.masks.len()
    }

    /// Number of keys with a mask.
    pub fn keys(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Counters for one domain.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DomainStats {
    /// The domain's name.
    pub name: String,
    /// Masks computed by calling the domain.
    pub computed: u64,
    /// Masks reused from the previous step.
    pub reused: u64,
    /// Masks taken from the shared cache.
    pub cache_hits: u64,
    /// Steps where the domain was skipped (no candidate left).
    pub skipped: u64,
    /// Candidates handed to the domain, summed over steps.
    pub candidates_in: u64,
    /// Candidates it kept, summed over steps.
    pub candidates_out: u64,
    /// Time spent in the domain, in nanoseconds.
    pub nanos: u64,
}

/// Counters for a session's mask fusion.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FusionStats {
    /// Masks computed.
    pub steps: u64,
    /// Steps that ran domains in parallel.
    pub parallel_steps: u64,
    /// Per domain, in product order.
    pub domains: Vec<DomainStats>,
}

/// Per-domain memory of the last step, for reuse.
struct Last {
    constraint: DynConstraint,
    candidates: TokenMask,
    mask: TokenMask,
    /// Tokens `mask` allows.
    left: usize,
}

/// What fusion expects of a domain's mask.
#[derive(Clone, Copy, Debug)]
struct Estimate {
    /// Nanoseconds per call, or per candidate when `scales`.
    nanos: f64,
    /// Share of candidates kept.
    keep: f64,
    /// Cost grows with the candidates (see `CostHint`).
    scales: bool,
}

/// Vocabulary size assumed before the first mask.
const ASSUMED_VOCAB: f64 = 100_000.0;

/// The fusion state of one session.
pub struct Fusion {
    order: Vec<DomainId>,
    /// Running estimates per domain.
    estimates: Vec<Estimate>,
    /// Vocabulary size seen last (for candidate-scaled costs).
    n_vocab: f64,
    last: Vec<Option<Last>>,
    scratch: TokenMask,
    stats: FusionStats,
}

impl Fusion {
    /// Fusion over `product`'s domains.
    pub fn new(product: &ProductDomain) -> Fusion {
        let estimates = product
            .ids()
            .map(|id| {
                let hint = product.domain(id).expect("id from the product").cost();
                let per_call = f64::from(hint.relative_cost) * 500_000.0;
                Estimate {
                    nanos: if hint.scales_with_candidates {
                        per_call / ASSUMED_VOCAB
                    } else {
                        per_call
                    },
                    keep: f64::from(hint.keep_ratio),
                    scales: hint.scales_with_candidates,
                }
            })
            .collect();
        Fusion {
            order: product.mask_order().to_vec(),
            estimates,
            n_vocab: ASSUMED_VOCAB,
            last: product.ids().map(|_| None).collect(),
            // Allocated on first use, so that a fork costs no mask copy.
            scratch: TokenMask::new_empty(0),
            stats: FusionStats {
                domains: product
                    .ids()
                    .map(|id| DomainStats {
                        name: product.name(id).to_owned(),
                        ..DomainStats::default()
                    })
                    .collect(),
                ..FusionStats::default()
            },
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> &FusionStats {
        &self.stats
    }

    /// The current evaluation order.
    pub fn order(&self) -> &[DomainId] {
        &self.order
    }

    /// Orders the domains: first those whose cost does not depend on
    /// their candidates (their cost is paid whatever runs before them, so
    /// running them first only shrinks what the others see), then the
    /// rest greedily: next, the one with the least cost per share of
    /// candidates removed, its cost taken at the candidates it would see
    /// after the domains already placed.
    fn reorder(&mut self) {
        let (mut order, mut remaining): (Vec<DomainId>, Vec<DomainId>) = self
            .order
            .iter()
            .partition(|id| !self.estimates[id.index()].scales);
        let fixed_rank = |id: &DomainId| {
            let e = self.estimates[id.index()];
            e.nanos / (1.0 - e.keep).max(1e-3)
        };
        order.sort_by(|a, b| fixed_rank(a).total_cmp(&fixed_rank(b)));
        let mut share: f64 = order
            .iter()
            .map(|id| self.estimates[id.index()].keep)
            .product();
        while !remaining.is_empty() {
            let rank = |id: &DomainId| {
                let e = self.estimates[id.index()];
                let cost = if e.scales {
                    e.nanos * share * self.n_vocab
                } else {
                    e.nanos
                };
                cost / (1.0 - e.keep).max(1e-3)
            };
            let best = (0..remaining.len())
                .min_by(|&a, &b| rank(&remaining[a]).total_cmp(&rank(&remaining[b])))
                .expect("domains remain");
            let id = remaining.remove(best);
            share *= self.estimates[id.index()].keep;
            order.push(id);
        }
        self.order = order;
    }

    /// Writes into `out` the tokens every domain of `state` allows, with
    /// `cache` the masks shared by the sessions of one compiled spec.
    pub(crate) fn compute(
        &mut self,
        product: &ProductDomain,
        cache: &Mutex<MaskCache>,
        state: &ProductConstraint,
        ctx: StepContext<'_>,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        self.stats.steps += 1;
        self.n_vocab = out.len() as f64;
        if self.scratch.len() != out.len() {
            self.scratch = TokenMask::new_empty(out.len());
        }
        if self.stats.steps.is_multiple_of(REORDER_EVERY) {
            self.reorder();
        }
        out.fill(true);
        // Lent out for the step (the domains below borrow `self`), so that
        // the order is read in place rather than copied.
        let order = std::mem::take(&mut self.order);
        let result = self.run_in(&order, product, cache, state, ctx, out);
        self.order = order;
        result
    }

    /// The domains in `order`, one after another over the candidates the
    /// previous ones left, until two or more expensive ones remain over
    /// many candidates: those run in parallel.
    fn run_in(
        &mut self,
        order: &[DomainId],
        product: &ProductDomain,
        cache: &Mutex<MaskCache>,
        state: &ProductConstraint,
        ctx: StepContext<'_>,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        let n_vocab = out.len() as f64;
        // Candidates left, carried from domain to domain: a count reads the
        // whole mask, so each domain's result is counted once. `compute`
        // hands every token in.
        debug_assert!(out.is_full());
        let mut left = out.len();
        for (position, &id) in order.iter().enumerate() {
            if left == 0 {
                self.stats.domains[id.index()].skipped += 1;
                continue;
            }
            let remaining = &order[position..];
            let expensive = remaining
                .iter()
                .filter(|d| {
                    product
                        .domain(**d)
                        .is_some_and(|dom| dom.cost().relative_cost >= EXPENSIVE)
                })
                .count();
            if expensive >= 2 && left as f64 >= PARALLEL_MIN_SHARE * n_vocab {
                return self.parallel(product, state, ctx, remaining, out);
            }
            left = self.narrow_by(product, cache, state, ctx, id, out, left)?;
        }
        Ok(())
    }

    /// Narrows the `before` candidates in `out` to those domain `id`
    /// allows: its last mask when neither its constraint nor its
    /// candidates changed, else a cached mask, else its own `token_mask`
    /// (measured). Returns how many are left.
    #[allow(clippy::too_many_arguments)]
    fn narrow_by(
        &mut self,
        product: &ProductDomain,
        cache: &Mutex<MaskCache>,
        state: &ProductConstraint,
        ctx: StepContext<'_>,
        id: DomainId,
        out: &mut TokenMask,
        before: usize,
    ) -> Result<usize, Error> {
        let domain = product.domain(id).expect("id from the product");
        let component = state.component(id).expect("id from the product");
        let stats = &mut self.stats.domains[id.index()];
        let before = before as u64;
        stats.candidates_in += before;
        if let Some(last) = &self.last[id.index()]
            && last.constraint.ptr_eq(component)
            && last.candidates == *out
        {
            out.copy_from(&last.mask);
            stats.reused += 1;
            stats.candidates_out += last.left as u64;
            return Ok(last.left);
        }
        let key = if before as usize == out.len() {
            domain.cache_key(component)
        } else {
            None
        };
        // Counted where the mask was computed; a cached one is counted below.
        let mut left = None;
        if let Some(key) = key
            && cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get((id, key), &mut self.scratch)
        {
            stats.cache_hits += 1;
            std::mem::swap(out, &mut self.scratch);
        } else {
            let started = Instant::now();
            domain.token_mask(component, ctx, out, &mut self.scratch)?;
            let nanos = started.elapsed().as_nanos() as f64;
            std::mem::swap(out, &mut self.scratch);
            stats.computed += 1;
            stats.nanos += nanos as u64;
            let after = out.count();
            left = Some(after);
            let kept = if before == 0 {
                1.0
            } else {
                after as f64 / before as f64
            };
            let estimate = &mut self.estimates[id.index()];
            let nanos = if estimate.scales {
                nanos / before.max(1) as f64
            } else {
                nanos
            };
            estimate.nanos = 0.8 * estimate.nanos + 0.2 * nanos;
            estimate.keep = 0.8 * estimate.keep + 0.2 * kept;
            if let Some(key) = key {
                cache
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .put((id, key), out);
            }
        }
        let left = left.unwrap_or_else(|| out.count());
        stats.candidates_out += left as u64;
        // After the swap, `scratch` holds this domain's candidates.
        let last = self.last[id.index()].get_or_insert_with(|| Last {
            constraint: component.clone(),
            candidates: self.scratch.clone(),
            mask: out.clone(),
            left,
        });
        last.constraint = component.clone();
        last.candidates.copy_from(&self.scratch);
        last.mask.copy_from(out);
        last.left = left;
        Ok(left)
    }

    /// The remaining domains in parallel over the same candidates.
    fn parallel(
        &mut self,
        product: &ProductDomain,
        state: &ProductConstraint,
        ctx: StepContext<'_>,
        remaining: &[DomainId],
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        use rayon::prelude::*;
        self.stats.parallel_steps += 1;
        let candidates = out.clone();
        let results: Vec<(DomainId, Result<TokenMask, Error>, u64)> = remaining
            .par_iter()
            .map(|&id| {
                let domain = product.domain(id).expect("id from the product");
                let component = state.component(id).expect("id from the product");
                let mut mask = TokenMask::new_empty(candidates.len());
                let started = Instant::now();
                let result = domain
                    .token_mask(component, ctx, &candidates, &mut mask)
                    .map(|()| mask);
                (id, result, started.elapsed().as_nanos() as u64)
            })
            .collect();
        for (id, result, nanos) in results {
            let mask = result?;
            let stats = &mut self.stats.domains[id.index()];
            stats.computed += 1;
            stats.nanos += nanos;
            stats.candidates_in += candidates.count() as u64;
            stats.candidates_out += mask.count() as u64;
            out.and_with(&mask);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(bits: &[u32]) -> TokenMask {
        let mut mask = TokenMask::new_empty(8);
        for &bit in bits {
            mask.set(bit, true);
        }
        mask
    }

    #[test]
    fn the_cache_forgets_the_least_recently_used_mask() {
        let domain = DomainId::from_index(0);
        let mut cache = MaskCache::new(2, 2);
        let mut out = TokenMask::new_empty(8);
        cache.put((domain, 1), &mask(&[1]));
        cache.put((domain, 2), &mask(&[2]));
        assert!(cache.get((domain, 1), &mut out));
        assert_eq!(out, mask(&[1]));
        // Key 2 is the least recently used: the third mask evicts it.
        cache.put((domain, 3), &mask(&[3]));
        assert_eq!(cache.len(), 2);
        assert!(!cache.get((domain, 2), &mut out));
        assert!(cache.get((domain, 1), &mut out));
        assert!(cache.get((domain, 3), &mut out));
        assert_eq!(out, mask(&[3]));
        let mut none = MaskCache::new(0, 0);
        none.put((domain, 1), &mask(&[1]));
        assert!(none.is_empty());
    }

    #[test]
    fn keys_with_equal_masks_share_one_and_both_bounds_hold() {
        let domain = DomainId::from_index(0);
        let mut cache = MaskCache::new(3, 2);
        let mut out = TokenMask::new_empty(8);
        cache.put((domain, 1), &mask(&[1]));
        cache.put((domain, 2), &mask(&[1]));
        assert_eq!((cache.keys(), cache.len()), (2, 1));
        // A second distinct mask fits. A third needs room on both counts:
        // key 1 goes (the oldest), its mask stays while key 2 shares it, so
        // key 2 goes as well.
        cache.put((domain, 3), &mask(&[3]));
        assert_eq!((cache.keys(), cache.len()), (3, 2));
        cache.put((domain, 4), &mask(&[4]));
        assert_eq!((cache.keys(), cache.len()), (2, 2));
        assert!(!cache.get((domain, 1), &mut out));
        assert!(!cache.get((domain, 2), &mut out));
        assert!(cache.get((domain, 3), &mut out));
        assert_eq!(out, mask(&[3]));
        // Giving a key another key's mask drops its own when no key has it.
        cache.put((domain, 3), &mask(&[4]));
        assert_eq!((cache.keys(), cache.len()), (2, 1));
        assert!(cache.get((domain, 3), &mut out));
        assert_eq!(out, mask(&[4]));
    }
}
