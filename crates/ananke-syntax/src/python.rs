//! The typed-Python grammar: `grammars/python.lark`, expanded.
//!
//! The file is a template (its header says why): sections marked
//! `%%statements`, `%%expressions`, `%%brackets` and `%%lexical`; rules and
//! terminals whose names end in `__w` / `__W` are instantiated per
//! indentation level, with `INDENT__W` and `DEEPER_name__w` filled in. This
//! module does the expansion, once, and caches the result.
//!
//! The expansion gives two grammars from the one template, so they cannot
//! drift apart. [`lark`], for llguidance: a newline terminal per level
//! carries that level's exact indentation (the lexer is greedy, so a line
//! indented to no open block fails at its first character), and each
//! bracket body is a nested sub-grammar whose whitespace includes
//! newlines (implicit line joining). [`xgrammar_lark`], for a backend
//! without a lexer: the same rules with whitespace written out after each
//! lexeme, bracket bodies as a renamed copy of the expression rules, and a
//! keyword-free `NAME` regex ([`name_regex_without`]). The grammar must
//! never reject code CPython accepts; `cargo xtask corpus stdlib` checks
//! that on the whole standard library.
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

/// Deepest space indentation the grammar accepts: 16 levels of four
/// spaces. Every level instantiates the statement rules once more, which
/// costs llguidance nothing measurable per token but xgrammar compile time
/// (about 30 s at 32 levels, 57 s at 64 on cl100k_base); the standard
/// library needs 40.
pub const MAX_SPACES: usize = 64;

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
    (
        "pattern_group",
        &[
            Bracket {
                open: "(",
                body: "pattern_tuple",
                optional: true,
                close: ")",
            },
            Bracket {
                open: "[",
                body: "pattern_list",
                optional: true,
                close: "]",
            },
            Bracket {
                open: "{",
                body: "mapping_body",
                optional: true,
                close: "}",
            },
        ],
    ),
    (
        "class_args",
        &[Bracket {
            open: "(",
            body: "class_body",
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

/// Keyword-free identifiers as one regular expression: for backends whose
/// Lark lacks llguidance's `&` and `~` (intersection and complement).
///
/// Built from a trie of the keywords: an identifier is not a keyword when
/// it leaves the trie at some character, or ends at a node where no
/// keyword ends.
pub fn name_regex_without(keywords: &[&str]) -> String {
    #[derive(Default)]
    struct Node {
        children: std::collections::BTreeMap<char, Node>,
        is_keyword: bool,
    }
    let mut root = Node::default();
    for keyword in keywords {
        let mut node = &mut root;
        for c in keyword.chars() {
            node = node.children.entry(c).or_default();
        }
        node.is_keyword = true;
    }
    const NON_ASCII: &str = r"\x80-\U0010FFFF";
    let class = |digits: bool, excluded: &std::collections::BTreeMap<char, Node>| {
        let mut chars: Vec<char> = ('a'..='z').chain('A'..='Z').chain(['_']).collect();
        if digits {
            chars.extend('0'..='9');
        }
        let listed: String = chars
            .into_iter()
            .filter(|c| !excluded.contains_key(c))
            .collect();
        format!("[{listed}{NON_ASCII}]")
    };
    let rest = format!("{}*", class(true, &std::collections::BTreeMap::new()));
    fn walk(
        node: &Node,
        at_root: bool,
        class: &dyn Fn(bool, &std::collections::BTreeMap<char, Node>) -> String,
        rest: &str,
    ) -> String {
        let mut alternatives: Vec<String> = node
            .children
            .iter()
            .map(|(c, child)| format!("{c}{}", walk(child, false, class, rest)))
            .collect();
        alternatives.push(format!("{}{rest}", class(!at_root, &node.children)));
        let body = alternatives.join("|");
        if !at_root && !node.is_keyword {
            format!("({body})?")
        } else {
            format!("({body})")
        }
    }
    walk(&root, true, &class, &rest)
}

/// One piece of a Lark rule body.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    /// A string literal or a regex: a lexeme.
    Lexeme(&'a str),
    /// A rule or terminal name.
    Name(&'a str),
    /// Anything else (operators, brackets, spaces), copied as is.
    Other(&'a str),
}

/// Splits a Lark rule body into lexemes, names and the rest.
fn pieces(body: &str) -> Vec<Piece<'_>> {
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            quote @ (b'"' | b'/') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                if quote == b'/' {
                    while i < bytes.len() && b"imslux".contains(&bytes[i]) {
                        i += 1;
                    }
                } else if i < bytes.len() && bytes[i] == b'i' {
                    i += 1;
                }
                out.push(Piece::Lexeme(&body[start..i]));
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push(Piece::Name(&body[start..i]));
            }
            _ => {
                i += body[i..].chars().next().map_or(1, char::len_utf8);
                out.push(Piece::Other(&body[start..i]));
            }
        }
    }
    out
}

fn is_terminal(name: &str) -> bool {
    name.chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Rewrites one definition for a backend without a lexer: every lexeme a
/// rule uses is followed by the whitespace terminal `ws` (what `%ignore`
/// does, made explicit), except newline terminals, which carry the next
/// line's exact indentation and so must not be followed by more of it;
/// rule names in `renamed` get the `__b` suffix of the bracket copy.
fn explicit_whitespace(item: &str, ws: &str, renamed: &[String]) -> String {
    let Some((head, body)) = item.split_once(':') else {
        return item.to_owned();
    };
    let name = head.trim();
    let rename = |n: &str| {
        if renamed.iter().any(|r| r == n) {
            format!("{n}__b")
        } else {
            n.to_owned()
        }
    };
    if is_terminal(name) {
        return item.to_owned();
    }
    let mut out = format!("{}:", rename(name));
    for piece in pieces(body) {
        match piece {
            // Grouped, so that a following `?`, `*` or `+` applies to the
            // lexeme with its whitespace.
            Piece::Lexeme(text) => out.push_str(&format!("({text} {ws})")),
            Piece::Name(n) if is_terminal(n) => {
                if n.starts_with("NL__") || n.starts_with("_FILE_") {
                    out.push_str(n);
                } else {
                    out.push_str(&format!("({n} {ws})"));
                }
            }
            Piece::Name(n) => out.push_str(&rename(n)),
            Piece::Other(text) => out.push_str(text),
        }
    }
    out
}

fn rule_names(items: &[String]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| item.split_once(':').map(|(name, _)| name.trim().to_owned()))
        .filter(|name| !is_terminal(name))
        .collect()
}

/// The hard keywords, read from the template's `KEYWORD` terminal.
fn keywords(lexical: &str) -> Vec<String> {
    let item = definitions(lexical)
        .into_iter()
        .find(|d| d.starts_with("KEYWORD:"))
        .expect("the lexical section defines KEYWORD");
    pieces(&item["KEYWORD:".len()..])
        .into_iter()
        .filter_map(|p| match p {
            Piece::Lexeme(text) => Some(text.trim_matches('"').to_owned()),
            _ => None,
        })
        .collect()
}

fn expand_for_xgrammar(template: &str) -> String {
    let s = sections(template);
    let statements = definitions(&expand_statements(s.statements));
    let expressions = definitions(s.expressions);
    let bracket_bodies = definitions(s.brackets);
    let mut inner_rules: Vec<String> = rule_names(&expressions);
    inner_rules.extend(rule_names(&bracket_bodies));
    inner_rules.extend(BRACKETED.iter().map(|(rule, _)| (*rule).to_owned()));

    let mut out =
        String::from("// Generated from grammars/python.lark for xgrammar; do not edit.\n");
    for item in &statements {
        out.push_str(&explicit_whitespace(item, "_W", &[]));
        out.push('\n');
    }
    for item in &expressions {
        out.push_str(&explicit_whitespace(item, "_W", &[]));
        out.push('\n');
    }
    // The bracket copy: rules only (terminals are shared).
    let is_rule = |item: &&String| {
        item.split_once(':')
            .is_some_and(|(name, _)| !is_terminal(name.trim()))
    };
    for item in expressions.iter().chain(&bracket_bodies).filter(is_rule) {
        out.push_str(&explicit_whitespace(item, "_WN", &inner_rules));
        out.push('\n');
    }
    for (rule, brackets) in BRACKETED {
        let alternatives = |suffix: &str, after_close: &str| {
            brackets
                .iter()
                .map(|b| {
                    let optional = if b.optional { "?" } else { "" };
                    format!(
                        "\"{}\" _WN {}__b{optional} \"{}\" {after_close}",
                        b.open, b.body, b.close
                    )
                })
                .collect::<Vec<_>>()
                .join(" | ")
                + suffix
        };
        out.push_str(&format!("{rule}: {}\n", alternatives("", "_W")));
        out.push_str(&format!("{rule}__b: {}\n", alternatives("", "_WN")));
    }
    let keywords = keywords(s.lexical);
    let keyword_refs: Vec<&str> = keywords.iter().map(String::as_str).collect();
    for item in definitions(s.lexical) {
        if item.starts_with("NAME:") {
            out.push_str(&format!("NAME: /{}/\n", name_regex_without(&keyword_refs)));
        } else if !item.starts_with("KEYWORD:") {
            out.push_str(&item);
            out.push('\n');
        }
    }
    out.push_str("_W: /([ \\t\\f]|\\\\\\r?\\n)*(#[^\\n]*)?/\n");
    out.push_str("_WN: /([ \\t\\f\\r\\n]|\\\\\\r?\\n|#[^\\n]*)*/\n");
    out
}

/// The grammar for backends without a lexer (xgrammar): no `%ignore`, no
/// nested grammars, no terminal complement. Whitespace follows each lexeme
/// explicitly (never a newline terminal), bracket contents are a renamed
/// copy of the expression rules whose whitespace includes newlines, and
/// `NAME` is a keyword-free regex. Same source, so the two cannot drift.
pub fn xgrammar_lark() -> &'static str {
    static LARK: OnceLock<String> = OnceLock::new();
    LARK.get_or_init(|| expand_for_xgrammar(TEMPLATE))
}

/// The grammar for `backend`: [`lark`] for llguidance, [`xgrammar_lark`]
/// for xgrammar.
pub fn grammar_for(backend: &str) -> GrammarSource {
    if backend == "xgrammar" {
        GrammarSource::Lark(xgrammar_lark().to_owned())
    } else {
        grammar()
    }
}

/// Whether `grammar` is the shipped Python grammar, for either backend:
/// its constraints are cached by [`Layout`](crate::layout::Layout), which
/// knows how this grammar reads Python's lines and blocks.
pub fn is_shipped(grammar: &GrammarSource) -> bool {
    matches!(grammar, GrammarSource::Lark(text) if text == lark() || text == xgrammar_lark())
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
        let level = |spaces: usize| levels.iter().find(|l| l.spaces == spaces).unwrap();
        let (last, before) = (MAX_SPACES, MAX_SPACES - 2);
        assert_eq!(
            instantiate(item, level(before), &levels),
            format!(
                "suite__s{before}: simple_stmts | (body__s{} | body__s{last})",
                before + 1
            )
        );
        assert_eq!(
            instantiate(item, level(last), &levels),
            format!("suite__s{last}: simple_stmts | \"\\u0000\"")
        );
        let nl = instantiate(r"NL__W: /\nINDENT__W/", &levels[2], &levels);
        assert_eq!(nl, r"NL__S2: /\n  /");
    }

    #[test]
    fn rule_bodies_split_into_pieces() {
        let p = pieces(r#" "if" named_test ":" suite__s4 | /a\/b/i NL__S4"#);
        assert!(p.contains(&Piece::Lexeme("\"if\"")));
        assert!(p.contains(&Piece::Lexeme(r"/a\/b/i")));
        assert!(p.contains(&Piece::Name("NL__S4")));
        assert_eq!(
            explicit_whitespace(r#"x: "a" NL__S0 y NAME+"#, "_W", &["y".to_owned()]),
            r#"x: ("a" _W) NL__S0 y__b (NAME _W)+"#
        );
    }

    #[test]
    fn xgrammar_variant_has_no_lexer_features() {
        let text = xgrammar_lark();
        assert!(!text.contains("%ignore") && !text.contains("%lark") && !text.contains("& ~"));
        assert!(text.contains("group__b: \"(\" _WN group_body__b? \")\" _WN"));
        assert!(text.contains("NL__S4: /"));
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
