//! [`Tokenizer`]: Python's tokens, as CPython 3.11's `tokenize` module
//! gives them, from text fed in chunks of any size.
//!
//! It is built on [`PyLexer`]'s byte classes and adds what only tokens
//! have: where each token starts and ends, operators by maximal munch
//! (`**=`, `->`, `...`), a string token from its prefix to its closing
//! quotes (an f-string is one token, as in 3.11), `NEWLINE` against `NL`,
//! and `INDENT`/`DEDENT` from an indentation stack. A token is reported
//! once the byte after it arrives (or at [`Tokenizer::finish`]), so
//! feeding a text whole or in pieces gives the same tokens.
//!
//! The state is `Copy` and fixed in size.

use crate::lexer::{Class, Exp, Num, PyLexer, Word};

/// What a token is (the names of CPython's `token` module).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A name or keyword.
    Name,
    /// A numeric literal.
    Number,
    /// A string literal with its prefix (an f-string whole).
    String,
    /// An operator or delimiter.
    Op,
    /// A comment, without its line break.
    Comment,
    /// The line break that ends a statement.
    Newline,
    /// Any other line break (a blank or comment-only line, inside
    /// brackets).
    Nl,
    /// A deeper indentation (the blanks that make it).
    Indent,
    /// The end of an indented block (empty).
    Dedent,
    /// The end of the text (empty).
    EndMarker,
    /// Something Python cannot read: a stray byte (`$`, `?`, `!`), an
    /// unterminated string, an indentation that matches no enclosing
    /// block.
    Error,
}

/// A token and the bytes it spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Offset of its first byte.
    pub start: usize,
    /// Offset after its last byte.
    pub end: usize,
}

/// Python's operators and delimiters.
const OPERATORS: &[&[u8]] = &[
    b"!=", b"%", b"%=", b"&", b"&=", b"(", b")", b"*", b"**", b"**=", b"*=", b"+", b"+=", b",",
    b"-", b"-=", b"->", b".", b"...", b"/", b"//", b"//=", b"/=", b":", b":=", b";", b"<", b"<<",
    b"<<=", b"<=", b"=", b"==", b">", b">=", b">>", b">>=", b"@", b"@=", b"[", b"]", b"^", b"^=",
    b"{", b"|", b"|=", b"}", b"~",
];

/// Indentation levels kept (CPython's limit).
const MAX_INDENTS: usize = 100;

/// The token being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Open {
    kind: TokenKind,
    start: usize,
}

/// The tokenizer state (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tokenizer {
    lexer: PyLexer,
    offset: usize,
    open: Option<Open>,
    /// Operator bytes not yet split into operators, from `ops_start`.
    ops: [u8; 3],
    ops_len: u8,
    ops_start: usize,
    /// A `\r` just before the next byte, where it stands.
    cr: Option<usize>,
    /// The logical line has a token other than a comment.
    line_has_code: bool,
    /// Still reading a line's indentation: its column so far, from where.
    indenting: Option<(u32, usize)>,
    indents: [u32; MAX_INDENTS],
    depth: u8,
}

impl Default for Tokenizer {
    fn default() -> Tokenizer {
        Tokenizer {
            lexer: PyLexer::default(),
            offset: 0,
            open: None,
            ops: [0; 3],
            ops_len: 0,
            ops_start: 0,
            cr: None,
            line_has_code: false,
            indenting: Some((0, 0)),
            indents: [0; MAX_INDENTS],
            depth: 0,
        }
    }
}

/// The tokens of `text`, fed whole.
pub fn tokenize(text: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(text.len() / 3 + 4);
    let mut tokenizer = Tokenizer::default();
    let mut push = |token| tokens.push(token);
    tokenizer.feed(text, &mut push);
    tokenizer.finish(&mut push);
    tokens
}

impl Tokenizer {
    /// The byte lexer under the tokens (where the next byte is: code, a
    /// string, a comment).
    pub fn lexer(&self) -> &PyLexer {
        &self.lexer
    }

    /// Bytes fed so far.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Feeds `bytes`, reporting each token that they complete.
    pub fn feed(&mut self, bytes: &[u8], out: &mut impl FnMut(Token)) {
        for &b in bytes {
            self.byte(b, out);
        }
    }

    /// Ends the text: the token being read, a `NEWLINE` when the last
    /// line has code and no line break, a `DEDENT` per open block, and
    /// `ENDMARKER`.
    pub fn finish(&mut self, out: &mut impl FnMut(Token)) {
        let end = self.offset;
        if let Some(open) = self.open.take() {
            let kind = if open.kind == TokenKind::String {
                TokenKind::Error
            } else {
                open.kind
            };
            self.emit(kind, open.start, end, out);
        }
        self.flush_ops(out);
        if self.line_has_code {
            self.emit(TokenKind::Newline, end, end, out);
        }
        for _ in 0..self.depth {
            self.emit(TokenKind::Dedent, end, end, out);
        }
        self.depth = 0;
        self.emit(TokenKind::EndMarker, end, end, out);
    }

    fn emit(&mut self, kind: TokenKind, start: usize, end: usize, out: &mut impl FnMut(Token)) {
        if !matches!(
            kind,
            TokenKind::Comment
                | TokenKind::Nl
                | TokenKind::Newline
                | TokenKind::Indent
                | TokenKind::Dedent
                | TokenKind::EndMarker
        ) {
            self.line_has_code = true;
        }
        out(Token { kind, start, end });
    }

    /// Ends the token being read at `end` (and any pending operators).
    fn close(&mut self, end: usize, out: &mut impl FnMut(Token)) {
        if let Some(open) = self.open.take() {
            self.emit(open.kind, open.start, end, out);
        }
        self.flush_ops(out);
    }

    /// Splits the pending operator bytes into the longest operators.
    fn flush_ops(&mut self, out: &mut impl FnMut(Token)) {
        let mut i = 0;
        let len = usize::from(self.ops_len);
        while i < len {
            let rest = &self.ops[i..len];
            let n = (1..=rest.len())
                .rev()
                .find(|&n| OPERATORS.contains(&&rest[..n]));
            let start = self.ops_start + i;
            match n {
                Some(n) => {
                    self.emit(TokenKind::Op, start, start + n, out);
                    i += n;
                }
                None => {
                    self.emit(TokenKind::Error, start, start + 1, out);
                    i += 1;
                }
            }
        }
        self.ops_len = 0;
    }

    fn byte(&mut self, b: u8, out: &mut impl FnMut(Token)) {
        let at = self.offset;
        self.offset += 1;
        let cr = self.cr.take();
        let before = self.lexer;
        let class = self.lexer.step(b);
        if let Some(open) = self.open
            && open.kind == TokenKind::String
        {
            if self.lexer.in_string() {
                return;
            }
            if class == Class::String {
                self.open = None;
                self.emit(TokenKind::String, open.start, at + 1, out);
                return;
            }
            // The string ended before this byte: `''` then code, or a
            // one-line string that its line break leaves unterminated.
            self.open = None;
            let kind = if before.after_two_quotes() {
                TokenKind::String
            } else {
                TokenKind::Error
            };
            self.emit(kind, open.start, at, out);
        }
        if let Some((column, from)) = self.indenting {
            match class {
                Class::Blank if b != b'\\' => {
                    let column = match b {
                        b'\t' => (column / 8 + 1) * 8,
                        b' ' => column + 1,
                        b'\x0c' => 0,
                        _ => column,
                    };
                    self.indenting = Some((column, from));
                }
                Class::Comment | Class::LineEnd { .. } | Class::Blank => self.indenting = None,
                _ => {
                    self.indenting = None;
                    self.indent(column, from, at, out);
                }
            }
        }
        match class {
            Class::Name => {
                match self.open {
                    Some(Open {
                        kind: TokenKind::Name,
                        ..
                    }) => {}
                    Some(Open {
                        kind: TokenKind::Number,
                        start,
                    }) if matches!(before.word, Word::Number(Num::Decimal { exp: Exp::E, .. })) => {
                        // `1else`: the number ended before its `e`.
                        self.emit(TokenKind::Number, start, at - 1, out);
                        self.open = Some(Open {
                            kind: TokenKind::Name,
                            start: at - 1,
                        });
                    }
                    _ => self.start(TokenKind::Name, at, out),
                }
            }
            Class::Number => {
                if self.open.is_some_and(|o| o.kind == TokenKind::Number) {
                    return;
                }
                let len = usize::from(self.ops_len);
                if len > 0 && self.ops[len - 1] == b'.' && self.ops_start + len == at {
                    // `.5`: the dot begins the number.
                    self.ops_len -= 1;
                    self.close(at - 1, out);
                    self.open = Some(Open {
                        kind: TokenKind::Number,
                        start: at - 1,
                    });
                } else {
                    self.start(TokenKind::Number, at, out);
                }
            }
            Class::Op => {
                if let Some(open) = self.open.take() {
                    self.emit(open.kind, open.start, at, out);
                }
                let len = usize::from(self.ops_len);
                let mut joined = [0u8; 4];
                joined[..len].copy_from_slice(&self.ops[..len]);
                joined[len] = b;
                let extends = len < 3
                    && OPERATORS
                        .iter()
                        .any(|op| op.len() > len && op.starts_with(&joined[..=len]));
                if !extends {
                    self.flush_ops(out);
                }
                if self.ops_len == 0 {
                    self.ops_start = at;
                }
                let len = usize::from(self.ops_len);
                self.ops[len] = b;
                self.ops_len += 1;
            }
            Class::StringStart => {
                let prefixed = before.word.is_prefix().is_some();
                match self.open {
                    Some(open) if prefixed => {
                        self.flush_ops(out);
                        self.open = Some(Open {
                            kind: TokenKind::String,
                            start: open.start,
                        });
                    }
                    _ => self.start(TokenKind::String, at, out),
                }
                if !self.lexer.in_string() {
                    // Nesting too deep to follow: the quote is text.
                    self.close(at + 1, out);
                }
            }
            Class::String => {}
            Class::Blank => self.close(at, out),
            Class::Comment => {
                if !self.open.is_some_and(|o| o.kind == TokenKind::Comment) {
                    self.start(TokenKind::Comment, at, out);
                }
                if b == b'\r' {
                    self.cr = Some(at);
                }
            }
            Class::LineEnd { logical } => {
                let start = cr.unwrap_or(at);
                self.close(start, out);
                if !before.continues_line() {
                    let kind = if logical && self.line_has_code {
                        TokenKind::Newline
                    } else {
                        TokenKind::Nl
                    };
                    self.emit(kind, start, at + 1, out);
                }
                if logical {
                    self.line_has_code = false;
                    self.indenting = Some((0, at + 1));
                }
            }
        }
        if b == b'\r' && class == Class::Blank {
            self.cr = Some(at);
        }
    }

    /// Starts a token at `at`, ending the one before.
    fn start(&mut self, kind: TokenKind, at: usize, out: &mut impl FnMut(Token)) {
        self.close(at, out);
        self.open = Some(Open { kind, start: at });
    }

    /// The first token of a logical line at `column`: `INDENT` or
    /// `DEDENT`s against the enclosing blocks.
    fn indent(&mut self, column: u32, from: usize, at: usize, out: &mut impl FnMut(Token)) {
        let current = if self.depth == 0 {
            0
        } else {
            self.indents[usize::from(self.depth) - 1]
        };
        if column > current {
            if usize::from(self.depth) < MAX_INDENTS {
                self.indents[usize::from(self.depth)] = column;
                self.depth += 1;
                self.emit(TokenKind::Indent, from, at, out);
            } else {
                self.emit(TokenKind::Error, at, at, out);
            }
            return;
        }
        while self.depth > 0 && self.indents[usize::from(self.depth) - 1] > column {
            self.depth -= 1;
            self.emit(TokenKind::Dedent, at, at, out);
        }
        let level = if self.depth == 0 {
            0
        } else {
            self.indents[usize::from(self.depth) - 1]
        };
        if level != column {
            self.emit(TokenKind::Error, at, at, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(text: &str) -> Vec<String> {
        tokenize(text.as_bytes())
            .into_iter()
            .map(|t| format!("{:?} {:?}", t.kind, &text[t.start..t.end]))
            .collect()
    }

    #[test]
    fn statements_blocks_and_lines() {
        assert_eq!(
            show("if x:\n  y = 1  # c\n\n# d\nz\n"),
            [
                "Name \"if\"",
                "Name \"x\"",
                "Op \":\"",
                "Newline \"\\n\"",
                "Indent \"  \"",
                "Name \"y\"",
                "Op \"=\"",
                "Number \"1\"",
                "Comment \"# c\"",
                "Newline \"\\n\"",
                "Nl \"\\n\"",
                "Comment \"# d\"",
                "Nl \"\\n\"",
                "Dedent \"\"",
                "Name \"z\"",
                "Newline \"\\n\"",
                "EndMarker \"\"",
            ]
        );
        assert_eq!(
            show("f(a,\n  b) \\\n + 1"),
            [
                "Name \"f\"",
                "Op \"(\"",
                "Name \"a\"",
                "Op \",\"",
                "Nl \"\\n\"",
                "Name \"b\"",
                "Op \")\"",
                "Op \"+\"",
                "Number \"1\"",
                "Newline \"\"",
                "EndMarker \"\"",
            ]
        );
    }

    #[test]
    fn operators_numbers_and_strings() {
        assert_eq!(
            show("a->b:=c**=d...e<>.5"),
            [
                "Name \"a\"",
                "Op \"->\"",
                "Name \"b\"",
                "Op \":=\"",
                "Name \"c\"",
                "Op \"**=\"",
                "Name \"d\"",
                "Op \"...\"",
                "Name \"e\"",
                "Op \"<\"",
                "Op \">\"",
                "Number \".5\"",
                "Newline \"\"",
                "EndMarker \"\"",
            ]
        );
        assert_eq!(
            show("0xFF 1else rb'a' ur'b' f'{x!r}' ''$"),
            [
                "Number \"0xFF\"",
                "Number \"1\"",
                "Name \"else\"",
                "String \"rb'a'\"",
                "Name \"ur\"",
                "String \"'b'\"",
                "String \"f'{x!r}'\"",
                "String \"''\"",
                "Error \"$\"",
                "Newline \"\"",
                "EndMarker \"\"",
            ]
        );
    }

    #[test]
    fn unterminated_strings_and_bad_indentation_are_errors() {
        assert_eq!(
            show("x = 'ab\ny"),
            [
                "Name \"x\"",
                "Op \"=\"",
                "Error \"'ab\"",
                "Newline \"\\n\"",
                "Name \"y\"",
                "Newline \"\"",
                "EndMarker \"\"",
            ]
        );
        let kinds: Vec<TokenKind> = tokenize(b"if x:\n    y\n  z\n")
            .iter()
            .map(|t| t.kind)
            .collect();
        assert!(kinds.contains(&TokenKind::Error));
    }

    #[test]
    fn chunks_do_not_change_the_tokens() {
        let text = b"def f(x: int) -> str:\n    return f'{x!r:>{w}}' + '''a\n''' # c\n";
        let whole = tokenize(text);
        for split in 0..text.len() {
            let mut tokenizer = Tokenizer::default();
            let mut tokens = Vec::new();
            let mut push = |t| tokens.push(t);
            tokenizer.feed(&text[..split], &mut push);
            let mut copy = tokenizer;
            copy.feed(&text[split..], &mut push);
            copy.finish(&mut push);
            assert_eq!(tokens, whole, "split at {split}");
        }
    }
}
