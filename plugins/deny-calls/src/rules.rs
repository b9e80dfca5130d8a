//! [`Rule`]: one call a policy denies, and the policy text that lists
//! them.
//!
//! Apart from the reader: the rules are the plugin's interface (what a spec
//! writes); the reader only matches the calls it reads against them.

use ananke_plugin_abi::pylex::{is_name_byte, is_name_start};

/// The defaults, used when the policy text is empty.
pub const DEFAULTS: &str = "eval; exec; compile; __import__; os.system; os.popen; \
                            subprocess.*(shell=True); pickle.loads; marshal.loads";

/// Longest dotted name followed.
pub(crate) const MAX_CHAIN: usize = 96;
/// Longest keyword name or value in a rule.
pub(crate) const MAX_WORD: usize = 32;
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
    /// Whether a call spelt `chain` falls under the rule (its keyword
    /// aside).
    pub(crate) fn matches(&self, chain: &[u8]) -> bool {
        let name = self.name.as_bytes();
        if self.any_under {
            chain.len() > name.len() + 1 && chain.starts_with(name) && chain[name.len()] == b'.'
        } else {
            chain == name
        }
    }

    /// The rule as a policy writes it.
    pub(crate) fn text(&self) -> String {
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

/// Parses a policy text, sorted and without duplicates (the empty text
/// means [`DEFAULTS`]).
pub(crate) fn parse_rules(text: &str) -> Result<Vec<Rule>, String> {
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
    Ok(rules)
}

/// The rules of both policies, sorted and without duplicates.
pub(crate) fn meet_rules(a: &[Rule], b: &[Rule]) -> Vec<Rule> {
    let mut rules: Vec<Rule> = a.iter().chain(b.iter()).cloned().collect();
    rules.sort();
    rules.dedup();
    rules
}
