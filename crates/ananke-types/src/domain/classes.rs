//! Token classes: what a token can do to the type checker's view of the
//! program, computed once per vocabulary.
//!
//! A type verdict only changes at a few characters: `)` closes a call, `,`
//! ends an argument, `:` ends a compound statement's header, a newline or
//! `;` ends a statement, a quote closes a string, `.` starts an attribute.
//! Every token is reduced to its *event key*: the run of such characters it
//! begins with (spaces dropped, stopping at the first other character or
//! after a statement end). Tokens with one key get one verdict, so a mask
//! evaluates each distinct key among the candidates once, and a token
//! without events is never looked at.

use std::collections::HashMap;

use ananke_core::{TokenId, TokenMask, Vocabulary};
use ananke_pylex::{is_name_byte, is_name_start};

use super::name_tokens::{MemberCache, Piece};

/// Operator characters (a token of them then a name is an `op_names`
/// token).
const OPERATOR: &[u8] = b"+-*/%@&|^~<>=!";

/// Characters that are events when they lead a token.
const EVENT: &[u8] = b")]},:";

/// Whether `b` is an ASCII byte of a name. Event keys keep only ASCII
/// bytes of names: a verdict appends a key to the text, which must stay
/// UTF-8.
pub(crate) fn is_ascii_name_byte(b: u8) -> bool {
    b.is_ascii() && is_name_byte(b)
}

/// The classes of one vocabulary (see the module docs).
pub(crate) struct TokenClasses {
    /// Vocabulary size.
    pub n_vocab: usize,
    /// Vocabulary name, for mismatch messages.
    pub vocab_name: String,
    /// Event key of each token in code (0: none).
    pub code_key: Vec<u32>,
    /// Event key of each token when it closes a `'` (index 0) or `"`
    /// (index 1) string: the quote and what follows it (0: none).
    pub close_key: [Vec<u32>; 2],
    /// Key strings; key 0 is empty.
    pub keys: Vec<Box<[u8]>>,
    /// Each key's key minus its last byte.
    pub parent: Vec<u32>,
    /// The key of a lone newline.
    pub newline_key: u32,
    /// Tokens with a code event key.
    pub code_events: TokenMask,
    /// Tokens with a closing key, per quote.
    pub closes: [TokenMask; 2],
    /// Tokens that close a string after some of its content (` ")\n`,
    /// `s')`), with events after the quote, per quote; their
    /// `close_key` leaves the content out (see [`closing_quote`]).
    pub closes_later: [TokenMask; 2],
    /// Tokens with a newline anywhere (they end a comment).
    pub has_newline: TokenMask,
    /// Tokens with a `#` before their first newline (they may open a
    /// comment and end it).
    pub comment_newline: TokenMask,
    /// End-of-sequence tokens.
    pub eos: TokenMask,
    /// Tokens starting with `.`.
    pub dots: TokenMask,
    /// Tokens starting with an identifier byte.
    pub idents: TokenMask,
    /// Text tokens that do not (they end a name being written).
    pub non_idents: TokenMask,
    /// Tokens that can start a name (a letter, `_` or a non-ASCII byte).
    pub name_starts: TokenMask,
    /// Tokens of blanks then a name start (` len`, `    x`).
    pub spaced_names: TokenMask,
    /// Pieces of the `spaced_names` tokens (after the blanks), sorted.
    pub spaced_pieces: Vec<Piece>,
    /// Tokens that start code at the start of a line (not a blank, a line
    /// break or a comment).
    pub line_code: TokenMask,
    /// Tokens with a line break followed by code in the same token.
    pub newline_code: TokenMask,
    /// Pieces of the `dots` tokens (after the dot), sorted by identifier.
    pub dot_pieces: Vec<Piece>,
    /// Pieces of the `idents` tokens, sorted by identifier.
    pub ident_pieces: Vec<Piece>,
    /// Tokens of an operator then a name (`-x`, `/path`, `=True`, ` &y`:
    /// blanks allowed around the operator): the name they start is judged
    /// by the operator's site.
    pub op_names: TokenMask,
    /// For each token in `op_names`, its entry in `op_name_table`.
    pub op_name_index: Vec<u32>,
    /// Operator, name and whether the token goes on past the name.
    pub op_name_table: Vec<(u32, Box<[u8]>, bool)>,
    /// The distinct operators of `op_name_table`.
    pub ops: Vec<Box<[u8]>>,
    /// Attribute tokens by receiver type and name so far (they depend on
    /// nothing else, so every state over this vocabulary shares them).
    pub members: MemberCache,
}

/// The quote index of `q` in [`TokenClasses::close_key`].
pub(crate) fn quote_index(q: u8) -> usize {
    usize::from(q == b'"')
}

struct KeyTable {
    keys: Vec<Box<[u8]>>,
    parent: Vec<u32>,
    ids: HashMap<Box<[u8]>, u32>,
}

impl KeyTable {
    fn new() -> KeyTable {
        let mut ids = HashMap::new();
        ids.insert(Box::<[u8]>::from(&b""[..]), 0);
        KeyTable {
            keys: vec![Box::from(&b""[..])],
            parent: vec![0],
            ids,
        }
    }

    /// The id of `key`, adding it and its prefixes.
    fn intern(&mut self, key: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let parent = self.intern(&key[..key.len() - 1]);
        let id = self.keys.len() as u32;
        self.keys.push(Box::from(key));
        self.parent.push(parent);
        self.ids.insert(Box::from(key), id);
        id
    }
}

/// Where the empty string literal a token starts with, after blanks,
/// ends (` ''`, `""`; not a triple quote's start).
fn empty_string(bytes: &[u8]) -> Option<usize> {
    let blanks = bytes.iter().take_while(|&&b| b == b' ').count();
    match &bytes[blanks..] {
        [q, r, rest @ ..] if (*q == b'\'' || *q == b'"') && r == q && rest.first() != Some(q) => {
            Some(blanks + 2)
        }
        _ => None,
    }
}

/// Where a token that does not start with `quote` closes a string it
/// starts inside, at its first `quote`, when the content before it is
/// plain text (no backslash that could escape the quote, no brace of an
/// f-string's field, no line break): the content then changes no event's
/// verdict but through the string's value, which a verdict on the key
/// without it may misjudge (a `Literal` the content would match), so a
/// key failing is judged again with it (`Program::content_verdict`).
pub(crate) fn closing_quote(bytes: &[u8], quote: u8) -> Option<usize> {
    let at = bytes.iter().position(|&b| b == quote)?;
    let plain = !bytes[..at]
        .iter()
        .any(|b| matches!(b, b'\\' | b'{' | b'}' | b'\n' | b'\r'));
    (at > 0 && plain).then_some(at)
}

/// The event prefix of code `bytes` (see the module docs): the token's
/// bytes up to its last event, when it reaches one through nothing but
/// events, blanks, opening brackets, dots and ASCII identifier bytes
/// (`())\n`, `_)`, ` ]):`), and empty otherwise. After a line break only
/// an attribute (`\n    .lower`) may follow. A token that ends inside an
/// attribute or element name it starts (`).strip`, `,x`) ends on a *name
/// event*: the name so far must begin some attribute or name in scope.
/// Bytes are kept as they are (blanks aside): a verdict is computed by
/// appending them to the text.
fn event_prefix(bytes: &[u8], out: &mut Vec<u8>) {
    let ident = is_ascii_name_byte;
    let start = out.len();
    let mut last_event = start;
    let mut after_break = false;
    let mut break_dot = false;
    let mut consumed_all = true;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            // `:=` is an operator, not a header's colon.
            b':' if bytes.get(i + 1) == Some(&b'=') => {
                consumed_all = false;
                break;
            }
            b'\n' | b';' if !after_break => {
                out.push(b);
                last_event = out.len();
                after_break = true;
            }
            // A token that ends in CR ends the line as LF would: outside
            // brackets only a LF may follow it.
            b'\r' if !after_break && i + 1 == bytes.len() => {
                out.push(b'\n');
                last_event = out.len();
                after_break = true;
            }
            _ if !after_break && EVENT.contains(&b) => {
                out.push(b);
                last_event = out.len();
            }
            b' ' | b'\t' | b'\r' => out.push(b),
            b'(' | b'[' | b'{' if !after_break => out.push(b),
            b'.' if !break_dot => {
                out.push(b);
                break_dot = after_break;
            }
            _ if ident(b) && (!after_break || break_dot) => out.push(b),
            _ => {
                consumed_all = false;
                break;
            }
        }
    }
    if consumed_all && !matches!(out.get(start), Some(b'.')) {
        let run = out[start..].iter().rev().take_while(|&&b| ident(b)).count();
        let before = out[start..out.len() - run]
            .iter()
            .rev()
            .find(|&&b| !matches!(b, b' ' | b'\t' | b'\r'));
        // Only where a bracket, an event or a line break precedes the
        // name (`).strip`, `,x`, `\n    .lower`): `x.append` or ` self.x`
        // glue to the word before them and are left to that word's site.
        let structural = out[start..out.len() - run]
            .iter()
            .any(|b| EVENT.contains(b) || b"([{\n;".contains(b));
        if run > 0 && structural && matches!(before, Some(b'.' | b',' | b':')) {
            last_event = out.len();
        }
    }
    out.truncate(last_event);
    // Blanks only matter between two identifier bytes (and at the start,
    // before one: the text may end in an identifier); dropping the rest
    // makes ` )\n`, `)\r\n` and `)\n` one key.
    let mut write = start;
    for read in start..out.len() {
        let b = out[read];
        if matches!(b, b' ' | b'\t' | b'\r') {
            let next_ident = out.get(read + 1).is_some_and(|&n| ident(n));
            let prev_ident = write == start || ident(out[write - 1]);
            if !(next_ident && prev_ident) {
                continue;
            }
        }
        out[write] = b;
        write += 1;
    }
    out.truncate(write);
}

fn piece(bytes: &[u8], token: TokenId) -> Piece {
    let len = bytes.iter().take_while(|&&b| is_name_byte(b)).count();
    Piece {
        ident: Box::from(&bytes[..len]),
        complete: len < bytes.len(),
        token,
    }
}

impl TokenClasses {
    /// The classes of `vocab`.
    pub fn new(vocab: &Vocabulary) -> TokenClasses {
        let n = vocab.len();
        let mut table = KeyTable::new();
        let mut code_key = vec![0u32; n];
        let mut close_key = [vec![0u32; n], vec![0u32; n]];
        let mut code_events = TokenMask::new_empty(n);
        let mut closes = [TokenMask::new_empty(n), TokenMask::new_empty(n)];
        let mut closes_later = [TokenMask::new_empty(n), TokenMask::new_empty(n)];
        let mut has_newline = TokenMask::new_empty(n);
        let mut comment_newline = TokenMask::new_empty(n);
        let mut eos = TokenMask::new_empty(n);
        let mut dots = TokenMask::new_empty(n);
        let mut idents = TokenMask::new_empty(n);
        let mut non_idents = TokenMask::new_empty(n);
        let mut name_starts = TokenMask::new_empty(n);
        let mut spaced_names = TokenMask::new_empty(n);
        let mut spaced_pieces = Vec::new();
        let mut line_code = TokenMask::new_empty(n);
        let mut newline_code = TokenMask::new_empty(n);
        let mut op_names = TokenMask::new_empty(n);
        let mut op_name_index = vec![u32::MAX; n];
        let mut op_name_table = Vec::new();
        let mut ops: Vec<Box<[u8]>> = Vec::new();
        let mut dot_pieces = Vec::new();
        let mut ident_pieces = Vec::new();
        let mut key = Vec::new();
        for &id in vocab.eos() {
            eos.set(id, true);
        }
        for (id, bytes) in vocab.iter() {
            if vocab.is_special(id) || bytes.is_empty() {
                continue;
            }
            key.clear();
            event_prefix(bytes, &mut key);
            if let Some(end) = empty_string(bytes) {
                // An empty string, then events (` ''\n`, `""),`): the
                // string has no content a verdict could depend on.
                key.clear();
                key.extend_from_slice(&bytes[..end]);
                event_prefix(&bytes[end..], &mut key);
                if key.len() == end {
                    key.clear();
                }
            }
            if !key.is_empty() {
                code_key[id as usize] = table.intern(&key);
                code_events.set(id, true);
            }
            if let Some(end) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
                has_newline.set(id, true);
                if bytes[..end].contains(&b'#') {
                    comment_newline.set(id, true);
                }
            }
            let first = bytes[0];
            if first == b'\'' || first == b'"' {
                key.clear();
                key.push(first);
                event_prefix(&bytes[1..], &mut key);
                if key.len() > 1 {
                    let q = quote_index(first);
                    close_key[q][id as usize] = table.intern(&key);
                    closes[q].set(id, true);
                }
            } else {
                for quote in [b'\'', b'"'] {
                    let Some(at) = closing_quote(bytes, quote) else {
                        continue;
                    };
                    key.clear();
                    key.push(quote);
                    event_prefix(&bytes[at + 1..], &mut key);
                    if key.len() > 1 {
                        let q = quote_index(quote);
                        close_key[q][id as usize] = table.intern(&key);
                        closes_later[q].set(id, true);
                    }
                }
            }
            if first == b'.' {
                dots.set(id, true);
                dot_pieces.push(piece(&bytes[1..], id));
            }
            if is_name_byte(first) {
                idents.set(id, true);
                ident_pieces.push(piece(bytes, id));
            } else {
                non_idents.set(id, true);
            }
            if is_name_start(first) {
                name_starts.set(id, true);
            }
            let blanks = bytes
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            if blanks > 0 && bytes.get(blanks).is_some_and(|&b| is_name_start(b)) {
                spaced_names.set(id, true);
                spaced_pieces.push(piece(&bytes[blanks..], id));
            }
            let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'#');
            if !blank(first) {
                line_code.set(id, true);
            }
            if bytes.windows(2).any(|w| w[0] == b'\n' && !blank(w[1])) {
                newline_code.set(id, true);
            }
            // Blanks, an operator, blanks, then a name (` &x`, `+ y`).
            let lead = bytes.iter().take_while(|&&b| b == b' ').count();
            let op_len = bytes[lead..]
                .iter()
                .take_while(|b| OPERATOR.contains(b))
                .count();
            let op_end = lead + op_len;
            let name_at = op_end + bytes[op_end..].iter().take_while(|&&b| b == b' ').count();
            if op_len > 0 && bytes.get(name_at).is_some_and(|&b| is_name_start(b)) {
                let op = &bytes[..op_end];
                let op_id = match ops.iter().position(|o| **o == *op) {
                    Some(i) => i,
                    None => {
                        ops.push(Box::from(op));
                        ops.len() - 1
                    }
                };
                let p = piece(&bytes[name_at..], id);
                op_names.set(id, true);
                op_name_index[id as usize] = op_name_table.len() as u32;
                op_name_table.push((op_id as u32, p.ident, p.complete));
            }
        }
        let newline_key = table.intern(b"\n");
        dot_pieces.sort_by(|a, b| a.ident.cmp(&b.ident));
        ident_pieces.sort_by(|a, b| a.ident.cmp(&b.ident));
        spaced_pieces.sort_by(|a, b| a.ident.cmp(&b.ident));
        TokenClasses {
            n_vocab: n,
            vocab_name: vocab.name().to_owned(),
            code_key,
            close_key,
            keys: table.keys,
            parent: table.parent,
            newline_key,
            code_events,
            closes,
            closes_later,
            has_newline,
            comment_newline,
            eos,
            dots,
            idents,
            non_idents,
            name_starts,
            spaced_names,
            spaced_pieces,
            line_code,
            newline_code,
            dot_pieces,
            ident_pieces,
            op_names,
            op_name_index,
            op_name_table,
            ops,
            members: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::name_tokens::pieces_equal;

    #[test]
    fn keys_are_the_leading_events() {
        let mut out = Vec::new();
        for (bytes, key) in [
            (&b")"[..], &b")"[..]),
            (b"):\n    ", b"):\n"),
            (b" ,", b","),
            (b"\r\n", b"\n"),
            (b") :\n", b"):\n"),
            (b" _)", b" _)"),
            (b"x)", b"x)"),
            (b"())\n", b"())\n"),
            (b") + 1", b")"),
            (b":=", b""),
            (b"]))", b"]))"),
            (b";x", b";"),
            (b"x", b""),
            (b"(x", b""),
            (b"\"", b""),
            (b").strip", b").strip"),
            (b"\n    .lower", b"\n.lower"),
            (b", x", b",x"),
            (b".append", b""),
            (b".append)", b".append)"),
            (b"\n    return", b"\n"),
        ] {
            out.clear();
            event_prefix(bytes, &mut out);
            assert_eq!(out, key, "{:?}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn classes_of_a_small_vocabulary() {
        let tokens = [
            "x", ")", "):\n", "\")", ".", ".append", ".app", "append(", "'", "<eos>",
        ];
        let vocab = Vocabulary::new("t", tokens, &[], &[9]).unwrap();
        let c = TokenClasses::new(&vocab);
        assert_eq!(c.code_events.iter().collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(c.closes[1].iter().collect::<Vec<_>>(), vec![3]);
        assert!(c.closes[0].is_empty(), "a lone quote has no event");
        assert_eq!(c.dots.iter().collect::<Vec<_>>(), vec![4, 5, 6]);
        assert_eq!(c.idents.iter().collect::<Vec<_>>(), vec![0, 7]);
        assert_eq!(c.eos.iter().collect::<Vec<_>>(), vec![9]);
        let app = pieces_equal(&c.dot_pieces, b"app");
        assert_eq!(app.len(), 1);
        assert!(!app[0].complete);
        let append = pieces_equal(&c.ident_pieces, b"append");
        assert!(append[0].complete);
        let k = c.code_key[2] as usize;
        assert_eq!(&*c.keys[k], b"):\n");
        assert_eq!(&*c.keys[c.parent[k] as usize], b"):");
    }
}
