//! [`Template`]: Python with named holes, the text a multi-hole spec
//! fills.
//!
//! A hole is written where Python allows an `...`, and named by a comment
//! on the same line, so a template with every hole unfilled is ordinary
//! Python (`ast.parse` reads it; the `...` are Ellipsis literals):
//!
//! ```python
//! import heapq
//!
//! class Ranking:  # hole: ranking
//!     def top(self, xs: list[int], k: int) -> list[int]:
//!         ...  # hole: top
//!
//!     def total(self, xs: list[int]) -> int:
//!         best = ...  # hole: best
//!         return best
//! ```
//!
//! What a marker stands for is the `kind` its `[[holes]]` entry gives:
//!
//! - `body`: the `...` is the last statement of its block, alone on its
//!   line; the hole is the rest of the block (any number of statements at
//!   that indentation).
//! - `statement`: the `...` is a statement alone on its line; the hole is
//!   exactly one statement there (a compound one with its clauses).
//! - `expression`: the one `...` on the comment's line; the hole is one
//!   expression in its place.
//! - `block`: the comment ends a compound statement's header (`class
//!   Ranking:`); nothing is written there, the hole names the block so the
//!   holes inside it can have it as their `parent` (and share its
//!   constraints).
//!
//! Filling a hole replaces its `...` with the text written and drops the
//! marker comment; a `body` or `statement` text replaces the marker's
//! whole line, from the line break before it (see [`Template::fill`]).

pub mod cut;

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use ananke_pylex::{Token, TokenKind, is_name_byte, is_name_start, tokenize};

/// What stands for a body hole not written yet in the code after the
/// hole being written (see [`Template::around`]).
pub const BODY_STAND_IN: &str = "raise NotImplementedError";

/// What a hole of a template stands for (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HoleKind {
    /// The rest of a block: statements at the marker's indentation.
    Body,
    /// One statement.
    Statement,
    /// One expression.
    Expression,
    /// A compound statement's block, named for the holes inside it.
    Block,
}

impl HoleKind {
    /// The kinds, as a spec writes them.
    pub const NAMES: [&'static str; 4] = ["body", "statement", "expression", "block"];

    /// Whether the model writes this hole (a `block` only encloses).
    pub fn is_written(self) -> bool {
        self != HoleKind::Block
    }
}

impl FromStr for HoleKind {
    type Err = String;

    fn from_str(text: &str) -> Result<HoleKind, String> {
        Ok(match text {
            "body" => HoleKind::Body,
            "statement" => HoleKind::Statement,
            "expression" => HoleKind::Expression,
            "block" => HoleKind::Block,
            other => {
                return Err(format!(
                    "unknown hole kind `{other}` ({})",
                    HoleKind::NAMES.join(", ")
                ));
            }
        })
    }
}

impl fmt::Display for HoleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HoleKind::Body => "body",
            HoleKind::Statement => "statement",
            HoleKind::Expression => "expression",
            HoleKind::Block => "block",
        })
    }
}

/// One hole of a [`Template`], with byte ranges into its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateHole {
    /// The name its comment gives.
    pub name: String,
    /// What it stands for.
    pub kind: HoleKind,
    /// The `...` it replaces (for a `block`, the header's `:`).
    pub marker: Range<usize>,
    /// The marker comment with the blanks before it.
    pub comment: Range<usize>,
    /// Where the statement holding the marker begins (its line's start).
    pub statement_start: usize,
    /// That line's indentation, in bytes.
    pub indent: usize,
    /// The text the hole's constraints govern: for a `block`, from its
    /// header's line to the end of the block; otherwise the marker.
    pub extent: Range<usize>,
    /// For an `expression` hole, the type its value must have (see
    /// [`Template::expecting`]).
    pub expected: Option<String>,
}

impl TemplateHole {
    /// Where the text written for the hole starts in the template: the
    /// marker, or for `body` and `statement` the line break before the
    /// marker's line (see [`Template::fill`]).
    pub fn text_start(&self) -> usize {
        match self.kind {
            HoleKind::Body | HoleKind::Statement => self.statement_start.saturating_sub(1),
            _ => self.marker.start,
        }
    }

    /// Where the text that replaces the hole ends in the template: the
    /// marker's end, or for `body` and `statement` the end of its line
    /// (before its line break, which the code after the hole keeps).
    fn replaced_end(&self, text: &str) -> usize {
        match self.kind {
            HoleKind::Body | HoleKind::Statement => text[self.comment.end..]
                .find('\n')
                .map_or(text.len(), |i| self.comment.end + i),
            _ => self.marker.end,
        }
    }

    /// What follows the written text on the hole's own line (an
    /// expression's `)` before its marker comment; nothing for a body or
    /// a statement) and where the template goes on after it.
    fn after<'t>(&self, text: &'t str) -> (&'t str, usize) {
        match self.kind {
            HoleKind::Expression => (&text[self.marker.end..self.comment.start], self.comment.end),
            _ => ("", self.replaced_end(text)),
        }
    }
}

/// A template that does not fit its holes, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", .hole.as_ref().map(|h| format!("hole `{h}`: ")).unwrap_or_default())]
pub struct TemplateError {
    /// The hole at fault, if one is.
    pub hole: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl TemplateError {
    fn new(hole: Option<&str>, message: impl Into<String>) -> TemplateError {
        TemplateError {
            hole: hole.map(str::to_owned),
            message: message.into(),
        }
    }
}

/// Python with named holes (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    text: String,
    holes: Vec<TemplateHole>,
}

/// A hole marker as found in the text, before its kind is known.
struct Marker {
    name: String,
    comment: Token,
    /// The code tokens of the comment's line, before the comment.
    line: Vec<Token>,
    /// The previous significant token before the line's first code token.
    before: Option<Token>,
    /// The significant token after the comment.
    after: Option<Token>,
}

impl Template {
    /// Reads the holes of `text`; `kind_of` gives each named hole's kind
    /// (`None`: the name has no `[[holes]]` entry, an error). Every
    /// marker must have the form its kind asks for, and names are unique.
    pub fn parse(
        text: &str,
        kind_of: impl Fn(&str) -> Option<HoleKind>,
    ) -> Result<Template, TemplateError> {
        let tokens = tokenize(text.as_bytes());
        if let Some(bad) = tokens.iter().find(|t| t.kind == TokenKind::Error) {
            return Err(TemplateError::new(
                None,
                format!(
                    "Python cannot read the template at line {}",
                    line_of(text, bad.start)
                ),
            ));
        }
        let mut holes: Vec<TemplateHole> = Vec::new();
        for marker in markers(text, &tokens) {
            let name = marker.name.as_str();
            if holes.iter().any(|h| h.name == name) {
                return Err(TemplateError::new(Some(name), "is marked twice"));
            }
            let kind = kind_of(name).ok_or_else(|| {
                TemplateError::new(Some(name), "is in the template but has no [[holes]] entry")
            })?;
            holes.push(hole_of(text, &tokens, &marker, kind)?);
        }
        Ok(Template {
            text: text.to_owned(),
            holes,
        })
    }

    /// The text, every unfilled hole's marker in place.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The holes not filled yet (`block`s included), in the order of
    /// the text.
    pub fn holes(&self) -> &[TemplateHole] {
        &self.holes
    }

    /// A hole by name.
    pub fn hole(&self, name: &str) -> Option<&TemplateHole> {
        self.holes.iter().find(|h| h.name == name)
    }

    /// The holes the model still writes (not `block`s), in text order.
    pub fn unfilled(&self) -> impl Iterator<Item = &TemplateHole> {
        self.holes.iter().filter(|h| h.kind.is_written())
    }

    /// The code before hole `name` and after it: to the end (with
    /// `true`), later body holes standing in as [`BODY_STAND_IN`], or up
    /// to the next statement or expression hole still to write. Marker
    /// comments of holes in the suffix are kept; the hole's own is
    /// dropped.
    pub fn around(&self, name: &str) -> Result<(String, String, bool), TemplateError> {
        let hole = self
            .hole(name)
            .ok_or_else(|| TemplateError::new(Some(name), "is not in the template"))?;
        if !hole.kind.is_written() {
            return Err(TemplateError::new(
                Some(name),
                "is a block: nothing is written there",
            ));
        }
        if let Some(earlier) = self.unfilled().find(|h| h.marker.start < hole.marker.start) {
            return Err(TemplateError::new(
                Some(name),
                format!(
                    "comes after `{}`, which is not filled yet (holes are filled in the order of the text)",
                    earlier.name
                ),
            ));
        }
        let prefix = self.text[..hole.text_start()].to_owned();
        // Later body holes stand in as `raise NotImplementedError` (their
        // functions end, and nothing after a body hole in its block can
        // be left dead), so the code after the hole is judged to its end;
        // a later statement or expression hole has no such stand-in (a
        // name it would bind would be missing), so the code is judged up
        // to it.
        let later: Vec<&TemplateHole> = self
            .unfilled()
            .filter(|h| h.marker.start > hole.marker.start)
            .collect();
        let end = later
            .iter()
            .find(|h| h.kind != HoleKind::Body)
            .map_or(self.text.len(), |h| h.text_start());
        let (head, mut from) = hole.after(&self.text);
        let mut suffix = head.to_owned();
        for body in later.iter().filter(|h| h.text_start() < end) {
            suffix.push_str(&self.text[from..body.text_start()]);
            let pad = &self.text[body.statement_start..body.statement_start + body.indent];
            suffix.push_str(&format!("\n{pad}{BODY_STAND_IN}"));
            from = body.replaced_end(&self.text);
        }
        suffix.push_str(&self.text[from..end]);
        Ok((prefix, suffix, end == self.text.len()))
    }

    /// This template with hole `name` written as `code`. For `body` and
    /// `statement`, `code` starts with the line break before the hole's
    /// line and that line's indentation, and ends where its last line
    /// does (`"\n    total = sum(xs)"`): the line break that ends a line
    /// belongs to what follows, as a tokenizer that merges a break with
    /// the next line's indentation reads it (the model then writes the
    /// break and the indentation in one token, as it learned to). The
    /// other holes keep their markers; `block`s whose holes are all
    /// filled stay named.
    pub fn fill(&self, name: &str, code: &str) -> Result<Template, TemplateError> {
        let text = self.splice(name, code)?;
        let kinds: Vec<(String, HoleKind)> = self
            .holes
            .iter()
            .filter(|h| h.name != name)
            .map(|h| (h.name.clone(), h.kind))
            .collect();
        let mut filled = Template::parse(&text, |n| {
            kinds.iter().find(|(k, _)| k == n).map(|(_, kind)| *kind)
        })
        .map_err(|e| {
            TemplateError::new(Some(name), format!("its text breaks the template: {e}"))
        })?;
        for hole in &mut filled.holes {
            hole.expected = self.hole(&hole.name).and_then(|h| h.expected.clone());
        }
        Ok(filled)
    }

    /// This template with expression hole `name` expecting a value of
    /// type `annotation` (judged where the hole stands when it closes).
    pub fn expecting(mut self, name: &str, annotation: &str) -> Result<Template, TemplateError> {
        let hole = self
            .holes
            .iter_mut()
            .find(|h| h.name == name)
            .ok_or_else(|| TemplateError::new(Some(name), "is not in the template"))?;
        if hole.kind != HoleKind::Expression {
            return Err(TemplateError::new(
                Some(name),
                "only an expression hole has an expected type",
            ));
        }
        hole.expected = Some(annotation.to_owned());
        Ok(self)
    }

    /// The text with hole `name` written as `code` and the other holes'
    /// markers kept: what [`fill`](Template::fill) reads again, and the
    /// program when `code` breaks the template (a model's unconstrained
    /// text).
    pub fn splice(&self, name: &str, code: &str) -> Result<String, TemplateError> {
        let hole = self
            .hole(name)
            .filter(|h| h.kind.is_written())
            .ok_or_else(|| TemplateError::new(Some(name), "is not a hole left to fill"))?;
        let mut text = String::with_capacity(self.text.len() + code.len());
        let (head, from) = hole.after(&self.text);
        text.push_str(&self.text[..hole.text_start()]);
        text.push_str(code);
        text.push_str(head);
        text.push_str(&self.text[from..]);
        Ok(text)
    }

    /// Whether hole `inner` lies inside hole `outer`'s extent.
    pub fn encloses(&self, outer: &str, inner: &str) -> bool {
        match (self.hole(outer), self.hole(inner)) {
            (Some(o), Some(i)) => {
                o.name != i.name && o.extent.start <= i.extent.start && i.extent.end <= o.extent.end
            }
            _ => false,
        }
    }
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Whether a token is layout only (no code of its own).
fn is_layout(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Nl
            | TokenKind::Newline
            | TokenKind::Indent
            | TokenKind::Dedent
            | TokenKind::Comment
            | TokenKind::EndMarker
    )
}

/// The name a `# hole: name` comment gives, if it is one.
fn marker_name(comment: &str) -> Option<&str> {
    let rest = comment.strip_prefix('#')?.trim_start();
    let name = rest.strip_prefix("hole:")?.trim();
    let bytes = name.as_bytes();
    (!bytes.is_empty() && is_name_start(bytes[0]) && bytes.iter().all(|&b| is_name_byte(b)))
        .then_some(name)
}

/// Every hole marker comment of the text, in order.
fn markers(text: &str, tokens: &[Token]) -> Vec<Marker> {
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.kind != TokenKind::Comment {
            continue;
        }
        let Some(name) = marker_name(&text[token.start..token.end]) else {
            continue;
        };
        let line_start = text[..token.start].rfind('\n').map_or(0, |p| p + 1);
        let first = tokens[..i]
            .iter()
            .rposition(|t| t.start < line_start)
            .map_or(0, |p| p + 1);
        let line: Vec<Token> = tokens[first..i]
            .iter()
            .filter(|t| !is_layout(t.kind))
            .copied()
            .collect();
        let before = line.first().and_then(|head| {
            let upto = tokens.partition_point(|t| t.start < head.start);
            tokens[..upto]
                .iter()
                .rev()
                .find(|t| !matches!(t.kind, TokenKind::Nl | TokenKind::Comment))
                .copied()
        });
        let after = tokens[i + 1..]
            .iter()
            .find(|t| !matches!(t.kind, TokenKind::Nl | TokenKind::Comment))
            .copied();
        found.push(Marker {
            name: name.to_owned(),
            comment: *token,
            line,
            before,
            after,
        });
    }
    found
}

/// The hole a marker makes, if its line has the form `kind` asks for.
fn hole_of(
    text: &str,
    tokens: &[Token],
    marker: &Marker,
    kind: HoleKind,
) -> Result<TemplateHole, TemplateError> {
    let name = marker.name.as_str();
    let fail = |message: &str| Err(TemplateError::new(Some(name), message.to_owned()));
    let code = |t: &Token| &text[t.start..t.end];
    let ellipses: Vec<&Token> = marker.line.iter().filter(|t| code(t) == "...").collect();
    let Some(first) = marker.line.first() else {
        return fail("its comment is on a line without code");
    };
    let line_start = text[..first.start].rfind('\n').map_or(0, |p| p + 1);
    let statement_start = statement_start(text, tokens, first.start);
    let indent = text[statement_start..]
        .bytes()
        .take_while(|b| *b == b' ' || *b == b'\t')
        .count();
    let ends_logical_line = marker
        .after
        .is_none_or(|t| matches!(t.kind, TokenKind::Newline | TokenKind::EndMarker));
    let begins_statement = marker.before.is_none_or(|t| {
        matches!(
            t.kind,
            TokenKind::Newline | TokenKind::Indent | TokenKind::Dedent
        )
    }) && line_start == statement_start;
    let blanks = text[..marker.comment.start]
        .bytes()
        .rev()
        .take_while(|b| *b == b' ' || *b == b'\t')
        .count();
    let comment = marker.comment.start - blanks..marker.comment.end;
    let whole = |t: &Token| TemplateHole {
        name: name.to_owned(),
        kind,
        marker: t.start..t.end,
        comment: comment.clone(),
        statement_start,
        indent,
        extent: t.start..t.end,
        expected: None,
    };
    match kind {
        HoleKind::Body | HoleKind::Statement => {
            let alone = marker.line.len() == 1 && ellipses.len() == 1;
            if !(alone && begins_statement && ends_logical_line) {
                return fail("a body or statement hole is an `...` alone on its line");
            }
            if kind == HoleKind::Body {
                let next = tokens
                    .iter()
                    .skip_while(|t| t.start <= marker.comment.start)
                    .find(|t| {
                        !matches!(
                            t.kind,
                            TokenKind::Nl | TokenKind::Comment | TokenKind::Newline
                        )
                    });
                if !next.is_none_or(|t| matches!(t.kind, TokenKind::Dedent | TokenKind::EndMarker))
                {
                    return fail("a body hole is the last statement of its block");
                }
            }
            Ok(whole(ellipses[0]))
        }
        HoleKind::Expression => match ellipses.as_slice() {
            [one] => Ok(whole(one)),
            [] => fail("an expression hole's line has no `...`"),
            _ => fail("an expression hole's line has more than one `...`"),
        },
        HoleKind::Block => {
            let last = marker.line.last().expect("the line has code");
            if code(last) != ":" || !ends_logical_line {
                return fail("a block hole's comment ends a header line (`class C:`)");
            }
            let end = block_end(text, tokens, marker.comment.end);
            Ok(TemplateHole {
                marker: last.start..last.end,
                extent: statement_start..end,
                ..whole(last)
            })
        }
    }
}

/// Where the logical line holding `offset` begins: the start of the
/// physical line of its first token.
fn statement_start(text: &str, tokens: &[Token], offset: usize) -> usize {
    let upto = tokens.partition_point(|t| t.start < offset);
    let head = tokens[..upto]
        .iter()
        .rposition(|t| {
            matches!(
                t.kind,
                TokenKind::Newline | TokenKind::Indent | TokenKind::Dedent
            )
        })
        .and_then(|p| tokens[p + 1..].iter().find(|t| !is_layout(t.kind)))
        .map_or(offset, |t| t.start.min(offset));
    text[..head].rfind('\n').map_or(0, |p| p + 1)
}

/// Where the block under the header line ending at `after` ends: the
/// start of the line whose code leaves it (the text's end if none does).
fn block_end(text: &str, tokens: &[Token], after: usize) -> usize {
    let mut depth = 0i32;
    for token in tokens.iter().filter(|t| t.start >= after) {
        match token.kind {
            TokenKind::Indent => depth += 1,
            TokenKind::Dedent => {
                depth -= 1;
                if depth <= 0 {
                    return text[..token.start].rfind('\n').map_or(0, |p| p + 1);
                }
            }
            _ => {}
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANKING: &str = "import heapq\n\nclass Ranking:  # hole: ranking\n    def top(self, xs: list[int], k: int) -> list[int]:\n        \"\"\"The k largest.\"\"\"\n        ...  # hole: top\n\n    def total(self, xs: list[int]) -> int:\n        best = sum(...)  # hole: best\n        return best\n\nprint(Ranking().total([1]))\n";

    fn kinds(name: &str) -> Option<HoleKind> {
        match name {
            "ranking" => Some(HoleKind::Block),
            "top" => Some(HoleKind::Body),
            "best" => Some(HoleKind::Expression),
            "one" => Some(HoleKind::Statement),
            _ => None,
        }
    }

    #[test]
    fn markers_give_holes_in_order_with_their_extent() {
        let template = Template::parse(RANKING, kinds).unwrap();
        let names: Vec<&str> = template.holes().iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["ranking", "top", "best"]);
        assert!(template.encloses("ranking", "top"));
        assert!(template.encloses("ranking", "best"));
        assert!(!template.encloses("top", "best"));
        let ranking = template.hole("ranking").unwrap();
        assert!(RANKING[ranking.extent.clone()].starts_with("class Ranking:"));
        assert!(RANKING[ranking.extent.clone()].ends_with("return best\n\n"));
        assert_eq!(template.hole("top").unwrap().indent, 8);
    }

    #[test]
    fn around_and_fill_follow_the_order_of_the_text() {
        let template = Template::parse(RANKING, kinds).unwrap();
        let err = template.around("best").unwrap_err();
        assert!(
            err.to_string().contains("`top`, which is not filled"),
            "{err}"
        );
        let (prefix, suffix, last) = template.around("top").unwrap();
        assert!(prefix.ends_with("\"\"\"The k largest.\"\"\""));
        assert!(suffix.starts_with("\n\n    def total"));
        assert!(suffix.ends_with("best = sum("));
        assert!(!last);
        // A later body hole stands in; the code is judged to its end.
        let two = "def f() -> int:\n    ...  # hole: top\n\ndef g() -> int:\n    ...  # hole: g\n";
        let bodies = Template::parse(two, |_| Some(HoleKind::Body)).unwrap();
        let (_, suffix, last) = bodies.around("top").unwrap();
        assert_eq!(
            suffix,
            "\n\ndef g() -> int:\n    raise NotImplementedError\n"
        );
        assert!(last);
        let filled = template
            .fill("top", "\n        return heapq.nlargest(k, xs)")
            .unwrap();
        let (prefix, suffix, last) = filled.around("best").unwrap();
        assert!(prefix.contains("\"\"\"\n        return heapq.nlargest(k, xs)\n\n    def total"));
        assert!(prefix.ends_with("best = sum("));
        assert_eq!(
            suffix,
            ")\n        return best\n\nprint(Ranking().total([1]))\n"
        );
        assert!(last);
        let done = filled.fill("best", "xs").unwrap();
        assert!(done.text().contains("        best = sum(xs)\n"));
        assert_eq!(done.unfilled().count(), 0);
        assert_eq!(done.holes().len(), 1, "the block stays named");
    }

    #[test]
    fn a_marker_of_the_wrong_form_names_its_hole() {
        let bad = |text: &str| Template::parse(text, kinds).unwrap_err().to_string();
        assert!(bad("x = ...  # hole: top\n").contains("hole `top`: a body or statement"));
        assert!(
            bad("def f() -> None:\n    ...  # hole: top\n    pass\n").contains("last statement")
        );
        assert!(bad("x = 1  # hole: best\n").contains("no `...`"));
        assert!(bad("x = (..., ...)  # hole: best\n").contains("more than one"));
        assert!(bad("x = 1  # hole: ranking\n").contains("header line"));
        assert!(
            bad("...  # hole: nobody\n").contains("hole `nobody`: is in the template but has no")
        );
        assert!(bad("...  # hole: one\n...  # hole: one\n").contains("marked twice"));
        assert!(bad("x = $\n").contains("cannot read the template at line 1"));
        // A statement hole may stand anywhere a statement does.
        let ok = Template::parse("if x:\n    ...  # hole: one\nprint(1)\n", kinds).unwrap();
        assert_eq!(ok.hole("one").unwrap().kind, HoleKind::Statement);
        // A comment that only mentions holes is no marker.
        assert!(
            Template::parse("x = 1  # hole: is a word\n", kinds)
                .unwrap()
                .holes()
                .is_empty()
        );
    }

    #[test]
    fn an_expression_hole_in_a_continued_statement_knows_where_it_starts() {
        let text = "def f(xs: list[int]) -> int:\n    return max(\n        ...,  # hole: best\n        0)\n";
        let template = Template::parse(text, kinds).unwrap();
        let best = template.hole("best").unwrap();
        assert_eq!(
            &text[best.statement_start..best.statement_start + 10],
            "    return"
        );
        assert_eq!(best.indent, 4);
        let (_, suffix, _) = template.around("best").unwrap();
        assert_eq!(suffix, ",\n        0)\n");
    }

    #[test]
    fn kinds_parse_and_print() {
        for name in HoleKind::NAMES {
            assert_eq!(name.parse::<HoleKind>().unwrap().to_string(), name);
        }
        assert!(
            "term"
                .parse::<HoleKind>()
                .unwrap_err()
                .contains("body, statement")
        );
    }
}
