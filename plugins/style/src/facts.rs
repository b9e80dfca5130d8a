//! [`TokenFacts`]: what the mask knows about each token, built once per
//! vocabulary — how long its lines are, and whether it can settle a name
//! (ends it, or makes it a target) and with which letter cases — so that
//! only the tokens that could break a rule are read.
//!
//! Apart from the policy: it is an index over the vocabulary, built before
//! any text is read.

use ananke_plugin_abi::Vocab;
use ananke_plugin_abi::pylex::is_name_byte;

use crate::reader::Role;

/// Per-token facts for the mask, built once per vocabulary.
pub(crate) struct TokenFacts {
    /// Tokens by the characters before their first line break.
    pub(crate) by_first_line: Vec<(u32, u32)>,
    /// Tokens by their longest line after a line break.
    pub(crate) by_later_line: Vec<(u32, u32)>,
    /// Tokens that can end a name (not all name bytes), by the letter
    /// cases in their leading name bytes: `[none, lower, upper, both]`.
    pub(crate) ending: [Vec<u32>; 4],
    /// Tokens with `=` or `:` after their leading name bytes and blanks
    /// (they can make a name a target), by the same cases.
    pub(crate) binding: [Vec<u32>; 4],
}

/// `0` no letters, `1` lower case only, `2` upper case only, `3` both.
pub(crate) fn cases(word: &[u8]) -> usize {
    usize::from(word.iter().any(u8::is_ascii_lowercase))
        | (usize::from(word.iter().any(u8::is_ascii_uppercase)) << 1)
}

impl TokenFacts {
    /// The facts of every token of `vocab`.
    pub(crate) fn new(vocab: &Vocab) -> TokenFacts {
        let chars = |b: &[u8]| b.iter().filter(|&&c| c & 0xC0 != 0x80).count() as u32;
        let mut facts = TokenFacts {
            by_first_line: Vec::new(),
            by_later_line: Vec::new(),
            ending: Default::default(),
            binding: Default::default(),
        };
        for t in 0..vocab.len() as u32 {
            if vocab.is_special(t) {
                continue;
            }
            let bytes = vocab.token(t);
            let mut lines = bytes.split(|&b| b == b'\n');
            let first = lines.next().map_or(0, chars);
            let later = lines.map(chars).max().unwrap_or(0);
            facts.by_first_line.push((first, t));
            facts.by_later_line.push((later, t));
            let lead = bytes.iter().take_while(|&&b| is_name_byte(b)).count();
            if lead == bytes.len() {
                continue;
            }
            let case = cases(&bytes[..lead]);
            facts.ending[case].push(t);
            if bytes[lead..]
                .iter()
                .find(|&&b| b != b' ' && b != b'\t')
                .is_some_and(|&b| b == b'=' || b == b':')
            {
                facts.binding[case].push(t);
            }
        }
        facts.by_first_line.sort_unstable();
        facts.by_later_line.sort_unstable();
        facts
    }

    /// The tokens that can settle a name whose letters so far have the
    /// cases `have` as a bad one for `role`, from `lists` (by the cases
    /// of the tokens' leading names).
    pub(crate) fn settling(
        lists: &[Vec<u32>; 4],
        have: usize,
        role: Role,
    ) -> impl Iterator<Item = &[u32]> {
        // The leading-name cases that make the name bad.
        let bad = move |lead: usize| {
            let all = have | lead;
            match role {
                Role::Function => all & 2 != 0,
                _ => all == 3,
            }
        };
        (0..4)
            .filter(move |&c| bad(c))
            .map(move |c| lists[c].as_slice())
    }
}
