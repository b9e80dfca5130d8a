//! A mask-cache key for the shipped Python grammar that texts the grammar
//! cannot tell apart share.
//!
//! A grammar backend's mask depends only on what the grammar allows to
//! follow the text (not on the tokens that wrote it: the vocabulary tells
//! llguidance it is not canonical). The default key of a syntax constraint
//! is its token path, which no two places in a program share, so the
//! shared mask cache only helps sessions that write the same text. For
//! Python much less decides the future. Once a logical line has ended (a
//! line break outside brackets and strings, not continued, after code),
//! nothing inside that line matters any more: what can follow is fixed by
//! the *open blocks* — for each indentation level still open, its
//! indentation, what the statement that owns it lets follow (its clause:
//! `elif` after `if`, `except` after `try`, `def` after a decorator) and
//! whether its last line opened a block — and by the bytes written since
//! that line break, in which a finished name that is no keyword is only
//! the terminal `NAME`, whatever it spells. [`Layout`] follows exactly
//! that and [`Layout::key`] hashes it. Texts with the same key leave the
//! grammar in the same state, so one cached mask serves them all: every
//! statement start at the same depth of the same kind of block, and every
//! line that begins the same way there (`return `, `x = `, `for i in `),
//! in any function of any program.
//!
//! The key is only as right as the claim it rests on, that the grammar
//! (`grammars/python.lark`) keeps nothing of a finished logical line but
//! its block structure; `tests/layout.rs` checks it differentially (every
//! step of the corpus programs: equal keys, equal masks). Text this
//! reader does not follow as the grammar does gives up the key for the
//! rest of the path ([`Layout::key`] is `None`, and the path key is used):
//! a string inside an f-string's replacement field, a carriage return, a
//! form feed or a NUL byte, a backslash before a line's code, special
//! tokens, blocks deeper than the grammar's levels.
//!
//! ```
//! use ananke_syntax::layout::Layout;
//!
//! let after = |text: &str| {
//!     let mut layout = Layout::default();
//!     layout.feed(text.as_bytes());
//!     layout.key()
//! };
//! // Different statements, same block: the next line starts alike.
//! assert_eq!(
//!     after("def f(x: int) -> int:\n    y = x + 1\n    return "),
//!     after("def g() -> str:\n    print('hi')\n    return "),
//! );
//! // After `if x: pass` an `else` may follow, after `x = 1` not.
//! assert_ne!(after("if x: pass\n"), after("x = 1\n"));
//! ```

use std::sync::Arc;

use ananke_pylex::{
    Class, KEYWORDS, PyLexer, SOFT_KEYWORDS, Short, is_keyword, is_soft_keyword, is_string_prefix,
};

/// Deepest block stack followed (the grammar's own limit is 64 spaces).
const MAX_BLOCKS: u32 = 72;

/// Longest indentation followed, in bytes.
const MAX_INDENT: u32 = 64;

const SEED: u64 = 0xcbf2_9ce4_8422_2325;

/// Stands for a name being read that can only go on being a name.
const PARTIAL_NAME: u64 = 0x6a09_e667_f3bc_c909;

/// Stands for a decimal integer being read (no `_`, no leading 0).
const PARTIAL_INT: u64 = 0xbb67_ae85_84ca_a73b;

/// FNV-1a, one byte.
fn fold(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
}

/// Combines two hashes (splitmix64's finaliser over a rotation).
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.rotate_left(23) ^ b.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One open indentation level: its indentation and the clause lines of
/// the statement that owns it, over the levels around it.
struct Block {
    indent_len: u32,
    clause: Clause,
    /// Hash of this block and every block around it.
    hash: u64,
    depth: u32,
    outer: Blocks,
}

type Blocks = Option<Arc<Block>>;

fn blocks_hash(blocks: &Blocks) -> u64 {
    blocks.as_ref().map_or(SEED, |b| b.hash)
}

/// `outer` and a block at `indent` (its length and hash) whose last line
/// leaves `clause` and opened a block or not.
fn with_block(outer: Blocks, indent: (u32, u64), clause: Clause, opens: bool) -> Blocks {
    let depth = outer.as_ref().map_or(0, |b| b.depth) + 1;
    let own = mix(
        mix(u64::from(indent.0), indent.1),
        (clause as u64) << 1 | u64::from(opens),
    );
    let hash = mix(blocks_hash(&outer), own);
    Some(Arc::new(Block {
        indent_len: indent.0,
        clause,
        hash,
        depth,
        outer,
    }))
}

/// The logical line being read.
#[derive(Clone, Copy, Default)]
struct Line {
    /// A code byte has been read on it (else it is blank so far).
    code: bool,
    indent_len: u32,
    indent_hash: u64,
    /// Its first word from the first code byte (two after `async`), up to
    /// the first byte that is no name byte (enough for `else`, `@`,
    /// `async def`).
    head: Short<16>,
    head_done: bool,
    /// The last code or string byte was a `:`: the line opens a block.
    opens: bool,
}

impl Line {
    /// The line's keyword, as far as the lines after it care: the first
    /// word (the second after `async`), `@` for a decorator, empty for any
    /// other statement.
    fn keyword(&self) -> &[u8] {
        let head = self.head.get().unwrap_or_default();
        let mut words = head.split(|&b| b == b' ').filter(|w| !w.is_empty());
        let first = words.next().unwrap_or_default();
        if first.starts_with(b"@") {
            b"@"
        } else if first == b"async" {
            words.next().unwrap_or_default()
        } else {
            first
        }
    }
}

/// What may follow a statement at its own indentation, by the grammar's
/// rules for compound statements: all the lines after it need to know of
/// it (with its indentation and whether it opened a block).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Clause {
    /// Nothing of its own: a simple statement, `def`, `class`, `with`,
    /// `case`, a compound statement closed by `else` or `finally`.
    Done,
    /// After `if` or `elif`: `elif` or `else` may follow.
    If,
    /// After `for` or `while`: `else` may follow.
    Loop,
    /// After `try`: `except` or `finally` must follow.
    Try,
    /// After `except`: `except`, `else` or `finally` may follow.
    Except,
    /// After a `try`'s `else`: `finally` may follow.
    TryElse,
    /// A decorator: another, or `def` or `class`, must follow.
    Decorator,
    /// A `match` header: its block holds `case` clauses only.
    Match,
}

impl Clause {
    /// The clause after a line with `keyword` at the indentation of a
    /// statement in clause `before` (`None`: no statement there yet).
    /// `None` for a continuation no statement there allows (the grammar
    /// rejects it; the key is given up rather than guessed).
    fn after(before: Option<Clause>, keyword: &[u8], opens: bool) -> Option<Clause> {
        use Clause::*;
        Some(match (keyword, before) {
            (b"elif", Some(If)) => If,
            (b"else", Some(If | Loop)) => Done,
            (b"else", Some(Except)) => TryElse,
            (b"except", Some(Try | Except)) => Except,
            (b"finally", Some(Try | Except | TryElse)) => Done,
            (b"elif" | b"else" | b"except" | b"finally", _) => return None,
            (b"if", _) => If,
            (b"for" | b"while", _) => Loop,
            (b"try", _) => Try,
            (b"@", _) => Decorator,
            (b"match", _) if opens => Match,
            _ => Done,
        })
    }
}

/// Where Python text stands for the grammar's future (see the module
/// docs): the open blocks, the line being read and the bytes since the
/// last logical line ended.
#[derive(Clone, Default)]
pub struct Layout {
    lexer: PyLexer,
    blocks: Blocks,
    line: Line,
    /// Hash of the bytes since the last logical line ended (from its line
    /// break on), or since the start, each finished name in code that is
    /// no keyword read as one NUL byte (see [`Layout::name_done`]).
    since: u64,
    /// The name or number being read in code, not yet in `since`: its
    /// bytes (up to 16; a longer name is no keyword), their hash (0 when
    /// there is none), its last byte and whether it is a number.
    word: Short<16>,
    word_hash: u64,
    word_last: u8,
    word_number: bool,
    /// Whether any text was read (the start has its own key).
    started: bool,
    /// Text this reader does not follow as the grammar does was read.
    lost: bool,
}

impl Layout {
    /// Reads `bytes`, the next text.
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.lost {
                return;
            }
            self.step(b);
        }
    }

    /// Reads the bytes of a vocabulary token: special tokens (written
    /// `0xFF` and a name in the trie) are no Python text.
    pub fn feed_token(&mut self, bytes: &[u8]) {
        if bytes.first() == Some(&0xFF) {
            self.lost = true;
        }
        self.feed(bytes);
    }

    /// The key after the text read, or `None` when the text left what this
    /// reader follows. No token is part of it: the vocabulary tells
    /// llguidance it is not canonical, so a mask never depends on which
    /// tokens wrote the text (no forced step is narrowed to one token).
    pub fn key(&self) -> Option<u64> {
        if self.lost {
            return None;
        }
        let since = if !self.started {
            0
        } else if self.word_hash == 0 {
            self.since
        } else if let Some(class) = self.partial_word() {
            // A word that can only go on being a name, or a decimal
            // integer, leaves the lexer where every such word leaves it.
            mix(self.since, class)
        } else {
            // One that may yet become a keyword, a string's prefix or
            // another kind of number: as it is.
            mix(self.since, self.word_hash)
        };
        Some(mix(blocks_hash(&self.blocks), since))
    }

    /// What the word being read stands for, when any of its kind would
    /// leave the lexer in the same state: a name that can only go on being
    /// a name (no keyword, soft keyword or string prefix starts with it,
    /// and it does not end inside a character), or a decimal integer
    /// without `_` that does not start with 0.
    fn partial_word(&self) -> Option<u64> {
        let word = self.word.get();
        if self.word_number {
            let word = word?;
            let int = word[0] != b'0' && word.iter().all(u8::is_ascii_digit);
            return int.then_some(PARTIAL_INT);
        }
        if self.word_last >= 0x80 {
            return None;
        }
        let Some(word) = word else {
            return Some(PARTIAL_NAME);
        };
        let starts = |keyword: &&str| keyword.as_bytes().starts_with(word);
        let may_turn = KEYWORDS.iter().any(starts)
            || SOFT_KEYWORDS.iter().any(starts)
            || (word.len() <= 2 && is_string_prefix(word));
        (!may_turn).then_some(PARTIAL_NAME)
    }

    fn step(&mut self, b: u8) {
        if !self.started {
            self.started = true;
            self.since = SEED;
        }
        if matches!(b, b'\r' | b'\x0c' | 0) {
            self.lost = true;
            return;
        }
        let nested_string = self.lexer.in_field();
        let in_code = self.lexer.in_code();
        let class = self.lexer.step(b);
        let word = match class {
            Class::Name if in_code => Some(false),
            Class::Number if in_code => Some(true),
            _ => None,
        };
        match word {
            // A name or a number goes on (or starts).
            Some(number) if self.word_hash == 0 || self.word_number == number => {
                self.word.push(b);
                self.word_last = b;
                self.word_number = number;
                let hash = if self.word_hash == 0 {
                    SEED
                } else {
                    self.word_hash
                };
                self.word_hash = fold(hash, b);
            }
            _ => {
                if self.word_hash != 0 {
                    // Which byte ended it decides whether it is whole:
                    // a quote makes a name a string prefix; a name byte
                    // or a dot may make a number something else.
                    let whole = match class {
                        Class::StringStart | Class::Name | Class::Number => false,
                        _ => b != b'.',
                    };
                    self.word_done(whole);
                }
                if word.is_some() {
                    // A name straight after a number or the reverse:
                    // read on as one verbatim word.
                    self.word.push(b);
                    self.word_last = b;
                    self.word_number = word == Some(true);
                    self.word_hash = fold(SEED, b);
                } else {
                    self.since = fold(self.since, b);
                }
            }
        }
        match class {
            Class::LineEnd { logical } => {
                if logical && self.line.code {
                    self.end_line();
                    self.since = fold(SEED, b);
                } else if !self.line.code {
                    self.line = Line::default();
                }
            }
            Class::Blank => {
                if !self.line.code {
                    if b == b'\\' || self.line.indent_len >= MAX_INDENT {
                        self.lost = true;
                        return;
                    }
                    self.line.indent_len += 1;
                    self.line.indent_hash = fold(self.line.indent_hash, b);
                } else if !self.line.head_done && !self.line.head.is_empty() {
                    // Only `async` needs the word after it.
                    if self.line.head.is(b"async") {
                        self.line.head.push(b' ');
                    } else if !self.line.head.get().is_some_and(|h| h.ends_with(b" ")) {
                        self.line.head_done = true;
                    }
                }
            }
            Class::Comment => {}
            Class::StringStart | Class::String => {
                if class == Class::StringStart && nested_string {
                    self.lost = true;
                    return;
                }
                self.code_byte(b, false);
            }
            Class::Name => self.code_byte(b, true),
            Class::Number | Class::Op => self.code_byte(b, b == b'@' && !self.line.code),
        }
    }

    /// The word being read ended; `whole` when the byte after it ends it
    /// as a lexeme of its own (no quote making a name a string prefix, no
    /// dot or name byte that may make a number something else). The
    /// grammar reads a whole name that is no keyword as the terminal
    /// `NAME` and a whole number as `NUMBER`, whatever they spell, so
    /// `since` gets a NUL byte and the kind for it (no Python text holds
    /// a NUL, see `step`): `total = ` and `x = ` leave the grammar in the
    /// same state. Keywords, soft keywords and anything not whole go in
    /// as they are.
    fn word_done(&mut self, whole: bool) {
        let word = self.word.get();
        let keyword = word.is_some_and(|w| is_keyword(w) || is_soft_keyword(w));
        if whole && !keyword {
            self.since = fold(fold(self.since, 0), u8::from(self.word_number));
        } else {
            self.since = mix(self.since, self.word_hash);
        }
        self.word = Short::default();
        self.word_hash = 0;
    }

    /// A byte of code (or of a string) on the current line; `head` says
    /// whether it belongs to the line's leading words.
    fn code_byte(&mut self, b: u8, head: bool) {
        self.line.code = true;
        if !self.line.head_done {
            if head {
                self.line.head.push(b);
            }
            // A decorator's `@` says all; a name after it could overflow
            // the head and hide it.
            self.line.head_done = !head || b == b'@';
        }
        self.line.opens = b == b':' && self.lexer.in_code();
    }

    /// A logical line ended: it joins the block of its indentation.
    fn end_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        let mut blocks = self.blocks.take();
        while blocks
            .as_ref()
            .is_some_and(|b| b.indent_len > line.indent_len)
        {
            blocks = blocks.and_then(|b| b.outer.clone());
        }
        let (outer, before) = match blocks {
            Some(top) if top.indent_len == line.indent_len => (top.outer.clone(), Some(top.clause)),
            outer => (outer, None),
        };
        let Some(clause) = Clause::after(before, line.keyword(), line.opens) else {
            self.lost = true;
            return;
        };
        self.blocks = with_block(
            outer,
            (line.indent_len, line.indent_hash),
            clause,
            line.opens,
        );
        if self.blocks.as_ref().is_some_and(|b| b.depth > MAX_BLOCKS) {
            self.lost = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Option<u64> {
        let mut layout = Layout::default();
        layout.feed(text.as_bytes());
        layout.key()
    }

    #[test]
    fn finished_lines_are_forgotten_but_their_blocks_are_not() {
        assert_eq!(key("x = 1\n"), key("print(2)\n"));
        assert_eq!(
            key("def f():\n    a = [1,\n  2]\n    "),
            key("def g(x):\n    b = x\n    ")
        );
        // Depth, indentation and the owning statement differ.
        assert_ne!(key("if a:\n    x = 1\n"), key("x = 1\n"));
        assert_ne!(key("if a:\n    x = 1\n"), key("if a:\n  x = 1\n"));
        assert_ne!(key("if a:\n    x = 1\n"), key("for a in b:\n    x = 1\n"));
        assert_ne!(key("try:\n    x\nexcept E:\n    y\n"), key("try:\n    x\n"));
        assert_ne!(key("@dec\n"), key("dec\n"));
        assert_ne!(key("@a_decorator_with_a_long_name\n"), key("x\n"));
        assert_ne!(key("if a:\n"), key("if a: b\n"));
        assert_ne!(key("async def f():\n"), key("async for x in y:\n"));
        // Not ends of logical lines: brackets, strings, continuations.
        assert_ne!(key("x = (1,\n"), key("x = 1\n"));
        assert_ne!(key("x = '''a\n"), key("x = 1\n"));
        // Names that are no keywords are one terminal to the grammar.
        assert_eq!(key("def f():\n    x = "), key("def f():\n    total = "));
        assert_eq!(key("y = f(a, "), key("y = g(bc, "));
        assert_ne!(key("y = f(a, "), key("y = f(a,"));
        assert_ne!(key("x = a "), key("x = not "));
        assert_ne!(key("x = a "), key("x = match "));
        assert_ne!(key("x = r"), key("x = q"));
        assert_ne!(key("x = r'"), key("x = q'"));
        assert_ne!(key("x = f'{a}' "), key("x = f'{b}' "));
        // So are names being read, unless they may become keywords or
        // string prefixes.
        assert_eq!(key("y = coun"), key("y = x"));
        assert_ne!(key("y = retur"), key("y = x"));
        assert_ne!(key("y = rb"), key("y = x"));
        assert_ne!(key("y = caf\u{e9}"), key("y = x"));
        assert_eq!(key("y = f(12, "), key("y = f(0x1F, "));
        assert_eq!(key("y = 12"), key("y = 7"));
        assert_ne!(key("y = 0"), key("y = 7"));
        assert_ne!(key("y = 1_"), key("y = 7"));
        assert_ne!(key("y = 1."), key("y = 7"));
        // The bytes since the line ended count.
        assert_ne!(key("x = 1\n"), key("x = 1\n\n"));
    }

    #[test]
    fn text_it_does_not_follow_gives_the_key_up() {
        assert_eq!(key("x = 1\r\n"), None);
        assert_eq!(key("x = f'{d[\"k\"]}'\n"), None);
        assert_eq!(key("\\\nx = 1\n"), None);
        assert_eq!(key("x = '\0'\n"), None);
        assert_eq!(key("x = '\0'\n"), None);
        let mut layout = Layout::default();
        layout.feed_token(&[0xFF, b'e', b'o', b's']);
        assert_eq!(layout.key(), None);
        assert!(key("x = f'{y}'\n").is_some());
    }
}
