//! [`CallTokens`]: the tokens that spell a call, indexed once per
//! vocabulary by the dotted name before their `(`, so that the mask reads
//! only the tokens that could open a denied call.
//!
//! Apart from the policy: it is an index over the vocabulary, built before
//! any text is read.

use std::collections::HashMap;

use ananke_plugin_abi::Vocab;
use ananke_plugin_abi::pylex::is_name_byte;

/// Tokens whose bytes spell a call, indexed for the mask.
#[derive(Default)]
pub(crate) struct CallTokens {
    /// `(name chain, token)` for tokens that start with a chain (perhaps
    /// empty) and blanks, then `(`: they extend the name the text ends in.
    pub(crate) extending: Vec<(Vec<u8>, u32)>,
    /// Chains before a `(` inside a token, after a byte that starts a
    /// fresh name (`x = eval(` holds `eval`), with their tokens.
    pub(crate) inner: HashMap<Vec<u8>, Vec<u32>>,
}

impl CallTokens {
    /// The index of `vocab`'s tokens.
    pub(crate) fn new(vocab: &Vocab) -> CallTokens {
        let mut index = CallTokens::default();
        for t in 0..vocab.len() as u32 {
            let bytes = vocab.token(t);
            if vocab.is_special(t) || !bytes.contains(&b'(') {
                continue;
            }
            let lead = bytes
                .iter()
                .position(|&b| !(is_name_byte(b) || b == b'.'))
                .unwrap_or(bytes.len());
            let rest = &bytes[lead..];
            let blanks = rest
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            if rest.get(blanks) == Some(&b'(') {
                index.extending.push((bytes[..lead].to_vec(), t));
            }
            for (at, _) in bytes.iter().enumerate().filter(|(_, b)| **b == b'(') {
                let before = bytes[..at].trim_ascii_end();
                let start = before
                    .iter()
                    .rposition(|&b| !(is_name_byte(b) || b == b'.'))
                    .map_or(0, |p| p + 1);
                if start > 0 && !before[start..].is_empty() {
                    index
                        .inner
                        .entry(before[start..].to_vec())
                        .or_default()
                        .push(t);
                }
            }
        }
        index.extending.sort();
        index
    }
}
