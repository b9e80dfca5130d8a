//! A mask-cache key for the shipped Python grammar that texts the grammar
//! cannot tell apart share.
//!
//! A grammar backend's mask depends on what the grammar allows to follow
//! the text (and, where llguidance forces bytes, on the last token). The
//! default key of a syntax constraint is its token path, which no two
//! places in a program share, so the shared mask cache only helps sessions
//! that write the same text. For Python much less decides the future:
//! once a logical line has ended (a line break outside brackets and
//! strings, not continued, after code), nothing inside that line matters
//! any more; what can follow is fixed by the *open blocks* — for each
//! indentation level still open, its indentation and the clause lines of
//! the statement that owns it (`if`, then `elif`, then `else`; `try`, then
//! `except`; a decorator; whether the last line opened a block) — and by
//! the bytes written since that line break. [`Layout`] follows exactly
//! that, and [`Layout::key`] hashes it with the last token. Two texts with
//! the same key leave the grammar in the same state, so one cached mask
//! serves both: every statement start at the same depth of the same kind
//! of block, and every line that begins the same way there (`return `,
//! `for `, `if `), in any function of any program.
//!
//! The key is only as right as the claim it rests on, that the grammar
//! (`grammars/python.lark`) keeps nothing of a finished logical line but
//! its block structure; `tests/layout.rs` checks it differentially (every
//! step of the corpus programs: equal keys, equal masks). Text this
//! reader does not follow as the grammar does gives up the key for the
//! rest of the path ([`Layout::key`] is `None`, and the path key is used):
//! a string inside an f-string's replacement field, a carriage return or
//! form feed, a backslash before a line's code, special tokens, blocks
//! deeper than the grammar's levels.
//!
//! ```
//! use ananke_syntax::layout::Layout;
//!
//! let after = |text: &str| {
//!     let mut layout = Layout::default();
//!     layout.feed(text.as_bytes());
//!     layout.key(0)
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

use ananke_pylex::{Class, PyLexer, Short, is_keyword, is_soft_keyword};

/// Deepest block stack followed (the grammar's own limit is 64 spaces).
const MAX_BLOCKS: u32 = 72;

/// Longest indentation followed, in bytes.
const MAX_INDENT: u32 = 64;

const SEED: u64 = 0xcbf2_9ce4_8422_2325;

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
    /// Hash of the indentation and of the clause lines, in order.
    clauses: u64,
    /// Hash of this block and every block around it.
    hash: u64,
    depth: u32,
    outer: Blocks,
}

type Blocks = Option<Arc<Block>>;

fn blocks_hash(blocks: &Blocks) -> u64 {
    blocks.as_ref().map_or(SEED, |b| b.hash)
}

fn with_block(outer: Blocks, indent_len: u32, clauses: u64) -> Blocks {
    let depth = outer.as_ref().map_or(0, |b| b.depth) + 1;
    let hash = mix(blocks_hash(&outer), mix(u64::from(indent_len), clauses));
    Some(Arc::new(Block {
        indent_len,
        clauses,
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
    /// What the line is, as far as the lines after it care: its keyword
    /// (the first two words after `async`, `@` for a decorator, nothing
    /// for any other statement) and whether it opens a block.
    fn class(&self) -> (u64, bool) {
        let head = self.head.get().unwrap_or_default();
        let mut words = head.split(|&b| b == b' ').filter(|w| !w.is_empty());
        let first = words.next().unwrap_or_default();
        let mut hash = fold(SEED, u8::from(self.opens));
        let keyword: &[u8] = if first.starts_with(b"@") {
            b"@"
        } else if is_keyword(first) || is_soft_keyword(first) {
            first
        } else {
            b""
        };
        for &b in keyword {
            hash = fold(hash, b);
        }
        if first == b"async" {
            hash = fold(hash, b' ');
            for &b in words.next().unwrap_or_default() {
                hash = fold(hash, b);
            }
        }
        let continues = matches!(keyword, b"elif" | b"else" | b"except" | b"finally");
        (hash, continues)
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
    /// break on), or since the start.
    since: u64,
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

    /// The key after the text read and `last_token` (llguidance's forced
    /// tokens depend on the last one), or `None` when the text left what
    /// this reader follows.
    pub fn key(&self, last_token: u32) -> Option<u64> {
        if self.lost {
            return None;
        }
        let since = if self.started { self.since } else { 0 };
        Some(mix(
            mix(blocks_hash(&self.blocks), since),
            u64::from(last_token),
        ))
    }

    fn step(&mut self, b: u8) {
        if !self.started {
            self.started = true;
            self.since = SEED;
        }
        if matches!(b, b'\r' | b'\x0c') {
            self.lost = true;
            return;
        }
        let nested_string = self.lexer.in_field();
        let class = self.lexer.step(b);
        self.since = fold(self.since, b);
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
        let (class, continues) = line.class();
        let mut blocks = self.blocks.take();
        while blocks
            .as_ref()
            .is_some_and(|b| b.indent_len > line.indent_len)
        {
            blocks = blocks.and_then(|b| b.outer.clone());
        }
        let indent = mix(u64::from(line.indent_len), line.indent_hash);
        self.blocks = match blocks {
            Some(top) if top.indent_len == line.indent_len => {
                let clauses = if continues {
                    mix(top.clauses, class)
                } else {
                    mix(indent, class)
                };
                with_block(top.outer.clone(), line.indent_len, clauses)
            }
            outer => with_block(outer, line.indent_len, mix(indent, class)),
        };
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
        layout.key(7)
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
        // The bytes since the line ended count, and the last token.
        assert_ne!(key("x = 1\n"), key("x = 1\n\n"));
        let mut layout = Layout::default();
        layout.feed(b"x = 1\n");
        assert_ne!(layout.key(1), layout.key(2));
    }

    #[test]
    fn text_it_does_not_follow_gives_the_key_up() {
        assert_eq!(key("x = 1\r\n"), None);
        assert_eq!(key("x = f'{d[\"k\"]}'\n"), None);
        assert_eq!(key("\\\nx = 1\n"), None);
        let mut layout = Layout::default();
        layout.feed_token(&[0xFF, b'e', b'o', b's']);
        assert_eq!(layout.key(0), None);
        assert!(key("x = f'{y}'\n").is_some());
    }
}
