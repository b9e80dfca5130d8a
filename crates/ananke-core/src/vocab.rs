//! [`Vocabulary`]: the byte string of every token id.
//!
//! Core knows nothing about tokenizers; it only needs each token's bytes so
//! that a domain can ask what text a token would add. Loading a vocabulary
//! (tiktoken ranks, `tokenizer.json`, GGUF metadata) is `ananke-syntax`'s
//! job; it hands the result over as this plain table, built once per
//! vocabulary and shared behind an `Arc`.

use std::fmt;

use fixedbitset::FixedBitSet;

use crate::{Error, TokenId};

/// Token byte strings, stored flat: one buffer and an offset table.
#[derive(Clone, PartialEq, Eq)]
pub struct Vocabulary {
    name: String,
    bytes: Vec<u8>,
    /// `offsets[i]..offsets[i + 1]` are token `i`'s bytes.
    offsets: Vec<u32>,
    special: FixedBitSet,
    eos: Vec<TokenId>,
}

impl Vocabulary {
    /// Builds a vocabulary from token byte strings in id order.
    ///
    /// `special` lists control tokens (end of sequence, chat markers): their
    /// bytes are the names engines print, never text the program contains,
    /// so domains treat them apart. `eos` lists the tokens that end
    /// generation. Errors when an id is out of range or the table exceeds
    /// 4 GiB.
    pub fn new(
        name: impl Into<String>,
        tokens: impl IntoIterator<Item = impl AsRef<[u8]>>,
        special: &[TokenId],
        eos: &[TokenId],
    ) -> Result<Vocabulary, Error> {
        let mut bytes = Vec::new();
        let mut offsets = vec![0u32];
        for token in tokens {
            bytes.extend_from_slice(token.as_ref());
            let end = u32::try_from(bytes.len()).map_err(|_| Error::InvalidVocabulary {
                reason: "token bytes exceed 4 GiB".into(),
            })?;
            offsets.push(end);
        }
        let n_vocab = offsets.len() - 1;
        let mut special_set = FixedBitSet::with_capacity(n_vocab);
        for &id in special.iter().chain(eos) {
            if id as usize >= n_vocab {
                return Err(Error::UnknownToken { token: id, n_vocab });
            }
            special_set.insert(id as usize);
        }
        Ok(Vocabulary {
            name: name.into(),
            bytes,
            offsets,
            special: special_set,
            eos: eos.to_vec(),
        })
    }

    /// A name for messages (`"cl100k_base"`, a model name, a file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of token ids.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether the vocabulary has no tokens.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Token `id`'s bytes, or `None` when `id` is out of range.
    #[inline]
    pub fn token_bytes(&self, id: TokenId) -> Option<&[u8]> {
        let i = id as usize;
        let start = *self.offsets.get(i)? as usize;
        let end = *self.offsets.get(i + 1)? as usize;
        Some(&self.bytes[start..end])
    }

    /// Token `id`'s bytes, or [`Error::UnknownToken`].
    pub fn try_token_bytes(&self, id: TokenId) -> Result<&[u8], Error> {
        self.token_bytes(id).ok_or(Error::UnknownToken {
            token: id,
            n_vocab: self.len(),
        })
    }

    /// Whether `id` is a special (control) token.
    pub fn is_special(&self, id: TokenId) -> bool {
        self.special.contains(id as usize)
    }

    /// The end-of-sequence tokens.
    pub fn eos(&self) -> &[TokenId] {
        &self.eos
    }

    /// The flat table: every token's bytes in id order, and the offsets
    /// (`offsets[i]..offsets[i + 1]` is token `i`) — what a plugin is
    /// handed across the ABI boundary, without a copy.
    pub fn flat(&self) -> (&[u8], &[u32]) {
        (&self.bytes, &self.offsets)
    }

    /// The special token ids, in order.
    pub fn special_ids(&self) -> impl Iterator<Item = TokenId> + '_ {
        self.special.ones().map(|i| i as TokenId)
    }

    /// Iterates `(id, bytes)` over all tokens.
    pub fn iter(&self) -> impl Iterator<Item = (TokenId, &[u8])> + '_ {
        self.offsets
            .windows(2)
            .enumerate()
            .map(|(i, w)| (i as TokenId, &self.bytes[w[0] as usize..w[1] as usize]))
    }
}

/// Tables a domain builds from a vocabulary on first use and ties to it:
/// later calls with a vocabulary of another size are errors, not silently
/// wrong masks.
pub struct PerVocab<T> {
    cell: std::sync::OnceLock<(String, usize, T)>,
}

impl<T> Default for PerVocab<T> {
    fn default() -> PerVocab<T> {
        PerVocab {
            cell: std::sync::OnceLock::new(),
        }
    }
}

impl<T> PerVocab<T> {
    /// Nothing built yet.
    pub fn new() -> PerVocab<T> {
        PerVocab::default()
    }

    /// The tables for `vocab`, built by `build` on first use; an error
    /// naming `domain` and both vocabularies if `vocab` is not the one they
    /// were built for.
    pub fn get(
        &self,
        domain: &str,
        vocab: &Vocabulary,
        build: impl FnOnce(&Vocabulary) -> T,
    ) -> Result<&T, Error> {
        let (name, len, tables) = self
            .cell
            .get_or_init(|| (vocab.name().to_owned(), vocab.len(), build(vocab)));
        if *len != vocab.len() {
            return Err(Error::domain(
                domain,
                format!(
                    "first used with vocabulary `{name}` ({len} tokens), now with `{}` ({} tokens)",
                    vocab.name(),
                    vocab.len()
                ),
            ));
        }
        Ok(tables)
    }
}

impl fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vocabulary")
            .field("name", &self.name)
            .field("len", &self.len())
            .field("special", &self.special.count_ones(..))
            .field("eos", &self.eos)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_table_round_trips() {
        let vocab = Vocabulary::new("tiny", ["a", "bc", "", "<eos>"], &[], &[3]).unwrap();
        assert_eq!(vocab.len(), 4);
        assert_eq!(vocab.token_bytes(1), Some(&b"bc"[..]));
        assert_eq!(vocab.token_bytes(2), Some(&b""[..]));
        assert_eq!(vocab.token_bytes(4), None);
        assert!(vocab.is_special(3) && !vocab.is_special(0));
        assert_eq!(vocab.iter().count(), 4);
        let err = vocab.try_token_bytes(9).unwrap_err();
        assert_eq!(
            err.to_string(),
            "token id 9 is outside the vocabulary (4 tokens)"
        );
    }

    #[test]
    fn out_of_range_specials_are_errors() {
        let err = Vocabulary::new("tiny", ["a"], &[5], &[]).unwrap_err();
        assert!(matches!(
            err,
            Error::UnknownToken {
                token: 5,
                n_vocab: 1
            }
        ));
    }
}
