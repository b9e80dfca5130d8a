//! [`Scanner`]: a byte-at-a-time reader of Python that reports the moments
//! code commits to a module name.
//!
//! The imports domain must reject a token exactly when the text stops
//! being able to avoid a forbidden module: `import o` may still become
//! `import osmosis`, but `import os` followed by a blank, a comma, a line
//! end or a dot has committed to `os`. The scanner therefore reports a name
//! when the byte that ends it arrives ([`Event`]), and the domain checks
//! each report against its policy.
//!
//! What each byte is (a name, a number, an operator, a string, a comment,
//! a line end) comes from the [`PyLexer`] the scanner carries, the one
//! reader of Python every domain shares; the scanner adds only what
//! imports need: the statement being read (`import`, `from`, other), the
//! names just read, and the literal of a dynamic import. Code in an
//! f-string's replacement fields is code here too (`f"{os.sep}"` uses
//! `os`).
//!
//! The scanner is `Copy` and holds its names in fixed buffers, so the mask
//! can try a token from the current state by copying it (under 512 bytes)
//! — nothing is allocated per token.
//!
//! Known gaps, each of which can only let a module through, never reject
//! code that avoids one: an import after a compound header's colon on the
//! same line (`if x: import os`) is not read as an import; `os .path` (a
//! blank before the dot) is not a use; and bindings are over-approximated
//! (any name followed by `=`, a statement's first name or a name in
//! brackets followed by `:`, and the name after `def`, `class`, `for`,
//! `as`, `global`, `nonlocal` or `lambda`), so a use of such a name is not
//! taken for a module.

use ananke_pylex::{Class, PyLexer, Short, is_keyword, is_name_byte, is_string_prefix};

/// The longest name the scanner follows. A longer word is remembered as
/// "too long" and never matches a module name (module names in policies
/// are far shorter, and are capped at this length when parsed).
pub(crate) const MAX_NAME: usize = 120;

/// A name in a fixed buffer.
pub(crate) type Name = Short<MAX_NAME>;

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

/// The words after which a name is bound (`def f`, `for x`, `as y`, ...).
const BINDERS: &[&[u8]] = &[
    b"def",
    b"class",
    b"for",
    b"as",
    b"global",
    b"nonlocal",
    b"lambda",
];

/// Marks the last significant byte as the end of a string (only a `.`
/// there matters: it makes the next name an attribute).
const STRING_END: u8 = b'"';

/// The scanner state (see the module docs).
#[derive(Clone, Copy, Default)]
pub(crate) struct Scanner {
    /// What each byte is.
    py: PyLexer,
    stmt: Stmt,
    /// The name being read: an identifier in code, or, while `literal`
    /// is set, the text of a dynamic import's string literal.
    word: Name,
    /// The closing quote of the dynamic import's literal being read, while
    /// it still reads as a plain module name (no prefix that makes it an
    /// f-string, no escape, no byte that is not a name byte or a dot).
    literal: Option<u8>,
    /// The last significant code byte before `word` (to tell `x.os` from
    /// `os`).
    before_word: u8,
    /// The last significant code byte.
    last: u8,
    /// The dotted module name being read in an import statement, or the
    /// module of a `from` statement.
    module: Name,
    dynamic: Dynamic,
    /// A name that is bound if `=` follows (or `:`, when
    /// `colon_binds`).
    pending_bind: Name,
    /// The pending name is a statement's first word or inside brackets
    /// (an annotated name or parameter), where `:` binds it too.
    colon_binds: bool,
    /// This statement has read a name or a number already: a name read
    /// now is not its first word.
    has_words: bool,
    /// The previous word was `def`, `class`, `for`, `as`, ...: this word
    /// is bound.
    binds_next: bool,
}

impl Scanner {
    /// The module name being read in an import statement or a dynamic
    /// import's literal, as it would be reported if it ended here
    /// (`os.pa` in `import os.pa`, `os.` in `from os import `); `None`
    /// where no module name is being read.
    pub(crate) fn pending_module(&self) -> Option<Name> {
        if self.literal.is_some() {
            return Some(self.word);
        }
        if !(self.py.in_code() || self.py.in_field()) {
            return None;
        }
        let mut name = self.module;
        match self.stmt {
            Stmt::Import(ImportPhase::Module)
            | Stmt::From(FromPhase::Module { relative: false }) => {}
            Stmt::From(FromPhase::Names { relative: false }) => name.push(b'.'),
            _ => return None,
        }
        name.push_short(&self.word);
        Some(name)
    }

    /// The identifier being read in code that could be a plain name (not
    /// an attribute), if any.
    pub(crate) fn trailing_name(&self) -> Option<&str> {
        if self.literal.is_some() || self.word.is_empty() || self.before_word == b'.' {
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
        let class = self.py.step(b);
        if let Some(quote) = self.literal {
            if class == Class::String {
                return self.literal_byte(quote, b, on);
            }
            // A one-line string that its line ended: no module name.
            self.literal = None;
            self.word.clear();
        }
        if class == Class::Name {
            if self.word.is_empty() {
                self.before_word = self.last;
            }
            self.word.push(b);
            return Ok(());
        }
        if !self.word.is_empty() {
            if class == Class::StringStart
                && let Some(prefix) = self.word.get()
                && is_string_prefix(prefix)
            {
                let fstring = prefix.iter().any(|c| c.eq_ignore_ascii_case(&b'f'));
                self.word.clear();
                return self.open_quote(b, !fstring);
            }
            self.end_word(b, on)?;
        }
        match class {
            Class::Name | Class::Blank | Class::Comment => Ok(()),
            Class::LineEnd { logical } => {
                if logical {
                    self.end_statement();
                }
                Ok(())
            }
            Class::StringStart => self.open_quote(b, true),
            Class::String => {
                // String text, or the braces and format specification of
                // an f-string's replacement field.
                self.dynamic = Dynamic::None;
                self.pending_bind.clear();
                self.last = STRING_END;
                Ok(())
            }
            Class::Number => {
                // A number is a word that binds nothing: `lambda: 3 + x`
                // binds no `x`.
                self.has_words = true;
                self.binds_next = false;
                self.code(b, class, on)
            }
            Class::Op => self.code(b, class, on),
        }
    }

    /// A byte of a dynamic import's literal (which is plain so far).
    fn literal_byte<E>(
        &mut self,
        quote: u8,
        b: u8,
        on: &mut impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if b == quote {
            // The closing quote (an escaped one gave up before).
            self.literal = None;
            self.last = STRING_END;
            let name = self.word;
            self.word.clear();
            if let Some(name) = name.as_str()
                && !name.is_empty()
            {
                return on(Event::Module {
                    name,
                    via: Via::Dynamic,
                    complete: true,
                });
            }
            return Ok(());
        }
        if b == b'.' {
            if let Some(name) = self.word.as_str() {
                on(Event::Module {
                    name,
                    via: Via::Dynamic,
                    complete: false,
                })?;
            }
            self.word.push(b);
        } else if is_name_byte(b) {
            self.word.push(b);
        } else {
            self.literal = None;
            self.word.clear();
        }
        Ok(())
    }

    /// A number or operator byte.
    fn code<E>(
        &mut self,
        b: u8,
        class: Class,
        on: &mut impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        if !self.pending_bind.is_empty() {
            if class == Class::Op
                && (b == b'=' || (b == b':' && self.colon_binds))
                && let Some(name) = self.pending_bind.as_str()
            {
                on(Event::Bind(name))?;
            }
            self.pending_bind.clear();
        }
        let dynamic = std::mem::take(&mut self.dynamic);
        if class == Class::Op {
            match b {
                b'(' if dynamic == Dynamic::Callee => self.dynamic = Dynamic::Open,
                b';' if self.py.depth() == 0 => {
                    self.end_statement();
                    return Ok(());
                }
                b',' => match self.stmt {
                    Stmt::Import(_) => {
                        self.stmt = Stmt::Import(ImportPhase::Module);
                        self.module.clear();
                    }
                    Stmt::From(FromPhase::Alias { relative }) => {
                        self.stmt = Stmt::From(FromPhase::Names { relative });
                    }
                    _ => {}
                },
                b'.' => match self.stmt {
                    Stmt::From(FromPhase::Module { .. }) if self.module.is_empty() => {
                        self.stmt = Stmt::From(FromPhase::Module { relative: true });
                    }
                    Stmt::Import(ImportPhase::Module) | Stmt::From(FromPhase::Module { .. }) => {
                        self.module.push(b'.');
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        if self.stmt == Stmt::Start {
            self.stmt = Stmt::Other;
        }
        self.last = b;
        Ok(())
    }

    /// A string opens at `quote`; `plain` unless its prefix makes it an
    /// f-string (whose text is no module name).
    fn open_quote<E>(&mut self, quote: u8, plain: bool) -> Result<(), E> {
        let dynamic = self.dynamic == Dynamic::Open;
        self.dynamic = Dynamic::None;
        self.pending_bind.clear();
        self.last = STRING_END;
        if self.stmt == Stmt::Start {
            self.stmt = Stmt::Other;
        }
        if dynamic && plain {
            self.word.clear();
            self.literal = Some(quote);
        }
        Ok(())
    }

    fn end_statement(&mut self) {
        self.stmt = Stmt::Start;
        self.has_words = false;
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
        let is = |w: &[u8]| word.is(w);
        let keyword = word.get().is_some_and(is_keyword);
        self.last = b'a';
        let first = !std::mem::replace(&mut self.has_words, true);
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
                    self.word_in_expression(&word, keyword, first, next, on)?;
                }
                Ok(())
            }
            Stmt::Other => self.word_in_expression(&word, keyword, first, next, on),
            Stmt::Import(phase) => self.word_in_import(phase, &word, next, on),
            Stmt::From(phase) => self.word_in_from(phase, &word, next, on),
        }
    }

    fn word_in_expression<E>(
        &mut self,
        word: &Name,
        keyword: bool,
        first: bool,
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
        // The depth after `next`: a bracket that ends the word also ends
        // the pending name, whatever this says.
        self.colon_binds = first || self.py.depth() > 0;
        Ok(())
    }

    fn word_in_import<E>(
        &mut self,
        phase: ImportPhase,
        word: &Name,
        next: u8,
        on: &mut impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        match phase {
            ImportPhase::Module => {
                self.module.push_short(word);
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
                if word.is(b"as") {
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
        word: &Name,
        next: u8,
        on: &mut impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        match phase {
            FromPhase::Module { relative } if word.is(b"import") => {
                self.stmt = Stmt::From(FromPhase::Names { relative });
            }
            FromPhase::Module { relative } => {
                self.module.push_short(word);
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
                if word.is(b"import") {
                    self.stmt = Stmt::From(FromPhase::Names { relative });
                }
            }
            FromPhase::Names { relative } if word.is(b"as") => {
                self.stmt = Stmt::From(FromPhase::Alias { relative });
                self.binds_next = false;
            }
            FromPhase::Names { relative } => {
                if !relative && let Some(module) = self.module.get() {
                    let mut full = Name::default();
                    full.push_slice(module);
                    full.push(b'.');
                    full.push_short(word);
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
        let mut scanner = Scanner::default();
        scanner
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
    }

    #[test]
    fn only_plain_literals_name_modules() {
        assert_eq!(events("__import__(rb'os')\n"), ["Dynamic:os"]);
        assert!(events("__import__(f'os')\n").is_empty());
        assert!(events("__import__('''os''')\n").is_empty());
        assert!(events("__import__('o\\s')\n").is_empty());
        assert!(events("__import__('os\n").is_empty(), "unterminated");
        assert!(events("__import__ ('os')\n") == ["Dynamic:os"]);
    }

    /// The expressions in an f-string's replacement fields are code: a
    /// module can be used or imported there.
    #[test]
    fn fstring_fields_are_code() {
        assert_eq!(events("x = f'{os.sep}'\n"), ["bind:x", "Use:os"]);
        assert_eq!(
            events("print(f\"{__import__('os').sep}\")\n"),
            ["Dynamic:os"]
        );
        assert_eq!(events("f'{x!r:>{os.sep}}'\n"), ["Use:os"]);
        assert_eq!(events("f'{a.os.b}'\n"), ["Use:a"]);
        assert!(events("f'{{os.sep}}'\n").is_empty(), "`{{` is a brace");
        assert!(events("f'{os:.2f}'\n").is_empty(), "a format spec");
        assert!(events("rb'{os.sep}'\n").is_empty(), "not an f-string");
    }

    #[test]
    fn bindings() {
        assert_eq!(
            events("def f(os: int, n=1) -> None:\n"),
            ["bind:f", "bind:os", "bind:n"]
        );
        assert_eq!(events("for re in xs:\n"), ["bind:re"]);
    }

    /// The mask copies the scanner for every token it tries.
    #[test]
    fn the_scanner_is_small() {
        assert!(std::mem::size_of::<Scanner>() <= 512);
    }

    #[test]
    fn numbers_are_no_names() {
        assert!(events("x = 1.5\n") == ["bind:x"]);
        assert!(events("y = 0xFF.real\n") == ["bind:y"]);
        assert_eq!(events("f = lambda: 3 + os\n"), ["bind:f"]);
        // A keyword glued to a number is a keyword, as CPython reads it.
        assert_eq!(events("[1for os in x]\n"), ["bind:os"]);
    }
}
