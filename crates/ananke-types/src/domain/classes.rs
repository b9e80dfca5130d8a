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

/// Characters that are events when they lead a token.
const EVENT: &[u8] = b")]},:";

/// Whether `b` continues an identifier (non-ASCII bytes may: Python
/// identifiers are Unicode).
pub(crate) fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

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
    /// Tokens with a newline anywhere (they end a comment).
    pub has_newline: TokenMask,
    /// End-of-sequence tokens.
    pub eos: TokenMask,
    /// Tokens starting with `.`.
    pub dots: TokenMask,
    /// Tokens starting with an identifier byte.
    pub idents: TokenMask,
    /// Text tokens that do not (they end a name being written).
    pub non_idents: TokenMask,
    /// Pieces of the `dots` tokens (after the dot), sorted by identifier.
    pub dot_pieces: Vec<Piece>,
    /// Pieces of the `idents` tokens, sorted by identifier.
    pub ident_pieces: Vec<Piece>,
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

/// The event prefix of code `bytes` (see the module docs): the token's
/// bytes up to its last event, when it reaches one through nothing but
/// events, spaces, opening brackets and ASCII identifier bytes (`())\n`,
/// `_)`, ` ]):`), and empty otherwise. Bytes are kept as they are: a
/// verdict is computed by appending them to the text.
fn event_prefix(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    let mut last_event = start;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            // `:=` is an operator, not a header's colon.
            b':' if bytes.get(i + 1) == Some(&b'=') => break,
            b'\n' | b';' => {
                out.push(b);
                last_event = out.len();
                break;
            }
            _ if EVENT.contains(&b) => {
                out.push(b);
                last_event = out.len();
            }
            b' ' | b'\t' | b'\r' | b'(' | b'[' | b'{' => out.push(b),
            _ if b.is_ascii_alphanumeric() || b == b'_' => out.push(b),
            _ => break,
        }
    }
    out.truncate(last_event);
    // Blanks only matter between two identifier bytes (and at the start,
    // before one: the text may end in an identifier); dropping the rest
    // makes ` )\n`, `)\r\n` and `)\n` one key.
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
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
    let len = bytes.iter().take_while(|&&b| is_ident(b)).count();
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
        let mut has_newline = TokenMask::new_empty(n);
        let mut eos = TokenMask::new_empty(n);
        let mut dots = TokenMask::new_empty(n);
        let mut idents = TokenMask::new_empty(n);
        let mut non_idents = TokenMask::new_empty(n);
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
            if !key.is_empty() {
                code_key[id as usize] = table.intern(&key);
                code_events.set(id, true);
            }
            if bytes.contains(&b'\n') || bytes.contains(&b'\r') {
                has_newline.set(id, true);
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
            }
            if first == b'.' {
                dots.set(id, true);
                dot_pieces.push(piece(&bytes[1..], id));
            }
            if is_ident(first) {
                idents.set(id, true);
                ident_pieces.push(piece(bytes, id));
            } else {
                non_idents.set(id, true);
            }
        }
        let newline_key = table.intern(b"\n");
        dot_pieces.sort_by(|a, b| a.ident.cmp(&b.ident));
        ident_pieces.sort_by(|a, b| a.ident.cmp(&b.ident));
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
            has_newline,
            eos,
            dots,
            idents,
            non_idents,
            dot_pieces,
            ident_pieces,
        }
    }

    /// The pieces whose identifier is exactly `ident`.
    pub fn pieces_equal<'c>(pieces: &'c [Piece], ident: &[u8]) -> &'c [Piece] {
        let start = pieces.partition_point(|p| &*p.ident < ident);
        let end = start + pieces[start..].partition_point(|p| &*p.ident == ident);
        &pieces[start..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let app = TokenClasses::pieces_equal(&c.dot_pieces, b"app");
        assert_eq!(app.len(), 1);
        assert!(!app[0].complete);
        let append = TokenClasses::pieces_equal(&c.ident_pieces, b"append");
        assert!(append[0].complete);
        let k = c.code_key[2] as usize;
        assert_eq!(&*c.keys[k], b"):\n");
        assert_eq!(&*c.keys[c.parent[k] as usize], b"):");
    }
}
