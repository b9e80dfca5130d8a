//! [`TokenMask`]: one bit per vocabulary id.
//!
//! The bits live in a [`FixedBitSet`]; on the little-endian targets we
//! support its machine words *are* the int32 bitmask that XGrammar, vLLM and
//! SGLang exchange (bit `i` of 32-bit word `w` is token `32 * w + i`), so a
//! mask is handed to an inference engine as a borrowed slice, without
//! conversion. Every operation works in place; none allocates.

use std::fmt;

use fixedbitset::FixedBitSet;

#[cfg(not(target_endian = "little"))]
compile_error!(
    "ananke-core's TokenMask exposes its words as the int32 bitmask layout, which needs a little-endian target"
);

/// A vocabulary token id.
pub type TokenId = u32;

/// A set of allowed token ids over a vocabulary of fixed size.
///
/// Bits at or beyond [`len`](TokenMask::len) are always zero. Binary
/// operations between masks of different lengths act on the ids both
/// cover; ids only `self` covers are treated as absent from `other`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenMask {
    bits: FixedBitSet,
}

impl TokenMask {
    /// A mask over `n_vocab` ids with none allowed.
    pub fn new_empty(n_vocab: usize) -> TokenMask {
        TokenMask {
            bits: FixedBitSet::with_capacity(n_vocab),
        }
    }

    /// A mask over `n_vocab` ids with all allowed.
    pub fn new_full(n_vocab: usize) -> TokenMask {
        let mut mask = TokenMask::new_empty(n_vocab);
        mask.fill(true);
        mask
    }

    /// Builds a mask from 32-bit words in the engine layout. Bits beyond
    /// `n_vocab` are ignored; missing words count as zero.
    pub fn from_u32_words(n_vocab: usize, words: &[u32]) -> TokenMask {
        let mut mask = TokenMask::new_empty(n_vocab);
        mask.copy_from_u32_words(words);
        mask
    }

    /// The vocabulary size this mask covers.
    pub fn len(&self) -> usize {
        self.bits.len()
    }

    /// Whether the vocabulary is empty (not whether no token is allowed:
    /// see [`is_empty`](TokenMask::is_empty)).
    pub fn is_zero_sized(&self) -> bool {
        self.bits.is_empty()
    }

    /// Whether no token is allowed.
    pub fn is_empty(&self) -> bool {
        self.bits.is_clear()
    }

    /// Whether every token is allowed.
    pub fn is_full(&self) -> bool {
        self.bits.is_full()
    }

    /// Whether `token` is allowed; ids outside the vocabulary never are.
    #[inline]
    pub fn contains(&self, token: TokenId) -> bool {
        self.bits.contains(token as usize)
    }

    /// Allows or forbids `token`. Returns `false` (and changes nothing)
    /// when `token` is outside the vocabulary.
    #[inline]
    pub fn set(&mut self, token: TokenId, allowed: bool) -> bool {
        let index = token as usize;
        if index < self.bits.len() {
            self.bits.set(index, allowed);
            true
        } else {
            false
        }
    }

    /// Allows every token (`true`) or none (`false`).
    pub fn fill(&mut self, allowed: bool) {
        self.bits.set_range(.., allowed);
    }

    /// Copies `other` into `self` (same length required for an exact copy;
    /// see the type docs for mismatched lengths).
    pub fn copy_from(&mut self, other: &TokenMask) {
        self.zip_words(other, |_, b| b);
    }

    /// Keeps only the tokens `other` also allows (`self &= other`).
    pub fn and_with(&mut self, other: &TokenMask) {
        self.zip_words(other, |a, b| a & b);
    }

    /// Adds the tokens `other` allows (`self |= other`).
    pub fn or_with(&mut self, other: &TokenMask) {
        self.zip_words(other, |a, b| a | b);
    }

    /// Removes the tokens `other` allows (`self &= !other`).
    pub fn and_not_with(&mut self, other: &TokenMask) {
        self.zip_words(other, |a, b| a & !b);
    }

    /// Number of allowed tokens.
    pub fn count(&self) -> usize {
        self.bits.count_ones(..)
    }

    /// Whether every token `self` allows is also allowed by `other`.
    pub fn is_subset(&self, other: &TokenMask) -> bool {
        let a = self.bits.as_slice();
        let b = other.bits.as_slice();
        a.iter()
            .enumerate()
            .all(|(i, &w)| w & !b.get(i).copied().unwrap_or(0) == 0)
    }

    /// Whether some token is allowed by both masks.
    pub fn intersects(&self, other: &TokenMask) -> bool {
        self.bits
            .as_slice()
            .iter()
            .zip(other.bits.as_slice())
            .any(|(a, b)| a & b != 0)
    }

    /// The token ids both masks allow, in increasing order, without
    /// building their intersection.
    pub fn iter_common<'m>(&'m self, other: &'m TokenMask) -> impl Iterator<Item = TokenId> + 'm {
        self.bits
            .as_slice()
            .iter()
            .zip(other.bits.as_slice())
            .enumerate()
            .flat_map(|(w, (a, b))| {
                let mut word = a & b;
                let base = w * usize::BITS as usize;
                std::iter::from_fn(move || {
                    (word != 0).then(|| {
                        let bit = word.trailing_zeros() as usize;
                        word &= word - 1;
                        (base + bit) as TokenId
                    })
                })
            })
    }

    /// The allowed token ids in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = TokenId> + '_ {
        self.bits.ones().map(|i| i as TokenId)
    }

    /// The smallest allowed token id.
    pub fn first(&self) -> Option<TokenId> {
        self.bits.minimum().map(|i| i as TokenId)
    }

    /// The mask as 32-bit words in the engine layout: bit `i` of word `w` is
    /// token `32 * w + i`. Exactly `ceil(len / 32)` words.
    pub fn as_u32_words(&self) -> &[u32] {
        let words: &[u32] = bytemuck::cast_slice(self.bits.as_slice());
        &words[..self.n_words()]
    }

    /// The same words as `i32`, the dtype of vLLM's and SGLang's bitmask
    /// tensors.
    pub fn as_i32_words(&self) -> &[i32] {
        bytemuck::cast_slice(self.as_u32_words())
    }

    /// Overwrites the mask from engine-layout words, clearing any bits
    /// beyond the vocabulary so the invariant holds.
    pub fn copy_from_u32_words(&mut self, words: &[u32]) {
        let n_words = self.n_words();
        let len = self.len();
        let own: &mut [u32] = bytemuck::cast_slice_mut(self.bits.as_mut_slice());
        for (i, slot) in own.iter_mut().enumerate() {
            *slot = if i < n_words {
                words.get(i).copied().unwrap_or(0)
            } else {
                0
            };
        }
        if !len.is_multiple_of(32) && n_words > 0 {
            own[n_words - 1] &= (1u32 << (len % 32)) - 1;
        }
    }

    /// Lets `write` change the engine-layout words in place (a plugin
    /// writing its mask across an ABI boundary, with no copy); bits beyond
    /// the vocabulary are cleared afterwards so the invariant holds.
    pub fn update_u32_words<R>(&mut self, write: impl FnOnce(&mut [u32]) -> R) -> R {
        let n_words = self.n_words();
        let own: &mut [u32] = bytemuck::cast_slice_mut(self.bits.as_mut_slice());
        let result = write(&mut own[..n_words]);
        self.clear_padding();
        result
    }

    /// Writes the mask into an engine's int32 row (`out.len()` should be
    /// `ceil(len / 32)`; extra words are zeroed, missing ones dropped).
    pub fn write_i32_words(&self, out: &mut [i32]) {
        let words = self.as_i32_words();
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = words.get(i).copied().unwrap_or(0);
        }
    }

    fn n_words(&self) -> usize {
        self.len().div_ceil(32)
    }

    /// Applies `op` word by word over the ids both masks cover; words of
    /// `self` beyond `other` see `0` as the other operand. Padding stays zero
    /// because every `op` we use maps `(0, 0)` to `0`.
    #[inline]
    fn zip_words(&mut self, other: &TokenMask, op: impl Fn(usize, usize) -> usize) {
        let b = other.bits.as_slice();
        let exact = self.len() == other.len();
        for (i, a) in self.bits.as_mut_slice().iter_mut().enumerate() {
            *a = op(*a, b.get(i).copied().unwrap_or(0));
        }
        if !exact {
            self.clear_padding();
        }
    }

    fn clear_padding(&mut self) {
        let len = self.len();
        let bits_per_block = usize::BITS as usize;
        if !len.is_multiple_of(bits_per_block)
            && let Some(last) = self.bits.as_mut_slice().last_mut()
        {
            *last &= (1usize << (len % bits_per_block)) - 1;
        }
    }
}

impl fmt::Debug for TokenMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 16;
        let count = self.count();
        write!(f, "TokenMask({count}/{} allowed", self.len())?;
        if count > 0 {
            f.write_str(": ")?;
            for (i, id) in self.iter().take(SHOWN).enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{id}")?;
            }
            if count > SHOWN {
                f.write_str(", …")?;
            }
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_view_uses_the_engine_layout() {
        let mut mask = TokenMask::new_empty(70);
        mask.set(0, true);
        mask.set(33, true);
        mask.set(69, true);
        assert_eq!(mask.as_u32_words(), &[1, 2, 1 << 5]);
        assert_eq!(mask.as_i32_words().len(), 3);
        let round = TokenMask::from_u32_words(70, mask.as_u32_words());
        assert_eq!(round, mask);
    }

    #[test]
    fn padding_stays_clear() {
        let mut mask = TokenMask::from_u32_words(40, &[u32::MAX, u32::MAX, u32::MAX]);
        assert_eq!(mask.count(), 40);
        assert!(mask.is_full());
        mask.fill(true);
        assert_eq!(mask.as_u32_words(), &[u32::MAX, 0xFF]);
        let other = TokenMask::new_full(100);
        mask.or_with(&other);
        assert_eq!(mask.count(), 40);
    }

    #[test]
    fn set_operations() {
        let mut a = TokenMask::new_empty(100);
        let mut b = TokenMask::new_empty(100);
        for t in [1, 5, 64, 99] {
            a.set(t, true);
        }
        for t in [5, 64, 70] {
            b.set(t, true);
        }
        let mut and = a.clone();
        and.and_with(&b);
        assert_eq!(and.iter().collect::<Vec<_>>(), vec![5, 64]);
        let mut or = a.clone();
        or.or_with(&b);
        assert_eq!(or.count(), 5);
        let mut diff = a.clone();
        diff.and_not_with(&b);
        assert_eq!(diff.iter().collect::<Vec<_>>(), vec![1, 99]);
        assert!(and.is_subset(&a) && and.is_subset(&b));
        assert!(!a.is_subset(&b));
        assert_eq!(and.first(), Some(5));
        assert!(!a.set(100, true), "out-of-range ids are refused");
        assert!(!a.contains(100));
        let mut row = [7i32; 5];
        a.write_i32_words(&mut row);
        assert_eq!(row[4], 0);
        assert_eq!(row[0], 1 << 1 | 1 << 5);
    }

    #[test]
    fn debug_lists_a_few_ids() {
        let mut mask = TokenMask::new_empty(10);
        mask.set(3, true);
        assert_eq!(format!("{mask:?}"), "TokenMask(1/10 allowed: 3)");
    }
}
