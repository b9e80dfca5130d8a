//! [`Line`]: what the reader knows of the logical line being read — its
//! indentation, the statement's first word, the name chain being read, a
//! compound header's colon and inline body, a `def`'s name and
//! annotation. Apart from the sketch: reset at every line (and `;`), while
//! the block stack lives on.

use ananke_pylex::Short;

use super::statement::{Kw, NAME};

/// Longest return annotation read.
const ANNOTATION: usize = 96;

/// The current logical line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct Line {
    /// No code on this line yet (indentation or a blank line).
    pub(super) at_start: bool,
    /// Columns of indentation so far.
    pub(super) column: u16,
    /// The statement's column (once it started).
    pub(super) stmt_column: u16,
    /// The line it started on (from 1).
    pub(super) stmt_line: u32,
    /// Offset of its first byte in the output.
    pub(super) stmt_offset: u32,
    /// The first word of the statement, while it is read.
    pub(super) word: Short<16>,
    pub(super) first: Kw,
    pub(super) first_done: bool,
    /// The name chain being read (for calls), and whether it is an
    /// attribute or a definition's name.
    pub(super) chain: Short<NAME>,
    pub(super) chain_excluded: bool,
    pub(super) chain_done: bool,
    pub(super) last: u8,
    /// A compound header's `:` at bracket depth 0 was read.
    pub(super) colon: bool,
    /// The first word after that `:` (an inline body), and whether it
    /// ended.
    pub(super) inline: Short<16>,
    pub(super) inline_done: bool,
    pub(super) inline_first: Kw,
    /// The statement's first chain started at its first byte.
    pub(super) chain_at_start: bool,
    /// Code bytes of the statement so far.
    pub(super) code_bytes: u16,
    /// For a `def` header: its name, and the return annotation.
    pub(super) def_name: Short<NAME>,
    pub(super) arrow: bool,
    pub(super) annotation: Short<ANNOTATION>,
    /// `while True` / `while 1` (the whole condition).
    pub(super) while_true: bool,
    /// `if TYPE_CHECKING` / `if typing.TYPE_CHECKING` (the whole
    /// condition).
    pub(super) type_checking: bool,
    /// An `if`/`elif` test holds a word that may narrow a value to
    /// nothing where it fails (see `Block::narrows`).
    pub(super) narrows: bool,
    /// Words read after `while` (or `assert`).
    pub(super) cond_words: u8,
    /// The statement is an `assert`.
    pub(super) asserts: bool,
    /// The `assert`'s condition ended at a top-level `,`: what follows is
    /// its message, whatever words it holds (`f"bad {tag}"`).
    pub(super) assert_message: bool,
    /// A `;` ended a statement: the next code byte starts another at this
    /// column.
    pub(super) after_semicolon: Option<u16>,
    /// The statement is a call of `sys.exit`, `exit`, `quit`, `os._exit`
    /// or `os.abort` and nothing else, or `assert False` (a message
    /// aside): it does not come back.
    pub(super) no_return_call: bool,
    /// The statement is a call and nothing else (`parser.error(msg)`),
    /// of a callee that may not come back.
    pub(super) bare_call: bool,
    /// That call's parentheses closed: any code after them (`sys.exit(1)
    /// if c else None`) makes the call conditional.
    pub(super) call_closed: bool,
    /// `yield` appeared.
    pub(super) yields: bool,
    /// `case _`.
    pub(super) wildcard: bool,
    /// Code followed a compound header's `:` on its line (an inline
    /// body, whatever its first byte: `def f() -> int: ...`).
    pub(super) inline_code: bool,
    /// `.` bytes of the statement (`...` is three and nothing else).
    pub(super) dots: u16,
    /// The statement starts with `@` (a decorator).
    pub(super) decorator: bool,
    /// The decorator is `@no_type_check` (`@typing.no_type_check`).
    pub(super) no_type_check: bool,
    /// A `class` header naming `Protocol` (`class P(Protocol):`,
    /// `typing.Protocol[T]`).
    pub(super) protocol: bool,
    /// How far a comment on this line has matched `type: ignore` (blanks
    /// skipped); [`IGNORE_MATCHED`] once it has.
    pub(super) ignore: u8,
}

/// The text a `# type: ignore` comment starts with, blanks aside.
const IGNORE: &[u8] = b"type:ignore";

/// [`Line::ignore`] once a comment matched `type: ignore`.
pub(super) const IGNORE_MATCHED: u8 = IGNORE.len() as u8;

/// [`Line::ignore`] once a comment cannot match any more.
const IGNORE_FAILED: u8 = u8::MAX;

impl Line {
    /// Reads one byte of a comment (its `#` included), towards a bare
    /// `# type: ignore`, which silences every mypy error on the line, a
    /// missing return included. One naming codes (`# type:
    /// ignore[override]`) is not read: it silences only those.
    pub(super) fn comment_byte(&mut self, b: u8) {
        self.ignore = match (self.ignore, b) {
            (_, b'#') if self.ignore != IGNORE_MATCHED => 0,
            (IGNORE_MATCHED, b'[') => IGNORE_FAILED,
            (IGNORE_MATCHED | IGNORE_FAILED, _) => self.ignore,
            (_, b' ' | b'\t') => self.ignore,
            (at, b) if IGNORE.get(usize::from(at)) == Some(&b) => at + 1,
            _ => IGNORE_FAILED,
        };
    }

    /// Whether a comment on this line is a `# type: ignore`.
    pub(super) fn type_ignored(&self) -> bool {
        self.ignore == IGNORE_MATCHED
    }

    /// Whether the statement ended is one a stub body consists of: a
    /// string (a docstring), `...` or `pass`.
    pub(super) fn is_trivial(&self) -> bool {
        self.code_bytes == 0
            || (self.code_bytes == 3 && self.dots == 3)
            || (self.code_bytes == 4 && self.word.get() == Some(b"pass"))
    }
}
