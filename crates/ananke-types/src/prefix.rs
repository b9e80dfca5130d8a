//! The lexical and bracket structure of a Python prefix: where the current
//! statement starts, which brackets are open, whether the cursor is inside
//! a string or a comment, and the small token stream of the current
//! statement (to find the receiver of a `.` or the callee of an open call).
//!
//! [`PrefixScan`] is fed the committed text incrementally and is small and
//! cloneable: the types domain keeps one per state.

/// An open string literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StringState {
    /// `'` or `"`.
    pub quote: u8,
    /// Triple-quoted.
    pub triple: bool,
    /// An f-string (its braces hold expressions).
    pub fstring: bool,
    /// Offset of the opening quote.
    pub start: usize,
    /// Quotes seen at the opening so far (1 or 2) while deciding whether
    /// the literal is triple-quoted; 0 once inside the body.
    opening: u8,
    /// Consecutive closing quotes seen (for triple quotes).
    closing: u8,
    /// The previous byte was a backslash.
    escape: bool,
}

impl StringState {
    /// Whether the next quote byte of this literal's kind would close it
    /// (a single-quoted literal past its opening, not after a backslash).
    pub fn closes_on_quote(&self) -> bool {
        !self.triple && self.opening == 0 && !self.escape
    }

    /// Whether two quotes have been seen and nothing else: an empty
    /// literal, unless a third quote opens a triple-quoted one.
    pub fn empty_or_triple(&self) -> bool {
        self.opening == 2
    }
}

/// The structure of a prefix (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct PrefixScan {
    /// Bytes scanned.
    pub len: usize,
    /// Where the current statement starts (after the last newline or `;`
    /// outside brackets, strings and comments).
    pub stmt_start: usize,
    /// Whether the current statement follows a `;` on the same line.
    pub after_semicolon: bool,
    /// Open brackets: the bracket and its offset.
    pub brackets: Vec<(u8, usize)>,
    /// The open string literal, if the cursor is inside one.
    pub string: Option<StringState>,
    /// Whether the cursor is inside a comment.
    pub comment: bool,
    /// The previous byte was a backslash outside strings.
    continuation: bool,
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl PrefixScan {
    /// Scans `text[self.len..]` (the whole committed text is passed so
    /// that string prefixes can be looked back at).
    pub fn feed(&mut self, text: &[u8]) {
        while self.len < text.len() {
            let i = self.len;
            let b = text[i];
            self.len += 1;
            if self.comment {
                if b == b'\n' {
                    self.comment = false;
                    self.newline(i);
                }
                continue;
            }
            if let Some(mut s) = self.string {
                if s.opening > 0 {
                    if b == s.quote {
                        s.opening += 1;
                        if s.opening == 3 {
                            s.opening = 0;
                            s.triple = true;
                        }
                        self.string = Some(s);
                        continue;
                    }
                    if s.opening == 2 {
                        // `""` followed by something else: an empty string.
                        self.string = None;
                        self.len -= 1;
                        continue;
                    }
                    s.opening = 0;
                }
                if s.escape {
                    s.escape = false;
                } else if b == b'\\' {
                    s.escape = true;
                } else if b == s.quote {
                    s.closing += 1;
                    if !s.triple || s.closing == 3 {
                        self.string = None;
                        continue;
                    }
                    self.string = Some(s);
                    continue;
                } else if b == b'\n' && !s.triple {
                    // An unterminated single-quoted string: the syntax
                    // domain rejects it; end it here.
                    self.string = None;
                    self.newline(i);
                    continue;
                }
                s.closing = 0;
                self.string = Some(s);
                continue;
            }
            match b {
                b'#' => self.comment = true,
                b'\'' | b'"' => {
                    let mut start = i;
                    while start > 0 && is_ident(text[start - 1]) {
                        start -= 1;
                    }
                    let prefix = &text[start..i];
                    let fstring = prefix.iter().any(|c| c.eq_ignore_ascii_case(&b'f'));
                    self.string = Some(StringState {
                        quote: b,
                        triple: false,
                        fstring,
                        start: i,
                        opening: 1,
                        closing: 0,
                        escape: false,
                    });
                }
                b'(' | b'[' | b'{' => self.brackets.push((b, i)),
                b')' | b']' | b'}' => {
                    self.brackets.pop();
                }
                b'\\' => {
                    self.continuation = true;
                    continue;
                }
                // `\` then CR LF continues the line too.
                b'\r' if self.continuation => continue,
                b'\n' if !self.continuation && self.brackets.is_empty() => self.newline(i),
                b';' if self.brackets.is_empty() => {
                    self.stmt_start = i + 1;
                    self.after_semicolon = true;
                }
                _ => {}
            }
            self.continuation = false;
        }
    }

    fn newline(&mut self, at: usize) {
        if self.brackets.is_empty() {
            self.stmt_start = at + 1;
            self.after_semicolon = false;
        }
    }

    /// Whether the previous byte was a backslash that continues the line.
    pub fn continues_line(&self) -> bool {
        self.continuation
    }

    /// Whether the cursor is in code (not in a string or a comment).
    pub fn in_code(&self) -> bool {
        self.string.is_none() && !self.comment
    }
}

/// A token of the current statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokKind {
    /// A name or keyword.
    Name,
    /// A number.
    Number,
    /// A complete string literal (with its prefix).
    String,
    /// `(`, `[` or `{`.
    Open,
    /// `)`, `]` or `}`.
    Close,
    /// `.`.
    Dot,
    /// `,`.
    Comma,
    /// Any other operator or delimiter.
    Op,
}

/// A token of the current statement, with its byte span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tok {
    /// What it is.
    pub kind: TokKind,
    /// Start offset in the statement text.
    pub start: usize,
    /// End offset.
    pub end: usize,
}

const KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// Every Python keyword (hard ones; `match`, `case`, `type` and `_` are
/// soft keywords and names elsewhere).
pub const ALL_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Whether `word` is a keyword that cannot be part of an expression's
/// primary (`True`, `False` and `None` can).
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Splits statement text into tokens (complete strings only; an open
/// string or a comment at the end is left out).
pub fn tokenize(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 3 + 1);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() || c == b'\\' {
            i += 1;
            continue;
        }
        if c == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if is_ident(c) && !c.is_ascii_digit() {
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            // A string prefix (`f"`, `rb'`).
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') && i - start <= 2 {
                match string_end(b, i) {
                    Some(end) => {
                        out.push(Tok {
                            kind: TokKind::String,
                            start,
                            end,
                        });
                        i = end;
                        continue;
                    }
                    None => return out,
                }
            }
            out.push(Tok {
                kind: TokKind::Name,
                start,
                end: i,
            });
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            while i < b.len() && (is_ident(b[i]) || b[i] == b'.') {
                i += 1;
            }
            out.push(Tok {
                kind: TokKind::Number,
                start,
                end: i,
            });
            continue;
        }
        if c == b'"' || c == b'\'' {
            match string_end(b, i) {
                Some(end) => {
                    out.push(Tok {
                        kind: TokKind::String,
                        start,
                        end,
                    });
                    i = end;
                    continue;
                }
                None => return out,
            }
        }
        i += 1;
        let kind = match c {
            b'(' | b'[' | b'{' => TokKind::Open,
            b')' | b']' | b'}' => TokKind::Close,
            b'.' => TokKind::Dot,
            b',' => TokKind::Comma,
            _ => {
                while i < b.len() && b"=<>*/!&|^%@-+~:".contains(&b[i]) && !b"([{".contains(&b[i]) {
                    i += 1;
                }
                TokKind::Op
            }
        };
        out.push(Tok {
            kind,
            start,
            end: i,
        });
    }
    out
}

/// The end of the string literal whose quote is at `quote_at`, or `None`
/// when it is not closed.
fn string_end(b: &[u8], quote_at: usize) -> Option<usize> {
    let q = b[quote_at];
    let triple = b.get(quote_at + 1) == Some(&q) && b.get(quote_at + 2) == Some(&q);
    let mut i = quote_at + if triple { 3 } else { 1 };
    if !triple && b.get(quote_at + 1) == Some(&q) {
        return Some(quote_at + 2);
    }
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == q => {
                if !triple {
                    return Some(i + 1);
                }
                if b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                    return Some(i + 3);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// The index of the first token of the primary expression (an atom with
/// its trailers: `a.b(c)[d]`) that ends with token `last`, if any.
pub fn primary_start(text: &str, toks: &[Tok], last: usize) -> Option<usize> {
    let mut i = last;
    loop {
        let t = toks[i];
        let word = &text[t.start..t.end];
        let mut first = match t.kind {
            TokKind::Name if is_keyword(word) => return None,
            TokKind::Name | TokKind::Number | TokKind::String => i,
            TokKind::Close => matching_open(toks, i)?,
            _ => return None,
        };
        // A bracket is a trailer when something primary precedes it.
        if toks[first].kind == TokKind::Open && first > 0 {
            let before = toks[first - 1];
            let before_word = &text[before.start..before.end];
            let primary_before = match before.kind {
                TokKind::Name => !is_keyword(before_word),
                TokKind::Close | TokKind::String | TokKind::Number => true,
                _ => false,
            };
            if primary_before && text.as_bytes()[toks[first].start] != b'{' {
                i = first - 1;
                continue;
            }
        }
        // `x.y`: keep going through the dot.
        if first >= 2 && toks[first - 1].kind == TokKind::Dot {
            i = first - 2;
            continue;
        }
        if toks[first].kind == TokKind::Open {
            return Some(first);
        }
        first = first.min(i);
        return Some(first);
    }
}

fn matching_open(toks: &[Tok], close: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = close;
    loop {
        match toks[i].kind {
            TokKind::Close => depth += 1,
            TokKind::Open => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        if i == 0 {
            return None;
        }
        i -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> PrefixScan {
        let mut s = PrefixScan::default();
        s.feed(text.as_bytes());
        s
    }

    #[test]
    fn statements_brackets_strings_and_comments() {
        let s = scan("x = 1\ny = f(a,\n  b");
        assert_eq!(s.stmt_start, 6);
        assert_eq!(s.brackets.len(), 1);
        assert!(s.in_code());
        let s = scan("s = 'ab");
        assert_eq!(s.string.map(|st| st.quote), Some(b'\''));
        let s = scan("s = '''a\nb'' ");
        assert!(s.string.is_some_and(|st| st.triple));
        assert_eq!(
            s.stmt_start, 0,
            "a newline inside a string does not end the statement"
        );
        let s = scan("s = \"\" + 'x' # note (");
        assert!(s.comment && s.brackets.is_empty());
        let s = scan("t = f'{a}' if x else r\"\\\"\"\nu");
        assert!(s.in_code());
        assert_eq!(s.stmt_start, 27);
        let s = scan("x = 1; y = 2");
        assert_eq!((s.stmt_start, s.after_semicolon), (6, true));
        // A backslash continues the line before LF and before CR LF.
        assert_eq!(scan("x = 1 |\\\n2").stmt_start, 0);
        let s = scan("x = 1 |\\\r");
        assert!(s.continues_line());
        assert_eq!(scan("x = 1 |\\\r\n2").stmt_start, 0);
    }

    #[test]
    fn primaries_end_at_the_cursor() {
        let text = "return foo.bar(x, [1])[0].baz";
        let toks = tokenize(text);
        let start = primary_start(text, &toks, toks.len() - 1).unwrap();
        assert_eq!(&text[toks[start].start..], "foo.bar(x, [1])[0].baz");
        let text = "y = not xs";
        let toks = tokenize(text);
        assert_eq!(
            &text[toks[primary_start(text, &toks, toks.len() - 1).unwrap()].start..],
            "xs"
        );
        let text = "z = 'a b'";
        let toks = tokenize(text);
        assert_eq!(
            &text[toks[primary_start(text, &toks, toks.len() - 1).unwrap()].start..],
            "'a b'"
        );
        let text = "w = (a + b)";
        let toks = tokenize(text);
        assert_eq!(
            &text[toks[primary_start(text, &toks, toks.len() - 1).unwrap()].start..],
            "(a + b)"
        );
    }
}
