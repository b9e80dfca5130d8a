//! [`Lexer`]: the deny-calls plugin's reading of Python, one byte at a
//! time — the dotted name being called, the calls open and the keyword
//! arguments passed to them — each call judged at the byte that settles
//! it.
//!
//! A module of its own: this is the work the mask repeats for every token
//! it tries, so it is `Copy` and allocation-free; what each byte is comes
//! from the shared [`PyLexer`].

use ananke_plugin_abi::pylex::{Class, PyLexer, Short, is_name_byte};

use crate::rules::{MAX_CHAIN, MAX_WORD, Rule};

/// Nested calls followed.
const MAX_FRAMES: usize = 16;

/// Where the text stands, as far as calls go (opaque).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Lexer {
    pub(crate) py: PyLexer,
    /// The dotted name being read (or just read, if `chain_done`).
    pub(crate) chain: Short<MAX_CHAIN>,
    /// The chain follows a `.` (an attribute of something else) or a
    /// `def`/`class` keyword: no rule applies to it.
    pub(crate) chain_excluded: bool,
    /// The chain ended (blanks may come before `(`).
    pub(crate) chain_done: bool,
    /// The last significant code byte.
    last: u8,
    /// The previous word was `def` or `class`.
    after_def: bool,
    /// Per open bracket: the keyword rules (bits by rule index) the call
    /// it opened is subject to.
    frames: [u32; MAX_FRAMES],
    /// Keyword argument being read in the innermost call: name, `=` seen,
    /// value.
    keyword: Short<MAX_WORD>,
    equals: bool,
    value: Short<MAX_WORD>,
}

/// A call that breaks a rule: the rule's index.
pub(crate) type Breach = usize;

impl Lexer {
    pub(crate) fn innermost(&self) -> u32 {
        self.frame_at(self.py.depth())
    }

    fn frame_at(&self, depth: u32) -> u32 {
        let depth = depth as usize;
        if depth == 0 || depth > MAX_FRAMES {
            0
        } else {
            self.frames[depth - 1]
        }
    }

    /// Reads `bytes` under `rules`; the first breach stops it.
    pub(crate) fn feed(&mut self, rules: &[Rule], bytes: &[u8]) -> Result<(), Breach> {
        for &b in bytes {
            self.byte(rules, b)?;
        }
        Ok(())
    }

    fn byte(&mut self, rules: &[Rule], b: u8) -> Result<(), Breach> {
        let was_code = self.py.in_code();
        // The call a keyword argument belongs to is the one open before
        // this byte (a `)` closes it).
        let frame = self.innermost();
        let class = self.py.step(b);
        if !was_code {
            return Ok(());
        }
        match class {
            Class::Name | Class::Number | Class::Op if is_name_byte(b) => {
                if self.chain_done
                    || (!self.chain.is_empty() && self.last != b'.' && !is_name_byte(self.last))
                {
                    self.end_chain();
                }
                if self.chain.is_empty() {
                    self.chain_excluded = self.last == b'.' || self.after_def;
                }
                self.chain.push(b);
                self.last = b;
                if !self.value.is_empty() || self.equals {
                    self.value.push(b);
                } else {
                    self.keyword.push(b);
                }
                Ok(())
            }
            Class::Name | Class::Number | Class::Op => {
                self.finish_word(rules, frame, b)?;
                self.punctuation(rules, b)
            }
            Class::Blank => {
                if !self.chain.is_empty() {
                    self.finish_word(rules, frame, b)?;
                    self.chain_done = true;
                }
                Ok(())
            }
            Class::LineEnd { .. } => {
                self.finish_word(rules, frame, b)?;
                self.end_chain();
                self.last = b'\n';
                Ok(())
            }
            Class::StringStart | Class::String | Class::Comment => {
                // A name right before a quote was a string prefix.
                self.end_chain();
                self.keyword.clear();
                self.value.clear();
                self.equals = false;
                self.last = b'"';
                Ok(())
            }
        }
    }

    fn end_chain(&mut self) {
        if let Some(word) = self.chain.get() {
            self.after_def = word == b"def" || word == b"class";
        }
        self.chain.clear();
        self.chain_done = false;
        self.chain_excluded = false;
    }

    /// A keyword argument's value, in the call whose rules are `frame`,
    /// ends at `next`.
    fn finish_word(&mut self, rules: &[Rule], frame: u32, next: u8) -> Result<(), Breach> {
        if frame == 0 || !self.equals || self.value.is_empty() || is_name_byte(next) {
            return Ok(());
        }
        let (Some(keyword), Some(value)) = (self.keyword.get(), self.value.get()) else {
            return Ok(());
        };
        for (i, rule) in rules.iter().enumerate().take(32) {
            if frame & (1 << i) != 0
                && let Some((k, v)) = &rule.keyword
                && k.as_bytes() == keyword
                && v.as_bytes() == value
            {
                return Err(i);
            }
        }
        Ok(())
    }

    fn punctuation(&mut self, rules: &[Rule], b: u8) -> Result<(), Breach> {
        match b {
            b'.' if !self.chain.is_empty() && !self.chain_done => {
                self.chain.push(b);
                self.last = b;
                return Ok(());
            }
            b'(' => {
                let mut keyword_rules = 0u32;
                if let Some(chain) = self.chain.get().filter(|_| !self.chain_excluded) {
                    for (i, rule) in rules.iter().enumerate() {
                        if rule.matches(chain) {
                            match rule.keyword {
                                None => return Err(i),
                                Some(_) if i < 32 => keyword_rules |= 1 << i,
                                Some(_) => {}
                            }
                        }
                    }
                }
                let depth = self.py.depth() as usize;
                if (1..=MAX_FRAMES).contains(&depth) {
                    self.frames[depth - 1] = keyword_rules;
                }
                self.reset_keyword();
            }
            b'[' | b'{' => {
                let depth = self.py.depth() as usize;
                if (1..=MAX_FRAMES).contains(&depth) {
                    self.frames[depth - 1] = 0;
                }
                self.reset_keyword();
            }
            b',' | b')' | b']' | b'}' => self.reset_keyword(),
            b'=' if self.last != b'=' && !self.keyword.is_empty() && !self.equals => {
                self.equals = true;
            }
            _ => {
                self.keyword.clear();
                self.value.clear();
                self.equals = false;
            }
        }
        self.end_chain();
        self.last = b;
        Ok(())
    }

    fn reset_keyword(&mut self) {
        self.keyword.clear();
        self.value.clear();
        self.equals = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_rules;

    fn breach(policy: &str, text: &str) -> Option<String> {
        let rules = parse_rules(policy).unwrap();
        Lexer::default()
            .feed(&rules, text.as_bytes())
            .err()
            .map(|i| rules[i].text())
    }

    #[test]
    fn calls_are_settled_by_their_parenthesis() {
        assert_eq!(breach("", "y = eval(s)"), Some("eval".into()));
        assert_eq!(breach("", "y = eval (s)"), Some("eval".into()));
        assert_eq!(breach("", "y = evaluate(s)"), None);
        assert_eq!(breach("", "y = obj.eval(s)"), None);
        assert_eq!(breach("", "def eval(s):"), None);
        assert_eq!(breach("", "s = 'eval(x)'  # eval(y)\n"), None);
        assert_eq!(breach("", "os.system('ls')"), Some("os.system".into()));
        assert_eq!(breach("", "x.os.system('ls')"), None);
        assert_eq!(breach("", "y = eval"), None);
    }

    #[test]
    fn keyword_rules_watch_the_argument() {
        let rule = Some("subprocess.*(shell=True)".to_owned());
        assert_eq!(breach("", "subprocess.run(['ls'], shell=True)"), rule);
        assert_eq!(breach("", "subprocess.run(cmd, shell = True,)"), rule);
        assert_eq!(breach("", "subprocess.run(['ls'], shell=False)"), None);
        assert_eq!(breach("", "subprocess.run(f(shell=True))"), None);
        assert_eq!(breach("", "other.run(shell=True)"), None);
        assert_eq!(breach("", "subprocess.run(x, shell=Truthy)"), None);
    }
}
