//! [`Style`]: the policy the host drives — parse, meet, mask, observe,
//! explain — over the reader ([`Lexer`]) and the token facts.

use ananke_plugin_abi::{Policy, Tracked, Vocab, word_clear as clear, word_has as has};

use crate::facts::{TokenFacts, cases};
use crate::reader::{Breach, Lexer, Role, describe, snake_enough};
use crate::settings::Settings;

/// A style constraint: the settings, the text read, and why it is ⊥ if
/// it is.
pub type StyleState = Tracked<Settings, Lexer>;

/// The reader at the end of `c`'s text.
fn lexer(c: &StyleState) -> Lexer {
    c.lexer_or(Lexer::start)
}

/// The first rule reading `bytes` after `c`'s text breaks, if any.
fn breach(c: &StyleState, bytes: &[u8]) -> Option<Breach> {
    let s = &c.policy;
    if !s.snake_case && s.max_line.is_none() {
        return None;
    }
    lexer(c).feed(s, bytes).err()
}

/// The policy (see the crate docs).
pub struct Style {
    facts: TokenFacts,
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
        Settings::parse(text).map(Tracked::new)
    }

    fn meet(&self, a: &StyleState, b: &StyleState) -> StyleState {
        a.meet_with(b, |x, y| x.meet(*y))
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

#[cfg(test)]
mod tests {
    use super::*;

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
