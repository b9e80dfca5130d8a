//! [`Statement`] and its first keyword [`Kw`]: what the reader logs of each
//! statement, the record the control-flow graph is built from. Apart from
//! the reader: the graph needs the record, not how it was read.

use ananke_pylex::Short;

/// Longest function name followed.
pub(crate) const NAME: usize = 64;

/// Statement keywords that matter here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Kw {
    If,
    Elif,
    Else,
    For,
    While,
    Try,
    Except,
    Finally,
    With,
    Def,
    Class,
    Match,
    Case,
    Return,
    Raise,
    Break,
    Continue,
    /// Any other first word (or none yet).
    #[default]
    Other,
}

/// One statement as the control-flow graph needs it (see [`crate::graph`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Statement {
    /// Its first keyword.
    pub kw: Kw,
    /// Its column.
    pub column: u16,
    /// Its line (from 1).
    pub line: u32,
    /// A compound header whose body follows on the next lines.
    pub opens: bool,
    /// A compound header's one-line body: its first keyword.
    pub inline: Option<Kw>,
    /// `while True`.
    pub while_true: bool,
    /// `case _`.
    pub wildcard: bool,
    /// It calls `sys.exit` (or the like) first thing: it does not return.
    pub no_return_call: bool,
    /// It yields.
    pub yields: bool,
    /// For a `def`: its name.
    pub name: Short<NAME>,
}

impl Kw {
    /// The keyword `word` is, if it is one of those that matter here.
    pub(super) fn of(word: &[u8]) -> Kw {
        match word {
            b"if" => Kw::If,
            b"elif" => Kw::Elif,
            b"else" => Kw::Else,
            b"for" => Kw::For,
            b"while" => Kw::While,
            b"try" => Kw::Try,
            b"except" => Kw::Except,
            b"finally" => Kw::Finally,
            b"with" => Kw::With,
            b"def" => Kw::Def,
            b"class" => Kw::Class,
            b"match" => Kw::Match,
            b"case" => Kw::Case,
            b"return" => Kw::Return,
            b"raise" => Kw::Raise,
            b"break" => Kw::Break,
            b"continue" => Kw::Continue,
            _ => Kw::Other,
        }
    }

    /// Opens a nested block (branches of a chain do not add depth).
    pub(super) fn nests(self) -> bool {
        matches!(
            self,
            Kw::If | Kw::For | Kw::While | Kw::Try | Kw::With | Kw::Def | Kw::Class | Kw::Match
        )
    }

    /// `for` or `while`.
    pub(super) fn is_loop(self) -> bool {
        matches!(self, Kw::For | Kw::While)
    }
}
