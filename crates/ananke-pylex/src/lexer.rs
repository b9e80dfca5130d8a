//! [`PyLexer`]: what each byte of Python text is, one byte at a time.
//!
//! The classes are those every reader of Python text needs: the bytes of
//! names, numbers and operators (code), blanks, strings, comments and line
//! breaks (logical or not). Strings follow Python 3.11: any prefix
//! (`rb'…'`, `F"…"`), triple quotes, escapes, and f-strings whose
//! replacement fields (`f"{os.sep!r:>{width}}"`) are code — a reader sees
//! the names in them as it sees any other — while the string token ends
//! where CPython 3.11's tokenizer ends it: at the outermost string's closing
//! quotes, whatever the fields hold.
//!
//! The state is `Copy`, fixed in size and allocation-free, so a mask can
//! try a token from the current state by copying the lexer and stepping
//! through the token's bytes.

use crate::chars::{is_name_byte, is_string_prefix};

/// What a byte is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// A byte of a name or keyword. Name bytes just before a quote turn out
    /// to be a string prefix: the quote comes back as
    /// [`Class::StringStart`].
    Name,
    /// A byte of a numeric literal (`0xFF`, `1_000.5e-3j`, `.5` from its
    /// digit on: the dot before it comes back as [`Class::Op`]).
    Number,
    /// Any other code byte: an operator, a delimiter, a bracket, a dot.
    Op,
    /// A blank in code (space, tab, form feed, carriage return), or a
    /// backslash continuing the line.
    Blank,
    /// The opening quote of a string (the first of three for a triple
    /// quote).
    StringStart,
    /// Inside a string: its text, its closing quotes, and the braces,
    /// conversion and format specification of an f-string's replacement
    /// fields (the expressions in them are code).
    String,
    /// Inside a comment.
    Comment,
    /// A line break; `logical` when it ends a statement (outside brackets
    /// and strings, no continuation).
    LineEnd {
        /// Whether a statement ends here.
        logical: bool,
    },
}

impl Class {
    /// Whether the byte is code: part of a name, a number or an operator.
    pub fn is_code(self) -> bool {
        matches!(self, Class::Name | Class::Number | Class::Op)
    }
}

/// Strings and replacement fields open inside one string token at most.
/// Python 3.11 needs seven (each nested string takes another kind of
/// quote: four string frames, three fields between them); deeper nesting
/// is read as string text.
const MAX_FRAMES: usize = 8;

/// The word being read in code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) enum Word {
    #[default]
    None,
    /// A name: its first two bytes and its length (3 standing for "3 or
    /// more"), enough to tell a string prefix.
    Name { head: [u8; 2], len: u8 },
    /// A numeric literal.
    Number(Num),
}

impl Word {
    /// When the word is a string prefix: whether it makes an f-string and
    /// a raw one.
    pub(crate) fn is_prefix(self) -> Option<(bool, bool)> {
        let Word::Name { head, len } = self else {
            return None;
        };
        let word = &head[..usize::from(len.min(2))];
        (len <= 2 && is_string_prefix(word)).then(|| {
            let has = |c: u8| word.iter().any(|b| b.eq_ignore_ascii_case(&c));
            (has(b'f'), has(b'r'))
        })
    }
}

/// How far a numeric literal has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Num {
    /// `0` alone.
    Zero,
    /// A decimal literal: whether a point was read, the exponent's
    /// progress, and the last byte.
    Decimal { point: bool, exp: Exp, last: u8 },
    /// After `0x` (hexadecimal digits), `0o` or `0b`.
    Radix { hex: bool },
    /// After `j`: complete.
    Imaginary,
}

/// The exponent of a decimal literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Exp {
    None,
    /// `e` read: a sign or a digit must follow (or it was a name: `1else`).
    E,
    /// `e+` read.
    Sign,
    Digits,
}

impl Num {
    fn start(b: u8, after_dot: bool) -> Num {
        match b {
            b'0' if !after_dot => Num::Zero,
            _ => Num::Decimal {
                point: after_dot,
                exp: Exp::None,
                last: b,
            },
        }
    }

    /// The literal after one more byte, or `None` when the byte ends it
    /// (as CPython 3.11's tokenizer ends it: `1_000`, `1.e5`, `1.j`, but
    /// `1._5` is `1.` and a name).
    fn step(self, b: u8) -> Option<Num> {
        match self {
            Num::Zero => match b {
                b'x' | b'X' => Some(Num::Radix { hex: true }),
                b'o' | b'O' | b'b' | b'B' => Some(Num::Radix { hex: false }),
                _ => Num::Decimal {
                    point: false,
                    exp: Exp::None,
                    last: b'0',
                }
                .step(b),
            },
            Num::Decimal { point, exp, last } => {
                let after_digit = last.is_ascii_digit();
                let (point, exp) = match (b, exp) {
                    (b'0'..=b'9', Exp::E | Exp::Sign) => (point, Exp::Digits),
                    (b'0'..=b'9', _) => (point, exp),
                    (b'_', Exp::None | Exp::Digits) if after_digit => (point, exp),
                    (b'.', Exp::None) if !point && after_digit => (true, exp),
                    (b'e' | b'E', Exp::None) if after_digit || last == b'.' => (point, Exp::E),
                    (b'+' | b'-', Exp::E) => (point, Exp::Sign),
                    (b'j' | b'J', Exp::None | Exp::Digits) if after_digit || last == b'.' => {
                        return Some(Num::Imaginary);
                    }
                    _ => return None,
                };
                Some(Num::Decimal {
                    point,
                    exp,
                    last: b,
                })
            }
            Num::Radix { hex } => {
                (b == b'_' || b.is_ascii_digit() || (hex && b.is_ascii_hexdigit())).then_some(self)
            }
            Num::Imaginary => None,
        }
    }
}

/// What is open inside a string token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Frame {
    /// A string's text.
    Text(Text),
    /// A replacement field of the f-string below it: `brackets` open in
    /// its expression, `spec` once its format specification began.
    Field { brackets: u8, spec: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Text {
    quote: u8,
    triple: bool,
    fstring: bool,
    raw: bool,
    /// Quotes read at the opening so far (1 or 2) while it is not known
    /// whether the literal is triple-quoted; 0 in its body.
    opening: u8,
    /// Consecutive closing quotes read (for triple quotes).
    closing: u8,
    brace: Brace,
}

/// Braces in an f-string's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Brace {
    None,
    /// A `{` was read: `{{` (a brace) or a field's start.
    Open,
    /// `\N` was read: a `{` starts a character name, not a field.
    EscapeN,
    /// Inside `\N{...}`.
    Named,
}

const EMPTY: Frame = Frame::Field {
    brackets: 0,
    spec: false,
};

/// The lexer state (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PyLexer {
    /// Brackets open in code outside strings.
    depth: u32,
    comment: bool,
    /// A backslash outside strings continues the line.
    backslash: bool,
    /// Inside a string: the next byte is escaped.
    escape: bool,
    pub(crate) word: Word,
    /// The last code byte was a `.` that is no part of a number.
    dot: bool,
    frames: [Frame; MAX_FRAMES],
    open: u8,
}

impl Default for PyLexer {
    fn default() -> PyLexer {
        PyLexer {
            depth: 0,
            comment: false,
            backslash: false,
            escape: false,
            word: Word::None,
            dot: false,
            frames: [EMPTY; MAX_FRAMES],
            open: 0,
        }
    }
}

impl PyLexer {
    /// Brackets open in code, counting each open replacement field of an
    /// f-string as one and the brackets inside it.
    pub fn depth(&self) -> u32 {
        self.frames[..usize::from(self.open)]
            .iter()
            .fold(self.depth, |depth, frame| match frame {
                Frame::Field { brackets, .. } => depth + 1 + u32::from(*brackets),
                Frame::Text(_) => depth,
            })
    }

    /// Whether the next byte is outside every string and comment.
    pub fn in_code(&self) -> bool {
        !self.comment && self.open == 0
    }

    /// Whether the next byte is inside a string token (its text, or the
    /// expression of an f-string's replacement field).
    pub fn in_string(&self) -> bool {
        self.open > 0
    }

    /// Whether the next byte is inside a comment.
    pub fn in_comment(&self) -> bool {
        self.comment
    }

    /// Whether the next byte is in the expression of an f-string's
    /// replacement field.
    pub fn in_field(&self) -> bool {
        matches!(self.top(), Some(Frame::Field { spec: false, .. }))
    }

    /// Whether the next byte is inside a comment or a string token that
    /// only a quote or a line break can leave for code outside strings
    /// (after `''` the next byte decides between an empty string and a
    /// triple quote: not that). An f-string's fields count as inside: a
    /// reader that skips what is not [`in_code`](PyLexer::in_code) sees
    /// nothing of them.
    pub fn in_text(&self) -> bool {
        self.comment
            || (self.open > 0
                && !(self.open == 1 && matches!(self.frames[0], Frame::Text(t) if t.opening == 2)))
    }

    /// Whether the last two bytes were the opening `''` of a string: an
    /// empty literal, unless a third quote makes it triple-quoted.
    pub fn after_two_quotes(&self) -> bool {
        matches!(self.top(), Some(Frame::Text(t)) if t.opening == 2)
    }

    /// Whether the previous byte was a backslash that continues the line
    /// (outside strings).
    pub fn continues_line(&self) -> bool {
        self.backslash
    }

    /// Whether the string token open at the next byte is an f-string.
    pub fn in_fstring(&self) -> bool {
        matches!(self.frames[0], Frame::Text(t) if t.fstring) && self.open > 0
    }

    /// Whether the string token open at the next byte is triple-quoted.
    pub fn in_triple_quoted(&self) -> bool {
        matches!(self.frames[0], Frame::Text(t) if t.triple) && self.open > 0
    }

    /// Classifies the next byte.
    pub fn step(&mut self, b: u8) -> Class {
        if self.comment {
            if b == b'\n' {
                self.comment = false;
                return self.code(b);
            }
            return Class::Comment;
        }
        if self.open == 0 {
            return self.code(b);
        }
        let escaped = std::mem::take(&mut self.escape);
        // The outermost string ends where CPython 3.11 ends it: at its own
        // closing quotes (skipping escaped bytes), whatever is nested.
        let Frame::Text(mut outer) = self.frames[0] else {
            unreachable!("a string token starts with a string")
        };
        if outer.opening == 1 && b == b'\n' {
            // A lone quote then the line's end: an unterminated one-line
            // string, ended by its line.
            self.open = 0;
            self.word = Word::None;
            return self.code(b);
        }
        if outer.opening == 0 && !escaped {
            if b == outer.quote {
                outer.closing += 1;
                if !outer.triple || outer.closing == 3 {
                    self.open = 0;
                    self.word = Word::None;
                    return Class::String;
                }
            } else {
                outer.closing = 0;
                if b == b'\n' && !outer.triple {
                    // An unterminated one-line string ends with its line.
                    self.open = 0;
                    self.word = Word::None;
                    return self.code(b);
                }
            }
            self.frames[0] = Frame::Text(outer);
        }
        self.inside(b, escaped)
    }

    fn top(&self) -> Option<Frame> {
        self.open
            .checked_sub(1)
            .map(|i| self.frames[usize::from(i)])
    }

    fn set_top(&mut self, frame: Frame) {
        self.frames[usize::from(self.open - 1)] = frame;
    }

    fn push(&mut self, frame: Frame) -> bool {
        if usize::from(self.open) == MAX_FRAMES {
            return false;
        }
        self.frames[usize::from(self.open)] = frame;
        self.open += 1;
        true
    }

    /// A byte inside a string token, classified by what is open innermost.
    fn inside(&mut self, b: u8, escaped: bool) -> Class {
        let nested = self.open > 1;
        match self.top() {
            Some(Frame::Text(mut text)) => {
                if text.opening > 0 {
                    if b == text.quote {
                        text.opening += 1;
                        if text.opening == 3 {
                            text.opening = 0;
                            text.triple = true;
                        }
                        self.set_top(Frame::Text(text));
                        return Class::String;
                    }
                    if text.opening == 2 {
                        // `''`: an empty string; this byte comes after it.
                        self.open -= 1;
                        return if self.open == 0 {
                            self.code(b)
                        } else {
                            self.inside(b, escaped)
                        };
                    }
                    text.opening = 0;
                }
                self.text(text, b, escaped, nested)
            }
            Some(Frame::Field { brackets, spec }) => self.field(b, brackets, spec, escaped),
            None => self.code(b),
        }
    }

    fn text(&mut self, mut text: Text, b: u8, escaped: bool, nested: bool) -> Class {
        if escaped {
            text.brace = if text.fstring && !text.raw && b == b'N' {
                Brace::EscapeN
            } else {
                Brace::None
            };
            text.closing = 0;
            self.set_top(Frame::Text(text));
            return Class::String;
        }
        if text.brace == Brace::Open {
            text.brace = Brace::None;
            self.set_top(Frame::Text(text));
            if b == b'{' {
                return Class::String;
            }
            // A replacement field begins with this byte.
            if self.push(EMPTY) {
                return self.field(b, 0, false, false);
            }
        }
        if b == b'\\' {
            self.escape = true;
            text.closing = 0;
            self.set_top(Frame::Text(text));
            return Class::String;
        }
        if nested {
            // The outermost string counted its own quotes; a nested one
            // counts its own.
            if b == text.quote {
                text.closing += 1;
                if !text.triple || text.closing == 3 {
                    self.open -= 1;
                    return Class::String;
                }
            } else {
                text.closing = 0;
            }
        }
        if text.fstring {
            text.brace = match (text.brace, b) {
                (Brace::EscapeN, b'{') => Brace::Named,
                (Brace::Named, b'}') => Brace::None,
                (Brace::Named, _) => Brace::Named,
                (_, b'{') => Brace::Open,
                _ => Brace::None,
            };
        }
        self.set_top(Frame::Text(text));
        Class::String
    }

    fn field(&mut self, b: u8, brackets: u8, spec: bool, escaped: bool) -> Class {
        if spec {
            match b {
                b'{' => {
                    self.push(EMPTY);
                }
                b'}' => self.open -= 1,
                _ => {}
            }
            return Class::String;
        }
        if escaped {
            return Class::Op;
        }
        let set = |lexer: &mut PyLexer, brackets: u8, spec: bool| {
            lexer.set_top(Frame::Field { brackets, spec });
        };
        match b {
            b'\n' => {
                self.word = Word::None;
                self.dot = false;
                Class::LineEnd { logical: false }
            }
            b' ' | b'\t' | b'\x0c' | b'\r' => {
                self.word = Word::None;
                Class::Blank
            }
            b'\\' => {
                // Python 3.11 allows no backslash here; it still escapes
                // the next byte for where the string ends.
                self.escape = true;
                self.word = Word::None;
                Class::Op
            }
            b'}' if brackets == 0 => {
                self.word = Word::None;
                self.open -= 1;
                Class::String
            }
            b':' if brackets == 0 => {
                self.word = Word::None;
                set(self, 0, true);
                Class::String
            }
            _ => {
                let class = self.token_byte(b);
                if class == Class::Op {
                    match b {
                        b'(' | b'[' | b'{' => set(self, brackets.saturating_add(1), false),
                        b')' | b']' | b'}' => set(self, brackets.saturating_sub(1), false),
                        _ => {}
                    }
                }
                class
            }
        }
    }

    fn code(&mut self, b: u8) -> Class {
        let continued = std::mem::take(&mut self.backslash);
        match b {
            b'\n' => {
                self.word = Word::None;
                self.dot = false;
                Class::LineEnd {
                    logical: self.depth == 0 && !continued,
                }
            }
            b' ' | b'\t' | b'\x0c' | b'\r' => {
                self.backslash = continued;
                self.word = Word::None;
                self.dot = false;
                Class::Blank
            }
            b'\\' => {
                self.backslash = true;
                self.word = Word::None;
                self.dot = false;
                Class::Blank
            }
            b'#' => {
                self.comment = true;
                self.word = Word::None;
                Class::Comment
            }
            _ => {
                let class = self.token_byte(b);
                if class == Class::Op {
                    match b {
                        b'(' | b'[' | b'{' => self.depth += 1,
                        b')' | b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                        _ => {}
                    }
                }
                class
            }
        }
    }

    /// A byte of a name, a number, a string's opening or an operator.
    fn token_byte(&mut self, b: u8) -> Class {
        let dot = std::mem::take(&mut self.dot);
        match self.word {
            Word::Number(num) => {
                if let Some(next) = num.step(b) {
                    self.word = Word::Number(next);
                    return Class::Number;
                }
                if matches!(num, Num::Decimal { exp: Exp::E, .. }) && is_name_byte(b) {
                    // `1else`: the `e` began a name.
                    self.word = Word::Name {
                        head: [b'e', b],
                        len: 2,
                    };
                    return Class::Name;
                }
            }
            Word::Name { head, len } if is_name_byte(b) => {
                let mut head = head;
                if len < 2 {
                    head[usize::from(len)] = b;
                }
                self.word = Word::Name {
                    head,
                    len: (len + 1).min(3),
                };
                return Class::Name;
            }
            _ => {}
        }
        let word = std::mem::take(&mut self.word);
        match b {
            b'0'..=b'9' => {
                self.word = Word::Number(Num::start(b, dot));
                Class::Number
            }
            b'\'' | b'"' => {
                let (fstring, raw) = word.is_prefix().unwrap_or((false, false));
                let text = Text {
                    quote: b,
                    triple: false,
                    fstring,
                    raw,
                    opening: 1,
                    closing: 0,
                    brace: Brace::None,
                };
                if self.push(Frame::Text(text)) {
                    Class::StringStart
                } else {
                    Class::String
                }
            }
            _ if is_name_byte(b) => {
                self.word = Word::Name {
                    head: [b, 0],
                    len: 1,
                };
                Class::Name
            }
            b'.' => {
                self.dot = true;
                Class::Op
            }
            _ => Class::Op,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(text: &str) -> Vec<Class> {
        let mut lexer = PyLexer::default();
        text.bytes().map(|b| lexer.step(b)).collect()
    }

    fn after(text: &str) -> PyLexer {
        let mut lexer = PyLexer::default();
        text.bytes().for_each(|b| {
            lexer.step(b);
        });
        lexer
    }

    /// One letter a byte: n(ame), d(igit: number), o(p), _ (blank),
    /// q (string start), s(tring), c(omment), L (logical line end), l
    /// (other line end).
    fn letters(text: &str) -> String {
        classes(text)
            .into_iter()
            .map(|c| match c {
                Class::Name => 'n',
                Class::Number => 'd',
                Class::Op => 'o',
                Class::Blank => '_',
                Class::StringStart => 'q',
                Class::String => 's',
                Class::Comment => 'c',
                Class::LineEnd { logical: true } => 'L',
                Class::LineEnd { logical: false } => 'l',
            })
            .collect()
    }

    #[test]
    fn strings_comments_and_lines() {
        assert_eq!(letters("f('''a\n'b''')\n"), "noqsssssssssoL");
        assert_eq!(letters("(a,\n b)\\\n+1\n"), "onol_no_lodL");
        assert_eq!(letters("x = ''\ny"), "n_o_qsLn");
        assert_eq!(letters("'a\\'b'c"), "qsssssn");
        assert_eq!(letters("x  # a\ny"), "n__cccLn");
        assert_eq!(letters("'a\\\nb'\n"), "qsssssL", "an escaped line break");
        assert_eq!(letters("'ab\nc"), "qssLn", "an unterminated string ends");
        assert_eq!(letters("x = '\ny"), "n_o_qLn", "even right after its quote");
    }

    #[test]
    fn names_numbers_and_operators() {
        assert_eq!(letters("x1 = 0xFF+1_0.5e-3j"), "nn_o_ddddoddddddddd");
        assert_eq!(letters("a=.5"), "nood");
        assert_eq!(letters("1if x"), "dnn_n");
        // The `e` is read as an exponent, then turns out to begin a name
        // (the token layer splits the number there).
        assert_eq!(letters("1else"), "ddnnn");
        assert_eq!(letters("1._5 1.e5 1.j"), "ddnn_dddd_ddd");
        assert_eq!(letters("0xFFj"), "ddddn");
        assert_eq!(letters("x.y"), "non");
    }

    #[test]
    fn prefixes() {
        assert_eq!(letters("rb'a' ur'b'"), "nnqss_nnqss");
        assert!(after("x = Rf'{").in_fstring());
        let lexer = after("x = br'");
        assert!(lexer.in_string() && !lexer.in_fstring());
        assert!(!after("x = fb'").in_fstring(), "fb is no prefix");
    }

    #[test]
    fn fstring_fields_are_code() {
        assert_eq!(letters("f'{os.sep!r:>{w}}' x"), "nqsnnonnnonsssnsss_n");
        assert_eq!(letters("f'{{a}}'"), "nqssssss");
        assert_eq!(letters("f'{d[\"k\"]}'"), "nqsnoqssoss");
        assert_eq!(letters("f\"{f'{x}'}\" y"), "nqsnqsnssss_n");
        assert_eq!(letters("f'\\N{DASH}{x}'"), "nqsssssssssnss");
        assert!(after("f'{x").in_field() && !after("f'{x:").in_field());
        assert_eq!(after("f'{(").depth(), 2);
        assert!(after("f'{x").in_string());
        assert!(after("f'{x}").in_string() && !after("f'{x}").in_field());
    }

    #[test]
    fn the_outermost_string_ends_the_token() {
        // Python 3.11: the f-string ends at its own quote, even in a field.
        assert_eq!(letters("f'{'a'"), "nqssnq");
        assert!(after("f'{'").in_code());
        assert!(after("f'''{'a'}'''").in_code());
        assert_eq!(letters("f'''{''}''' x"), "nqsssqsssss_n");
        assert!(after("f'''{'''").in_code());
        assert!(after("f'''{\"\"\"x").in_string());
        assert!(after("f'''{\"x").in_string());
    }

    #[test]
    fn text_ends_only_at_a_quote_or_a_line_break() {
        for inside in [
            "x = 'a",
            "x = '",
            "x = '''a''",
            "x  # a",
            "x = 'a\\",
            "f'{'a'",
            "f'a",
            "f'{x",
            "f'{x:>",
            "f'{''",
        ] {
            assert!(after(inside).in_text(), "{inside}");
        }
        for outside in ["x = ''", "x = 'a'", "x  # a\n", "x = '''a'''", "x", "f'{'a"] {
            assert!(!after(outside).in_text(), "{outside}");
        }
        assert!(after("x = ''").after_two_quotes());
    }

    #[test]
    fn continuations() {
        assert!(after("x = 1 |\\").continues_line());
        assert_eq!(letters("x\\\r\n+1\n"), "n__lodL");
        assert!(!after("x = '\\").continues_line());
    }
}
