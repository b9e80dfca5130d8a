//! [`PyLexer`]: a byte-at-a-time classifier of Python text — which bytes
//! are code, which are inside strings or comments, and where logical lines
//! end — so a domain or a plugin policy can read only the code.
//!
//! It is `Copy` and allocation-free: a mask tries a token by copying the
//! lexer and stepping through the token's bytes. It is a crate of its own
//! (not part of a domain) so that domain crates and plugins can share it
//! without depending on each other.
//!
//! ```
//! use ananke_pylex::{Class, PyLexer};
//!
//! let mut lexer = PyLexer::default();
//! let classes: Vec<Class> = b"x = 'a#'  # c\n".iter().map(|&b| lexer.step(b)).collect();
//! assert_eq!(classes[0], Class::Code);
//! assert_eq!(classes[5], Class::String); // the `#` inside the string
//! assert_eq!(classes[10], Class::Comment);
//! assert_eq!(classes[13], Class::LineEnd { logical: true });
//! ```

/// What a byte is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// A code byte other than a blank: a name character, an operator, a
    /// bracket. Name characters just before a quote turn out to be a
    /// string prefix: the quote comes back as [`Class::StringStart`].
    Code,
    /// A blank in code (space, tab, form feed, carriage return), or a
    /// backslash continuing the line.
    Blank,
    /// The opening quote of a string (the first of three for a triple
    /// quote).
    StringStart,
    /// Inside a string, its closing quotes included.
    String,
    /// Inside a comment.
    Comment,
    /// A line break; `logical` when it ends a statement (outside brackets,
    /// no continuation).
    LineEnd {
        /// Whether a statement ends here.
        logical: bool,
    },
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
enum Mode {
    #[default]
    Code,
    Comment,
    /// `count` quotes read so far (1 or 2) of a possible triple quote.
    Quotes {
        quote: u8,
        count: u8,
    },
    Str {
        quote: u8,
        triple: bool,
        closing: u8,
        escape: bool,
    },
}

/// The lexer state (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PyLexer {
    mode: Mode,
    depth: u32,
    backslash: bool,
}

impl PyLexer {
    /// Bracket depth in code.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Whether the next byte would be read as code (not inside a string
    /// or comment).
    pub fn in_code(&self) -> bool {
        self.mode == Mode::Code
    }

    /// Whether the next byte is inside a string or a comment that only a
    /// quote or a line break can end (after `''` the next byte decides
    /// between an empty string and a triple quote: not that).
    pub fn in_text(&self) -> bool {
        matches!(
            self.mode,
            Mode::Comment | Mode::Str { .. } | Mode::Quotes { count: 1, .. }
        )
    }

    /// Classifies the next byte.
    pub fn step(&mut self, b: u8) -> Class {
        match self.mode {
            Mode::Comment => {
                if b == b'\n' {
                    self.mode = Mode::Code;
                    return self.code(b);
                }
                Class::Comment
            }
            Mode::Quotes { quote, count } => {
                if b == quote {
                    self.mode = if count == 2 {
                        Mode::Str {
                            quote,
                            triple: true,
                            closing: 0,
                            escape: false,
                        }
                    } else {
                        Mode::Quotes { quote, count: 2 }
                    };
                    return Class::String;
                }
                if count == 2 {
                    // `''`: an empty string; this byte is code again.
                    self.mode = Mode::Code;
                    return self.code(b);
                }
                self.mode = Mode::Str {
                    quote,
                    triple: false,
                    closing: 0,
                    escape: false,
                };
                self.string(b)
            }
            Mode::Str { .. } => self.string(b),
            Mode::Code => self.code(b),
        }
    }

    fn string(&mut self, b: u8) -> Class {
        let Mode::Str {
            quote,
            triple,
            closing,
            escape,
        } = self.mode
        else {
            return Class::String;
        };
        if escape {
            self.mode = Mode::Str {
                quote,
                triple,
                closing: 0,
                escape: false,
            };
            return Class::String;
        }
        if b == quote {
            let closing = closing + 1;
            self.mode = if !triple || closing == 3 {
                Mode::Code
            } else {
                Mode::Str {
                    quote,
                    triple,
                    closing,
                    escape: false,
                }
            };
            return Class::String;
        }
        if b == b'\n' && !triple {
            // An unterminated one-line string ends with its line.
            self.mode = Mode::Code;
            return self.code(b);
        }
        self.mode = Mode::Str {
            quote,
            triple,
            closing: 0,
            escape: b == b'\\',
        };
        Class::String
    }

    fn code(&mut self, b: u8) -> Class {
        let continued = std::mem::take(&mut self.backslash);
        match b {
            b'\n' => Class::LineEnd {
                logical: self.depth == 0 && !continued,
            },
            b' ' | b'\t' | b'\x0c' | b'\r' => {
                self.backslash = continued;
                Class::Blank
            }
            b'\\' => {
                self.backslash = true;
                Class::Blank
            }
            b'#' => {
                self.mode = Mode::Comment;
                Class::Comment
            }
            b'\'' | b'"' => {
                self.mode = Mode::Quotes { quote: b, count: 1 };
                Class::StringStart
            }
            b'(' | b'[' | b'{' => {
                self.depth += 1;
                Class::Code
            }
            b')' | b']' | b'}' => {
                self.depth = self.depth.saturating_sub(1);
                Class::Code
            }
            _ => Class::Code,
        }
    }
}

/// Python's hard keywords.
pub const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Whether `word` is a hard keyword.
pub fn is_keyword(word: &[u8]) -> bool {
    KEYWORDS.iter().any(|k| k.as_bytes() == word)
}

/// Whether `b` can be part of a Python name (ASCII letters, digits, `_`,
/// and every byte of a non-ASCII character).
pub fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
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

    /// Empties it.
    pub fn clear(&mut self) {
        self.len = 0;
        self.overflow = false;
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0 && !self.overflow
    }

    /// The bytes, or `None` after an overflow.
    pub fn get(&self) -> Option<&[u8]> {
        (!self.overflow).then(|| &self.bytes[..self.len as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(text: &str) -> Vec<Class> {
        let mut lexer = PyLexer::default();
        text.bytes().map(|b| lexer.step(b)).collect()
    }

    #[test]
    fn strings_comments_and_lines() {
        let c = classes("f('''a\n'b''')\n");
        assert_eq!(c[2], Class::StringStart);
        assert!(c[3..12].iter().all(|&k| k == Class::String));
        assert_eq!(c[13], Class::LineEnd { logical: true });
        let c = classes("(a,\n b)\\\n+1\n");
        assert_eq!(c[3], Class::LineEnd { logical: false });
        assert_eq!(c[8], Class::LineEnd { logical: false });
        assert_eq!(c[11], Class::LineEnd { logical: true });
        let c = classes("x = ''\ny");
        assert_eq!(c[6], Class::LineEnd { logical: true });
        assert_eq!(c[7], Class::Code);
        let c = classes("'a\\'b'c");
        assert_eq!(c[6], Class::Code);
    }

    #[test]
    fn text_ends_only_at_a_quote_or_a_line_break() {
        let after = |text: &str| {
            let mut lexer = PyLexer::default();
            text.bytes().for_each(|b| {
                lexer.step(b);
            });
            lexer
        };
        for inside in ["x = 'a", "x = '", "x = '''a''", "x  # a", "x = 'a\\"] {
            assert!(after(inside).in_text(), "{inside}");
        }
        // After `''` the next byte may be code (an empty string).
        for outside in ["x = ''", "x = 'a'", "x  # a\n", "x = '''a'''", "x"] {
            assert!(!after(outside).in_text(), "{outside}");
        }
    }

    #[test]
    fn short_buffers_overflow_to_nothing() {
        let mut s = Short::<3>::default();
        for &b in b"abcd" {
            s.push(b);
        }
        assert_eq!(s.get(), None);
        s.clear();
        s.push(b'x');
        assert_eq!(s.get(), Some(&b"x"[..]));
    }
}
