/*!
`deny-calls`: an Ananke plugin domain that forbids calling configured
names — a security policy enforced while the code is written.

A policy is a list of rules separated by `;`:

- `eval` — a call of the name `eval` (not of a method `x.eval`, not the
  definition `def eval`);
- `os.system` — a call spelt with that dotted name;
- `subprocess.*` — a call of anything under `subprocess`;
- `subprocess.*(shell=True)` — such a call only with that keyword argument.

The empty policy text means the defaults: `eval`, `exec`, `compile`,
`__import__`, `os.system`, `os.popen`, `subprocess.*(shell=True)`,
`pickle.loads`, `marshal.loads`.

The token rejected is the one that settles the call: the `(` after a denied
name (`eval` alone may still become `evaluate`), or the byte after the
keyword argument's value (`shell=True` then `)`, `,` or a blank). Names
bound by aliases (`from os import system`) are not followed.

# Example

```
use ananke_plugin_abi::{Policy, Vocab};
use ananke_plugin_deny_calls::DenyCalls;

let tokens: [&[u8]; 4] = [b"x = ", b"eval", b"(", b"uate("];
let vocab = Vocab::from_tokens("toy", &tokens, &[], &[]);
let policy = DenyCalls::new(&vocab)?;
let mut state = policy.parse("")?; // the defaults
for t in [0, 1] {
    state = policy.observe(&vocab, &state, t);
}
assert!(policy.explain(&vocab, &state, 2).unwrap().contains("`eval`"));
assert!(policy.explain(&vocab, &state, 3).is_none());
# Ok::<(), String>(())
```
*/

// `export_root_module` expands to an unmangled static: the symbol the host
// looks up. This crate writes no unsafe code of its own.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use ananke_plugin_abi::pylex::{Class, PyLexer, Short, is_name_byte, is_name_start};
use ananke_plugin_abi::{
    PluginModRef, Policy, Tracked, Vocab, word_clear as clear, word_has as has,
};

/// The defaults, used when the policy text is empty.
pub const DEFAULTS: &str = "eval; exec; compile; __import__; os.system; os.popen; \
                            subprocess.*(shell=True); pickle.loads; marshal.loads";

/// Longest dotted name followed.
const MAX_CHAIN: usize = 96;
/// Longest keyword name or value in a rule.
const MAX_WORD: usize = 32;
/// Nested calls followed.
const MAX_FRAMES: usize = 16;

/// One rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rule {
    /// The dotted name, or the prefix before `.*`.
    pub name: String,
    /// `name.*`: anything under `name`.
    pub any_under: bool,
    /// Only with this keyword argument and value.
    pub keyword: Option<(String, String)>,
}

impl Rule {
    fn matches(&self, chain: &[u8]) -> bool {
        let name = self.name.as_bytes();
        if self.any_under {
            chain.len() > name.len() + 1 && chain.starts_with(name) && chain[name.len()] == b'.'
        } else {
            chain == name
        }
    }

    fn text(&self) -> String {
        let mut text = self.name.clone();
        if self.any_under {
            text.push_str(".*");
        }
        if let Some((k, v)) = &self.keyword {
            text.push_str(&format!("({k}={v})"));
        }
        text
    }
}

fn is_identifier(word: &str) -> bool {
    word.bytes().next().is_some_and(is_name_start) && word.bytes().all(is_name_byte)
}

fn parse_rule(item: &str) -> Result<Rule, String> {
    let (head, keyword) = match item.split_once('(') {
        Some((head, rest)) => {
            let inner = rest
                .strip_suffix(')')
                .ok_or_else(|| format!("`{item}`: expected `)` at the end"))?;
            let (k, v) = inner
                .split_once('=')
                .ok_or_else(|| format!("`{item}`: expected `(keyword=value)`"))?;
            let (k, v) = (k.trim(), v.trim());
            if !is_identifier(k) || !is_identifier(v) || k.len() > MAX_WORD || v.len() > MAX_WORD {
                return Err(format!(
                    "`{item}`: keyword and value must be names of at most {MAX_WORD} bytes"
                ));
            }
            (head.trim(), Some((k.to_owned(), v.to_owned())))
        }
        None => (item, None),
    };
    let (name, any_under) = match head.strip_suffix(".*") {
        Some(prefix) => (prefix, true),
        None => (head, false),
    };
    if name.is_empty() || name.len() > MAX_CHAIN - 2 || !name.split('.').all(is_identifier) {
        return Err(format!(
            "`{item}`: expected a dotted name such as `os.system`"
        ));
    }
    Ok(Rule {
        name: name.to_owned(),
        any_under,
        keyword,
    })
}

/// Where the text stands, as far as calls go (opaque).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Lexer {
    py: PyLexer,
    /// The dotted name being read (or just read, if `chain_done`).
    chain: Short<MAX_CHAIN>,
    /// The chain follows a `.` (an attribute of something else) or a
    /// `def`/`class` keyword: no rule applies to it.
    chain_excluded: bool,
    /// The chain ended (blanks may come before `(`).
    chain_done: bool,
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
type Breach = usize;

impl Lexer {
    fn innermost(&self) -> u32 {
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
    fn feed(&mut self, rules: &[Rule], bytes: &[u8]) -> Result<(), Breach> {
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

/// A deny-calls constraint: the rules (sorted), the text read, and why
/// it is ⊥ if it is.
pub type DenyState = Tracked<Arc<Vec<Rule>>, Lexer>;

fn lexer(c: &DenyState) -> Lexer {
    c.lexer_or(Lexer::default)
}

fn breach(c: &DenyState, bytes: &[u8]) -> Option<Breach> {
    if c.policy.is_empty() {
        return None;
    }
    lexer(c).feed(&c.policy, bytes).err()
}

/// Tokens whose bytes spell a call, indexed for the mask.
#[derive(Default)]
struct CallTokens {
    /// `(name chain, token)` for tokens that start with a chain (perhaps
    /// empty) and blanks, then `(`: they extend the name the text ends in.
    extending: Vec<(Vec<u8>, u32)>,
    /// Chains before a `(` inside a token, after a byte that starts a
    /// fresh name (`x = eval(` holds `eval`), with their tokens.
    inner: HashMap<Vec<u8>, Vec<u32>>,
}

impl CallTokens {
    fn new(vocab: &Vocab) -> CallTokens {
        let mut index = CallTokens::default();
        for t in 0..vocab.len() as u32 {
            let bytes = vocab.token(t);
            if vocab.is_special(t) || !bytes.contains(&b'(') {
                continue;
            }
            let lead = bytes
                .iter()
                .position(|&b| !(is_name_byte(b) || b == b'.'))
                .unwrap_or(bytes.len());
            let rest = &bytes[lead..];
            let blanks = rest
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            if rest.get(blanks) == Some(&b'(') {
                index.extending.push((bytes[..lead].to_vec(), t));
            }
            for (at, _) in bytes.iter().enumerate().filter(|(_, b)| **b == b'(') {
                let before = bytes[..at].trim_ascii_end();
                let start = before
                    .iter()
                    .rposition(|&b| !(is_name_byte(b) || b == b'.'))
                    .map_or(0, |p| p + 1);
                if start > 0 && !before[start..].is_empty() {
                    index
                        .inner
                        .entry(before[start..].to_vec())
                        .or_default()
                        .push(t);
                }
            }
        }
        index.extending.sort();
        index
    }
}

/// The policy (see the crate docs).
pub struct DenyCalls {
    calls: CallTokens,
    /// Per rule text: the tokens holding a whole call it denies.
    per_rule: Mutex<HashMap<String, Arc<Vec<u32>>>>,
}

impl DenyCalls {
    fn rule_tokens(&self, rule: &Rule) -> Arc<Vec<u32>> {
        let mut table = self.per_rule.lock().unwrap_or_else(|p| p.into_inner());
        let key = rule.text();
        if let Some(tokens) = table.get(&key) {
            return tokens.clone();
        }
        let mut tokens: Vec<u32> = self
            .calls
            .inner
            .iter()
            .filter(|(chain, _)| rule.matches(chain))
            .flat_map(|(_, ts)| ts.iter().copied())
            .collect();
        tokens.sort_unstable();
        tokens.dedup();
        let tokens = Arc::new(tokens);
        table.insert(key, tokens.clone());
        tokens
    }

    fn describe(&self, state: &DenyState, breach: Breach) -> String {
        let rule = &state.policy[breach];
        match &rule.keyword {
            None => format!(
                "this calls `{}`, which the policy denies (rule `{}`)",
                if rule.any_under {
                    format!("{}.…", rule.name)
                } else {
                    rule.name.clone()
                },
                rule.text()
            ),
            Some((k, v)) => format!(
                "this passes `{k}={v}` to a call under `{}`, which the policy denies (rule `{}`)",
                rule.name,
                rule.text()
            ),
        }
    }
}

impl Policy for DenyCalls {
    type Constraint = DenyState;
    const NAME: &'static str = "deny-calls";

    fn new(vocab: &Vocab) -> Result<DenyCalls, String> {
        Ok(DenyCalls {
            calls: CallTokens::new(vocab),
            per_rule: Mutex::new(HashMap::new()),
        })
    }

    fn top(&self) -> DenyState {
        Tracked::new(Arc::new(Vec::new()))
    }

    fn bottom(&self) -> DenyState {
        Tracked::violated(Arc::new(Vec::new()), "contradictory call policies")
    }

    fn parse(&self, text: &str) -> Result<DenyState, String> {
        let text = if text.trim().is_empty() {
            DEFAULTS
        } else {
            text
        };
        let mut rules = text
            .split(';')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(parse_rule)
            .collect::<Result<Vec<Rule>, String>>()?;
        rules.sort();
        rules.dedup();
        if rules.iter().filter(|r| r.keyword.is_some()).count() > 32 {
            return Err("at most 32 rules with a keyword argument".into());
        }
        Ok(Tracked::new(Arc::new(rules)))
    }

    fn meet(&self, a: &DenyState, b: &DenyState) -> DenyState {
        a.meet_with(b, |x, y| {
            let mut rules: Vec<Rule> = x.iter().chain(y.iter()).cloned().collect();
            rules.sort();
            rules.dedup();
            Arc::new(rules)
        })
    }

    fn is_top(&self, c: &DenyState) -> bool {
        c.policy.is_empty() && c.has_no_text() && !c.is_violated()
    }

    fn is_bottom(&self, c: &DenyState) -> bool {
        c.is_violated()
    }

    fn token_mask(&self, vocab: &Vocab, c: &DenyState, candidates: &[u32], out: &mut [u32]) {
        out.copy_from_slice(candidates);
        if c.is_violated() {
            out.fill(0);
            return;
        }
        if c.policy.is_empty() {
            return;
        }
        let lexer = lexer(c);
        let mut try_token = |t: u32| {
            if has(candidates, t) && breach(c, vocab.token(t)).is_some() {
                clear(out, t);
            }
        };
        if lexer.innermost() != 0 {
            // Inside a call a keyword rule watches: any token may settle it.
            for t in 0..vocab.len() as u32 {
                try_token(t);
            }
            return;
        }
        for rule in c.policy.iter().filter(|r| r.keyword.is_none()) {
            for &t in self.rule_tokens(rule).iter() {
                try_token(t);
            }
        }
        // Tokens that finish the name the text ends in (or start one),
        // then open a call.
        if !lexer.py.in_code() {
            return;
        }
        let Some(chain) = lexer.chain.get() else {
            return;
        };
        // A finished name may be called (`eval` + ` (`), or a fresh name
        // may start (`eval ` + `exec(`); an unfinished one is extended.
        let starts: [Option<&[u8]>; 2] = if lexer.chain_done {
            [None, Some(b"")]
        } else {
            [Some(chain), None]
        };
        let extending = &self.calls.extending;
        for rule in c.policy.iter().filter(|r| r.keyword.is_none()) {
            let name = rule.name.as_bytes();
            let mut ranges: [Option<(&[u8], bool)>; 2] = [None, None];
            if lexer.chain_done && !lexer.chain_excluded && rule.matches(chain) {
                ranges[0] = Some((b"", true));
            }
            for start in starts.iter().flatten() {
                // The keys that can complete `start` to the rule: exactly
                // the rest of the name, or (for `name.*`) anything after it.
                ranges[1] = if name.starts_with(start) {
                    Some((&name[start.len()..], !rule.any_under))
                } else if rule.any_under
                    && start.starts_with(name)
                    && start.get(name.len()) == Some(&b'.')
                {
                    Some((b"", false))
                } else {
                    None
                };
            }
            for (lo, exact) in ranges.into_iter().flatten() {
                let from = extending.partition_point(|(k, _)| k.as_slice() < lo);
                for (key, t) in &extending[from..] {
                    if !key.starts_with(lo) {
                        break;
                    }
                    if !exact || key.as_slice() == lo {
                        try_token(*t);
                    }
                }
            }
        }
    }

    fn observe(&self, vocab: &Vocab, c: &DenyState, token: u32) -> DenyState {
        if c.is_violated() || vocab.is_special(token) {
            return c.clone();
        }
        let bytes = vocab.token(token);
        if let Some(found) = breach(c, bytes) {
            return Tracked::violated(c.policy.clone(), self.describe(c, found));
        }
        let mut next = lexer(c);
        let _ = next.feed(&c.policy, bytes);
        c.read(next, bytes)
    }

    fn explain(&self, vocab: &Vocab, c: &DenyState, token: u32) -> Option<String> {
        if let Some(v) = c.violation() {
            return Some(v.to_owned());
        }
        if vocab.is_special(token) {
            return None;
        }
        breach(c, vocab.token(token)).map(|found| self.describe(c, found))
    }
}

/// The library's export: the root module the host loads.
#[allow(missing_docs)]
pub mod export {
    use super::*;

    /// The exported root module.
    #[abi_stable::export_root_module]
    pub fn ananke_plugin_root() -> PluginModRef {
        ananke_plugin_abi::module::<DenyCalls>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breach(policy: &str, text: &str) -> Option<String> {
        let vocab = Vocab::from_tokens("toy", &[b"x"], &[], &[]);
        let p = DenyCalls::new(&vocab).unwrap();
        let state = p.parse(policy).unwrap();
        lexer(&state)
            .feed(&state.policy, text.as_bytes())
            .err()
            .map(|i| state.policy[i].text())
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

    const TOKENS: &[&str] = &[
        "eval",
        "(",
        " eval",
        "(x",
        ")",
        "uate",
        " ",
        "os",
        ".system",
        "os.system(",
        "x = ",
        "\n",
        "'",
        "#",
        "subprocess",
        ".run",
        "(['ls'], ",
        "shell",
        "=",
        "True",
        ",",
        " shell=True",
        ")\n",
        "def",
        " eval(",
        "obj.",
        "Tru",
        "e",
        "\"",
        "exec(",
        "pickle.loads",
        "[",
        "]",
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
            let p = DenyCalls::new(&vocab).unwrap();
            let text: Vec<u32> = text.into_iter().map(|t| t as u32).collect();
            let checked = ananke_plugin_abi::check_mask_along(&p, &vocab, &p.parse("").unwrap(), &text);
            proptest::prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
        }
    }

    #[test]
    fn bad_rules_are_errors() {
        let vocab = Vocab::from_tokens("toy", &[b"x"], &[], &[]);
        let p = DenyCalls::new(&vocab).unwrap();
        assert!(p.parse("os..system").is_err());
        assert!(p.parse("run(shell)").is_err());
        assert!(p.parse("1abc").is_err());
        assert_eq!(p.parse("b; a; a").unwrap().policy.len(), 2);
    }
}
