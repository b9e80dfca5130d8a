//! [`TokenIndex`]: the vocabulary's tokens grouped for the mask, built once
//! per vocabulary — by [`Shape`] for mid-line steps, by leading
//! indentation for line starts. Apart from the mask: the groups depend on
//! the vocabulary alone, the mask on the state; the mask masks a group
//! whole where one answer settles it and tries only the rest token by
//! token.

use std::collections::HashMap;

use ananke_core::{TokenId, TokenMask, Vocabulary};
use ananke_pylex::is_name_byte;

use crate::shape::Shape;

/// Longest indentation the mask groups tokens by.
const MAX_LEAD: usize = 128;

/// Vocabulary facts for the mask, built once.
pub(crate) struct TokenIndex {
    /// Tokens of `Shape::Plain { lead: 0 }`.
    pub(crate) ends_word: TokenMask,
    /// Tokens of `Shape::OpensParen`.
    pub(crate) opens_paren: TokenMask,
    /// Tokens of `Shape::Plain` with a lead, by their leading name bytes.
    pub(crate) by_head: HashMap<Vec<u8>, Vec<TokenId>>,
    /// Tokens of `Shape::Call`, by kind (`CallKind` as an index), and
    /// by the name they call (the bytes they add to the chain being read,
    /// for `Continues`).
    pub(crate) calls: [TokenMask; 3],
    pub(crate) calls_by_name: [HashMap<Vec<u8>, Vec<TokenId>>; 3],
    /// Tokens of `Shape::Other` (tried in full mid-line).
    pub(crate) other: TokenMask,
    /// Tokens with a quote or a line break: inside a string or comment,
    /// the only ones that can leave it (the rest cannot break a rule).
    pub(crate) leaves_text: TokenMask,
    /// By `s`: tokens of `s` spaces then a code byte (what puts code at a
    /// known column when read at a line start).
    pub(crate) by_lead: Vec<Vec<TokenId>>,
    /// By `s`: tokens of `s` spaces then name bytes only. At a line start
    /// such a token starts a statement at a known column and ends no
    /// word: the column alone decides it.
    pub(crate) words_by_lead: Vec<Vec<TokenId>>,
    /// Every token not in `words_by_lead` (tried in full at a line start).
    pub(crate) not_words: TokenMask,
    /// Tokens with a line break followed, in the token, by code or a tab
    /// (they decide a line start inside themselves: tried in full).
    pub(crate) inner_line: Vec<TokenId>,
    /// Tokens that start with tabs then code (column depends on where
    /// the line stands: tried in full at a line start).
    pub(crate) tabbed: Vec<TokenId>,
    /// By `s`: tokens of `s` spaces then `#` (a comment at a known column
    /// when read at a line start).
    pub(crate) comment_by_lead: Vec<Vec<TokenId>>,
    /// Tokens with a line break followed, in the token, by a comment.
    pub(crate) inner_comment: Vec<TokenId>,
}

/// Whether `b` puts code on a line (no blank, line break, comment or
/// line continuation).
fn is_code_byte(b: u8) -> bool {
    !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'#' | b'\\')
}

impl TokenIndex {
    /// The facts of `vocab`'s tokens.
    pub(crate) fn new(vocab: &Vocabulary) -> TokenIndex {
        let mut index = TokenIndex {
            ends_word: TokenMask::new_empty(vocab.len()),
            opens_paren: TokenMask::new_empty(vocab.len()),
            by_head: HashMap::new(),
            calls: std::array::from_fn(|_| TokenMask::new_empty(vocab.len())),
            calls_by_name: std::array::from_fn(|_| HashMap::new()),
            other: TokenMask::new_empty(vocab.len()),
            leaves_text: TokenMask::new_empty(vocab.len()),
            by_lead: vec![Vec::new(); MAX_LEAD + 1],
            words_by_lead: vec![Vec::new(); MAX_LEAD + 1],
            not_words: TokenMask::new_full(vocab.len()),
            inner_line: Vec::new(),
            tabbed: Vec::new(),
            comment_by_lead: vec![Vec::new(); MAX_LEAD + 1],
            inner_comment: Vec::new(),
        };
        for (t, bytes) in vocab.iter() {
            match Shape::of(bytes) {
                _ if vocab.is_special(t) => {
                    index.other.set(t, true);
                }
                Shape::Name => {}
                Shape::Plain { lead: 0 } => {
                    index.ends_word.set(t, true);
                }
                Shape::Plain { lead } => index
                    .by_head
                    .entry(bytes[..usize::from(lead)].to_vec())
                    .or_default()
                    .push(t),
                Shape::OpensParen => {
                    index.opens_paren.set(t, true);
                }
                Shape::Call { kind, skip, lead } => {
                    let (skip, lead) = (usize::from(skip), usize::from(lead));
                    index.calls[kind as usize].set(t, true);
                    index.calls_by_name[kind as usize]
                        .entry(bytes[skip..skip + lead].to_vec())
                        .or_default()
                        .push(t);
                }
                Shape::Other => {
                    index.other.set(t, true);
                }
            }
            if bytes
                .iter()
                .any(|b| matches!(b, b'"' | b'\'' | b'\n' | b'\r'))
            {
                index.leaves_text.set(t, true);
            }
            if vocab.is_special(t) || bytes.is_empty() {
                continue;
            }
            let spaces = bytes.iter().take_while(|&&b| b == b' ').count();
            if spaces < bytes.len()
                && spaces <= MAX_LEAD
                && bytes[spaces..].iter().all(|&b| is_name_byte(b))
            {
                index.words_by_lead[spaces].push(t);
                index.not_words.set(t, false);
            }
            match bytes.get(spaces) {
                Some(&b) if is_code_byte(b) && spaces <= MAX_LEAD => index.by_lead[spaces].push(t),
                Some(&b'#') if spaces <= MAX_LEAD => index.comment_by_lead[spaces].push(t),
                Some(&b'\t') => index.tabbed.push(t),
                _ => {}
            }
            if let Some(nl) = bytes.iter().position(|&b| b == b'\n')
                && bytes[nl + 1..]
                    .iter()
                    .find(|&&b| b != b' ' && b != b'\n' && b != b'\r' && b != b'\t')
                    == Some(&b'#')
            {
                index.inner_comment.push(t);
            }
            if let Some(nl) = bytes.iter().position(|&b| b == b'\n')
                && bytes[nl + 1..]
                    .iter()
                    .find(|&&b| b != b' ' && b != b'\n' && b != b'\r')
                    .is_some_and(|&b| is_code_byte(b) || b == b'\t')
            {
                index.inner_line.push(t);
            }
        }
        index
    }
}
