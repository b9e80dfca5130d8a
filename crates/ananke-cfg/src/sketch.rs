//! [`Sketch`]: the control-flow sketch of the code read so far — the stack
//! of open blocks (module, function bodies, branches, loops) with what is
//! known of each: whether its statements so far guarantee a return,
//! whether a terminator ended it, whether a `while True` can be left — read
//! statement by statement from the text.
//!
//! Decisions fall at three moments: the first code byte of a line (its
//! column closes blocks: a function whose body may fall off its end, a
//! `while True` with no way out, dead code after a terminator), the end of
//! a statement's first word (a forbidden `while`, too deep a nesting), and
//! a `(` (a recursive call). [`Sketch::decide_at`] answers the first
//! without changing anything, so the mask can ask it per column.

use std::sync::Arc;

use ananke_core::control::ControlFacts;
use ananke_pylex::{Class, PyLexer, Short, is_keyword, is_name_byte};

use crate::Requirements;

/// Longest function name followed.
const NAME: usize = 64;
/// Longest return annotation read.
const ANNOTATION: usize = 96;

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
    fn of(word: &[u8]) -> Kw {
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
    fn nests(self) -> bool {
        matches!(
            self,
            Kw::If | Kw::For | Kw::While | Kw::Try | Kw::With | Kw::Def | Kw::Class | Kw::Match
        )
    }

    fn is_loop(self) -> bool {
        matches!(self, Kw::For | Kw::While)
    }
}

/// A pending `if`/`try`/`match` chain at one block's level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Chain {
    /// `if`/`elif` branches so far all return; `else` seen.
    If { all_return: bool, has_else: bool },
    /// `try` body (or its `else`) returns; every `except` returns;
    /// `finally` returns.
    Try {
        main: bool,
        handlers: bool,
        finally: bool,
    },
    /// Every `case` returns; a `case _` was seen.
    Match { all_return: bool, wildcard: bool },
}

impl Chain {
    fn returns(self) -> bool {
        match self {
            Chain::If {
                all_return,
                has_else,
            } => all_return && has_else,
            Chain::Try {
                main,
                handlers,
                finally,
            } => (main && handlers) || finally,
            Chain::Match {
                all_return,
                wildcard,
            } => all_return && wildcard,
        }
    }

    /// Whether a statement starting with `kw` continues this chain.
    fn continued_by(self, kw: Kw) -> bool {
        match self {
            Chain::If { .. } => matches!(kw, Kw::Elif | Kw::Else),
            Chain::Try { .. } => matches!(kw, Kw::Except | Kw::Else | Kw::Finally),
            Chain::Match { .. } => kw == Kw::Case,
        }
    }
}

/// One open block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Block {
    header: Kw,
    header_indent: u16,
    /// Offset of the header's first byte in the output.
    header_offset: u32,
    /// The column of the body's statements, once the first is read.
    indent: Option<u16>,
    /// Its statements so far guarantee the code does not fall through.
    returns: bool,
    /// A return, raise, break or continue stands directly in it.
    terminated: bool,
    /// A `break` leaves this loop.
    has_break: bool,
    /// `while True:` (or `while 1:`).
    while_true: bool,
    /// A return or raise somewhere inside (a `while True` it leaves).
    exits: bool,
    /// `case _:`.
    wildcard: bool,
    /// For a function body: it must return a value.
    must_return: bool,
    /// For a function body: a `yield` was read (a generator).
    generator: bool,
    /// For a function body: its name.
    name: Short<NAME>,
    /// For a function body: decision points so far.
    decisions: u16,
    chain: Option<Chain>,
}

impl Block {
    fn new(header: Kw, header_indent: u16) -> Block {
        Block {
            header,
            header_indent,
            header_offset: 0,
            indent: None,
            returns: false,
            terminated: false,
            has_break: false,
            while_true: false,
            exits: false,
            wildcard: false,
            must_return: false,
            generator: false,
            name: Short::default(),
            decisions: 0,
            chain: None,
        }
    }

    fn module() -> Block {
        Block {
            indent: Some(0),
            ..Block::new(Kw::Other, 0)
        }
    }

    /// Ends the pending chain: the code after it is reached unless every
    /// path through it returns.
    fn end_chain(&mut self) {
        if let Some(chain) = self.chain.take() {
            self.returns |= chain.returns();
        }
    }

    /// Folds a finished branch or compound statement whose header is
    /// `kw` and whose body `returns` into this (its parent) block.
    fn fold(&mut self, kw: Kw, returns: bool, wildcard: bool) {
        // Statements that start a chain (or stand alone) first.
        match kw {
            Kw::If | Kw::Try => {
                self.end_chain();
                self.chain = Some(if kw == Kw::If {
                    Chain::If {
                        all_return: returns,
                        has_else: false,
                    }
                } else {
                    Chain::Try {
                        main: returns,
                        handlers: true,
                        finally: false,
                    }
                });
                return;
            }
            Kw::With | Kw::Match => {
                self.end_chain();
                self.returns |= returns;
                return;
            }
            _ => {}
        }
        // Branches that continue the pending chain.
        match (kw, &mut self.chain) {
            (Kw::Elif, Some(Chain::If { all_return, .. })) => *all_return &= returns,
            (
                Kw::Else,
                Some(Chain::If {
                    all_return,
                    has_else,
                }),
            ) => {
                *all_return &= returns;
                *has_else = true;
            }
            (Kw::Except, Some(Chain::Try { handlers, .. })) => *handlers &= returns,
            (Kw::Else, Some(Chain::Try { main, .. })) => *main |= returns,
            (Kw::Finally, Some(Chain::Try { finally, .. })) => *finally = returns,
            (
                Kw::Case,
                Some(Chain::Match {
                    all_return,
                    wildcard: seen,
                }),
            ) => {
                *all_return &= returns;
                *seen |= wildcard;
            }
            (Kw::Case, _) => {
                self.chain = Some(Chain::Match {
                    all_return: returns,
                    wildcard,
                });
            }
            // `while True` never falls through unless a break leaves it;
            // for / while loops and their `else`s otherwise give nothing.
            _ => self.end_chain(),
        }
    }
}

/// A control-flow rule broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Breach {
    /// A function that must return can fall off its end.
    MissingReturn(String),
    /// A `while True` closed with no break, return or raise inside.
    EndlessLoop,
    /// A statement after a return, raise, break or continue.
    DeadCode,
    /// A `while` loop where they are forbidden.
    While,
    /// A block nested deeper than allowed.
    Nesting(u8),
    /// A loop nested deeper than allowed.
    LoopNesting(u8),
    /// The function calls itself.
    Recursion(String),
    /// The function's cyclomatic complexity would pass the limit.
    Complexity(u16, String),
    /// A comment line left of the function body's indentation.
    DedentedComment(String),
    /// A function would end without reaching a required name.
    NotReached {
        /// The name it must reach.
        target: String,
        /// The function.
        function: String,
    },
    /// A name no code may reach.
    Avoided(String),
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Breach::MissingReturn(name) => write!(
                f,
                "the body of `{name}` would end with a path that returns no value (every path must return)"
            ),
            Breach::EndlessLoop => f.write_str(
                "this `while True` loop would close with no break, return or raise in it",
            ),
            Breach::DeadCode => f.write_str(
                "a statement after return/raise/break/continue in the same block is dead code",
            ),
            Breach::While => f.write_str("`while` loops are forbidden here"),
            Breach::Nesting(max) => write!(f, "blocks may nest at most {max} deep here"),
            Breach::LoopNesting(max) => write!(f, "loops may nest at most {max} deep here"),
            Breach::Recursion(name) => write!(f, "`{name}` may not call itself"),
            Breach::Complexity(max, name) => write!(
                f,
                "this decision would take `{name}` past a cyclomatic complexity of {max}"
            ),
            Breach::DedentedComment(name) => write!(
                f,
                "a comment inside `{name}` must be indented with its body (comments are indented)"
            ),
            Breach::NotReached { target, function } => write!(
                f,
                "the body of `{function}` would end without reaching `{target}` (reach={target})"
            ),
            Breach::Avoided(target) => {
                write!(f, "`{target}` may not be reached here (avoid={target})")
            }
        }
    }
}

/// The current logical line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
struct Line {
    /// No code on this line yet (indentation or a blank line).
    at_start: bool,
    /// Columns of indentation so far.
    column: u16,
    /// The statement's column (once it started).
    stmt_column: u16,
    /// The line it started on (from 1).
    stmt_line: u32,
    /// Offset of its first byte in the output.
    stmt_offset: u32,
    /// The first word of the statement, while it is read.
    word: Short<16>,
    first: Kw,
    first_done: bool,
    /// The name chain being read (for calls), and whether it is an
    /// attribute or a definition's name.
    chain: Short<NAME>,
    chain_excluded: bool,
    chain_done: bool,
    last: u8,
    /// A compound header's `:` at bracket depth 0 was read.
    colon: bool,
    /// The first word after that `:` (an inline body), and whether it
    /// ended.
    inline: Short<16>,
    inline_done: bool,
    inline_first: Kw,
    /// The statement's first chain started at its first byte.
    chain_at_start: bool,
    /// Code bytes of the statement so far.
    code_bytes: u16,
    /// For a `def` header: its name, and the return annotation.
    def_name: Short<NAME>,
    arrow: bool,
    annotation: Short<ANNOTATION>,
    /// `while True` / `while 1` (the whole condition).
    while_true: bool,
    /// Words read after `while`.
    cond_words: u8,
    /// A `;` ended a statement: the next code byte starts another at this
    /// column.
    after_semicolon: Option<u16>,
    /// The statement is a call of `sys.exit`, `exit`, `quit`, `os._exit`
    /// or `os.abort` and nothing else.
    no_return_call: bool,
    /// That call's parentheses closed: any code after them (`sys.exit(1)
    /// if c else None`) makes the call conditional.
    call_closed: bool,
    /// `yield` appeared.
    yields: bool,
    /// `case _`.
    wildcard: bool,
}

/// The sketch (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Sketch {
    lexer: PyLexer,
    line: Line,
    blocks: Arc<Vec<Block>>,
    /// Required names reached so far, by the index in `blocks` of the
    /// function that reached them.
    reached: Arc<Vec<(usize, Short<NAME>)>>,
    /// Every statement read, in order (for the control-flow graph).
    log: Arc<Vec<Statement>>,
    /// Line breaks read.
    lines: u32,
    /// Bytes read.
    offset: u32,
    /// What the other domains may learn from the reading (see
    /// [`ControlFacts`]).
    control: ControlFacts,
}

impl Default for Sketch {
    fn default() -> Sketch {
        Sketch {
            lexer: PyLexer::default(),
            line: Line {
                at_start: true,
                ..Line::default()
            },
            blocks: Arc::new(vec![Block::module()]),
            reached: Arc::new(Vec::new()),
            log: Arc::new(Vec::new()),
            lines: 0,
            offset: 0,
            control: ControlFacts::default(),
        }
    }
}

fn annotation_allows_none(annotation: &[u8]) -> bool {
    let text = String::from_utf8_lossy(annotation);
    ["None", "Optional", "Any", "NoReturn", "Never", "object"]
        .iter()
        .any(|w| text.contains(w))
}

const NO_RETURN_CALLS: &[&[u8]] = &[b"sys.exit", b"exit", b"quit", b"os._exit", b"os.abort"];

impl Sketch {
    /// Whether the next byte starts code on a new line (the moment
    /// [`decide_at`](Sketch::decide_at) speaks for).
    pub(crate) fn at_line_start(&self) -> bool {
        self.line.at_start && self.lexer.in_code() && self.lexer.depth() == 0
    }

    /// Whether the next byte is inside a string or a comment that only a
    /// quote or a line break can leave.
    pub(crate) fn in_text(&self) -> bool {
        self.lexer.in_text()
    }

    /// Whether a `;` ended a statement and the next code starts another
    /// (a decision point at a column the token does not set).
    pub(crate) fn after_semicolon(&self) -> bool {
        self.line.after_semicolon.is_some() && self.lexer.in_code()
    }

    /// The indentation so far on the current line.
    pub(crate) fn column(&self) -> u16 {
        self.line.column
    }

    /// The name being read in code (after the last `.` of its chain),
    /// empty where none is.
    pub(crate) fn partial_word(&self) -> &[u8] {
        if !self.lexer.in_code() || self.line.chain_done {
            return &[];
        }
        let chain = self.line.chain.get().unwrap_or_default();
        let start = chain.iter().rposition(|&b| b == b'.').map_or(0, |i| i + 1);
        &chain[start..]
    }

    /// The name chain being read (`os.pa` in `x = os.pa`), which a token
    /// of name bytes then `(` would call: empty where none is being read,
    /// `None` where it is too long to know.
    pub(crate) fn partial_chain(&self) -> Option<&[u8]> {
        if !self.lexer.in_code() || self.line.chain_done {
            return Some(&[]);
        }
        self.line.chain.get()
    }

    /// The chain read last, ended or not (a `.` next goes on with it:
    /// `os .system`): empty where none is, `None` where it is too long to
    /// know.
    pub(crate) fn raw_chain(&self) -> Option<&[u8]> {
        if !self.lexer.in_code() {
            return Some(&[]);
        }
        self.line.chain.get()
    }

    /// The name of the innermost function being defined, when known.
    pub(crate) fn function_name(&self) -> Option<&[u8]> {
        self.blocks
            .iter()
            .rev()
            .find(|b| b.header == Kw::Def)?
            .name
            .get()
    }

    /// Whether mid-line rules could fire in this state under `reqs`
    /// (a statement's first word, a call).
    pub(crate) fn mid_line_rules(reqs: &Requirements) -> bool {
        reqs.no_while
            || !reqs.avoid.is_empty()
            || reqs.max_nesting.is_some()
            || reqs.max_loop_nesting.is_some()
            || reqs.no_recursion
            || reqs.max_complexity.is_some()
    }

    /// What code starting at column `col` on a new line would break, with
    /// nothing changed (the mask's question).
    pub(crate) fn decide_at(&self, reqs: &Requirements, col: u16) -> Option<Breach> {
        let blocks = &self.blocks;
        let mut i = blocks.len() - 1;
        let mut current = blocks[i];
        loop {
            let closes = match current.indent {
                Some(indent) => col < indent,
                None => col <= current.header_indent,
            };
            if !closes || i == 0 {
                break;
            }
            if let Some(breach) = closing_breach(reqs, &current) {
                return Some(breach);
            }
            if let Some(breach) = self.unreached(reqs, i) {
                return Some(breach);
            }
            let mut parent = blocks[i - 1];
            close_into(&mut current, &mut parent);
            current = parent;
            i -= 1;
        }
        let at_indent = current.indent.is_none_or(|indent| indent == col);
        if reqs.no_dead_code && current.terminated && at_indent && current.indent.is_some() {
            return Some(Breach::DeadCode);
        }
        None
    }

    /// What a comment line starting at column `col` would break under
    /// `indented_comments`: inside a function, it must not stand left of
    /// the outermost function's body (or, before the body's first
    /// statement, at or left of its `def`).
    pub(crate) fn decide_comment(&self, col: u16) -> Option<Breach> {
        let function = self.blocks.iter().skip(1).find(|b| b.header == Kw::Def)?;
        let left = match function.indent {
            Some(indent) => col < indent,
            None => col <= function.header_indent,
        };
        left.then(|| {
            Breach::DedentedComment(
                String::from_utf8_lossy(function.name.get().unwrap_or(b"...")).into_owned(),
            )
        })
    }

    /// Ends the statement being written and closes every block (the end
    /// of the output): what that breaks.
    pub(crate) fn decide_end(&self, reqs: &Requirements) -> Option<Breach> {
        match self.ended(reqs) {
            Ok(done) => done.decide_at(reqs, 0),
            Err(breach) => Some(breach),
        }
    }

    /// This sketch with the statement being written ended (as the end of
    /// the output ends it).
    pub(crate) fn ended(&self, reqs: &Requirements) -> Result<Sketch, Breach> {
        let pending = !self.line.at_start && self.line.after_semicolon.is_none();
        let mut done = self.clone();
        if pending && self.lexer.in_code() {
            done.end_word(reqs, b'\n')?;
            done.end_statement();
        }
        Ok(done)
    }

    /// Reads `bytes`; the first breach stops it.
    pub(crate) fn feed(&mut self, reqs: &Requirements, bytes: &[u8]) -> Result<(), Breach> {
        for &b in bytes {
            self.byte(reqs, b)?;
        }
        Ok(())
    }

    fn blocks_mut(&mut self) -> &mut Vec<Block> {
        Arc::make_mut(&mut self.blocks)
    }

    /// The index of the function `reach` applies to around the current
    /// statement: the innermost function not nested in another.
    fn reach_scope(&self) -> Option<usize> {
        let mut defs = self
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| b.header == Kw::Def);
        defs.next().map(|(i, _)| i)
    }

    /// What closing the block at `index` breaks for `reach`: a function
    /// that reached not every required name.
    fn unreached(&self, reqs: &Requirements, index: usize) -> Option<Breach> {
        if reqs.reach.is_empty() || self.reach_scope() != Some(index) {
            return None;
        }
        let block = &self.blocks[index];
        let target = reqs.reach.iter().find(|t| {
            !self
                .reached
                .iter()
                .any(|(i, name)| *i == index && name.get() == Some(t.as_bytes()))
        })?;
        Some(Breach::NotReached {
            target: target.to_owned(),
            function: String::from_utf8_lossy(block.name.get().unwrap_or(b"...")).into_owned(),
        })
    }

    /// Code that runs reached `name` (a call, or a keyword statement).
    fn reach(&mut self, reqs: &Requirements, name: Short<NAME>) -> Result<(), Breach> {
        let Some(text) = name.get() else {
            return Ok(());
        };
        let required = reqs.reach.contains(text);
        if !required && !reqs.avoid.contains(text) {
            return Ok(());
        }
        // After a terminator in its block (or an enclosing one), code
        // does not run.
        let dead = self.function_blocks().any(|b| b.terminated);
        if dead {
            return Ok(());
        }
        if reqs.avoid.contains(text) {
            return Err(Breach::Avoided(String::from_utf8_lossy(text).into_owned()));
        }
        if let Some(scope) = self.reach_scope()
            && !self
                .reached
                .iter()
                .any(|(i, n)| *i == scope && n.get() == Some(text))
        {
            Arc::make_mut(&mut self.reached).push((scope, name));
        }
        Ok(())
    }

    fn top(&self) -> &Block {
        self.blocks.last().expect("the module block stays")
    }

    /// What the reading tells other domains (see [`ControlFacts`]).
    pub(crate) fn control(&self) -> &ControlFacts {
        &self.control
    }

    /// The statements read so far (the one being written is not among
    /// them).
    pub(crate) fn statements(&self) -> &[Statement] {
        &self.log
    }

    fn byte(&mut self, reqs: &Requirements, b: u8) -> Result<(), Breach> {
        self.offset = self.offset.saturating_add(1);
        if b == b'\n' {
            self.lines = self.lines.saturating_add(1);
        }
        let was_code = self.lexer.in_code();
        let depth = self.lexer.depth();
        let class = self.lexer.step(b);
        // Inside a string or a comment nothing counts — except the line
        // break that ends a comment (or an unterminated one-line string):
        // it ends the line like any other.
        if !was_code && !matches!(class, Class::LineEnd { .. }) {
            return Ok(());
        }
        match class {
            Class::LineEnd { logical } => {
                self.end_word(reqs, b)?;
                if logical {
                    // (A `;` that ends the line leaves no statement.)
                    if !self.line.at_start && self.line.after_semicolon.is_none() {
                        self.end_statement();
                    }
                    self.line = Line {
                        at_start: true,
                        ..Line::default()
                    };
                }
                Ok(())
            }
            Class::Blank => {
                if self.line.at_start && depth == 0 {
                    self.line.column = match b {
                        b'\t' => (self.line.column / 8 + 1) * 8,
                        b' ' => self.line.column.saturating_add(1),
                        _ => self.line.column,
                    };
                    return Ok(());
                }
                self.end_word(reqs, b)
            }
            Class::Comment if self.line.at_start => {
                if reqs.indented_comments
                    && depth == 0
                    && let Some(breach) = self.decide_comment(self.line.column)
                {
                    return Err(breach);
                }
                Ok(())
            }
            _ => {
                if self.line.at_start {
                    self.start_statement(reqs, self.line.column)?;
                } else if let Some(column) = self.line.after_semicolon.take() {
                    self.start_statement(reqs, column)?;
                }
                if self.line.call_closed && depth == 0 && b != b';' && class != Class::Comment {
                    self.line.no_return_call = false;
                    self.line.call_closed = false;
                }
                match class {
                    Class::Name | Class::Number | Class::Op if is_name_byte(b) => {
                        self.name_byte(b);
                        Ok(())
                    }
                    Class::Name | Class::Number | Class::Op => self.punctuation(reqs, b, depth),
                    _ => {
                        // A string or a comment: a word before it ended.
                        self.end_word(reqs, b)?;
                        self.line.chain.clear();
                        self.line.last = b'"';
                        Ok(())
                    }
                }
            }
        }
    }

    /// The first code byte of a statement, at `col`.
    fn start_statement(&mut self, reqs: &Requirements, col: u16) -> Result<(), Breach> {
        if let Some(breach) = self.decide_at(reqs, col) {
            return Err(breach);
        }
        let blocks = Arc::make_mut(&mut self.blocks);
        while blocks.len() > 1 {
            let top = blocks[blocks.len() - 1];
            let closes = match top.indent {
                Some(indent) => col < indent,
                None => col <= top.header_indent,
            };
            if !closes {
                break;
            }
            let mut child = blocks.pop().expect("more than one block");
            let parent = blocks.last_mut().expect("the module block stays");
            close_into(&mut child, parent);
            if child.returns || child.terminated {
                self.control.add_leaving(child.header_offset);
            }
        }
        let open = blocks.len();
        if self.reached.iter().any(|(i, _)| *i >= open) {
            Arc::make_mut(&mut self.reached).retain(|(i, _)| *i < open);
        }
        let blocks = self.blocks_mut();
        let top = blocks.last_mut().expect("the module block stays");
        if top.indent.is_none() {
            top.indent = Some(col);
        }
        self.line.at_start = false;
        self.line.stmt_column = col;
        self.line.stmt_line = self.lines + 1;
        // This byte is the statement's first.
        self.line.stmt_offset = self.offset.saturating_sub(1);
        Ok(())
    }

    fn name_byte(&mut self, b: u8) {
        let line = &mut self.line;
        if line.chain_done {
            line.chain.clear();
            line.chain_done = false;
        }
        if line.chain.is_empty() {
            // An attribute, or the name a `def` defines, is no call of a
            // function by that name.
            line.chain_excluded = line.last == b'.'
                || (line.first == Kw::Def && line.first_done && line.def_name.is_empty());
            line.chain_at_start = line.code_bytes == 0;
        }
        line.chain.push(b);
        if !line.first_done {
            line.word.push(b);
        } else if line.colon && !line.inline_done {
            line.inline.push(b);
        }
        if line.arrow {
            line.annotation.push(b);
        }
        line.code_bytes = line.code_bytes.saturating_add(1);
        line.last = b;
    }

    /// A word ended at `next`.
    fn end_word(&mut self, reqs: &Requirements, next: u8) -> Result<(), Breach> {
        if !self.line.chain.is_empty() && !self.line.chain_done {
            self.line.chain_done = true;
            if let Some(word) = self.line.chain.get() {
                let decision = matches!(
                    word,
                    b"if" | b"elif" | b"for" | b"while" | b"except" | b"and" | b"or"
                ) || (word == b"case" && !self.line.first_done);
                if decision && let Some(max) = reqs.max_complexity {
                    self.decide(max)?;
                }
                let Some(word) = self.line.chain.get() else {
                    return Ok(());
                };
                if word == b"yield" {
                    self.line.yields = true;
                }
                if self.line.first == Kw::While && self.line.first_done {
                    self.line.cond_words = self.line.cond_words.saturating_add(1);
                    self.line.while_true =
                        self.line.cond_words == 1 && (word == b"True" || word == b"1");
                }
                if self.line.first == Kw::Case && word == b"_" {
                    self.line.wildcard = true;
                }
                if self.line.first == Kw::Def
                    && self.line.first_done
                    && self.line.def_name.is_empty()
                {
                    self.line.def_name = self.line.chain;
                }
            }
        }
        if !self.line.first_done && !self.line.word.is_empty() && !is_name_byte(next) {
            self.line.first_done = true;
            let kw = self.line.word.get().map_or(Kw::Other, Kw::of);
            self.line.first = kw;
            self.first_word(reqs, kw)?;
        }
        if self.line.colon && !self.line.inline_done && !self.line.inline.is_empty() {
            self.line.inline_done = true;
            self.line.inline_first = self.line.inline.get().map_or(Kw::Other, Kw::of);
        }
        Ok(())
    }

    /// One more decision point in the innermost function, within `max`.
    fn decide(&mut self, max: u16) -> Result<(), Breach> {
        let Some(function) = self
            .blocks_mut()
            .iter_mut()
            .rev()
            .find(|b| b.header == Kw::Def)
        else {
            return Ok(());
        };
        function.decisions = function.decisions.saturating_add(1);
        if function.decisions.saturating_add(1) > max {
            let name = function
                .name
                .get()
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .unwrap_or_default();
            return Err(Breach::Complexity(max, name));
        }
        Ok(())
    }

    /// A statement's first word is known.
    fn first_word(&mut self, reqs: &Requirements, kw: Kw) -> Result<(), Breach> {
        if let Some(word) = self.line.word.get()
            && is_keyword(word)
        {
            let mut name = Short::default();
            word.iter().for_each(|&b| name.push(b));
            self.reach(reqs, name)?;
        }
        // A statement that does not continue the pending chain ends it.
        let top = self.top();
        if let Some(chain) = top.chain
            && !chain.continued_by(kw)
        {
            self.blocks_mut()
                .last_mut()
                .expect("the module block stays")
                .end_chain();
        }
        if self.unreachable() {
            self.control.add_unreachable(self.line.stmt_offset);
        }
        if reqs.no_while && kw == Kw::While {
            return Err(Breach::While);
        }
        if kw.nests() {
            let (depth, loops) = self.nesting();
            if let Some(max) = reqs.max_nesting
                && depth + 1 > usize::from(max)
                && kw != Kw::Def
            {
                return Err(Breach::Nesting(max));
            }
            if let Some(max) = reqs.max_loop_nesting
                && kw.is_loop()
                && loops + 1 > usize::from(max)
            {
                return Err(Breach::LoopNesting(max));
            }
        }
        Ok(())
    }

    /// Whether the statement whose first word was just read is reached by
    /// no path: a block it stands in, up to its function's body, already
    /// cannot fall through (its pending chain settled by that word).
    fn unreachable(&self) -> bool {
        self.function_blocks().any(|b| b.returns || b.terminated)
    }

    /// The open blocks from the innermost out to the innermost function's
    /// body, included (all of them outside any function).
    fn function_blocks(&self) -> impl Iterator<Item = &Block> + '_ {
        let body = self
            .blocks
            .iter()
            .rposition(|b| b.header == Kw::Def)
            .unwrap_or(0);
        self.blocks[body..].iter().rev()
    }

    /// Open blocks (and loops) inside the innermost function.
    fn nesting(&self) -> (usize, usize) {
        let inside = || {
            self.blocks[1..]
                .iter()
                .rev()
                .take_while(|b| b.header != Kw::Def)
        };
        (
            inside().count(),
            inside().filter(|b| b.header.is_loop()).count(),
        )
    }

    fn punctuation(&mut self, reqs: &Requirements, b: u8, depth: u32) -> Result<(), Breach> {
        self.end_word(reqs, b)?;
        let line = &mut self.line;
        match b {
            b'.' if !line.chain.is_empty() => {
                line.chain.push(b);
                line.chain_done = false;
                line.last = b;
                return Ok(());
            }
            b'(' => {
                if !line.chain_excluded && !line.chain.is_empty() {
                    let chain = line.chain;
                    self.reach(reqs, chain)?;
                }
                let line = &mut self.line;
                if let Some(chain) = line.chain.get().filter(|_| !line.chain_excluded) {
                    if line.chain_at_start && NO_RETURN_CALLS.contains(&chain) {
                        line.no_return_call = true;
                    }
                    if reqs.no_recursion
                        && let Some(function) =
                            self.blocks.iter().rev().find(|b| b.header == Kw::Def)
                        && function.name.get() == Some(chain)
                    {
                        return Err(Breach::Recursion(
                            String::from_utf8_lossy(chain).into_owned(),
                        ));
                    }
                }
            }
            b')' if depth == 1 && line.no_return_call => line.call_closed = true,
            b'>' if line.last == b'-' && depth == 0 && line.first == Kw::Def => line.arrow = true,
            b':' if depth == 0 && line.first != Kw::Other && !line.colon => {
                line.colon = true;
                line.arrow = false;
            }
            b';' if depth == 0 => {
                // The statement ends here; another may follow on the line.
                let column = line.stmt_column;
                self.end_statement();
                self.line = Line {
                    stmt_column: column,
                    after_semicolon: Some(column),
                    last: b';',
                    ..Line::default()
                };
                return Ok(());
            }
            _ => {}
        }
        let line = &mut self.line;
        if line.first == Kw::While && b != b':' {
            line.while_true = false;
        }
        if line.arrow && !matches!(b, b'>' | b'-') {
            line.annotation.push(b);
        }
        line.code_bytes = line.code_bytes.saturating_add(1);
        line.chain.clear();
        line.chain_done = false;
        line.last = b;
        Ok(())
    }

    /// A statement ended (its logical line, or a `;`).
    fn end_statement(&mut self) {
        let line = self.line;
        let col = line.stmt_column;
        let compound = line.first.nests()
            || matches!(
                line.first,
                Kw::Elif | Kw::Else | Kw::Except | Kw::Finally | Kw::Case
            );
        let inline = (compound && line.colon)
            .then_some(line.inline_first)
            .filter(|_| line.inline_first != Kw::Other || !line.inline.is_empty());
        let statement = Statement {
            kw: line.first,
            column: col,
            line: line.stmt_line,
            opens: compound && line.colon && inline.is_none(),
            inline,
            while_true: line.while_true,
            wildcard: line.wildcard,
            no_return_call: line.no_return_call,
            yields: line.yields,
            name: line.def_name,
        };
        Arc::make_mut(&mut self.log).push(statement);
        let blocks = self.blocks_mut();
        if line.yields
            && let Some(function) = blocks.iter_mut().rev().find(|b| b.header == Kw::Def)
        {
            function.generator = true;
        }
        let kw = line.first;
        let top_index = blocks.len() - 1;
        match kw {
            Kw::Return | Kw::Raise => {
                let top = &mut blocks[top_index];
                top.returns = true;
                top.terminated = true;
                // A `while True` is left by it (up to the function).
                for b in blocks.iter_mut().rev() {
                    if b.header == Kw::Def {
                        break;
                    }
                    b.exits = true;
                }
            }
            Kw::Break | Kw::Continue => {
                blocks[top_index].terminated = true;
                if kw == Kw::Break
                    && let Some(target) = blocks.iter_mut().rev().find(|b| b.header.is_loop())
                {
                    target.has_break = true;
                }
            }
            _ if line.no_return_call => blocks[top_index].returns = true,
            _ => {}
        }
        let compound = kw.nests()
            || matches!(
                kw,
                Kw::Elif | Kw::Else | Kw::Except | Kw::Finally | Kw::Case
            );
        if !(compound && line.colon) {
            return;
        }
        if line.inline_first != Kw::Other || !line.inline.is_empty() {
            // A one-line body: folded at once.
            let returns = matches!(line.inline_first, Kw::Return | Kw::Raise);
            blocks[top_index].fold(kw, returns, line.wildcard);
            return;
        }
        let mut block = Block::new(kw, col);
        block.header_offset = line.stmt_offset;
        block.while_true = line.while_true;
        block.wildcard = line.wildcard;
        if kw == Kw::Def {
            block.name = line.def_name;
            let annotated = line.annotation.get().is_some_and(|a| !a.is_empty());
            block.must_return =
                annotated && !line.annotation.get().is_some_and(annotation_allows_none);
        }
        blocks.push(block);
    }
}

/// What closing `block` breaks.
fn closing_breach(reqs: &Requirements, block: &Block) -> Option<Breach> {
    let mut closed = *block;
    closed.end_chain();
    if block.header == Kw::Def
        && !block.generator
        && (block.must_return && reqs.returns_if_typed || reqs.must_return)
        && !closed.returns
    {
        let name = block
            .name
            .get()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        return Some(Breach::MissingReturn(name));
    }
    if reqs.terminating_loops && block.while_true && !block.has_break && !block.exits {
        return Some(Breach::EndlessLoop);
    }
    None
}

/// Closes `child` into `parent`.
fn close_into(child: &mut Block, parent: &mut Block) {
    child.end_chain();
    let returns = match child.header {
        Kw::Def | Kw::Class => false,
        Kw::While if child.while_true => !child.has_break,
        _ => child.returns,
    };
    if child.exits && child.header != Kw::Def {
        parent.exits = true;
    }
    match child.header {
        Kw::Def | Kw::Class => parent.end_chain(),
        Kw::While if child.while_true => {
            parent.end_chain();
            parent.returns |= returns;
        }
        Kw::For | Kw::While => parent.end_chain(),
        kw => parent.fold(kw, returns, child.wildcard),
    }
}
