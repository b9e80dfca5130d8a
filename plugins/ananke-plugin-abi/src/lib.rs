/*!
The ABI-stable interface of Ananke plugins: constraint domains shipped as
dynamic libraries (`cdylib`) and composed into the product at run time.

A plugin author writes a [`Policy`] — an ordinary Rust trait over an
ordinary constraint type — and exports it with three lines:

```ignore
#[abi_stable::export_root_module]
fn root() -> ananke_plugin_abi::PluginModRef {
    ananke_plugin_abi::module::<MyPolicy>()
}
```

[`module`] wraps the policy in an adapter that implements the ABI-stable
[`PluginDomain`] trait object: every call runs under `catch_unwind`, so a
panicking plugin returns an error the host reports instead of aborting the
host. Constraint values cross the boundary as opaque [`Constraint`]s
(`abi_stable::DynTrait` with `Clone`, `Debug`, `PartialEq` and `Hash`); only
the plugin that made a value looks inside it.

The root module ([`PluginMod`]) is a prefix type: fields can be added after
[`PluginMod::new_domain`] in later versions without breaking plugins built
against this one. `abi_stable` checks the layout of every type reachable
from it when the library is loaded; [`ABI_VERSION`] is the semantic version
of the contract on top (what the calls mean), checked by the host.

# Example

A policy used directly (the host wraps a loaded plugin the same way):

```
use ananke_plugin_abi::{Policy, Vocab, words_of};

#[derive(Default)]
struct NoZ;

impl Policy for NoZ {
    type Constraint = bool; // ⊥ once a `z` was read
    const NAME: &'static str = "no-z";
    fn new(_: &Vocab) -> Result<Self, String> { Ok(NoZ) }
    fn top(&self) -> bool { false }
    fn bottom(&self) -> bool { true }
    fn parse(&self, _: &str) -> Result<bool, String> { Ok(false) }
    fn meet(&self, a: &bool, b: &bool) -> bool { *a || *b }
    fn is_top(&self, c: &bool) -> bool { !c }
    fn is_bottom(&self, c: &bool) -> bool { *c }
    fn token_mask(&self, vocab: &Vocab, c: &bool, candidates: &[u32], out: &mut [u32]) {
        out.copy_from_slice(candidates);
        for t in 0..vocab.len() as u32 {
            if *c || vocab.token(t).contains(&b'z') {
                out[t as usize / 32] &= !(1 << (t % 32));
            }
        }
    }
    fn observe(&self, vocab: &Vocab, c: &bool, token: u32) -> bool {
        *c || vocab.token(token).contains(&b'z')
    }
    fn explain(&self, vocab: &Vocab, c: &bool, token: u32) -> Option<String> {
        self.observe(vocab, c, token).then(|| "no z".to_owned())
    }
}

let vocab = Vocab::from_tokens("toy", &[b"a", b"z"], &[], &[]);
let policy = NoZ::new(&vocab)?;
let mut out = vec![0u32; 1];
policy.token_mask(&vocab, &false, &words_of(2, [0, 1]), &mut out);
assert_eq!(out, words_of(2, [0]));
# Ok::<(), String>(())
```
*/

// abi_stable's derive and trait macros expand to `unsafe impl`s and
// unmangled statics (the layout checks depend on them) and to impls inside
// generated constants; rustc cannot see that their zero-sized phantom
// fields are FFI-safe (abi_stable checks every layout itself at load time).
// This crate writes no unsafe code of its own.
#![allow(unsafe_code, non_local_definitions, improper_ctypes_definitions)]

use std::fmt::Debug;
use std::hash::Hash;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};

use abi_stable::library::RootModule;
use abi_stable::prefix_type::PrefixTypeTrait;
use abi_stable::sabi_trait::TD_Opaque;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::{RBox, ROption, RResult, RSlice, RSliceMut, RStr, RString};
use abi_stable::{DynTrait, StableAbi, declare_root_module_statics, package_version_strings};

pub use abi_stable;

/// The Python byte classifier plugin policies read code with.
pub use ananke_pylex as pylex;

/// The version of the plugin contract (what each call means). A host
/// refuses a plugin that reports another one.
pub const ABI_VERSION: u32 = 1;

/// The vocabulary as the host hands it over: every token's bytes in id
/// order, flat, with offsets (`offsets[i]..offsets[i + 1]` is token `i`).
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct VocabView<'a> {
    /// A name for messages.
    pub name: RStr<'a>,
    /// All token bytes.
    pub bytes: RSlice<'a, u8>,
    /// One more offset than tokens.
    pub offsets: RSlice<'a, u32>,
    /// Control tokens (never program text).
    pub special: RSlice<'a, u32>,
    /// End-of-sequence tokens.
    pub eos: RSlice<'a, u32>,
    /// Only in builds with the `layout-probe` feature: a field the host
    /// does not have, so that its tests can load a plugin whose interface
    /// layout differs from the host's and see the load refused.
    #[cfg(feature = "layout-probe")]
    pub probe: u32,
}

impl<'a> VocabView<'a> {
    /// A view of a flat vocabulary table.
    pub fn new(
        name: &'a str,
        bytes: &'a [u8],
        offsets: &'a [u32],
        special: &'a [u32],
        eos: &'a [u32],
    ) -> VocabView<'a> {
        VocabView {
            name: name.into(),
            bytes: bytes.into(),
            offsets: offsets.into(),
            special: special.into(),
            eos: eos.into(),
            #[cfg(feature = "layout-probe")]
            probe: 0,
        }
    }
}

/// The traits a constraint value offers across the boundary.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(impl_InterfaceType(Sync, Send, Clone, Debug, PartialEq, Hash))]
pub struct ConstraintInterface;

/// An opaque constraint value made by a plugin.
pub type Constraint = DynTrait<'static, RBox<()>, ConstraintInterface>;

/// A plugin's domain, as an ABI-stable trait object. Every method returns
/// a result: `RErr` carries a plugin error or a caught panic.
#[abi_stable::sabi_trait]
pub trait PluginDomain: Send + Sync {
    /// The domain's name in the product.
    fn name(&self) -> RString;
    /// ⊤.
    fn top(&self) -> RResult<Constraint, RString>;
    /// ⊥.
    fn bottom(&self) -> RResult<Constraint, RString>;
    /// A constraint from its text (a spec line).
    fn parse(&self, text: RStr<'_>) -> RResult<Constraint, RString>;
    /// The meet.
    fn meet(&self, a: &Constraint, b: &Constraint) -> RResult<Constraint, RString>;
    /// Whether `c` is ⊤.
    fn is_top(&self, c: &Constraint) -> RResult<bool, RString>;
    /// Whether `c` is ⊥.
    fn is_bottom(&self, c: &Constraint) -> RResult<bool, RString>;
    /// The allowed tokens among `candidates` (engine-layout words: bit
    /// `i` of word `w` is token `32w + i`), written into `out`.
    fn token_mask(
        &self,
        c: &Constraint,
        candidates: RSlice<'_, u32>,
        out: RSliceMut<'_, u32>,
    ) -> RResult<(), RString>;
    /// The constraint after `token` is committed.
    fn observe(&self, c: &Constraint, token: u32) -> RResult<Constraint, RString>;
    /// Why `token` is rejected, if it is.
    #[sabi(last_prefix_field)]
    fn explain(&self, c: &Constraint, token: u32) -> RResult<ROption<RString>, RString>;
}

/// A plugin domain behind its ABI-stable trait object.
pub type DomainBox = PluginDomain_TO<'static, RBox<()>>;

/// The root module a plugin exports.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = PluginModRef)))]
#[sabi(missing_field(panic))]
pub struct PluginMod {
    /// The contract version the plugin was built for ([`ABI_VERSION`]).
    pub abi_version: extern "C" fn() -> u32,
    /// The plugin's name.
    pub name: extern "C" fn() -> RString,
    /// Builds the domain for a vocabulary.
    #[sabi(last_prefix_field)]
    pub new_domain: extern "C" fn(vocab: VocabView<'_>) -> RResult<DomainBox, RString>,
}

impl RootModule for PluginModRef {
    declare_root_module_statics! {PluginModRef}
    const BASE_NAME: &'static str = "ananke_plugin";
    const NAME: &'static str = "ananke_plugin";
    const VERSION_STRINGS: VersionStrings = package_version_strings!();
}

/// The plugin's own copy of the vocabulary, made once per domain.
#[derive(Clone, Debug, Default)]
pub struct Vocab {
    name: String,
    bytes: Vec<u8>,
    offsets: Vec<u32>,
    special: Vec<bool>,
    eos: Vec<u32>,
}

impl Vocab {
    /// Copies the host's view.
    pub fn from_view(view: &VocabView<'_>) -> Vocab {
        let n = view.offsets.len().saturating_sub(1);
        let mut special = vec![false; n];
        for &t in view.special.iter() {
            if let Some(slot) = special.get_mut(t as usize) {
                *slot = true;
            }
        }
        Vocab {
            name: view.name.as_str().to_owned(),
            bytes: view.bytes.to_vec(),
            offsets: view.offsets.to_vec(),
            special,
            eos: view.eos.to_vec(),
        }
    }

    /// A vocabulary from token byte strings (tests, examples).
    pub fn from_tokens(name: &str, tokens: &[&[u8]], special: &[u32], eos: &[u32]) -> Vocab {
        let mut bytes = Vec::new();
        let mut offsets = vec![0u32];
        for t in tokens {
            bytes.extend_from_slice(t);
            offsets.push(bytes.len() as u32);
        }
        Vocab::from_view(&VocabView::new(name, &bytes, &offsets, special, eos))
    }

    /// A name for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Token `id`'s bytes (empty for an unknown id).
    pub fn token(&self, id: u32) -> &[u8] {
        let i = id as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.bytes[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Whether `id` is a control token.
    pub fn is_special(&self, id: u32) -> bool {
        self.special.get(id as usize).copied().unwrap_or(false)
    }

    /// Whether `id` ends the sequence.
    pub fn is_eos(&self, id: u32) -> bool {
        self.eos.contains(&id)
    }
}

/// Engine-layout words for `n` tokens with `tokens` set (tests, examples).
pub fn words_of(n: usize, tokens: impl IntoIterator<Item = u32>) -> Vec<u32> {
    let mut words = vec![0u32; n.div_ceil(32)];
    for t in tokens {
        words[t as usize / 32] |= 1 << (t % 32);
    }
    words
}

/// Whether token `t` is set in engine-layout `words`.
pub fn word_has(words: &[u32], t: u32) -> bool {
    words
        .get(t as usize / 32)
        .is_some_and(|w| w & (1 << (t % 32)) != 0)
}

/// Clears token `t` in engine-layout `words`.
pub fn word_clear(words: &mut [u32], t: u32) {
    if let Some(w) = words.get_mut(t as usize / 32) {
        *w &= !(1 << (t % 32));
    }
}

/// The identity of a text read so far (its length and a hash of its
/// bytes), so that two states can tell whether they follow one text
/// without keeping it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TextDigest {
    length: usize,
    hash: u64,
}

impl TextDigest {
    /// The digest after `bytes` more.
    pub fn extend(&mut self, bytes: &[u8]) {
        use std::hash::Hasher;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        hasher.write_u64(self.hash);
        hasher.write(bytes);
        self.hash = hasher.finish();
        self.length += bytes.len();
    }

    /// Bytes read.
    pub fn len(&self) -> usize {
        self.length
    }

    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }
}

/// The usual shape of a plugin constraint: a policy `P`, the text read so
/// far (as the state `L` of the plugin's lexer, plus a [`TextDigest`]),
/// and why it is ⊥ if it is.
///
/// Every ⊥ equals every other, whatever the reason; two states with texts
/// meet only if the texts are the same ([`Tracked::meet_with`]); cloning
/// is O(1).
#[derive(Clone, Debug)]
pub struct Tracked<P, L> {
    /// The policy.
    pub policy: P,
    text: Option<std::sync::Arc<(L, TextDigest)>>,
    violation: Option<std::sync::Arc<str>>,
}

impl<P: PartialEq, L: PartialEq> PartialEq for Tracked<P, L> {
    fn eq(&self, other: &Tracked<P, L>) -> bool {
        match (&self.violation, &other.violation) {
            (Some(_), Some(_)) => true,
            (None, None) => self.policy == other.policy && self.text == other.text,
            _ => false,
        }
    }
}

impl<P: Eq, L: Eq> Eq for Tracked<P, L> {}

impl<P: Hash, L: Hash> Hash for Tracked<P, L> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match &self.violation {
            Some(_) => 0u8.hash(state),
            None => {
                1u8.hash(state);
                self.policy.hash(state);
                self.text.hash(state);
            }
        }
    }
}

impl<P: Clone, L: Clone> Tracked<P, L> {
    /// `policy`, no text read.
    pub fn new(policy: P) -> Tracked<P, L> {
        Tracked {
            policy,
            text: None,
            violation: None,
        }
    }

    /// ⊥ for `reason`, with `policy` (kept for the record).
    pub fn violated(policy: P, reason: impl Into<String>) -> Tracked<P, L> {
        Tracked {
            policy,
            text: None,
            violation: Some(reason.into().into()),
        }
    }

    /// Why this is ⊥, if it is.
    pub fn violation(&self) -> Option<&str> {
        self.violation.as_deref()
    }

    /// Whether this is ⊥.
    pub fn is_violated(&self) -> bool {
        self.violation.is_some()
    }

    /// Whether no text was read.
    pub fn has_no_text(&self) -> bool {
        self.text.is_none()
    }

    /// The lexer at the end of the text, or `start` before any text.
    pub fn lexer_or(&self, start: impl FnOnce() -> L) -> L {
        self.text.as_ref().map_or_else(start, |text| text.0.clone())
    }

    /// This state after `bytes`, read by `lexer` (the state's lexer, fed
    /// the bytes by the caller).
    pub fn read(&self, lexer: L, bytes: &[u8]) -> Tracked<P, L> {
        let mut digest = self.text.as_ref().map(|t| t.1).unwrap_or_default();
        digest.extend(bytes);
        Tracked {
            policy: self.policy.clone(),
            text: Some(std::sync::Arc::new((lexer, digest))),
            violation: None,
        }
    }

    /// The meet: ⊥ if either is, the policies met by `meet`, and the
    /// text of either (⊥ if both have one and they differ).
    pub fn meet_with(&self, other: &Tracked<P, L>, meet: impl FnOnce(&P, &P) -> P) -> Tracked<P, L>
    where
        L: PartialEq,
    {
        if self.is_violated() {
            return self.clone();
        }
        if other.is_violated() {
            return other.clone();
        }
        let text = match (&self.text, &other.text) {
            (None, t) | (t, None) => t.clone(),
            (Some(a), Some(b)) if a == b => Some(a.clone()),
            _ => {
                return Tracked::violated(
                    self.policy.clone(),
                    "the constraints follow different texts",
                );
            }
        };
        Tracked {
            policy: meet(&self.policy, &other.policy),
            text,
            violation: None,
        }
    }
}

/// For plugin tests: whether, at `state`, the mask over every token keeps
/// exactly the tokens `observe` accepts (what hosts rely on). The error
/// names the first token where they differ.
pub fn check_mask_against_observe<P: Policy>(
    policy: &P,
    vocab: &Vocab,
    state: &P::Constraint,
) -> Result<(), String> {
    let n = vocab.len() as u32;
    let all = words_of(vocab.len(), 0..n);
    let mut out = vec![0u32; all.len()];
    policy.token_mask(vocab, state, &all, &mut out);
    for t in 0..n {
        let accepted = !policy.is_bottom(&policy.observe(vocab, state, t));
        if word_has(&out, t) != accepted {
            return Err(format!(
                "token {t} ({:?}): the mask says {}, observe says {} (state {state:?})",
                String::from_utf8_lossy(vocab.token(t)),
                word_has(&out, t),
                accepted
            ));
        }
    }
    Ok(())
}

/// For plugin tests: [`check_mask_against_observe`] at every step of
/// reading `text` (token ids) from `start`, until the text ends or is
/// rejected.
pub fn check_mask_along<P: Policy>(
    policy: &P,
    vocab: &Vocab,
    start: &P::Constraint,
    text: &[u32],
) -> Result<(), String> {
    let mut state = start.clone();
    for &t in text {
        check_mask_against_observe(policy, vocab, &state)?;
        state = policy.observe(vocab, &state, t);
        if policy.is_bottom(&state) {
            break;
        }
    }
    Ok(())
}

/// What a plugin author implements: a constraint domain in plain Rust.
/// [`module`] turns it into the exported root module. Implementations of
/// `Clone`, `Debug`, `PartialEq` and `Hash` on the constraint type must not
/// panic (they are called through the boundary without a guard; derived
/// ones never do); every method here may, and a panic becomes an error.
/// `Hash` must cover everything the mask depends on: hosts cache masks by
/// it.
pub trait Policy: Send + Sync + Sized + 'static {
    /// The constraint values.
    type Constraint: Clone + Debug + PartialEq + Hash + Send + Sync + 'static;
    /// The domain's name.
    const NAME: &'static str;
    /// Builds the policy's per-vocabulary tables.
    fn new(vocab: &Vocab) -> Result<Self, String>;
    /// ⊤.
    fn top(&self) -> Self::Constraint;
    /// ⊥.
    fn bottom(&self) -> Self::Constraint;
    /// A constraint from its text.
    fn parse(&self, text: &str) -> Result<Self::Constraint, String>;
    /// The meet.
    fn meet(&self, a: &Self::Constraint, b: &Self::Constraint) -> Self::Constraint;
    /// Whether `c` is ⊤.
    fn is_top(&self, c: &Self::Constraint) -> bool;
    /// Whether `c` is ⊥.
    fn is_bottom(&self, c: &Self::Constraint) -> bool;
    /// Writes the allowed tokens among `candidates` into `out` (both in
    /// engine-layout words).
    fn token_mask(&self, vocab: &Vocab, c: &Self::Constraint, candidates: &[u32], out: &mut [u32]);
    /// The constraint after `token`.
    fn observe(&self, vocab: &Vocab, c: &Self::Constraint, token: u32) -> Self::Constraint;
    /// Why `token` is rejected, if it is.
    fn explain(&self, vocab: &Vocab, c: &Self::Constraint, token: u32) -> Option<String>;
}

/// A policy and its vocabulary behind the ABI-stable trait.
struct Adapter<P: Policy> {
    policy: P,
    vocab: Vocab,
}

/// Runs `f`, turning a panic into an error naming the call.
fn guard<T>(call: &str, f: impl FnOnce() -> Result<T, String>) -> RResult<T, RString> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => RResult::ROk(value),
        Ok(Err(message)) => RResult::RErr(message.into()),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-string payload".to_owned());
            RResult::RErr(format!("panicked in `{call}`: {message}").into())
        }
    }
}

impl<P: Policy> Adapter<P> {
    fn value<'c>(&self, c: &'c Constraint) -> Result<&'c P::Constraint, String> {
        c.downcast_as::<P::Constraint>()
            .map_err(|_| format!("`{}` was handed a constraint it did not make", P::NAME))
    }
}

fn wrap<T: Clone + Debug + PartialEq + Hash + Send + Sync + 'static>(value: T) -> Constraint {
    DynTrait::from_value(value)
}

impl<P: Policy> PluginDomain for Adapter<P> {
    fn name(&self) -> RString {
        P::NAME.into()
    }

    fn top(&self) -> RResult<Constraint, RString> {
        guard("top", || Ok(wrap(self.policy.top())))
    }

    fn bottom(&self) -> RResult<Constraint, RString> {
        guard("bottom", || Ok(wrap(self.policy.bottom())))
    }

    fn parse(&self, text: RStr<'_>) -> RResult<Constraint, RString> {
        guard("parse", || self.policy.parse(text.as_str()).map(wrap))
    }

    fn meet(&self, a: &Constraint, b: &Constraint) -> RResult<Constraint, RString> {
        guard("meet", || {
            Ok(wrap(self.policy.meet(self.value(a)?, self.value(b)?)))
        })
    }

    fn is_top(&self, c: &Constraint) -> RResult<bool, RString> {
        guard("is_top", || Ok(self.policy.is_top(self.value(c)?)))
    }

    fn is_bottom(&self, c: &Constraint) -> RResult<bool, RString> {
        guard("is_bottom", || Ok(self.policy.is_bottom(self.value(c)?)))
    }

    fn token_mask(
        &self,
        c: &Constraint,
        candidates: RSlice<'_, u32>,
        mut out: RSliceMut<'_, u32>,
    ) -> RResult<(), RString> {
        guard("token_mask", || {
            let expected = self.vocab.len().div_ceil(32);
            if candidates.len() != expected || out.len() != expected {
                return Err(format!(
                    "masks of {} and {} words for a vocabulary of {} tokens ({expected} words)",
                    candidates.len(),
                    out.len(),
                    self.vocab.len()
                ));
            }
            let value = self.value(c)?;
            self.policy.token_mask(
                &self.vocab,
                value,
                candidates.as_slice(),
                out.as_mut_slice(),
            );
            Ok(())
        })
    }

    fn observe(&self, c: &Constraint, token: u32) -> RResult<Constraint, RString> {
        guard("observe", || {
            if token as usize >= self.vocab.len() {
                return Err(format!(
                    "token {token} is outside the vocabulary ({} tokens)",
                    self.vocab.len()
                ));
            }
            Ok(wrap(self.policy.observe(
                &self.vocab,
                self.value(c)?,
                token,
            )))
        })
    }

    fn explain(&self, c: &Constraint, token: u32) -> RResult<ROption<RString>, RString> {
        guard("explain", || {
            if token as usize >= self.vocab.len() {
                return Ok(ROption::RNone);
            }
            let why = self.policy.explain(&self.vocab, self.value(c)?, token);
            Ok(why.map(RString::from).into())
        })
    }
}

/// The policy's domain for `vocab`, as the ABI-stable trait object (what
/// the exported `new_domain` returns; hosts that link a policy directly
/// use it too).
pub fn domain<P: Policy>(vocab: VocabView<'_>) -> RResult<DomainBox, RString> {
    guard("new_domain", || {
        let vocab = Vocab::from_view(&vocab);
        let policy = P::new(&vocab)?;
        Ok(PluginDomain_TO::from_value(
            Adapter { policy, vocab },
            TD_Opaque,
        ))
    })
}

extern "C" fn abi_version() -> u32 {
    ABI_VERSION
}

/// Names `P` across the boundary.
struct Named<P>(PhantomData<P>);

impl<P: Policy> Named<P> {
    extern "C" fn name() -> RString {
        P::NAME.into()
    }

    extern "C" fn new_domain(vocab: VocabView<'_>) -> RResult<DomainBox, RString> {
        domain::<P>(vocab)
    }
}

/// The root module exporting `P` (see the crate docs).
pub fn module<P: Policy>() -> PluginModRef {
    PluginMod {
        abi_version,
        name: Named::<P>::name,
        new_domain: Named::<P>::new_domain,
    }
    .leak_into_prefix()
}

/// A root module that reports `version` instead of [`ABI_VERSION`]: for
/// testing a host's refusal of plugins built for another contract.
pub fn module_reporting_version<P: Policy>(version: extern "C" fn() -> u32) -> PluginModRef {
    PluginMod {
        abi_version: version,
        name: Named::<P>::name,
        new_domain: Named::<P>::new_domain,
    }
    .leak_into_prefix()
}
