//! [`Lexer`]: the style plugin's reading of Python, one byte at a time —
//! where a name binds and whether it is snake_case enough for that, and
//! how long the physical line has grown — each rule judged at the byte
//! that settles it.
//!
//! A module of its own: this is the work the mask repeats for every token
//! it tries, so it is `Copy` and allocation-free; what each byte is comes
//! from the shared [`PyLexer`].

use ananke_plugin_abi::pylex::{Class, PyLexer, Short, is_keyword, is_name_byte, is_soft_keyword};

use crate::settings::Settings;

/// Longest name judged (longer ones are not).
const MAX_NAME: usize = 64;

/// Where a name stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) enum Role {
    /// Not a binding (or not yet known).
    #[default]
    Other,
    /// A function name or parameter: lower snake_case.
    Function,
    /// A variable bound by `for`/`as`: no mixed case.
    Variable,
    /// A statement's first name: a variable if `=` or `:` follows.
    MaybeTarget,
}

/// The text's state, as far as style goes (opaque).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Lexer {
    pub(crate) py: PyLexer,
    /// Characters on the current physical line.
    pub(crate) column: u32,
    /// The name being read (or just read, awaiting `=`/`:`).
    pub(crate) word: Short<MAX_NAME>,
    pub(crate) word_role: Role,
    pub(crate) word_done: bool,
    /// What the next name is: set by `def`, `for`, `as`, a statement
    /// start, a `(`/`,` in a `def` header.
    pub(crate) next_role: Role,
    /// Inside a `def` header's parentheses.
    in_def_header: bool,
    /// Nothing but blanks yet in this statement.
    at_statement_start: bool,
    /// The last code byte.
    last: u8,
    /// A statement's first name was followed by `=`: an assignment unless
    /// the next byte makes it `==`.
    pub(crate) pending_assign: bool,
}

/// A broken rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Breach {
    /// A name that is not snake_case.
    Name(Short<MAX_NAME>, Role),
    /// A line longer than the limit.
    Line(u32),
}

/// Whether `word` is snake_case enough for a name in `role`.
pub(crate) fn snake_enough(word: &[u8], role: Role) -> bool {
    let upper = word.iter().any(u8::is_ascii_uppercase);
    let lower = word.iter().any(u8::is_ascii_lowercase);
    match role {
        Role::Function => !upper,
        Role::Variable | Role::MaybeTarget => !(upper && lower),
        Role::Other => true,
    }
}

impl Lexer {
    /// The reader at the start of a text: a statement begins, and its
    /// first name may be a target.
    pub(crate) fn start() -> Lexer {
        Lexer {
            at_statement_start: true,
            next_role: Role::MaybeTarget,
            ..Lexer::default()
        }
    }

    /// Reads `bytes`; the first rule they break, if any.
    pub(crate) fn feed(&mut self, settings: &Settings, bytes: &[u8]) -> Result<(), Breach> {
        for &b in bytes {
            self.byte(settings, b)?;
        }
        Ok(())
    }

    fn byte(&mut self, settings: &Settings, b: u8) -> Result<(), Breach> {
        let was_code = self.py.in_code();
        let class = self.py.step(b);
        if let Class::LineEnd { logical } = class {
            self.column = 0;
            self.pending_assign = false;
            if was_code {
                self.end_word(settings, b)?;
                if logical {
                    self.at_statement_start = true;
                    self.next_role = Role::MaybeTarget;
                    self.in_def_header = false;
                }
            }
            return Ok(());
        }
        if b == b'\n' {
            // A physical line ends, in code or inside a string.
            self.column = 0;
        } else if b & 0xC0 != 0x80 {
            self.column += 1;
            if let Some(limit) = settings.max_line
                && self.column > limit
            {
                return Err(Breach::Line(limit));
            }
        }
        if !was_code {
            return Ok(());
        }
        if std::mem::take(&mut self.pending_assign) {
            let assigned = b != b'=';
            if assigned
                && settings.snake_case
                && let Some(word) = self.word.get()
                && !snake_enough(word, Role::Variable)
            {
                return Err(Breach::Name(self.word, Role::Variable));
            }
            self.word.clear();
            self.word_done = false;
            self.word_role = Role::Other;
            if !assigned {
                self.last = b;
                return Ok(());
            }
        }
        match class {
            Class::Name | Class::Number | Class::Op if is_name_byte(b) => {
                if self.word_done {
                    self.word_done = false;
                    self.word.clear();
                }
                if self.word.is_empty() {
                    self.word_role = if self.last == b'.' {
                        Role::Other
                    } else {
                        self.next_role
                    };
                    self.next_role = Role::Other;
                }
                self.word.push(b);
                self.last = b;
                Ok(())
            }
            Class::Blank => {
                if !self.word.is_empty() && !self.word_done {
                    self.end_word(settings, b)?;
                }
                Ok(())
            }
            Class::Name | Class::Number | Class::Op => {
                self.end_word(settings, b)?;
                self.punctuation(settings, b)
            }
            _ => {
                // A quote (a name before it was a string prefix) or a comment.
                self.word.clear();
                self.word_done = false;
                self.at_statement_start = false;
                self.last = b'"';
                Ok(())
            }
        }
    }

    /// The name being read ends at `next` (a blank, an operator...).
    fn end_word(&mut self, settings: &Settings, next: u8) -> Result<(), Breach> {
        if self.word.is_empty() || self.word_done {
            return Ok(());
        }
        self.word_done = true;
        let Some(word) = self.word.get() else {
            return Ok(());
        };
        // Soft keywords (`match`, `case`, `type`) are read as keywords:
        // none names a binding at a statement start here. The wildcard
        // `_` is a name (`def _(…)` has parameters to check).
        if is_keyword(word) || (is_soft_keyword(word) && word != b"_") {
            self.next_role = match word {
                b"def" => Role::Function,
                b"for" | b"as" => Role::Variable,
                _ => Role::Other,
            };
            self.word_role = Role::Other;
            self.at_statement_start = false;
            return Ok(());
        }
        self.at_statement_start = false;
        let _ = next;
        if settings.snake_case
            && matches!(self.word_role, Role::Function | Role::Variable)
            && !snake_enough(word, self.word_role)
        {
            return Err(Breach::Name(self.word, self.word_role));
        }
        Ok(())
    }

    fn punctuation(&mut self, settings: &Settings, b: u8) -> Result<(), Breach> {
        // A statement's first name becomes a target at `=` (not `==`) or
        // an annotation's `:`.
        if self.word_done && self.word_role == Role::MaybeTarget {
            if b == b'=' {
                // Settled by the next byte (`=` or `==`).
                self.pending_assign = true;
                self.last = b;
                return Ok(());
            }
            if b == b':'
                && settings.snake_case
                && let Some(word) = self.word.get()
                && !snake_enough(word, Role::Variable)
            {
                return Err(Breach::Name(self.word, Role::Variable));
            }
            self.word_role = Role::Other;
        }
        let was_def_name =
            self.word_done && self.word_role == Role::Function && !self.in_def_header;
        match b {
            b'(' if was_def_name => {
                self.in_def_header = true;
                self.next_role = Role::Function;
            }
            b',' if self.in_def_header && self.py.depth() == 1 => self.next_role = Role::Function,
            b'(' | b'[' | b'{' | b',' => self.next_role = Role::Other,
            b')' if self.in_def_header && self.py.depth() == 0 => {
                self.in_def_header = false;
                self.next_role = Role::Other;
            }
            b'*' if self.in_def_header && self.py.depth() == 1 => {
                // `*args`, `**kwargs`: the name after is a parameter.
                self.next_role = Role::Function;
            }
            _ => self.next_role = Role::Other,
        }
        self.word.clear();
        self.word_done = false;
        self.at_statement_start = false;
        self.last = b;
        Ok(())
    }
}

/// What `breach` breaks, in words.
pub(crate) fn describe(breach: Breach) -> String {
    match breach {
        Breach::Line(limit) => format!("this makes the line longer than {limit} characters"),
        Breach::Name(word, role) => {
            let name = word
                .get()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .unwrap_or_default();
            match role {
                Role::Function => {
                    format!("`{name}` is a function or parameter name that is not snake_case")
                }
                _ => format!("`{name}` is a variable name in mixed case, not snake_case"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breach(policy: &str, text: &str) -> Option<String> {
        let settings = Settings::parse(policy).unwrap();
        Lexer::start()
            .feed(&settings, text.as_bytes())
            .err()
            .map(describe)
    }

    #[test]
    fn names_are_judged_where_they_bind() {
        assert!(breach("", "def findMax(xs):").unwrap().contains("findMax"));
        assert!(
            breach("", "def f(myList: list):")
                .unwrap()
                .contains("myList")
        );
        assert!(breach("", "def f(a, *myArgs):").unwrap().contains("myArgs"));
        assert!(breach("", "myVar = 1\n").unwrap().contains("myVar"));
        assert!(breach("", "myVar: int = 1\n").unwrap().contains("myVar"));
        assert!(
            breach("", "for myItem in xs:\n")
                .unwrap()
                .contains("myItem")
        );
        assert_eq!(breach("", "MAX_SIZE = 3\n"), None);
        assert_eq!(breach("", "def f(x):\n    return helperFn(x)\n"), None);
        assert_eq!(breach("", "myVar == 1\n"), None);
        assert_eq!(breach("", "obj.myAttr = 1\n"), None);
        assert_eq!(breach("", "x = 'myVar = 1'\n"), None);
        assert_eq!(breach("", "class MyClass:\n"), None);
        assert_eq!(breach("snake_case=off", "def findMax(xs):"), None);
        // `_` is a soft keyword only in patterns: here a function name.
        assert!(breach("", "def _(myArg):").unwrap().contains("myArg"));
    }

    #[test]
    fn lines_are_judged_by_characters() {
        assert!(
            breach("max_line=5", "abcdef")
                .unwrap()
                .contains("longer than 5")
        );
        assert_eq!(breach("max_line=5", "abcde\nabcde\n"), None);
        assert_eq!(breach("max_line=3", "ééé\n"), None);
        assert!(breach("max_line=3", "x\n'''\nabcd").is_some());
    }
}
