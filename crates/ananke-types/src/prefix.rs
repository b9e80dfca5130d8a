//! The lexical and bracket structure of a Python prefix: where the current
//! statement starts, which brackets are open, whether the cursor is inside
//! a string or a comment, and the small token stream of the current
//! statement (to find the receiver of a `.` or the callee of an open call).
//!
//! Both are read with `ananke_pylex`, the lexer every domain shares, so a
//! string prefix, an f-string, a hexadecimal literal or a line
//! continuation is read here as everywhere else. This module only derives
//! what the types domain asks of a prefix from it: the statement's start
//! and its open brackets with their offsets, the open string's kind, and
//! tokens in the few kinds the domain's sites tell apart.
//!
//! [`PrefixScan`] is fed the committed text incrementally and is small and
//! cloneable: the types domain keeps one per state.

use ananke_pylex::{Class, PyLexer, Token, TokenKind, Tokenizer, VALUE_KEYWORDS};

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
    /// The next quote byte would close the literal.
    closes_on_quote: bool,
    /// Only the two opening quotes have been read.
    empty_or_triple: bool,
}

impl StringState {
    /// Whether the next quote byte of this literal's kind would close it
    /// (a single-quoted literal past its opening, not after a backslash).
    pub fn closes_on_quote(&self) -> bool {
        self.closes_on_quote
    }

    /// Whether two quotes have been seen and nothing else: an empty
    /// literal, unless a third quote opens a triple-quoted one.
    pub fn empty_or_triple(&self) -> bool {
        self.empty_or_triple
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
    /// The lexer after the bytes scanned.
    lexer: PyLexer,
    /// The opening quote of the string token open at the cursor, if one
    /// is, and its offset.
    string_quote: (u8, usize),
    /// Where the comment open at the cursor starts (its `#`), if one is.
    comment_start: usize,
}

impl PrefixScan {
    /// Scans `text[self.len..]`: `text` is the whole text so far, of
    /// which the first `self.len` bytes were scanned before.
    pub fn feed(&mut self, text: &[u8]) {
        for (i, &b) in text.iter().enumerate().skip(self.len) {
            // Outside every string and comment (or just after the `''`
            // that opened an empty string), the byte is code of the
            // statement itself, not of an f-string's field.
            let top_level = !self.lexer.in_text();
            let in_comment = self.lexer.in_comment();
            match self.lexer.step(b) {
                Class::Comment if !in_comment => self.comment_start = i,
                Class::StringStart if top_level => self.string_quote = (b, i),
                Class::Op if top_level => match b {
                    b'(' | b'[' | b'{' => self.brackets.push((b, i)),
                    b')' | b']' | b'}' => {
                        self.brackets.pop();
                    }
                    b';' if self.brackets.is_empty() => {
                        self.stmt_start = i + 1;
                        self.after_semicolon = true;
                    }
                    _ => {}
                },
                Class::LineEnd { logical: true } => {
                    self.stmt_start = i + 1;
                    self.after_semicolon = false;
                }
                _ => {}
            }
        }
        self.len = self.len.max(text.len());
    }

    /// Whether the previous byte was a backslash that continues the line.
    pub fn continues_line(&self) -> bool {
        self.lexer.continues_line()
    }

    /// Whether the cursor is in code (not in a string or a comment).
    pub fn in_code(&self) -> bool {
        self.lexer.in_code()
    }

    /// Whether a byte other than a quote would be code here: in code, or
    /// right after the `''` of an empty literal (which only a third quote
    /// would turn into a triple quote's start).
    pub fn code_next(&self) -> bool {
        !self.lexer.in_text()
    }

    /// Whether the cursor is inside a comment.
    pub fn in_comment(&self) -> bool {
        self.lexer.in_comment()
    }

    /// Where the comment the cursor is in starts (its `#`), if it is in
    /// one.
    pub fn comment_start(&self) -> Option<usize> {
        self.in_comment().then_some(self.comment_start)
    }

    /// Where in `more` a comment opens that is still open at its end, were
    /// `more` scanned next (`None`: it ends out of a comment, or in one
    /// opened before it).
    pub fn comment_opened_in(&self, more: &[u8]) -> Option<usize> {
        let mut lexer = self.lexer;
        let mut start = None;
        for (i, &b) in more.iter().enumerate() {
            let was = lexer.in_comment();
            if lexer.step(b) == Class::Comment {
                if !was {
                    start = Some(i);
                }
            } else {
                start = None;
            }
        }
        start
    }

    /// The string literal open at the cursor, if the cursor is inside one
    /// (an f-string's replacement field counts as inside it).
    pub fn string(&self) -> Option<StringState> {
        if !self.lexer.in_string() {
            return None;
        }
        let (quote, start) = self.string_quote;
        let triple = self.lexer.in_triple_quoted();
        let mut after_quote = self.lexer;
        after_quote.step(quote);
        Some(StringState {
            quote,
            triple,
            fstring: self.lexer.in_fstring(),
            start,
            closes_on_quote: !triple && !after_quote.in_string(),
            empty_or_triple: !self.lexer.in_text(),
        })
    }

    /// The lexer after the bytes scanned: what the next byte would be.
    pub fn lexer(&self) -> &PyLexer {
        &self.lexer
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
    /// Any other operator or delimiter (one operator, as Python splits
    /// them: `=-` is two), or a byte Python cannot read. (`...` is three
    /// [`Dot`](TokKind::Dot)s.)
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

/// The first word of a statement, and the statement without its
/// indentation.
pub(crate) fn head(stmt: &str) -> (&str, &str) {
    let body = stmt.trim_start_matches([' ', '\t']);
    let end = body
        .bytes()
        .position(|b| !ananke_pylex::is_name_byte(b))
        .unwrap_or(body.len());
    (&body[..end], body)
}

/// A clause that continues a compound statement (`elif`, `else`,
/// `except`, `finally`), or a `try` whose body shares its line (`try: x =
/// 1`), made checkable alone.
pub(crate) fn wrap(head: &str, body: &str) -> String {
    match head {
        "elif" | "else" => format!("if True:\n    pass\n{body}"),
        "except" | "finally" => format!("try:\n    pass\n{body}"),
        "try" => format!("{body}\nfinally:\n    pass"),
        _ => body.to_owned(),
    }
}

/// Whether `word` is a keyword that cannot be part of an expression's
/// primary: a hard keyword other than the values `True`, `False` and
/// `None`.
pub fn is_non_value_keyword(word: &str) -> bool {
    ananke_pylex::is_keyword(word.as_bytes()) && !VALUE_KEYWORDS.contains(&word)
}

/// Splits statement text into tokens (complete strings only; an open
/// string, and anything after a string its line leaves unterminated, are
/// left out, and so are comments, line breaks and indentation).
pub fn tokenize(text: &str) -> Vec<Tok> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 3 + 1);
    let mut reading = true;
    let mut tokenizer = Tokenizer::default();
    tokenizer.feed(bytes, &mut |token| {
        reading = reading && push(&mut out, bytes, token, false);
    });
    // `''` at the very end is an empty string, though a third quote
    // could still make it the opening of a triple-quoted one.
    let lexer = tokenizer.lexer();
    let ends_in_empty_string = lexer.after_two_quotes() && !lexer.in_text();
    tokenizer.finish(&mut |token| {
        reading = reading && push(&mut out, bytes, token, ends_in_empty_string);
    });
    out
}

/// Appends `token` (of `text`) to `out` as one of the crate's kinds, or
/// nothing for what has no kind here (comments, line breaks,
/// indentation). Returns `false` at an unterminated string, after which
/// nothing is read — unless `empty_string` says that the string open at
/// the end is `''`.
fn push(out: &mut Vec<Tok>, text: &[u8], token: Token, empty_string: bool) -> bool {
    if token.kind == TokenKind::Op && &text[token.start..token.end] == b"..." {
        // Three dots, as the sites have always read them: no name is read
        // and no attribute written right after `...`.
        out.extend((token.start..token.end).map(|at| Tok {
            kind: TokKind::Dot,
            start: at,
            end: at + 1,
        }));
        return true;
    }
    let kind = match token.kind {
        TokenKind::Name => TokKind::Name,
        TokenKind::Number => TokKind::Number,
        TokenKind::String => TokKind::String,
        TokenKind::Op => match &text[token.start..token.end] {
            b"(" | b"[" | b"{" => TokKind::Open,
            b")" | b"]" | b"}" => TokKind::Close,
            b"." => TokKind::Dot,
            b"," => TokKind::Comma,
            _ => TokKind::Op,
        },
        // Indentation that matches no block: no token of ours.
        TokenKind::Error if token.start == token.end => return true,
        TokenKind::Error if !starts_string(&text[token.start..token.end]) => TokKind::Op,
        TokenKind::Error if empty_string && token.end == text.len() => TokKind::String,
        TokenKind::Error => return false,
        TokenKind::Comment
        | TokenKind::Newline
        | TokenKind::Nl
        | TokenKind::Indent
        | TokenKind::Dedent
        | TokenKind::EndMarker => return true,
    };
    out.push(Tok {
        kind,
        start: token.start,
        end: token.end,
    });
    true
}

/// Whether a token's text begins a string literal (a quote, perhaps after
/// its prefix).
fn starts_string(token: &[u8]) -> bool {
    token
        .iter()
        .find(|&&b| !ananke_pylex::is_name_byte(b))
        .is_some_and(|&b| b == b'\'' || b == b'"')
}

/// The index of the first token of the primary expression (an atom with
/// its trailers: `a.b(c)[d]`) that ends with token `last`, if any.
pub fn primary_start(text: &str, toks: &[Tok], last: usize) -> Option<usize> {
    let mut i = last;
    loop {
        let t = toks[i];
        let word = &text[t.start..t.end];
        let mut first = match t.kind {
            TokKind::Name if is_non_value_keyword(word) => return None,
            TokKind::Name | TokKind::Number | TokKind::String => i,
            TokKind::Close => matching_open(toks, i)?,
            _ => return None,
        };
        // A bracket is a trailer when something primary precedes it.
        if toks[first].kind == TokKind::Open && first > 0 {
            let before = toks[first - 1];
            let before_word = &text[before.start..before.end];
            let primary_before = match before.kind {
                TokKind::Name => !is_non_value_keyword(before_word),
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
    fn the_open_comment_is_found_past_strings_that_look_like_one() {
        let mut s = PrefixScan::default();
        s.feed(b"x = '# type: ignore'  # type: ign");
        assert_eq!(s.comment_start(), Some(22));
        let mut s = PrefixScan::default();
        s.feed(b"x = 1  # a\ny = '''\n# no");
        assert_eq!(s.comment_start(), None);
        assert_eq!(s.comment_opened_in(b"'''  # yes"), Some(5));
        assert_eq!(s.comment_opened_in(b"''' + 1"), None);
        s.feed(b"x = 1  # a\ny = '''\n# no'''  #");
        assert_eq!(s.comment_start(), Some(28));
        assert_eq!(s.comment_opened_in(b" more"), None, "opened before it");
    }

    #[test]
    fn statements_brackets_strings_and_comments() {
        let s = scan("x = 1\ny = f(a,\n  b");
        assert_eq!(s.stmt_start, 6);
        assert_eq!(s.brackets.len(), 1);
        assert!(s.in_code());
        let s = scan("s = 'ab");
        assert_eq!(s.string().map(|st| st.quote), Some(b'\''));
        let s = scan("s = '''a\nb'' ");
        assert!(s.string().is_some_and(|st| st.triple));
        assert_eq!(
            s.stmt_start, 0,
            "a newline inside a string does not end the statement"
        );
        let s = scan("s = \"\" + 'x' # note (");
        assert!(s.in_comment() && s.brackets.is_empty());
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
    fn open_strings() {
        let s = scan("x = f(rb'a\\");
        let string = s.string().unwrap();
        assert_eq!(
            (string.quote, string.start, string.fstring),
            (b'\'', 8, false)
        );
        assert!(!string.closes_on_quote(), "after a backslash");
        assert!(scan("x = 'a").string().unwrap().closes_on_quote());
        assert!(!scan("x = '").string().unwrap().closes_on_quote());
        assert!(scan("x = ''").string().unwrap().empty_or_triple());
        assert!(!scan("x = '''").string().unwrap().empty_or_triple());
        // An f-string's field is inside the string, and its brackets are
        // not the statement's.
        let s = scan("y = (f'{d[\"\"");
        let string = s.string().unwrap();
        assert!(string.fstring && !string.empty_or_triple());
        assert_eq!((string.start, s.brackets.len()), (6, 1));
    }

    fn kinds(text: &str) -> Vec<(TokKind, &str)> {
        tokenize(text)
            .into_iter()
            .map(|t| (t.kind, &text[t.start..t.end]))
            .collect()
    }

    #[test]
    fn tokens_are_pythons() {
        use TokKind::*;
        assert_eq!(
            kinds("y=-x[1:] ** 0xFF, f'{a}'.b(1e-5)"),
            [
                (Name, "y"),
                (Op, "="),
                (Op, "-"),
                (Name, "x"),
                (Open, "["),
                (Number, "1"),
                (Op, ":"),
                (Close, "]"),
                (Op, "**"),
                (Number, "0xFF"),
                (Comma, ","),
                (String, "f'{a}'"),
                (Dot, "."),
                (Name, "b"),
                (Open, "("),
                (Number, "1e-5"),
                (Close, ")"),
            ]
        );
        assert_eq!(kinds("x = ''"), [(Name, "x"), (Op, "="), (String, "''")]);
        assert_eq!(
            kinds("f(...)"),
            [
                (Name, "f"),
                (Open, "("),
                (Dot, "."),
                (Dot, "."),
                (Dot, "."),
                (Close, ")")
            ]
        );
        assert_eq!(kinds("x = 'ab"), [(Name, "x"), (Op, "=")]);
        assert_eq!(kinds("x = $ # c"), [(Name, "x"), (Op, "="), (Op, "$")]);
        assert_eq!(
            kinds("    return x \\\n  + 1"),
            [(Name, "return"), (Name, "x"), (Op, "+"), (Number, "1")]
        );
    }

    #[test]
    fn keywords_that_are_no_operand() {
        assert!(is_non_value_keyword("return") && is_non_value_keyword("not"));
        assert!(!is_non_value_keyword("None") && !is_non_value_keyword("match"));
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
