//! [`Shape`]: what a token can do mid-line, read from its bytes alone, once
//! per vocabulary. Apart from the mask: the shapes are how the mask groups
//! tokens (a token of name bytes breaks no rule, one that ends a word
//! breaks what a space would, one that calls a name is decided by that
//! name), so that it tries only the few that may break a rule in full.

use ananke_pylex::{KEYWORDS, is_name_byte};

/// What a token can do mid-line, by its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Name bytes only: it ends no word and calls nothing.
    Name,
    /// Blank or punctuation bytes (no `(`, `;`, quote, `#`, backslash or
    /// line break) and name bytes, with no word inside it whose end can
    /// break a rule (a keyword, `match`, `case`: [`RULE_BREAKING_WORDS`]),
    /// then perhaps a string or comment opened
    /// and not left within the token, or a line break and blanks: the
    /// first `lead` bytes finish the name being read, and the word ending
    /// there is all that can break a rule (the name being read itself
    /// when `lead` is 0: what a space does). Nothing inside a string or
    /// comment counts, and a line break ends a statement, which breaks
    /// no rule.
    Plain {
        /// Length of the leading run of name bytes.
        lead: u8,
    },
    /// `(`, then blank or punctuation bytes as in `Plain`, then a name
    /// begun, or a string or comment opened and not left: it does what `(`
    /// alone does.
    OpensParen,
    /// A name called: `skip` bytes, then `lead` name bytes, then what
    /// `OpensParen` is (`len(`, ` range(x`, `.append(`). Only the name
    /// then called can break a rule at the `(` — a keyword, an avoided
    /// name, the function itself — besides the word the `skip` bytes end.
    Call {
        /// How the name joins what is being read.
        kind: CallKind,
        /// Bytes before the name.
        skip: u8,
        /// Length of the name.
        lead: u8,
    },
    /// Anything else: tried in full.
    Other,
}

/// How a [`Shape::Call`] token's name joins the code before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// No bytes before it: it goes on with the name being read.
    Continues,
    /// Blanks or punctuation (no `.`) before it: they end the word being
    /// read as a space does, and the name starts afresh.
    Fresh,
    /// A `.` before it: an attribute of the chain being read (of nothing
    /// that counts when no chain is being read).
    Method,
}

impl Shape {
    /// The shape of a token of these bytes.
    pub(crate) fn of(bytes: &[u8]) -> Shape {
        let name = |b: &u8| is_name_byte(*b);
        let plain = |b: &u8| {
            b.is_ascii()
                && !name(b)
                && !matches!(
                    b,
                    b'(' | b';' | b'\'' | b'"' | b'#' | b'\\' | b'\n' | b'\r' | b'\x0c'
                )
        };
        // A string or comment the token opens and does not leave: a quote
        // or `#`, then no quote and no line break (a backslash only
        // escapes inside it).
        let stays_text = |text: &[u8]| match text.split_first() {
            Some((b'#', tail)) => !tail.iter().any(|b| matches!(b, b'\n' | b'\r')),
            Some((b'"' | b'\'', tail)) => !tail
                .iter()
                .any(|b| matches!(b, b'\n' | b'\r' | b'"' | b'\'')),
            _ => false,
        };
        // A string literal the token holds whole (one line, no escapes,
        // not the start of a triple quote) counts as punctuation: it ends
        // the word before it and nothing inside it counts. Replaced byte
        // for byte, so that offsets stay those of the token.
        let owned = whole_strings_as_commas(bytes);
        let bytes = owned.as_slice();
        // The code part of the token; whether text follows it.
        let (code, text) = match bytes.iter().position(|b| matches!(b, b'#' | b'"' | b'\'')) {
            Some(at) if stays_text(&bytes[at..]) => (&bytes[..at], true),
            _ => (bytes, false),
        };
        // What it ends with: a line break, a `;`, a backslash (a line
        // continued), then only those and blanks. It ends the word before
        // it as a space does, and a statement perhaps, which breaks no rule.
        let ending = |b: &u8| matches!(b, b';' | b'\n' | b'\r' | b'\\' | b'\x0c');
        let (code, breaks) = match code.iter().position(ending) {
            Some(at)
                if !text
                    && code[at..]
                        .iter()
                        .all(|b| ending(b) || matches!(b, b' ' | b'\t')) =>
            {
                (&code[..at], true)
            }
            _ => (code, false),
        };
        // Whether the token ends the last name run in it.
        let ended = text || breaks;
        // Name runs that end inside the token, after its first (the last
        // too when text or a line break ends it).
        let inner_words_matter = |rest: &[u8]| {
            rest.split(|b| !name(b))
                .rev()
                .skip(usize::from(!ended))
                .any(|w| !w.is_empty() && is_rule_breaking_word(w))
        };
        // What may follow a `(` in `OpensParen`: punctuation (more `(`
        // too: after punctuation a `(` calls nothing), then a name begun.
        let after_paren = |rest: &[u8]| {
            let split = rest.iter().position(name).unwrap_or(rest.len());
            !breaks
                && rest[..split].iter().all(|b| plain(b) || *b == b'(')
                && rest[split..].iter().all(name)
                && !(text && split < rest.len())
        };
        let blank = |b: &u8| matches!(b, b' ' | b'\t');
        // A name called: the name run before the first `(`, and what is
        // before it. Without a name, blanks then `(` do what `(` does
        // (the word they end is the one called), and punctuation then `(`
        // only ends the word (punctuation leaves nothing to call).
        let call = || {
            let paren = code.iter().position(|&b| b == b'(')?;
            let lead = code[..paren].iter().rev().take_while(|b| name(b)).count();
            let skip = paren - lead;
            let before = &code[..skip];
            if !before.iter().all(plain) || !after_paren(&code[paren + 1..]) {
                return None;
            }
            let dots = before.iter().filter(|&&b| b == b'.').count();
            if lead == 0 {
                return match before {
                    _ if before.iter().all(blank) => Some(Shape::OpensParen),
                    _ if dots == 0 => Some(Shape::Plain { lead: 0 }),
                    _ => None,
                };
            }
            // One `.` right before the name: after blanks only, an
            // attribute of the chain being read; after punctuation, of a
            // value (the name then only ends a word, as a fresh one does).
            let trailing_dot = dots == 1 && before.last() == Some(&b'.');
            let kind = match before {
                [] => CallKind::Continues,
                _ if trailing_dot && before[..skip - 1].iter().all(blank) => CallKind::Method,
                _ if dots == 0 || trailing_dot => CallKind::Fresh,
                _ => return None,
            };
            (skip <= usize::from(u8::MAX) && lead <= usize::from(u8::MAX)).then_some(Shape::Call {
                kind,
                skip: skip as u8,
                lead: lead as u8,
            })
        };
        match code.split_first() {
            None if ended => Shape::Plain { lead: 0 },
            None => Shape::Other,
            Some(_) if !ended && code.iter().all(name) => Shape::Name,
            Some((b'(', rest)) if after_paren(rest) => Shape::OpensParen,
            Some(_) => call().unwrap_or_else(|| {
                let lead = code.iter().take_while(|b| name(b)).count();
                let rest = &code[lead..];
                if lead > usize::from(u8::MAX)
                    || !rest.iter().all(|b| name(b) || plain(b))
                    || inner_words_matter(rest)
                {
                    Shape::Other
                } else {
                    Shape::Plain { lead: lead as u8 }
                }
            }),
        }
    }
}

/// `bytes` with each string literal it holds whole — a quote, then no
/// quote of its kind, line break or backslash, then the closing quote,
/// not followed by a third one — replaced by as many commas.
fn whole_strings_as_commas(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i < bytes.len() {
        let q = bytes[i];
        if !matches!(q, b'"' | b'\'') {
            i += 1;
            continue;
        }
        let Some(len) = bytes[i + 1..]
            .iter()
            .position(|&b| b == q || matches!(b, b'\n' | b'\r' | b'\\'))
            .filter(|&n| bytes[i + 1 + n] == q)
        else {
            // An unclosed string: the rest is text.
            break;
        };
        let end = i + 1 + len;
        if bytes.get(end + 1) == Some(&q) {
            // `"""`: a triple quote, not an empty string.
            break;
        }
        out[i..=end].fill(b',');
        i = end + 1;
    }
    out
}

/// Whether ending the word `w` can break a mid-line rule: a keyword or a
/// soft keyword that opens a block (`match`, `case`). Other words matter
/// only before a `(`.
fn is_rule_breaking_word(w: &[u8]) -> bool {
    RULE_BREAKING_WORDS.iter().any(|m| m.as_bytes() == w)
}

/// The words whose end can break a mid-line rule: pylex's keywords, and
/// the soft keywords that open a block.
pub(crate) const RULE_BREAKING_WORDS: [&str; KEYWORDS.len() + 2] = {
    let keywords = KEYWORDS;
    let mut words = [""; KEYWORDS.len() + 2];
    let mut i = 0;
    while i < keywords.len() {
        words[i] = keywords[i];
        i += 1;
    }
    words[keywords.len()] = "match";
    words[keywords.len() + 1] = "case";
    words
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_group_tokens_by_what_they_can_break() {
        let call = |kind, skip, lead| Shape::Call { kind, skip, lead };
        for (token, shape) in [
            ("abc", Shape::Name),
            (" x", Shape::Plain { lead: 0 }),
            ("x, y", Shape::Plain { lead: 1 }),
            ("x\n    ", Shape::Plain { lead: 1 }),
            (");\n", Shape::Plain { lead: 0 }),
            (" \\\n", Shape::Plain { lead: 0 }),
            ("\"a\", ", Shape::Plain { lead: 0 }),
            ("*(", Shape::Plain { lead: 0 }),
            ("(", Shape::OpensParen),
            (" ((", Shape::OpensParen),
            ("len(", call(CallKind::Continues, 0, 3)),
            (" range(x", call(CallKind::Fresh, 1, 5)),
            (", g(", call(CallKind::Fresh, 2, 1)),
            ("\"a\".join(", call(CallKind::Fresh, 4, 4)),
            (".append(", call(CallKind::Method, 1, 6)),
            (" .system(", call(CallKind::Method, 2, 6)),
            // A keyword ended inside, a name ended then called, a triple
            // quote, a `;` with code after it: tried in full.
            (" if x", Shape::Other),
            ("f(x)", Shape::Other),
            ("\"\"\"", Shape::Other),
            ("; x", Shape::Other),
        ] {
            assert_eq!(Shape::of(token.as_bytes()), shape, "{token:?}");
        }
    }

    #[test]
    fn whole_strings_become_commas_byte_for_byte() {
        assert_eq!(whole_strings_as_commas(b"x\"ab\".y"), b"x,,,,.y");
        assert_eq!(whole_strings_as_commas(b"''+'"), b",,+'");
        assert_eq!(whole_strings_as_commas(b"\"\"\"a"), b"\"\"\"a");
        assert_eq!(whole_strings_as_commas(b"\"a\\\"b\""), b"\"a\\\"b\"");
    }
}
