//! The tokens a state's sites allow: the attributes of a receiver's type
//! after a `.`, the keywords after a complete expression, the names in
//! scope where a closed body reads one.
//!
//! Each is a set of tokens leading towards one of a list of names
//! ([`tokens_towards`]), found once per state and cached where it can be
//! shared (per vocabulary for attributes and keywords, per statement for
//! names in scope). The mask removes the tokens of a site's class that the
//! set leaves out. This is the part of [`Program`] that reads the
//! vocabulary; the verdicts on events are in [`program`](super::program).

use std::sync::Arc;

use super::classes::TokenClasses;
use super::guarded;
use super::name_tokens::{MemberTokens, Piece, tokens_towards};
use super::program::Program;
use super::sites::{
    CodeSite, KeywordSite, MemberSite, NameSite, Situation, keyword_site, name_site, statement,
};
use crate::types::{Name, Type};

impl Program {
    /// The member tokens of this state's attribute site, if it has one
    /// whose receiver type's members are all known.
    pub fn members(&self, classes: &TokenClasses) -> Option<Arc<MemberTokens>> {
        let analysis = self.analysis();
        analysis
            .members
            .get_or_init(|| {
                let Situation::Code(CodeSite {
                    member: Some(site), ..
                }) = &analysis.situation
                else {
                    return None;
                };
                guarded(|| self.member_tokens(self.text.as_bytes(), site, classes)).flatten()
            })
            .clone()
    }

    /// The tokens a keyword site allows: those continuing the word towards
    /// a keyword.
    pub fn keywords(&self, classes: &TokenClasses) -> Option<Arc<MemberTokens>> {
        let analysis = self.analysis();
        analysis
            .keywords
            .get_or_init(|| {
                let Situation::Code(CodeSite {
                    keyword: Some(site),
                    ..
                }) = &analysis.situation
                else {
                    return None;
                };
                Some(keyword_tokens(classes, site, false))
            })
            .clone()
    }

    /// The tokens a name site allows: those continuing the name so far
    /// towards a name in scope or an expression keyword.
    pub fn names(&self, classes: &TokenClasses) -> Option<Arc<MemberTokens>> {
        let analysis = self.analysis();
        analysis
            .names
            .get_or_init(|| {
                let Situation::Code(CodeSite {
                    name: Some(site), ..
                }) = &analysis.situation
                else {
                    return None;
                };
                guarded(|| self.name_tokens(classes, site, false)).flatten()
            })
            .clone()
    }

    /// The tokens leading to a name `site` may read (only those of blanks
    /// then a word when `spaced_only`).
    fn name_tokens(
        &self,
        classes: &TokenClasses,
        site: &NameSite,
        spaced_only: bool,
    ) -> Option<Arc<MemberTokens>> {
        let text = self.text_str()?;
        let partial = &site.partial;
        let key = format!(
            "{}{}{partial}",
            u8::from(site.operand),
            u8::from(spaced_only)
        );
        let cached = self
            .scope
            .names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        if let Some(found) = cached {
            return found;
        }
        let tokens = self.scope.readable(text, site.operand).map(|names| {
            let pieces: &[&[Piece]] = if spaced_only {
                &[&classes.spaced_pieces]
            } else if partial.is_empty() {
                &[&classes.ident_pieces, &classes.spaced_pieces]
            } else {
                &[&classes.ident_pieces]
            };
            Arc::new(tokens_towards(
                &names,
                partial,
                pieces,
                "name in scope".into(),
            ))
        });
        self.scope
            .names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, tokens.clone());
        tokens
    }

    /// What a token of blanks then a word must lead to, when the text ends
    /// in a word: the site the blank opens (a keyword after an expression,
    /// a name after `return` or `or` in a closed body).
    pub fn after_blank(&self, classes: &TokenClasses) -> Option<Arc<MemberTokens>> {
        let analysis = self.analysis();
        analysis
            .after_blank
            .get_or_init(|| {
                let Situation::Code(CodeSite {
                    ends_in_word: true,
                    closed,
                    ..
                }) = &analysis.situation
                else {
                    return None;
                };
                guarded(|| {
                    let mut text = self.text_str()?.to_owned();
                    text.push(' ');
                    let mut scan = self.scan.clone();
                    scan.feed(text.as_bytes());
                    let (stmt, toks) = statement(&text, &scan);
                    if let Some(site) = keyword_site(stmt, &toks, scan.lexer()) {
                        return Some(keyword_tokens(classes, &site, true));
                    }
                    let site = name_site(stmt, &toks, &scan).filter(|_| *closed)?;
                    self.name_tokens(classes, &site, true)
                })
                .flatten()
            })
            .clone()
    }

    /// The member tokens of `site` in `text` (this state's text, or one
    /// simulated past it).
    pub(super) fn member_tokens(
        &self,
        text: &[u8],
        site: &MemberSite,
        classes: &TokenClasses,
    ) -> Option<Arc<MemberTokens>> {
        let text = std::str::from_utf8(text).ok()?;
        let cache = &classes.members;
        let scope = self.scope.get(text)?;
        let ty = self.scope.infer(&scope, &site.receiver)?;
        // An `object` has few members, but `isinstance` in a conditional
        // expression written after the attribute (`x.a if isinstance(x, A)
        // else 0`) narrows it to any class: the finished statement judges.
        if ty.has_any() || ty == Type::instance("builtins.object", []) {
            return None;
        }
        let dotted = site.partial.is_none();
        let partial = site.partial.clone().unwrap_or_default();
        let key = (ty.to_string(), partial.clone(), dotted);
        if let Some(found) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return found.clone();
        }
        let world = scope.world();
        let names = world.member_names(&ty).and_then(|mut names| {
            if let Type::Class(class) = &ty {
                // A class object also has the attributes of its metaclass
                // (`type`'s, `ABCMeta`'s).
                let metaclass = Type::instance(&world.metaclass(class), []);
                names.extend(world.member_names(&metaclass)?);
                names.sort();
                names.dedup();
            }
            Some(names)
        });
        let pieces: &[&[Piece]] = if dotted {
            &[&classes.dot_pieces]
        } else if partial.is_empty() {
            &[&classes.ident_pieces, &classes.spaced_pieces]
        } else {
            &[&classes.ident_pieces]
        };
        let tokens = names.map(|names| {
            let mut tokens =
                tokens_towards(&names, &partial, pieces, format!("attribute of \"{ty}\""));
            // A token may end the member and start the next one
            // (`.twitter` after `obj.object`): that one is judged against
            // the member's own type.
            if tokens.partial_is_member && !partial.is_empty() {
                let chained = MemberSite {
                    receiver: format!("{}.{partial}", site.receiver),
                    partial: None,
                };
                tokens.chained = self.member_tokens(text.as_bytes(), &chained, classes);
            }
            Arc::new(tokens)
        });
        let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 4096 {
            cache.clear();
        }
        cache.insert(key, tokens.clone());
        tokens
    }
}

/// The keywords that may follow a complete expression: operators (`and`,
/// `not in`, `is`), a conditional expression's, a comprehension's, and
/// `as`, `from` and `import` after a name (`with f() as h`, `raise e from
/// c`, `from m import x`). Another (`break` after `"a" br`) leads nowhere
/// the grammar goes.
const AFTER_EXPRESSION: &[&str] = &[
    "and", "as", "async", "else", "for", "from", "if", "import", "in", "is", "not", "or",
];

/// The string prefixes Python reads before a quote (as the one lexer
/// says), which may follow a string: an implicit concatenation, `"a"
/// rb'b'`.
fn string_prefixes() -> impl Iterator<Item = Name> {
    const LETTERS: &[u8] = b"bfruBFRU";
    let singles = LETTERS.iter().map(|&a| vec![a]);
    let pairs = LETTERS
        .iter()
        .flat_map(|&a| LETTERS.iter().map(move |&b| vec![a, b]));
    singles
        .chain(pairs)
        .filter(|word| ananke_pylex::is_string_prefix(word))
        .map(|word| Name::from(String::from_utf8_lossy(&word).as_ref()))
}

/// The tokens a keyword site allows: those leading from its word to a
/// keyword (only those of blanks then a word when `spaced_only`), and
/// those continuing the number the text ends in; shared by every state of
/// a vocabulary.
fn keyword_tokens(
    classes: &TokenClasses,
    site: &KeywordSite,
    spaced_only: bool,
) -> Arc<MemberTokens> {
    let cache = &classes.members;
    let word = site.word.as_str();
    let key = (
        format!(
            "<keywords>{}{}",
            site.number_continues,
            if site.after_string { "<string>" } else { "" }
        ),
        word.to_owned(),
        spaced_only,
    );
    if let Some(Some(found)) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return found.clone();
    }
    let mut names: Vec<Name> = AFTER_EXPRESSION.iter().map(|&k| k.into()).collect();
    if site.after_string {
        names.extend(string_prefixes());
        names.sort();
    }
    let pieces: &[&[Piece]] = if spaced_only {
        &[&classes.spaced_pieces]
    } else if word.is_empty() {
        &[&classes.ident_pieces, &classes.spaced_pieces]
    } else {
        &[&classes.ident_pieces]
    };
    let mut tokens = tokens_towards(&names, word, pieces, "keyword".into());
    for first in site.number_continues.bytes() {
        let pieces = &classes.ident_pieces;
        let start = pieces.partition_point(|p| p.ident.first() < Some(&first));
        let end = pieces.partition_point(|p| p.ident.first() <= Some(&first));
        tokens
            .allowed
            .extend(pieces[start..end].iter().map(|p| p.token));
    }
    tokens.allowed.sort_unstable();
    tokens.allowed.dedup();
    let tokens = Arc::new(tokens);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, Some(tokens.clone()));
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use ananke_core::Vocabulary;

    #[test]
    fn an_attribute_site_allows_the_members_of_the_receiver_type() {
        let tokens = [".upper", ".up", ".foo", ".", "per", "x", "<eos>"];
        let vocab = Vocabulary::new("t", tokens, &[], &[6]).unwrap();
        let classes = TokenClasses::new(&vocab);
        let def = "def f(s: str) -> None:\n";
        let program = Program::start(def, None).extend(b"    s");
        let members = program.members(&classes).unwrap();
        assert_eq!(members.allowed, [0, 1, 3]);
        assert_eq!(members.receiver, "attribute of \"str\"");
        let program = Program::start(def, None).extend(b"    s.up");
        let members = program.members(&classes).unwrap();
        assert_eq!(members.allowed, [4]);
        assert!(members.partial_is_prefix && !members.partial_is_member);
    }

    #[test]
    fn a_keyword_site_allows_keywords_and_what_continues_a_number() {
        let tokens = ["and", "an", "andy", "xFF", "e5", "foo", "<eos>"];
        let vocab = Vocabulary::new("t", tokens, &[], &[6]).unwrap();
        let classes = TokenClasses::new(&vocab);
        let program = Program::start("", None).extend(b"x = 0");
        let keywords = program.keywords(&classes).unwrap();
        assert_eq!(keywords.allowed, [0, 1, 3, 4]);
        let program = Program::start("", None).extend(b"x = (a)");
        let keywords = program.keywords(&classes).unwrap();
        assert_eq!(keywords.allowed, [0, 1]);
        // After a string a word may be the next literal's prefix too
        // (`'a' br'b'`).
        let program = Program::start("", None).extend(b"x = 'a'");
        let tokens = [" br", " and", " bra", " not", " import", " pass", "<eos>"];
        let vocab = Vocabulary::new("t", tokens, &[], &[6]).unwrap();
        let string_classes = TokenClasses::new(&vocab);
        let keywords = program.keywords(&string_classes).unwrap();
        assert_eq!(keywords.allowed, [0, 1, 3, 4]);
        // No keyword that cannot follow an expression: `(a) br` would
        // lead only to `break`, which the grammar does not take there.
        let tokens = [" br", " and", " not", " import", " pass", "<eos>"];
        let vocab = Vocabulary::new("t", tokens, &[], &[5]).unwrap();
        let classes = TokenClasses::new(&vocab);
        let program = Program::start("", None).extend(b"x = (a)");
        let keywords = program.keywords(&classes).unwrap();
        assert_eq!(keywords.allowed, [1, 2, 3]);
    }
}
