//! The typed-Python grammar: `grammars/python.lark`, expanded.
//!
//! The file is a template (its header says why): sections marked
//! `%%statements`, `%%expressions`, `%%brackets` and `%%lexical`; rules and
//! terminals whose names end in `__w` / `__W` are instantiated per
//! indentation level, with `INDENT__W` and `DEEPER_name__w` filled in. This
//! module does the expansion, once, and caches the result.
//!
//! ```
//! use ananke_syntax::python;
//!
//! let lark = python::lark();
//! assert!(lark.contains("NL__S4: /"));
//! assert!(lark.contains("group__group_body: %lark {"));
//! ```

use std::sync::OnceLock;

use crate::GrammarSource;

/// The template, as shipped.
pub const TEMPLATE: &str = include_str!("../../../grammars/python.lark");

/// Deepest space indentation the grammar accepts.
pub const MAX_SPACES: usize = 32;

/// Deepest tab indentation the grammar accepts.
pub const MAX_TABS: usize = 8;

/// A bracketed construct: its opening bracket, the rule for its body (with
/// whether the body may be empty) and its closing bracket.
struct Bracket {
    open: &'static str,
    body: &'static str,
    optional: bool,
    close: &'static str,
}

/// The bracketed constructs, by rule name. Inside brackets newlines are
/// whitespace (implicit line joining), so at the top level each body and
/// its closing bracket form a nested sub-grammar with its own whitespace.
const BRACKETED: &[(&str, &[Bracket])] = &[
    (
        "group",
        &[
            Bracket {
                open: "(",
                body: "group_body",
                optional: true,
                close: ")",
            },
            Bracket {
                open: "[",
                body: "list_body",
                optional: true,
                close: "]",
            },
            Bracket {
                open: "{",
                body: "brace_body",
                optional: true,
                close: "}",
            },
        ],
    ),
    (
        "brackets",
        &[
            Bracket {
                open: "(",
                body: "arg_list",
                optional: true,
                close: ")",
            },
            Bracket {
                open: "[",
                body: "subscripts",
                optional: false,
                close: "]",
            },
        ],
    ),
    (
        "decl_group",
        &[Bracket {
            open: "(",
            body: "decl_body",
            optional: true,
            close: ")",
        }],
    ),
];

/// Whitespace right after an opening bracket. A sub-grammar may not start
/// with its `%ignore` whitespace, so it starts with this lexeme instead.
const BRACKET_LEADING_SPACE: &str = r"_BWS: /([ \t\f\r\n]|\\\r?\n|#[^\n]*)+/";

/// Whitespace between tokens outside brackets: blanks, backslash
/// continuations, comments.
const OUTER_IGNORE: &str = r"%ignore /[ \t\f]+|\\\r?\n|#[^\n]*/";

/// Whitespace inside brackets: newlines too.
const INNER_IGNORE: &str = r"%ignore /[ \t\f\r\n]+|\\\r?\n|#[^\n]*/";

/// One indentation level: a tag for names and its indentation text.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Level {
    tag: String,
    spaces: usize,
    tabs: usize,
}

impl Level {
    fn all() -> Vec<Level> {
        let spaces = (0..=MAX_SPACES).map(|n| Level {
            tag: format!("s{n}"),
            spaces: n,
            tabs: 0,
        });
        let tabs = (1..=MAX_TABS).map(|n| Level {
            tag: format!("t{n}"),
            spaces: 0,
            tabs: n,
        });
        spaces.chain(tabs).collect()
    }

    /// Levels a block at `self` may nest: more of the same character (and
    /// either kind below module level).
    fn is_deeper(&self, other: &Level) -> bool {
        if self.spaces == 0 && self.tabs == 0 {
            return other.spaces > 0 || other.tabs > 0;
        }
        (self.tabs == 0 && other.tabs == 0 && other.spaces > self.spaces)
            || (self.spaces == 0 && other.spaces == 0 && other.tabs > self.tabs)
    }

    fn indent_regex(&self) -> String {
        " ".repeat(self.spaces) + &r"\t".repeat(self.tabs)
    }
}

/// The sections of the template, in file order.
struct Sections<'a> {
    statements: &'a str,
    expressions: &'a str,
    brackets: &'a str,
    lexical: &'a str,
}

fn sections(template: &str) -> Sections<'_> {
    let find = |name: &str| {
        let marker = format!("\n%%{name}\n");
        let start = template
            .find(&marker)
            .unwrap_or_else(|| panic!("grammars/python.lark lacks the %%{name} section"))
            + marker.len();
        let end = template[start..]
            .find("\n%%")
            .map_or(template.len(), |e| start + e);
        &template[start..end]
    };
    Sections {
        statements: find("statements"),
        expressions: find("expressions"),
        brackets: find("brackets"),
        lexical: find("lexical"),
    }
}

/// Splits Lark text into definitions (a first line at column 0 plus its
/// indented continuation lines), dropping comments and blank lines.
fn definitions(text: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with("//") {
            continue;
        }
        if line.starts_with([' ', '\t'])
            && let Some(last) = items.last_mut()
        {
            last.push('\n');
            last.push_str(line);
            continue;
        }
        items.push(line.to_owned());
    }
    items
}

fn instantiate(item: &str, level: &Level, levels: &[Level]) -> String {
    let mut out = item.replace("INDENT__W", &level.indent_regex());
    // DEEPER_name__w → (name__v1 | name__v2 | ...)
    while let Some(at) = out.find("DEEPER_") {
        let rest = &out[at + "DEEPER_".len()..];
        let end = rest
            .find("__w")
            .expect("DEEPER_name__w is written with its __w suffix");
        let name = &rest[..end];
        let choices: Vec<String> = levels
            .iter()
            .filter(|v| level.is_deeper(v))
            .map(|v| format!("{name}__{}", v.tag))
            .collect();
        let replacement = if choices.is_empty() {
            // No deeper level: an alternative no Python source can take.
            "\"\\u0000\"".to_owned()
        } else {
            format!("({})", choices.join(" | "))
        };
        let span_end = at + "DEEPER_".len() + end + "__w".len();
        out.replace_range(at..span_end, &replacement);
    }
    out.replace("__w", &format!("__{}", level.tag))
        .replace("__W", &format!("__{}", level.tag.to_uppercase()))
}

fn expand_statements(text: &str) -> String {
    let levels = Level::all();
    let mut out = String::new();
    for item in definitions(text) {
        if item.contains("__w") || item.contains("__W") {
            for level in &levels {
                out.push_str(&instantiate(&item, level, &levels));
                out.push('\n');
            }
        } else {
            out.push_str(&item);
            out.push('\n');
        }
    }
    out
}

fn join_definitions(text: &str) -> String {
    definitions(text).join("\n") + "\n"
}

fn body_and_close(bracket: &Bracket) -> String {
    let optional = if bracket.optional { "?" } else { "" };
    format!("{}{optional} \"{}\"", bracket.body, bracket.close)
}

fn expand(template: &str) -> String {
    let s = sections(template);
    let expressions = join_definitions(s.expressions);
    let lexical = join_definitions(s.lexical);
    // Inside a sub-grammar the bracketed constructs are ordinary rules.
    let mut inner = join_definitions(s.brackets);
    for (rule, brackets) in BRACKETED {
        let alternatives: Vec<String> = brackets
            .iter()
            .map(|b| format!("\"{}\" {}", b.open, body_and_close(b)))
            .collect();
        inner.push_str(&format!("{rule}: {}\n", alternatives.join(" | ")));
    }
    let mut out = String::from(
        "// Generated from grammars/python.lark by ananke_syntax::python; do not edit.\n",
    );
    out.push_str(&expand_statements(s.statements));
    out.push_str(&expressions);
    // At the top level an opening bracket hands over to a sub-grammar that
    // parses the body and the closing bracket.
    for (rule, brackets) in BRACKETED {
        let mut alternatives = Vec::new();
        for bracket in brackets.iter() {
            let nested = format!("{rule}__{}", bracket.body);
            alternatives.push(format!("\"{}\" {nested}", bracket.open));
            out.push_str(&format!(
                "{nested}: %lark {{\nstart: _BWS? {}\n{BRACKET_LEADING_SPACE}\n{inner}{expressions}{lexical}{INNER_IGNORE}\n}}\n",
                body_and_close(bracket)
            ));
        }
        out.push_str(&format!("{rule}: {}\n", alternatives.join(" | ")));
    }
    out.push_str(&lexical);
    out.push_str(OUTER_IGNORE);
    out.push('\n');
    out
}

/// The expanded grammar in llguidance's Lark dialect.
pub fn lark() -> &'static str {
    static LARK: OnceLock<String> = OnceLock::new();
    LARK.get_or_init(|| expand(TEMPLATE))
}

/// The grammar as a [`GrammarSource`] for the llguidance backend.
pub fn grammar() -> GrammarSource {
    GrammarSource::Lark(lark().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_nest_by_kind() {
        let levels = Level::all();
        assert_eq!(levels.len(), MAX_SPACES + 1 + MAX_TABS);
        let s0 = &levels[0];
        let s4 = &levels[4];
        let t1 = levels.iter().find(|l| l.tag == "t1").unwrap();
        assert!(s0.is_deeper(s4) && s0.is_deeper(t1));
        assert!(!s4.is_deeper(t1) && !t1.is_deeper(s4) && !s4.is_deeper(s0));
        assert_eq!(t1.indent_regex(), r"\t");
    }

    #[test]
    fn templates_expand_per_level() {
        let levels = Level::all();
        let item = "suite__w: simple_stmts | DEEPER_body__w";
        let s30 = levels.iter().find(|l| l.tag == "s30").unwrap();
        assert_eq!(
            instantiate(item, s30, &levels),
            "suite__s30: simple_stmts | (body__s31 | body__s32)"
        );
        let s32 = levels.iter().find(|l| l.tag == "s32").unwrap();
        assert_eq!(
            instantiate(item, s32, &levels),
            "suite__s32: simple_stmts | \"\\u0000\""
        );
        let nl = instantiate(r"NL__W: /\nINDENT__W/", &levels[2], &levels);
        assert_eq!(nl, r"NL__S2: /\n  /");
    }

    #[test]
    fn every_section_is_used() {
        let lark = lark();
        assert!(lark.contains("start: _FILE_START?"));
        assert!(lark.contains("brackets: \"(\" brackets__arg_list | \"[\" brackets__subscripts\n"));
        assert!(lark.contains("brackets__subscripts: %lark {\nstart: _BWS? subscripts \"]\"\n"));
        assert!(lark.ends_with(&format!("{OUTER_IGNORE}\n")));
        assert!(!lark.contains("__w") && !lark.contains("__W") && !lark.contains("DEEPER_"));
    }
}
