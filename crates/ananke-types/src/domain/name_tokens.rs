//! Token sets for names: the tokens of a vocabulary that lead from a name
//! written so far towards one of a list of names — an attribute of a
//! type, a keyword, a name in scope.
//!
//! A token is matched by its identifier part (its [`Piece`]), kept sorted
//! by identifier so that the tokens continuing a name are found by binary
//! search. A set depends only on the vocabulary and the names, so it is
//! cached per vocabulary ([`MemberCache`]) and shared by every state. It
//! is a module of its own because both the token classes (which hold the
//! cache) and the sites (which ask for sets) use it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ananke_core::TokenId;

use crate::types::Name;

/// A token's identifier part, for matching attribute names.
pub(crate) struct Piece {
    /// The identifier bytes the token contributes.
    pub ident: Box<[u8]>,
    /// Whether the token goes on past the identifier (so the name ends
    /// inside the token).
    pub complete: bool,
    /// The token.
    pub token: TokenId,
}

/// The pieces whose identifier is exactly `ident`.
pub(crate) fn pieces_equal<'c>(pieces: &'c [Piece], ident: &[u8]) -> &'c [Piece] {
    let start = pieces.partition_point(|p| &*p.ident < ident);
    let end = start + pieces[start..].partition_point(|p| &*p.ident == ident);
    &pieces[start..end]
}

/// The tokens an attribute site allows, for one receiver type and name
/// prefix.
pub(crate) struct MemberTokens {
    /// Allowed tokens among the class the site constrains, sorted.
    pub allowed: Vec<TokenId>,
    /// Whether the name written so far is itself a member (so a token
    /// that ends the name may come).
    pub partial_is_member: bool,
    /// Whether some member starts with the name written so far.
    pub partial_is_prefix: bool,
    /// The receiver type (or "the scope"), for messages.
    pub receiver: String,
    /// When the name so far is a member: the tokens that may follow a
    /// dot after it (`.twitter` after `obj.object` must start a member of
    /// `obj.object`, or the token leads nowhere). `None` when unknown.
    pub chained: Option<Arc<MemberTokens>>,
}

/// Member-token sets by (receiver type, name so far, after-a-dot), shared
/// by all states of a domain.
pub(crate) type MemberCache = Mutex<HashMap<(String, String, bool), Option<Arc<MemberTokens>>>>;

/// The tokens (among `pieces`) that continue `partial` towards one of
/// `names`.
pub(crate) fn tokens_towards(
    names: &[Name],
    partial: &str,
    pieces: &[&[Piece]],
    receiver: String,
) -> MemberTokens {
    let mut allowed = Vec::new();
    for name in names.iter().filter(|n| n.starts_with(partial)) {
        let rest = &name.as_bytes()[partial.len()..];
        for k in 0..=rest.len() {
            for table in pieces {
                for piece in pieces_equal(table, &rest[..k]) {
                    if !piece.complete || k == rest.len() {
                        allowed.push(piece.token);
                    }
                }
            }
        }
    }
    allowed.sort_unstable();
    allowed.dedup();
    MemberTokens {
        allowed,
        partial_is_member: names.iter().any(|n| **n == *partial),
        partial_is_prefix: names.iter().any(|n| n.starts_with(partial)),
        receiver,
        chained: None,
    }
}

/// Whether `ident` is a prefix of one of the sorted `names` (or, when
/// `complete`, one of them).
pub(crate) fn name_allows(names: &[Name], ident: &[u8], complete: bool) -> bool {
    let at = names.partition_point(|n| n.as_bytes() < ident);
    names.get(at).is_some_and(|n| {
        if complete {
            n.as_bytes() == ident
        } else {
            n.as_bytes().starts_with(ident)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(ident: &str, complete: bool, token: TokenId) -> Piece {
        Piece {
            ident: ident.as_bytes().into(),
            complete,
            token,
        }
    }

    #[test]
    fn tokens_lead_towards_the_names() {
        let mut pieces = vec![
            piece("app", false, 0),
            piece("append", false, 1),
            piece("append", true, 2),
            piece("x", false, 3),
            piece("end", false, 4),
            piece("appendix", true, 5),
        ];
        pieces.sort_by(|a, b| a.ident.cmp(&b.ident));
        assert_eq!(pieces_equal(&pieces, b"append").len(), 2);
        let names: Vec<Name> = vec!["append".into(), "extend".into()];
        let tokens = tokens_towards(&names, "", &[&pieces], "attribute".into());
        assert_eq!(tokens.allowed, [0, 1, 2]);
        let tokens = tokens_towards(&names, "ext", &[&pieces], "attribute".into());
        assert_eq!(tokens.allowed, [4]);
        assert!(tokens.partial_is_prefix && !tokens.partial_is_member);
        assert!(name_allows(&names, b"app", false));
        assert!(name_allows(&names, b"append", true));
        assert!(!name_allows(&names, b"appe", true));
        assert!(!name_allows(&names, b"b", false));
    }
}
