//! Python's words: which bytes make a name, which names are keywords, and
//! a fixed buffer to hold a short name without allocating.

/// Python's hard keywords: never a name.
pub const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// The hard keywords that are values (they can stand as an operand).
pub const VALUE_KEYWORDS: &[&str] = &["False", "None", "True"];

/// Soft keywords: keywords only where a statement of theirs can stand
/// (`match`, `case`, and `_` as a pattern; `type` from Python 3.12), names
/// everywhere else.
pub const SOFT_KEYWORDS: &[&str] = &["_", "case", "match", "type"];

/// The keywords of a clause that continues a compound statement at the
/// statement's own column (`else:` after an `if` block).
pub const CLAUSE_KEYWORDS: &[&str] = &["elif", "else", "except", "finally"];

/// Whether `word` is a hard keyword.
pub fn is_keyword(word: &[u8]) -> bool {
    KEYWORDS.iter().any(|k| k.as_bytes() == word)
}

/// Whether `word` is a soft keyword (see [`SOFT_KEYWORDS`]).
pub fn is_soft_keyword(word: &[u8]) -> bool {
    SOFT_KEYWORDS.iter().any(|k| k.as_bytes() == word)
}

/// Whether `b` can be part of a Python name (ASCII letters, digits, `_`,
/// and every byte of a non-ASCII character).
pub fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Whether `b` can start a Python name (a name byte that is no digit).
pub fn is_name_start(b: u8) -> bool {
    is_name_byte(b) && !b.is_ascii_digit()
}

/// Whether `word` is a string prefix Python 3 accepts (`r`, `u`, `f`,
/// `b`, `br`, `rb`, `fr`, `rf`, in either case).
pub fn is_string_prefix(word: &[u8]) -> bool {
    let lower = |i: usize| word[i].to_ascii_lowercase();
    match word.len() {
        1 => matches!(lower(0), b'r' | b'u' | b'f' | b'b'),
        2 => matches!(
            (lower(0), lower(1)),
            (b'b', b'r') | (b'r', b'b') | (b'f', b'r') | (b'r', b'f')
        ),
        _ => false,
    }
}

/// A short byte string in a fixed buffer (names, dotted chains), `Copy`
/// and allocation-free. Longer input sets `overflow`, and an overflowed
/// buffer equals nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Short<const N: usize> {
    bytes: [u8; N],
    len: u16,
    overflow: bool,
}

impl<const N: usize> Default for Short<N> {
    fn default() -> Short<N> {
        Short {
            bytes: [0; N],
            len: 0,
            overflow: false,
        }
    }
}

impl<const N: usize> Short<N> {
    /// Appends a byte.
    pub fn push(&mut self, b: u8) {
        if (self.len as usize) < N {
            self.bytes[self.len as usize] = b;
            self.len += 1;
        } else {
            self.overflow = true;
        }
    }

    /// Appends bytes.
    pub fn push_slice(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.push(b);
        }
    }

    /// Appends another buffer (its overflow too).
    pub fn push_short<const M: usize>(&mut self, other: &Short<M>) {
        self.push_slice(&other.bytes[..other.len as usize]);
        self.overflow |= other.overflow;
    }

    /// Empties it.
    pub fn clear(&mut self) {
        self.len = 0;
        self.overflow = false;
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0 && !self.overflow
    }

    /// Whether more was pushed than it holds.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }

    /// The bytes, or `None` after an overflow.
    pub fn get(&self) -> Option<&[u8]> {
        (!self.overflow).then(|| &self.bytes[..self.len as usize])
    }

    /// The bytes as text, or `None` after an overflow or when they are
    /// not UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.get()?).ok()
    }

    /// Whether it holds exactly `other` (never after an overflow).
    pub fn is(&self, other: &[u8]) -> bool {
        self.get() == Some(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_buffers_overflow_to_nothing() {
        let mut s = Short::<3>::default();
        s.push_slice(b"abcd");
        assert_eq!(s.get(), None);
        assert!(s.overflowed() && !s.is(b"abc"));
        s.clear();
        s.push(b'x');
        assert_eq!(s.get(), Some(&b"x"[..]));
        assert_eq!(s.as_str(), Some("x"));
        let mut t = Short::<8>::default();
        t.push_slice(b"a.");
        t.push_short(&s);
        assert!(t.is(b"a.x"));
    }

    #[test]
    fn words() {
        assert!(is_keyword(b"yield") && !is_keyword(b"match") && is_soft_keyword(b"match"));
        assert!(VALUE_KEYWORDS.iter().all(|k| is_keyword(k.as_bytes())));
        for prefix in ["r", "B", "Rb", "bR", "fr", "RF", "u", "F"] {
            assert!(is_string_prefix(prefix.as_bytes()), "{prefix}");
        }
        for word in ["ur", "bu", "fb", "x", "", "rbf"] {
            assert!(!is_string_prefix(word.as_bytes()), "{word}");
        }
        assert!(is_name_start(b'_') && !is_name_start(b'1') && is_name_byte(b'1'));
        assert!(is_name_start(0xc3));
    }
}
