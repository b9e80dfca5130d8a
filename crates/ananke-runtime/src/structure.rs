//! [`StructureScanner`]: where holes open and close in committed text.
//!
//! Generation reveals structure as it goes: a `def` line opens a FUNCTION
//! hole, a header ending in `:` a BLOCK hole for its indented body, an
//! expression after `return ` or ` = ` a TERM hole that the end of the
//! statement closes, and a dedent closes the blocks (and functions) it
//! leaves. The scanner reads the committed bytes with the one Python lexer
//! ([`ananke_pylex::PyLexer`]), so strings and comments are what Python
//! says they are: a bracket in a string literal opens nothing, a `def` in
//! a docstring is text, a header's trailing comment does not hide its
//! colon, and a line break inside brackets, a string or after a backslash
//! ends no statement.
//!
//! It is apart from the hole tree ([`crate::holes`]) because it reads
//! Python and the tree does not: the session feeds one and applies its
//! events to the other.

use ananke_pylex::{Class, PyLexer};
use smallvec::SmallVec;

use crate::holes::Granularity;

/// An event of the [`StructureScanner`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoleEvent {
    /// A hole opens (its name and size).
    Open(String, Granularity),
    /// The innermost hole of this size closes.
    Close(Granularity),
}

/// Bytes of a statement a [`StructureScanner`] holds without allocating
/// (most lines of code are shorter).
pub const INLINE_LINE: usize = 128;

/// Finds structure in committed text, statement by statement: `def name(`
/// opens a FUNCTION hole, a statement ending in `:` opens a BLOCK hole for
/// its indented body, `return ` or ` = ` opens a TERM hole that the end of
/// the statement closes; a dedent closes the blocks (and functions) it
/// leaves. Text inside strings and comments is never structure.
///
/// Small and cheap to clone, so the session keeps one per committed token:
/// a statement of up to [`INLINE_LINE`] bytes and up to eight nested
/// blocks are kept inline, so the clone allocates nothing.
#[derive(Clone, Debug, Default)]
pub struct StructureScanner {
    /// Where the committed text stands: strings, comments, brackets.
    lexer: PyLexer,
    /// The current statement so far (its logical line), without comments.
    line: SmallVec<[u8; INLINE_LINE]>,
    /// Whether the statement has begun: a byte of code or of a string.
    started: bool,
    /// Whether the last byte that was neither blank nor comment was a `:`
    /// in code (so a statement ending now is a block header).
    colon_last: bool,
    /// Open blocks: (indentation of the header line, is a function).
    blocks: SmallVec<[(usize, bool); 8]>,
    /// Whether a TERM hole is open in this statement.
    term_open: bool,
}

impl StructureScanner {
    /// Feeds committed bytes; returns the hole events they reveal. Bytes
    /// may be split anywhere (inside a string, a UTF-8 sequence, a line
    /// break): feeding text in pieces gives the events of feeding it whole.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<HoleEvent> {
        let mut events = Vec::new();
        for &b in bytes {
            let class = self.lexer.step(b);
            match class {
                Class::LineEnd { logical: true } => {
                    self.end_statement(&mut events);
                    continue;
                }
                Class::Comment => continue,
                _ => {}
            }
            // The first byte of a statement fixes its indentation: blocks
            // it does not indent into are closed.
            if !self.started && (class.is_code() || class == Class::StringStart) {
                self.started = true;
                self.dedent_to(indent_of(&self.line), &mut events);
            }
            if !matches!(class, Class::Blank | Class::LineEnd { .. }) {
                self.colon_last = class == Class::Op && b == b':' && self.lexer.in_code();
            }
            self.line.push(b);
            if class == Class::Blank
                && !self.term_open
                && self.lexer.in_code()
                && self.lexer.depth() == 0
            {
                let trimmed = self.line.trim_ascii_start();
                if trimmed == b"return "
                    || (trimmed.ends_with(b" = ") && !trimmed.windows(2).any(|w| w == b"=="))
                {
                    self.term_open = true;
                    events.push(HoleEvent::Open(
                        String::from_utf8_lossy(trimmed.trim_ascii()).into_owned(),
                        Granularity::Term,
                    ));
                }
            }
        }
        events
    }

    fn dedent_to(&mut self, indent: usize, events: &mut Vec<HoleEvent>) {
        while let Some(&(header_indent, is_function)) = self.blocks.last() {
            if indent > header_indent {
                break;
            }
            self.blocks.pop();
            events.push(HoleEvent::Close(Granularity::Block));
            if is_function {
                events.push(HoleEvent::Close(Granularity::Function));
            }
        }
    }

    /// A statement ended (a logical line break): its TERM hole closes, and
    /// a header opens its block (and, for a `def`, its function).
    fn end_statement(&mut self, events: &mut Vec<HoleEvent>) {
        if self.term_open {
            self.term_open = false;
            events.push(HoleEvent::Close(Granularity::Term));
        }
        if self.started && self.colon_last {
            let header = String::from_utf8_lossy(self.line.trim_ascii());
            let header = header.trim_end_matches(':');
            let is_function = header.starts_with("def ") || header.starts_with("async def ");
            if is_function {
                let name = header
                    .trim_start_matches("async ")
                    .trim_start_matches("def ");
                let name = name.split('(').next().unwrap_or(name).trim();
                events.push(HoleEvent::Open(name.to_owned(), Granularity::Function));
            }
            events.push(HoleEvent::Open(header.to_owned(), Granularity::Block));
            self.blocks.push((indent_of(&self.line), is_function));
        }
        self.line.clear();
        self.started = false;
        self.colon_last = false;
    }
}

/// The blanks a line starts with.
fn indent_of(line: &[u8]) -> usize {
    line.iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Granularity::*;

    fn events(text: &str) -> Vec<HoleEvent> {
        StructureScanner::default().feed(text.as_bytes())
    }

    fn open(name: &str, granularity: Granularity) -> HoleEvent {
        HoleEvent::Open(name.into(), granularity)
    }

    #[test]
    fn the_scanner_opens_and_closes_holes() {
        let mut scanner = StructureScanner::default();
        let mut events = scanner.feed(b"def f(x: int) -> int:\n    y = x\n    return y\n");
        events.extend(scanner.feed(b"z = 1\n"));
        assert_eq!(
            events,
            [
                open("f", Function),
                open("def f(x: int) -> int", Block),
                open("y =", Term),
                HoleEvent::Close(Term),
                open("return", Term),
                HoleEvent::Close(Term),
                HoleEvent::Close(Block),
                HoleEvent::Close(Function),
                open("z =", Term),
                HoleEvent::Close(Term),
            ]
        );
    }

    #[test]
    fn a_bracket_in_a_string_opens_nothing() {
        assert_eq!(
            events("x = \"(\"\ny = ']'\n"),
            [
                open("x =", Term),
                HoleEvent::Close(Term),
                open("y =", Term),
                HoleEvent::Close(Term),
            ]
        );
    }

    #[test]
    fn a_def_in_a_docstring_is_text() {
        let source = r#"def f() -> None:
    """Example:
def g():
    x = 1
"""
    return None
"#;
        assert_eq!(
            events(source),
            [
                open("f", Function),
                open("def f() -> None", Block),
                open("return", Term),
                HoleEvent::Close(Term),
            ]
        );
    }

    #[test]
    fn comments_are_not_structure() {
        let source = "# def g():\nif x:  # check: (\n    y = 1\n# z = 2\nw = 3\n";
        assert_eq!(
            events(source),
            [
                open("if x", Block),
                open("y =", Term),
                HoleEvent::Close(Term),
                HoleEvent::Close(Block),
                open("w =", Term),
                HoleEvent::Close(Term),
            ]
        );
    }

    #[test]
    fn f_string_fields_and_text_are_inside_the_string() {
        let source = "s = f\"({a = }: {b:>3}\"\nt = 1\n";
        assert_eq!(
            events(source),
            [
                open("s =", Term),
                HoleEvent::Close(Term),
                open("t =", Term),
                HoleEvent::Close(Term),
            ]
        );
    }

    #[test]
    fn a_backslash_continues_the_statement() {
        let source = "if a and \\\n        b:\n    y = 1\n";
        assert_eq!(
            events(source),
            [
                open("if a and \\\n        b", Block),
                open("y =", Term),
                HoleEvent::Close(Term),
            ]
        );
    }

    #[test]
    fn brackets_span_lines_and_the_header_ends_after_them() {
        let source = "def f(\n    x: int,\n) -> int:\n    return x\n";
        assert_eq!(
            events(source),
            [
                open("f", Function),
                open("def f(\n    x: int,\n) -> int", Block),
                open("return", Term),
                HoleEvent::Close(Term),
            ]
        );
    }

    #[test]
    fn text_fed_in_pieces_gives_the_events_of_the_whole() {
        let source = "def f(s: str) -> str:\n    \"\"\"a: (\"\"\"\n    t = f'{s!r}'  # x:\n    return t\n\nu = 2\n";
        let whole = events(source);
        let mut scanner = StructureScanner::default();
        let pieces: Vec<HoleEvent> = source
            .as_bytes()
            .chunks(3)
            .flat_map(|piece| scanner.feed(piece))
            .collect();
        assert_eq!(pieces, whole);
        assert_eq!(
            whole,
            [
                open("f", Function),
                open("def f(s: str) -> str", Block),
                open("t =", Term),
                HoleEvent::Close(Term),
                open("return", Term),
                HoleEvent::Close(Term),
                HoleEvent::Close(Block),
                HoleEvent::Close(Function),
                open("u =", Term),
                HoleEvent::Close(Term),
            ]
        );
    }
}
