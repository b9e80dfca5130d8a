//! [`DenyCalls`]: the policy the host drives — parse, meet, mask,
//! observe, explain — over the reader ([`Lexer`]) and the call tokens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ananke_plugin_abi::{Policy, Tracked, Vocab, word_clear as clear, word_has as has};

use crate::calls::CallTokens;
use crate::reader::{Breach, Lexer};
use crate::rules::{Rule, meet_rules, parse_rules};

/// A deny-calls constraint: the rules (sorted), the text read, and why
/// it is ⊥ if it is.
pub type DenyState = Tracked<Arc<Vec<Rule>>, Lexer>;

/// The reader at the end of `c`'s text.
fn lexer(c: &DenyState) -> Lexer {
    c.lexer_or(Lexer::default)
}

/// The first rule reading `bytes` after `c`'s text breaks, if any.
fn breach(c: &DenyState, bytes: &[u8]) -> Option<Breach> {
    if c.policy.is_empty() {
        return None;
    }
    lexer(c).feed(&c.policy, bytes).err()
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
        parse_rules(text).map(|rules| Tracked::new(Arc::new(rules)))
    }

    fn meet(&self, a: &DenyState, b: &DenyState) -> DenyState {
        a.meet_with(b, |x, y| Arc::new(meet_rules(x, y)))
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

#[cfg(test)]
mod tests {
    use super::*;

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
