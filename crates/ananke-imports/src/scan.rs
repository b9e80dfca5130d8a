//! [`Lexer`]: a byte-at-a-time reader of Python that reports the moments
//! code commits to a module name.
//!
//! The imports domain must reject a token exactly when the text stops
//! being able to avoid a forbidden module: `import o` may still become
//! `import osmosis`, but `import os` followed by a blank, a comma, a line
//! end or a dot has committed to `os`. The lexer therefore reports a name
//! when the byte that ends it arrives ([`Event`]), and the domain checks
//! each report against its policy.
//!
//! The lexer is `Copy` and holds its names in fixed buffers, so the mask
//! can try a token from the current state by copying ~300 bytes — nothing
//! is allocated per token.

/// The longest name the lexer follows. A longer word is remembered as
/// "too long" and never matches a module name (module names in policies
/// are far shorter; [`crate::ModuleName`] caps them at this length).
pub(crate) const MAX_NAME: usize = 120;

/// A name in a fixed buffer.
#[derive(Clone, Copy)]
pub(crate) struct Buf {
    bytes: [u8; MAX_NAME],
    len: u8,
    overflow: bool,
}

impl Default for Buf {
    fn default() -> Buf {
        Buf {
            bytes: [0; MAX_NAME],
            len: 0,
            overflow: false,
        }
    }
}

impl Buf {
    pub(crate) fn push(&mut self, byte: u8) {
        if (self.len as usize) < MAX_NAME {
            self.bytes[self.len as usize] = byte;
            self.len += 1;
        } else {
            self.overflow = true;
        }
    }

    pub(crate) fn push_str(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.push(b);
        }
    }

    fn clear(&mut self) {
        self.len = 0;
        self.overflow = false;
    }

    fn is_empty(&self) -> bool {
        self.len == 0 && !self.overflow
    }

    /// The name, or `None` when it overflowed or is not UTF-8.
    pub(crate) fn as_str(&self) -> Option<&str> {
        if self.overflow {
            return None;
        }
        std::str::from_utf8(&self.bytes[..self.len as usize]).ok()
    }

    fn eq_bytes(&self, other: &[u8]) -> bool {
        !self.overflow && &self.bytes[..self.len as usize] == other
    }
}

/// How a module name was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Via {
    /// `import a.b` (a dotted prefix is reported when its dot arrives).
    Import,
    /// `from a.b import ...`: the module.
    From,
    /// `from a import b`: `a.b`, which may be a submodule.
    FromName,
    /// `__import__("a")` or `importlib.import_module("a")`.
    Dynamic,
    /// `a.attr` where `a` is a plain name: a qualified use.
    Use,
}

/// Something the text has just committed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event<'a> {
    /// The text names module `name`. `complete` is false for a dotted
    /// prefix (`os` when `os.` is read): importing `os.path` loads `os`
    /// too, so a prefix is judged, but only complete names count as
    /// imported.
    Module {
        name: &'a str,
        via: Via,
        complete: bool,
    },
    /// `name` is bound here (an import alias, an assignment target, a
    /// `def`, a parameter, ...): a later `name.attr` is not a module use.
    Bind(&'a str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Mode {
    #[default]
    Code,
    Comment,
    /// Inside a string literal.
    Str {
        quote: u8,
        triple: bool,
        /// Closing quotes seen so far (for triple quotes).
        closing: u8,
        escape: bool,
        /// The literal is the argument of a dynamic import.
        dynamic: bool,
    },
    /// A quote was read in code; how many of it (1 or 2) so far, to tell
    /// `''`, `'x'` and `'''` apart.
    Quotes {
        quote: u8,
        count: u8,
        dynamic: bool,
    },
}

/// What kind of statement the current logical line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Stmt {
    /// Nothing but blanks yet.
    #[default]
    Start,
    Other,
    Import(ImportPhase),
    From(FromPhase),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ImportPhase {
    /// Reading a dotted module name.
    Module,
    /// After a module name: `as` or `,` may come.
    AfterModule,
    /// After `as`: the alias.
    Alias,
    /// After the alias.
    AfterAlias,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FromPhase {
    /// Reading the module (`relative` when it starts with a dot).
    Module { relative: bool },
    /// After the module: `import` must come.
    AfterModule { relative: bool },
    /// Reading imported names.
    Names { relative: bool },
    /// After `as`.
    Alias { relative: bool },
}

/// Progress towards a dynamic import call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Dynamic {
    #[default]
    None,
    /// `__import__` or `import_module` was read.
    Callee,
    /// ... and its `(`.
    Open,
}

/// The lexer state (see the module docs).
#[derive(Clone, Copy, Default)]
pub(crate) struct Lexer {
    mode: Mode,
    depth: u32,
    stmt: Stmt,
    /// The identifier being read.
    word: Buf,
    /// The last significant code byte before `word` (to tell `x.os` from
    /// `os`).
    before_word: u8,
    /// The last significant code byte.
    last: u8,
    /// The dotted module name being read in an import statement, or the
    /// module of a `from` statement.
    module: Buf,
    /// The literal of a dynamic import.
    literal: Buf,
    /// The literal gave up (an escape, a non-name character).
    literal_plain: bool,
    dynamic: Dynamic,
    /// A name that is bound if `=` follows (or `:`, when
    /// `colon_binds`).
    pending_bind: Buf,
    /// The pending name is a statement's first word or inside brackets
    /// (an annotated name or parameter), where `:` binds it too.
    colon_binds: bool,
    /// Words read in this statement.
    words: u16,
    /// The previous word was `def`, `class`, `for`, `as`, ...: this word
    /// is bound.
    binds_next: bool,
    /// A backslash ended the last code byte (line continuation).
    backslash: bool,
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

const BINDERS: &[&[u8]] = &[
    b"def",
    b"class",
    b"for",
    b"as",
    b"global",
    b"nonlocal",
    b"lambda",
];

fn is_string_prefix(word: &Buf) -> bool {
    if word.overflow || word.len == 0 || word.len > 2 {
        return false;
    }
    let w = &word.bytes[..word.len as usize];
    w.iter().all(|b| b"rRbBuUfFtT".contains(b))
}

fn is_fstring_prefix(word: &Buf) -> bool {
    word.bytes[..word.len as usize]
        .iter()
        .any(|b| b"fFtT".contains(b))
}

impl Lexer {
    /// The module name being read in an import statement or a dynamic
    /// import's literal, as it would be reported if it ended here
    /// (`os.pa` in `import os.pa`, `os.` in `from os import `); `None`
    /// where no module name is being read.
    pub(crate) fn pending_module(&self) -> Option<Buf> {
        match self.mode {
            Mode::Str { dynamic: true, .. } if self.literal_plain => Some(self.literal),
            Mode::Quotes {
                dynamic: true,
                count: 1,
                ..
            } => Some(Buf::default()),
            Mode::Code => {
                let mut name = self.module;
                match self.stmt {
                    Stmt::Import(ImportPhase::Module)
                    | Stmt::From(FromPhase::Module { relative: false }) => {}
                    Stmt::From(FromPhase::Names { relative: false }) => name.push(b'.'),
                    _ => return None,
                }
                name.push_str(&self.word.bytes[..self.word.len as usize]);
                name.overflow |= self.word.overflow;
                Some(name)
            }
            _ => None,
        }
    }

    /// The identifier being read in code that could be a plain name (not
    /// an attribute), if any.
    pub(crate) fn trailing_name(&self) -> Option<&str> {
        if self.mode != Mode::Code || self.word.is_empty() || self.before_word == b'.' {
            return None;
        }
        self.word.as_str()
    }

    /// Feeds `bytes`, calling `on` for each event; stops early (returning
    /// the error) when `on` fails.
    pub(crate) fn feed<E>(
        &mut self,
        bytes: &[u8],
        on: &mut impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        for &b in bytes {
            self.byte(b, on)?;
        }
        Ok(())
    }

    fn byte<E>(&mut self, b: u8, on: &mut impl FnMut(Event<'_>) -> Result<(), E>) -> Result<(), E> {
        match self.mode {
            Mode::Comment => {
                if b == b'\n' {
                    self.mode = Mode::Code;
                    return self.code(b, on);
                }
                Ok(())
            }
            Mode::Quotes {
                quote,
                count,
                dynamic,
            } => {
                if b == quote {
                    if count == 2 {
                        self.mode = Mode::Str {
                            quote,
                            triple: true,
                            closing: 0,
                            escape: false,
                            dynamic: false,
                        };
                    } else {
                        self.mode = Mode::Quotes {
                            quote,
                            count: 2,
                            dynamic,
                        };
                    }
                    return Ok(());
                }
                if count == 2 {
                    // `''`: an empty string, then this byte in code.
                    self.mode = Mode::Code;
                    self.end_literal(dynamic, on)?;
                    return self.code(b, on);
                }
                self.mode = Mode::Str {
                    quote,
                    triple: false,
                    closing: 0,
                    escape: false,
                    dynamic,
                };
                self.string(b, on)
            }
            Mode::Str { .. } => self.string(b, on),
            Mode::Code => self.code(b, on),
        }
    }

    fn string<E>(
        &mut self,
        b: u8,
        on: &mut impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let Mode::Str {
            quote,
            triple,
            closing,
            escape,
            dynamic,
        } = self.mode
        else {
            return Ok(());
        };
        if escape {
            self.mode = Mode::Str {
                quote,
                triple,
                closing: 0,
                escape: false,
                dynamic,
            };
            return Ok(());
        }
        if b == quote {
            let closing = closing + 1;
            if !triple || closing == 3 {
                self.mode = Mode::Code;
                self.last = quote;
                return self.end_literal(dynamic, on);
            }
            self.mode = Mode::Str {
                quote,
                triple,
                closing,
                escape: false,
                dynamic,
            };
            return Ok(());
        }
        self.mode = Mode::Str {
            quote,
            triple,
            closing: 0,
            escape: b == b'\\',
            dynamic,
        };
        if b == b'\n' && !triple {
            // An unterminated single-quoted string: the line ends it.
            self.mode = Mode::Code;
            return self.code(b, on);
        }
        if dynamic && self.literal_plain {
            if b == b'.' {
                if let Some(name) = self.literal.as_str() {
                    on(Event::Module {
                        name,
                        via: Via::Dynamic,
                        complete: false,
                    })?;
                }
                self.literal.push(b);
            } else if is_name_byte(b) {
                self.literal.push(b);
            } else {
                self.literal_plain = false;
            }
        }
        Ok(())
    }

    fn end_literal<E>(
        &mut self,
        dynamic: bool,
        on: &mut impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if dynamic && self.literal_plain {
            self.literal_plain = false;
            if let Some(name) = self.literal.as_str()
                && !name.is_empty()
            {
                return on(Event::Module {
                    name,
                    via: Via::Dynamic,
                    complete: true,
                });
            }
        }
        Ok(())
    }

    fn code<E>(&mut self, b: u8, on: &mut impl FnMut(Event<'_>) -> Result<(), E>) -> Result<(), E> {
        if is_name_byte(b) {
            if self.word.is_empty() {
                self.before_word = self.last;
            }
            self.word.push(b);
            return Ok(());
        }
        if !self.word.is_empty() {
            if matches!(b, b'\'' | b'"') && is_string_prefix(&self.word) {
                let fstring = is_fstring_prefix(&self.word);
                self.word.clear();
                return self.open_quote(b, !fstring);
            }
            self.end_word(b, on)?;
        }
        if b == b' ' || b == b'\t' || b == b'\x0c' || b == b'\r' {
            return Ok(());
        }
        let continued = std::mem::take(&mut self.backslash);
        match b {
            b'\n' => {
                if self.depth == 0 && !continued {
                    self.end_statement();
                }
                return Ok(());
            }
            b'\\' => {
                self.backslash = true;
                return Ok(());
            }
            b'#' => {
                self.mode = Mode::Comment;
                return Ok(());
            }
            b'\'' | b'"' => return self.open_quote(b, true),
            _ => {}
        }
        if !self.pending_bind.is_empty() {
            if (b == b'=' || (b == b':' && self.colon_binds))
                && let Some(name) = self.pending_bind.as_str()
            {
                on(Event::Bind(name))?;
            }
            self.pending_bind.clear();
        }
        match b {
            b'(' | b'[' | b'{' => {
                self.depth += 1;
                if b == b'(' && self.dynamic == Dynamic::Callee {
                    self.dynamic = Dynamic::Open;
                } else {
                    self.dynamic = Dynamic::None;
                }
            }
            b')' | b']' | b'}' => {
                self.depth = self.depth.saturating_sub(1);
                self.dynamic = Dynamic::None;
            }
            b';' if self.depth == 0 => {
                self.end_statement();
                return Ok(());
            }
            b',' => {
                self.dynamic = Dynamic::None;
                match self.stmt {
                    Stmt::Import(_) => {
                        self.stmt = Stmt::Import(ImportPhase::Module);
                        self.module.clear();
                    }
                    Stmt::From(FromPhase::Alias { relative }) => {
                        self.stmt = Stmt::From(FromPhase::Names { relative });
                    }
                    _ => {}
                }
            }
            b'.' => {
                self.dynamic = Dynamic::None;
                match self.stmt {
                    Stmt::From(FromPhase::Module { .. }) if self.module.is_empty() => {
                        self.stmt = Stmt::From(FromPhase::Module { relative: true });
                    }
                    Stmt::Import(ImportPhase::Module) | Stmt::From(FromPhase::Module { .. }) => {
                        self.module.push(b'.');
                    }
                    _ => {}
                }
            }
            _ => self.dynamic = Dynamic::None,
        }
        if self.stmt == Stmt::Start {
            self.stmt = Stmt::Other;
        }
        self.last = b;
        Ok(())
    }

    fn open_quote<E>(&mut self, quote: u8, plain: bool) -> Result<(), E> {
        let dynamic = self.dynamic == Dynamic::Open;
        self.dynamic = Dynamic::None;
        self.pending_bind.clear();
        if self.stmt == Stmt::Start {
            self.stmt = Stmt::Other;
        }
        if dynamic {
            self.literal.clear();
            self.literal_plain = plain;
        }
        self.mode = Mode::Quotes {
            quote,
            count: 1,
            dynamic,
        };
        Ok(())
    }

    fn end_statement(&mut self) {
        self.stmt = Stmt::Start;
        self.words = 0;
        self.module.clear();
        self.dynamic = Dynamic::None;
        self.pending_bind.clear();
        self.binds_next = false;
        self.last = b'\n';
    }

    /// A word ends at byte `next` (not a name byte).
    fn end_word<E>(
        &mut self,
        next: u8,
        on: &mut impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let word = self.word;
        self.word.clear();
        let is = |w: &[u8]| word.eq_bytes(w);
        let keyword = crate::names::KEYWORDS.iter().any(|k| is(k.as_bytes()));
        self.last = b'a';
        self.words = self.words.saturating_add(1);
        if std::mem::take(&mut self.binds_next)
            && !keyword
            && let Some(name) = word.as_str()
        {
            on(Event::Bind(name))?;
        }
        self.binds_next = BINDERS.iter().any(|k| is(k));
        self.dynamic = if is(b"__import__") || is(b"import_module") {
            Dynamic::Callee
        } else {
            Dynamic::None
        };
        match self.stmt {
            Stmt::Start => {
                self.stmt = if is(b"import") {
                    Stmt::Import(ImportPhase::Module)
                } else if is(b"from") {
                    Stmt::From(FromPhase::Module { relative: false })
                } else {
                    Stmt::Other
                };
                if matches!(self.stmt, Stmt::Other) {
                    self.word_in_expression(&word, keyword, next, on)?;
                }
                Ok(())
            }
            Stmt::Other => self.word_in_expression(&word, keyword, next, on),
            Stmt::Import(phase) => self.word_in_import(phase, &word, next, on),
            Stmt::From(phase) => self.word_in_from(phase, &word, next, on),
        }
    }

    fn word_in_expression<E>(
        &mut self,
        word: &Buf,
        keyword: bool,
        next: u8,
        on: &mut impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if keyword {
            return Ok(());
        }
        if next == b'.'
            && self.before_word != b'.'
            && let Some(name) = word.as_str()
        {
            on(Event::Module {
                name,
                via: Via::Use,
                complete: true,
            })?;
        }
        self.pending_bind = *word;
        self.colon_binds = self.words == 1 || self.depth > 0;
        Ok(())
    }

    fn word_in_import<E>(
        &mut self,
        phase: ImportPhase,
        word: &Buf,
        next: u8,
        on: &mut impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        match phase {
            ImportPhase::Module => {
                self.module.push_str(&word.bytes[..word.len as usize]);
                if word.overflow {
                    self.module.overflow = true;
                }
                let complete = next != b'.';
                if let Some(name) = self.module.as_str() {
                    on(Event::Module {
                        name,
                        via: Via::Import,
                        complete,
                    })?;
                }
                if complete {
                    // `import a.b` binds `a` (and `import a.b as c`, `c`).
                    if let Some(top) = self.module.as_str() {
                        on(Event::Bind(top.split('.').next().unwrap_or(top)))?;
                    }
                    self.stmt = Stmt::Import(ImportPhase::AfterModule);
                }
            }
            ImportPhase::AfterModule => {
                if word.eq_bytes(b"as") {
                    self.stmt = Stmt::Import(ImportPhase::Alias);
                    self.binds_next = false;
                }
            }
            ImportPhase::Alias => {
                if let Some(name) = word.as_str() {
                    on(Event::Bind(name))?;
                }
                self.stmt = Stmt::Import(ImportPhase::AfterAlias);
            }
            ImportPhase::AfterAlias => {}
        }
        Ok(())
    }

    fn word_in_from<E>(
        &mut self,
        phase: FromPhase,
        word: &Buf,
        next: u8,
        on: &mut impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        match phase {
            FromPhase::Module { relative } if word.eq_bytes(b"import") => {
                self.stmt = Stmt::From(FromPhase::Names { relative });
            }
            FromPhase::Module { relative } => {
                self.module.push_str(&word.bytes[..word.len as usize]);
                if word.overflow {
                    self.module.overflow = true;
                }
                let complete = next != b'.';
                if !relative && let Some(name) = self.module.as_str() {
                    on(Event::Module {
                        name,
                        via: Via::From,
                        complete,
                    })?;
                }
                if complete {
                    self.stmt = Stmt::From(FromPhase::AfterModule { relative });
                }
            }
            FromPhase::AfterModule { relative } => {
                if word.eq_bytes(b"import") {
                    self.stmt = Stmt::From(FromPhase::Names { relative });
                }
            }
            FromPhase::Names { relative } if word.eq_bytes(b"as") => {
                self.stmt = Stmt::From(FromPhase::Alias { relative });
                self.binds_next = false;
            }
            FromPhase::Names { relative } => {
                if !relative && let Some(module) = self.module.as_str() {
                    let mut full = Buf::default();
                    full.push_str(module.as_bytes());
                    full.push(b'.');
                    full.push_str(&word.bytes[..word.len as usize]);
                    if let Some(name) = full.as_str() {
                        on(Event::Module {
                            name,
                            via: Via::FromName,
                            complete: true,
                        })?;
                    }
                }
                if let Some(name) = word.as_str() {
                    on(Event::Bind(name))?;
                }
            }
            FromPhase::Alias { relative } => {
                if let Some(name) = word.as_str() {
                    on(Event::Bind(name))?;
                }
                self.stmt = Stmt::From(FromPhase::Names { relative });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut lexer = Lexer::default();
        lexer
            .feed::<()>(text.as_bytes(), &mut |e| {
                out.push(match e {
                    Event::Module {
                        name,
                        via,
                        complete,
                    } => format!("{via:?}:{name}{}", if complete { "" } else { "…" }),
                    Event::Bind(name) => format!("bind:{name}"),
                });
                Ok(())
            })
            .unwrap();
        out
    }

    #[test]
    fn import_statements_report_names_when_they_end() {
        assert_eq!(
            events("import os.path as p, sys\n"),
            [
                "Import:os…",
                "Import:os.path",
                "bind:os",
                "bind:p",
                "Import:sys",
                "bind:sys"
            ]
        );
        assert_eq!(
            events("from collections import Counter as C, deque\n"),
            [
                "From:collections",
                "FromName:collections.Counter",
                "bind:Counter",
                "bind:C",
                "FromName:collections.deque",
                "bind:deque"
            ]
        );
        assert_eq!(events("from . import x\n"), ["bind:x"]);
        assert!(
            events("import o").is_empty(),
            "an unfinished name commits to nothing"
        );
    }

    #[test]
    fn uses_dynamic_imports_and_strings() {
        assert_eq!(events("y = math.sqrt(x)\n"), ["bind:y", "Use:math"]);
        assert_eq!(events("a.math.b\n"), ["Use:a"]);
        assert_eq!(
            events("m = __import__(\"os.path\")\n"),
            ["bind:m", "Dynamic:os…", "Dynamic:os.path"]
        );
        assert_eq!(
            events("importlib.import_module('re')\n"),
            ["Use:importlib", "Dynamic:re"]
        );
        assert!(events("s = 'import os'  # import sys\n").len() == 1);
        assert!(events("'''\nimport os\n'''\n").is_empty());
        assert_eq!(events("x = f'{os.sep}'\n"), ["bind:x"]);
    }

    #[test]
    fn bindings() {
        assert_eq!(
            events("def f(os: int, n=1) -> None:\n"),
            ["bind:f", "bind:os", "bind:n"]
        );
        assert_eq!(events("for re in xs:\n"), ["bind:re"]);
    }
}
