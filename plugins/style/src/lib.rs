/*!
`style`: an Ananke plugin domain for code style — snake_case names for
functions, parameters and variables, and a maximum line length.

A policy is a list of settings separated by `;`: `snake_case` (or
`snake_case=off`) and `max_line=N` (characters per physical line). The
empty policy text means the defaults, `snake_case; max_line=120`. The meet
of two policies keeps the stricter of each setting.

What counts as a name: a function's name and its parameters (lower
snake_case: no capital letters), and the variables a statement binds — the
target of an assignment or annotation that starts a statement, a `for`
target, an `as` target — where ALL_CAPS constants are also fine (no mixed
case). A name is judged when it is settled: at the byte after it (`def
findMax(`), or at the `=` or `:` that makes a statement's first name a
target. A line is too long at the token that pushes it past the limit.

# Example

```
use ananke_plugin_abi::{Policy, Vocab};
use ananke_plugin_style::Style;

let tokens: [&[u8]; 4] = [b"def", b" find", b"Max", b"("];
let vocab = Vocab::from_tokens("toy", &tokens, &[], &[]);
let style = Style::new(&vocab)?;
let mut state = style.parse("")?;
for t in [0, 1, 2] {
    state = style.observe(&vocab, &state, t);
}
let why = style.explain(&vocab, &state, 3).unwrap();
assert!(why.contains("findMax"), "{why}");
# Ok::<(), String>(())
```
*/

// `export_root_module` expands to an unmangled static: the symbol the host
// looks up. This crate writes no unsafe code of its own.
#![allow(unsafe_code)]

use ananke_plugin_abi::pylex::{Class, PyLexer, Short, is_keyword, is_name_byte, is_soft_keyword};
use ananke_plugin_abi::{
    PluginModRef, Policy, Tracked, Vocab, word_clear as clear, word_has as has,
};

/// The defaults, used when the policy text is empty.
pub const DEFAULTS: &str = "snake_case; max_line=120";

/// Longest name judged (longer ones are not).
const MAX_NAME: usize = 64;

/// The settings (⊤: neither).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Settings {
    /// Names must be snake_case.
    pub snake_case: bool,
    /// Characters per line, if limited.
    pub max_line: Option<u32>,
}

impl Settings {
    /// No rule.
    pub const NONE: Settings = Settings {
        snake_case: false,
        max_line: None,
    };
}

/// Where a name stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
enum Role {
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
    py: PyLexer,
    /// Characters on the current physical line.
    column: u32,
    /// The name being read (or just read, awaiting `=`/`:`).
    word: Short<MAX_NAME>,
    word_role: Role,
    word_done: bool,
    /// What the next name is: set by `def`, `for`, `as`, a statement
    /// start, a `(`/`,` in a `def` header.
    next_role: Role,
    /// Inside a `def` header's parentheses.
    in_def_header: bool,
    /// Nothing but blanks yet in this statement.
    at_statement_start: bool,
    /// The last code byte.
    last: u8,
    /// A statement's first name was followed by `=`: an assignment unless
    /// the next byte makes it `==`.
    pending_assign: bool,
}

/// A broken rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Breach {
    /// A name that is not snake_case.
    Name(Short<MAX_NAME>, Role),
    /// A line longer than the limit.
    Line(u32),
}

fn snake_enough(word: &[u8], role: Role) -> bool {
    let upper = word.iter().any(u8::is_ascii_uppercase);
    let lower = word.iter().any(u8::is_ascii_lowercase);
    match role {
        Role::Function => !upper,
        Role::Variable | Role::MaybeTarget => !(upper && lower),
        Role::Other => true,
    }
}

impl Lexer {
    fn feed(&mut self, settings: &Settings, bytes: &[u8]) -> Result<(), Breach> {
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

/// A style constraint: the settings, the text read, and why it is ⊥ if
/// it is.
pub type StyleState = Tracked<Settings, Lexer>;

fn lexer(c: &StyleState) -> Lexer {
    c.lexer_or(|| Lexer {
        at_statement_start: true,
        next_role: Role::MaybeTarget,
        ..Lexer::default()
    })
}

fn breach(c: &StyleState, bytes: &[u8]) -> Option<Breach> {
    let s = &c.policy;
    if !s.snake_case && s.max_line.is_none() {
        return None;
    }
    lexer(c).feed(s, bytes).err()
}

/// Per-token facts for the mask, built once per vocabulary.
struct TokenFacts {
    /// Tokens by the characters before their first line break.
    by_first_line: Vec<(u32, u32)>,
    /// Tokens by their longest line after a line break.
    by_later_line: Vec<(u32, u32)>,
    /// Tokens that can end a name (not all name bytes), by the letter
    /// cases in their leading name bytes: `[none, lower, upper, both]`.
    ending: [Vec<u32>; 4],
    /// Tokens with `=` or `:` after their leading name bytes and blanks
    /// (they can make a name a target), by the same cases.
    binding: [Vec<u32>; 4],
}

/// `0` no letters, `1` lower case only, `2` upper case only, `3` both.
fn cases(word: &[u8]) -> usize {
    usize::from(word.iter().any(u8::is_ascii_lowercase))
        | (usize::from(word.iter().any(u8::is_ascii_uppercase)) << 1)
}

impl TokenFacts {
    fn new(vocab: &Vocab) -> TokenFacts {
        let chars = |b: &[u8]| b.iter().filter(|&&c| c & 0xC0 != 0x80).count() as u32;
        let mut facts = TokenFacts {
            by_first_line: Vec::new(),
            by_later_line: Vec::new(),
            ending: Default::default(),
            binding: Default::default(),
        };
        for t in 0..vocab.len() as u32 {
            if vocab.is_special(t) {
                continue;
            }
            let bytes = vocab.token(t);
            let mut lines = bytes.split(|&b| b == b'\n');
            let first = lines.next().map_or(0, chars);
            let later = lines.map(chars).max().unwrap_or(0);
            facts.by_first_line.push((first, t));
            facts.by_later_line.push((later, t));
            let lead = bytes.iter().take_while(|&&b| is_name_byte(b)).count();
            if lead == bytes.len() {
                continue;
            }
            let case = cases(&bytes[..lead]);
            facts.ending[case].push(t);
            if bytes[lead..]
                .iter()
                .find(|&&b| b != b' ' && b != b'\t')
                .is_some_and(|&b| b == b'=' || b == b':')
            {
                facts.binding[case].push(t);
            }
        }
        facts.by_first_line.sort_unstable();
        facts.by_later_line.sort_unstable();
        facts
    }

    /// The tokens that can settle a name whose letters so far have the
    /// cases `have` as a bad one for `role`, from `lists` (by the cases
    /// of the tokens' leading names).
    fn settling(lists: &[Vec<u32>; 4], have: usize, role: Role) -> impl Iterator<Item = &[u32]> {
        // The leading-name cases that make the name bad.
        let bad = move |lead: usize| {
            let all = have | lead;
            match role {
                Role::Function => all & 2 != 0,
                _ => all == 3,
            }
        };
        (0..4)
            .filter(move |&c| bad(c))
            .map(move |c| lists[c].as_slice())
    }
}

/// The policy (see the crate docs).
pub struct Style {
    facts: TokenFacts,
}

fn describe(breach: Breach) -> String {
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

impl Policy for Style {
    type Constraint = StyleState;
    const NAME: &'static str = "style";

    fn new(vocab: &Vocab) -> Result<Style, String> {
        Ok(Style {
            facts: TokenFacts::new(vocab),
        })
    }

    fn top(&self) -> StyleState {
        Tracked::new(Settings::NONE)
    }

    fn bottom(&self) -> StyleState {
        Tracked::violated(Settings::NONE, "contradictory style policies")
    }

    fn parse(&self, text: &str) -> Result<StyleState, String> {
        let text = if text.trim().is_empty() {
            DEFAULTS
        } else {
            text
        };
        let mut settings = Settings::NONE;
        for item in text.split(';').map(str::trim).filter(|i| !i.is_empty()) {
            match item.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
                None if item == "snake_case" => settings.snake_case = true,
                Some(("snake_case", "on")) => settings.snake_case = true,
                Some(("snake_case", "off")) => settings.snake_case = false,
                Some(("max_line", n)) => {
                    let n: u32 = n
                        .parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("`{item}`: expected a positive number"))?;
                    settings.max_line = Some(n);
                }
                _ => {
                    return Err(format!(
                        "`{item}`: expected `snake_case`, `snake_case=off` or `max_line=N`"
                    ));
                }
            }
        }
        Ok(Tracked::new(settings))
    }

    fn meet(&self, a: &StyleState, b: &StyleState) -> StyleState {
        a.meet_with(b, |x, y| Settings {
            snake_case: x.snake_case || y.snake_case,
            max_line: match (x.max_line, y.max_line) {
                (Some(m), Some(n)) => Some(m.min(n)),
                (m, n) => m.or(n),
            },
        })
    }

    fn is_top(&self, c: &StyleState) -> bool {
        !c.is_violated() && c.has_no_text() && c.policy == Settings::NONE
    }

    fn is_bottom(&self, c: &StyleState) -> bool {
        c.is_violated()
    }

    fn token_mask(&self, vocab: &Vocab, c: &StyleState, candidates: &[u32], out: &mut [u32]) {
        out.copy_from_slice(candidates);
        if c.is_violated() {
            out.fill(0);
            return;
        }
        let lexer = lexer(c);
        let facts = &self.facts;
        if let Some(limit) = c.policy.max_line {
            // Too long on the current line, or on a later one.
            let room = limit.saturating_sub(lexer.column);
            let from = facts.by_first_line.partition_point(|&(n, _)| n <= room);
            for &(_, t) in &facts.by_first_line[from..] {
                clear(out, t);
            }
            let from = facts.by_later_line.partition_point(|&(n, _)| n <= limit);
            for &(_, t) in &facts.by_later_line[from..] {
                clear(out, t);
            }
        }
        if !c.policy.snake_case || !lexer.py.in_code() {
            return;
        }
        let mut try_token = |t: u32| {
            if has(out, t) && breach(c, vocab.token(t)).is_some() {
                clear(out, t);
            }
        };
        let word = lexer.word.get().unwrap_or_default();
        let have = cases(word);
        if lexer.pending_assign {
            // Anything but `=` settles the assignment of a bad name.
            if !snake_enough(word, Role::Variable) {
                for t in 0..vocab.len() as u32 {
                    try_token(t);
                }
            }
            return;
        }
        // The role of the name being written, or of the next one.
        let (role, have) = if !lexer.word.is_empty() && !lexer.word_done {
            (lexer.word_role, have)
        } else if lexer.word_done && lexer.word_role == Role::MaybeTarget {
            // A finished first name: only a target marker can settle it.
            if !snake_enough(word, Role::Variable) {
                for list in &facts.binding {
                    list.iter().for_each(|&t| try_token(t));
                }
            }
            return;
        } else {
            (lexer.next_role, 0)
        };
        let lists = match role {
            Role::Other => return,
            Role::MaybeTarget => &facts.binding,
            Role::Function | Role::Variable => &facts.ending,
        };
        for list in TokenFacts::settling(lists, have, role) {
            list.iter().for_each(|&t| try_token(t));
        }
    }

    fn observe(&self, vocab: &Vocab, c: &StyleState, token: u32) -> StyleState {
        if c.is_violated() || vocab.is_special(token) {
            return c.clone();
        }
        let bytes = vocab.token(token);
        if let Some(found) = breach(c, bytes) {
            return Tracked::violated(c.policy, describe(found));
        }
        let mut next = lexer(c);
        let _ = next.feed(&c.policy, bytes);
        c.read(next, bytes)
    }

    fn explain(&self, vocab: &Vocab, c: &StyleState, token: u32) -> Option<String> {
        if let Some(v) = c.violation() {
            return Some(v.to_owned());
        }
        if vocab.is_special(token) {
            return None;
        }
        breach(c, vocab.token(token)).map(describe)
    }
}

/// The library's export: the root module the host loads.
#[allow(missing_docs)]
pub mod export {
    use super::*;

    /// The exported root module.
    #[abi_stable::export_root_module]
    pub fn ananke_plugin_root() -> PluginModRef {
        ananke_plugin_abi::module::<Style>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breach(policy: &str, text: &str) -> Option<String> {
        let vocab = Vocab::from_tokens("toy", &[b"x"], &[], &[]);
        let style = Style::new(&vocab).unwrap();
        super::breach(&style.parse(policy).unwrap(), text.as_bytes()).map(describe)
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

    #[test]
    fn settings_parse_and_meet() {
        let vocab = Vocab::from_tokens("toy", &[b"x"], &[], &[]);
        let style = Style::new(&vocab).unwrap();
        assert!(style.parse("max_line=0").is_err());
        assert!(style.parse("tabs").is_err());
        let a = style.parse("max_line=80").unwrap();
        let b = style.parse("snake_case; max_line=100").unwrap();
        let m = style.meet(&a, &b);
        assert_eq!(m.policy.max_line, Some(80));
        assert!(m.policy.snake_case);
    }

    const TOKENS: &[&str] = &[
        "def",
        " find",
        "Max",
        "(",
        "xs",
        ",",
        " my",
        "List",
        ")",
        ":",
        "\n",
        "    ",
        "my",
        "Var",
        " =",
        " 1",
        "==",
        "for",
        " in",
        "'",
        "abcdefghij",
        "\n\n",
        "MAX",
        " x",
        ".",
        "Attr",
        "*",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            std::env::var("ANANKE_LAW_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(300)
        ))]
        /// Along random texts, the mask keeps exactly the tokens `observe`
        /// accepts.
        #[test]
        fn mask_agrees_with_observe(text in proptest::collection::vec(0..TOKENS.len(), 0..16)) {
            let tokens: Vec<&[u8]> = TOKENS.iter().map(|t| t.as_bytes()).collect();
            let vocab = Vocab::from_tokens("toy", &tokens, &[], &[]);
            let style = Style::new(&vocab).unwrap();
            let text: Vec<u32> = text.into_iter().map(|t| t as u32).collect();
            let checked = ananke_plugin_abi::check_mask_along(&style, &vocab, &style.parse("snake_case; max_line=24").unwrap(), &text);
            proptest::prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
        }
    }
}
