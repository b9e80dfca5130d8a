//! [`HoleSession`]: writing one hole of a [`Template`], with the code
//! around it.
//!
//! The session under it holds the template's text before the hole,
//! committed, and every domain judges the hole's text as the code that
//! follows it. Two things only a hole knows are added:
//!
//! - **Its shape.** A `body` or `statement` hole's text starts with the
//!   line break before its line and ends where its last line does (see
//!   [`Template::fill`]). An `expression` hole never ends its statement (no
//!   line break outside brackets, no `;`, no comment that would hide the
//!   code after it on its line); no hole closes a bracket it did not
//!   open; a `body` hole's lines never leave its block; a `statement` hole
//!   holds one statement (its `else`/`elif`/`except`/`finally` clauses
//!   included), and a body or a statement starts with its code (no
//!   blank or comment line first). Tokens that would break it are taken
//!   out of the mask.
//! - **Its end.** The end-of-sequence token closes the hole, and the mask
//!   allows it only where the hole can close: its shape is complete (an
//!   expression parses as one, a block's last line may end), an
//!   `expected` type is met, and the code after the hole is accepted by
//!   every domain when it follows ([`Template::around`]): to the end of
//!   the program, later body holes standing in as
//!   [`BODY_STAND_IN`](crate::template::BODY_STAND_IN), where the program
//!   must then be able to end (the types domain checks the finished
//!   module there: a name the suffix reads must be bound, with a type that
//!   fits); or up to a later statement or expression hole still to
//!   write.
//!
//! The verdict on closing is computed once per position where the shape
//! is complete, and costs a fork of the session, a commit of each suffix
//! token (no mask) and, after the last hole, the end's judgement (the
//! types domain's check of the finished module, resumed from its last
//! checkpoint).

use std::sync::Arc;

use ananke_core::{TokenId, TokenMask};
use ananke_pylex::{CLAUSE_KEYWORDS, Class, PyLexer, Short, is_name_byte};

use crate::error::RuntimeError;
use crate::holes::HoleId;
use crate::session::{Explanation, Rejection, Session};
use crate::spec::SpecError;
use crate::template::{HoleKind, Template, TemplateHole};

/// Where a hole's text stands in its shape (see the module docs): a
/// lexer over the template's prefix and the hole, and what the hole has
/// written. `Copy`: a mask tries a token on a copy.
#[derive(Clone, Copy, Debug)]
struct Shape {
    kind: HoleKind,
    /// The column of the hole's statements (`body`, `statement`).
    indent: usize,
    lexer: PyLexer,
    /// Bracket depth where the hole starts.
    base_depth: u32,
    /// At the start of a line after a logical line's end: its blanks so
    /// far; `None` within a line.
    line_blanks: Option<usize>,
    /// Statements begun at the hole's column.
    statements: u32,
    /// A statement hole's line at its own column: the word it begins with
    /// so far (it must be a clause keyword).
    clause: Option<Short<8>>,
    /// Whether any code has been written.
    written: bool,
    /// A body or statement hole before its first line break: the hole
    /// starts with the break before its line (see [`Template::fill`]).
    lead: bool,
}

impl Shape {
    fn new(kind: HoleKind, indent: usize, prefix: &[u8]) -> Shape {
        let mut lexer = PyLexer::default();
        for &b in prefix {
            lexer.step(b);
        }
        Shape {
            kind,
            indent,
            base_depth: lexer.depth(),
            lexer,
            line_blanks: None,
            statements: 0,
            clause: None,
            written: false,
            lead: kind != HoleKind::Expression,
        }
    }

    /// Takes `bytes`; the reason if they break the shape.
    fn feed(&mut self, bytes: &[u8]) -> Result<(), &'static str> {
        bytes.iter().try_for_each(|&b| self.step(b))
    }

    /// Whether `bytes` would keep the shape (tried on a copy).
    fn accepts(mut self, bytes: &[u8]) -> Result<(), &'static str> {
        self.feed(bytes)
    }

    fn step(&mut self, b: u8) -> Result<(), &'static str> {
        let class = self.lexer.step(b);
        if self.lead {
            // The line break (CRLF too) that puts the hole on its line.
            return match class {
                Class::LineEnd { .. } => {
                    self.lead = false;
                    self.line_blanks = Some(0);
                    Ok(())
                }
                _ if b == b'\r' => Ok(()),
                _ => Err("a body or statement hole starts on a line of its own"),
            };
        }
        if let Some(word) = &mut self.clause
            && !matches!(class, Class::LineEnd { .. } | Class::Comment)
        {
            if is_name_byte(b) && !matches!(class, Class::StringStart | Class::String) {
                word.push(b);
                let so_far = word.get().unwrap_or_default();
                if !CLAUSE_KEYWORDS
                    .iter()
                    .any(|c| c.as_bytes().starts_with(so_far))
                {
                    return Err("a statement hole holds one statement");
                }
                return Ok(());
            }
            if !CLAUSE_KEYWORDS.iter().any(|c| word.is(c.as_bytes())) {
                return Err("a statement hole holds one statement");
            }
            self.clause = None;
        }
        if self.lexer.depth() < self.base_depth {
            return Err("the hole would close a bracket it did not open");
        }
        match class {
            // A line with no code (blank, or a comment): Python's NL,
            // whatever the byte reader calls it.
            Class::LineEnd { .. } if self.line_blanks.is_some() => {
                if self.kind != HoleKind::Expression && self.statements == 0 {
                    return Err("a hole starts with its code, not a blank line");
                }
                self.line_blanks = Some(0);
            }
            Class::LineEnd { logical: true } => {
                if self.kind == HoleKind::Expression {
                    return Err("an expression hole cannot end its statement");
                }
                if self.clause.is_some() {
                    return Err("a statement hole holds one statement");
                }
                self.line_blanks = Some(0);
            }
            Class::LineEnd { logical: false } => {}
            Class::Blank => {
                if let Some(n) = &mut self.line_blanks {
                    if b == b'\\' {
                        return Err("a line of the hole would start with a backslash");
                    }
                    *n += 1;
                }
            }
            Class::Comment => {
                if self.kind == HoleKind::Expression && self.lexer.depth() == 0 {
                    return Err("a comment would hide the code after the hole");
                }
                if self.kind != HoleKind::Expression && self.statements == 0 {
                    return Err("a hole starts with its code, not a comment");
                }
            }
            _ => {
                if let Some(column) = self.line_blanks.take() {
                    self.begin_statement(column, b)?;
                }
                if self.kind == HoleKind::Expression
                    && class == Class::Op
                    && b == b';'
                    && self.lexer.depth() == 0
                {
                    return Err("an expression hole cannot end its statement");
                }
                self.written = true;
            }
        }
        Ok(())
    }

    /// A line's first code byte `b`, at `column`.
    fn begin_statement(&mut self, column: usize, b: u8) -> Result<(), &'static str> {
        if column < self.indent {
            return Err("the hole's lines cannot leave its block");
        }
        if column == self.indent {
            if self.kind == HoleKind::Statement && self.statements > 0 {
                let mut word = Short::default();
                word.push(b);
                self.clause = Some(word);
            } else {
                self.statements += 1;
            }
        }
        Ok(())
    }

    /// Whether the text written so far may need the whole mask tried (at
    /// a line's start, or in a clause keyword); otherwise only tokens with
    /// a line break, `;`, `#` or a closing bracket can break the shape.
    fn needs_every_token(&self) -> bool {
        self.line_blanks.is_some() || self.clause.is_some()
    }

    /// Whether the hole's shape is complete here: for a body or a
    /// statement, its last line may end (the code after the hole begins
    /// with that line's break).
    fn complete(&self) -> Result<(), &'static str> {
        // `in_text`, not `!in_code`: two quotes are an empty string
        // unless a third comes. A comment ends with its line.
        let in_text = self.lexer.in_text() && !self.lexer.in_comment();
        if self.lexer.depth() != self.base_depth || in_text || self.lexer.continues_line() {
            return Err("the hole's last line is not finished");
        }
        match self.kind {
            HoleKind::Expression if !self.written => Err("the expression is empty"),
            HoleKind::Expression => Ok(()),
            _ if self.statements == 0 => Err("the hole holds no statement"),
            _ if self.clause.is_some() => Err("the hole's last line is not finished"),
            _ => Ok(()),
        }
    }
}

/// Writing one hole of a template (see the module docs). Made by
/// [`Ananke::hole_session`](crate::Ananke::hole_session).
pub struct HoleSession {
    session: Session,
    template: Template,
    hole: TemplateHole,
    hole_id: Option<HoleId>,
    expected: Option<Expected>,
    suffix: Vec<TokenId>,
    suffix_is_rest: bool,
    shape: Shape,
    /// Tokens that can break a shape within a line (see
    /// [`Shape::needs_every_token`]), from the compiled spec.
    shape_tokens: Arc<[TokenId]>,
    text: Vec<u8>,
    /// The verdict on closing here, once computed.
    verdict: Option<Result<(), String>>,
    /// A reused buffer of candidate tokens.
    candidates: Vec<TokenId>,
    closed: bool,
}

/// An expression hole's expected type and the scope it is judged in.
struct Expected {
    annotation: String,
    scope: ananke_types::Scope,
}

impl HoleSession {
    /// Writes hole `name` on `session`, a fresh one: the code before the
    /// hole is committed (a rejection there is the template's fault).
    pub(crate) fn start(
        mut session: Session,
        template: &Template,
        name: &str,
        shape_tokens: Arc<[TokenId]>,
    ) -> Result<HoleSession, RuntimeError> {
        let (prefix, suffix, suffix_is_rest) = template.around(name)?;
        let field = format!("task.template (the code before hole `{name}`)");
        session.commit_given(&prefix, &field)?;
        session.open_spec_hole(name);
        let hole = template.hole(name).expect("around found it").clone();
        let expected = match &hole.expected {
            Some(annotation) => Some(expected_in(template, &hole, annotation)?),
            None => None,
        };
        let suffix = session.encode(&suffix);
        let hole_id = session.holes().find(name);
        Ok(HoleSession {
            shape: Shape::new(hole.kind, hole.indent, prefix.as_bytes()),
            session,
            template: template.clone(),
            hole,
            hole_id,
            expected,
            suffix,
            suffix_is_rest,
            shape_tokens,
            text: Vec::new(),
            verdict: None,
            candidates: Vec::new(),
            closed: false,
        })
    }

    /// The hole being written.
    pub fn hole(&self) -> &TemplateHole {
        &self.hole
    }

    /// Its id in the session's hole tree (a hole of the spec).
    pub fn hole_id(&self) -> Option<HoleId> {
        self.hole_id
    }

    /// The session under it: the template's prefix and the hole's text
    /// committed.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The hole's text so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.text).into_owned()
    }

    /// Whether the end-of-sequence token closed the hole.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Writes the tokens allowed next into `out`: what every domain
    /// allows after the prefix and the hole's text, less what breaks the
    /// hole's shape; the end-of-sequence tokens where the hole can close.
    /// A closed hole allows nothing.
    pub fn compute_mask(&mut self, out: &mut TokenMask) -> Result<(), RuntimeError> {
        if self.closed {
            out.fill(false);
            return Ok(());
        }
        self.session.compute_mask(out)?;
        let vocab = Arc::clone(self.session.vocab());
        let vocabulary = vocab.vocabulary();
        self.candidates.clear();
        if self.shape.needs_every_token() {
            self.candidates.extend(out.iter());
        } else {
            self.candidates
                .extend(self.shape_tokens.iter().filter(|t| out.contains(**t)));
        }
        for &token in &self.candidates {
            let bytes = vocabulary.try_token_bytes(token)?;
            if self.shape.accepts(bytes).is_err() {
                out.set(token, false);
            }
        }
        let closes = self.close_verdict()?.is_ok();
        for &eos in vocabulary.eos() {
            out.set(eos, closes);
        }
        Ok(())
    }

    /// Appends `token` to the hole, or closes it with an end-of-sequence
    /// token; [`RuntimeError::Rejected`] (the session unchanged) where
    /// the mask would not allow it.
    pub fn commit(&mut self, token: TokenId) -> Result<(), RuntimeError> {
        let vocab = Arc::clone(self.session.vocab());
        let bytes = vocab.vocabulary().try_token_bytes(token)?;
        let rejected = |why: String| RuntimeError::Rejected {
            token,
            text: String::from_utf8_lossy(bytes).into_owned(),
            reasons: vec![("hole".to_owned(), why)],
        };
        if self.closed {
            return Err(rejected(format!("hole `{}` is closed", self.hole.name)));
        }
        if vocab.vocabulary().eos().contains(&token) {
            return match self.close_verdict()? {
                Ok(()) => {
                    self.closed = true;
                    Ok(())
                }
                Err(why) => Err(rejected(format!(
                    "hole `{}` cannot close here: {why}",
                    self.hole.name
                ))),
            };
        }
        let mut shape = self.shape;
        shape
            .feed(bytes)
            .map_err(|why| rejected(format!("hole `{}`: {why}", self.hole.name)))?;
        self.session.commit(token)?;
        self.shape = shape;
        self.text.extend_from_slice(bytes);
        self.verdict = None;
        Ok(())
    }

    /// Why `token` is or is not allowed next: the hole's own reason
    /// (its shape, or why it cannot close for an end-of-sequence token) as
    /// a rejection by `hole`, else each domain's, with the provenance of
    /// its constraint.
    pub fn explain(&mut self, token: TokenId) -> Result<Explanation, RuntimeError> {
        let vocab = Arc::clone(self.session.vocab());
        let bytes = vocab.vocabulary().try_token_bytes(token)?;
        let text = String::from_utf8_lossy(bytes).into_owned();
        let source = format!("hole `{}` ({})", self.hole.name, self.hole.kind);
        let own = |reason: String| Explanation {
            token,
            text: text.clone(),
            allowed: false,
            rejections: vec![Rejection {
                domain: "hole".to_owned(),
                reason,
                provenance: vec![source.clone()],
            }],
        };
        if vocab.vocabulary().eos().contains(&token) {
            return Ok(match self.close_verdict()? {
                Ok(()) => Explanation {
                    token,
                    text: text.clone(),
                    allowed: true,
                    rejections: Vec::new(),
                },
                Err(why) => own(format!("it cannot close here: {why}")),
            });
        }
        if let Err(why) = self.shape.accepts(bytes) {
            return Ok(own(why.to_owned()));
        }
        self.session.explain(token)
    }

    /// Whether the hole may close here, and why not.
    pub fn can_close(&mut self) -> Result<Result<(), String>, RuntimeError> {
        self.close_verdict()
    }

    /// The template with this hole written (its text so far).
    pub fn filled(&self) -> Result<Template, RuntimeError> {
        Ok(self.template.fill(&self.hole.name, &self.text())?)
    }

    fn close_verdict(&mut self) -> Result<Result<(), String>, RuntimeError> {
        if let Some(verdict) = &self.verdict {
            return Ok(verdict.clone());
        }
        let verdict = self.judge_close()?;
        self.verdict = Some(verdict.clone());
        Ok(verdict)
    }

    fn judge_close(&self) -> Result<Result<(), String>, RuntimeError> {
        if let Err(why) = self.shape.complete() {
            return Ok(Err(why.to_owned()));
        }
        let text = self.text();
        if self.hole.kind == HoleKind::Expression && !parses_as_expression(&text) {
            return Ok(Err("the text is not one expression".to_owned()));
        }
        if let Some(expected) = &self.expected
            && let Some(why) = expected.mismatch(&text)
        {
            return Ok(Err(why));
        }
        let mut after = self.session.fork()?;
        if let Some(why) = after.commit_until_rejected(&self.suffix)? {
            return Ok(Err(format!("the code after the hole is rejected {why}")));
        }
        if self.suffix_is_rest && !after.is_accepting()? {
            return Ok(Err(
                "the program with the code after the hole cannot end".to_owned()
            ));
        }
        Ok(Ok(()))
    }
}

impl Expected {
    /// Why `text` does not have the expected type here (`None`: it does,
    /// or the checker cannot tell).
    fn mismatch(&self, text: &str) -> Option<String> {
        let probe = format!("__hole__: {} = (\n{text}\n)\n", self.annotation);
        let diagnostics = self.scope.check_statement(&probe)?;
        diagnostics
            .iter()
            .find(|d| {
                matches!(d.code, "assignment" | "list-item" | "dict-item")
                    || (d.code == "misc"
                        && d.message.contains("comprehension has incompatible type"))
            })
            .map(|d| format!("the hole expects `{}`: {}", self.annotation, d.message))
    }
}

/// The scope an expression hole's expected type is judged in (where its
/// statement starts); the annotation must name a type there.
fn expected_in(
    template: &Template,
    hole: &TemplateHole,
    annotation: &str,
) -> Result<Expected, RuntimeError> {
    let field = format!("holes.{}.expected", hole.name);
    let text = template.text();
    let indent = &text[hole.statement_start..hole.statement_start + hole.indent];
    let scope = ananke_types::scope_at(&text[..hole.statement_start], indent).ok_or_else(|| {
        SpecError::new(
            field.clone(),
            "the code before the hole does not parse, so its scope is unknown",
        )
    })?;
    let declared = scope
        .check_statement(&format!("__hole__: {annotation}\n"))
        .ok_or_else(|| SpecError::new(field.clone(), format!("`{annotation}` does not parse")))?;
    if let Some(d) = declared.first() {
        return Err(SpecError::new(field, format!("`{annotation}`: {}", d.message)).into());
    }
    // The checker reads a name it does not know in an annotation as
    // `Any`; a spec's expected type must name what is in scope.
    let known = scope.names();
    let bytes = annotation.as_bytes();
    for token in ananke_pylex::tokenize(bytes) {
        let name = &annotation[token.start..token.end];
        let after_dot = annotation[..token.start].trim_end().ends_with('.');
        if token.kind == ananke_pylex::TokenKind::Name
            && !after_dot
            && !ananke_pylex::is_keyword(name.as_bytes())
            && known.binary_search_by(|n| (**n).cmp(name)).is_err()
        {
            return Err(SpecError::new(
                field,
                format!("`{annotation}` names `{name}`, which is not in scope at the hole"),
            )
            .into());
        }
    }
    Ok(Expected {
        annotation: annotation.to_owned(),
        scope,
    })
}

/// Whether `text` is one expression: as a list element, or in
/// parentheses (a `yield`).
fn parses_as_expression(text: &str) -> bool {
    [("[\n", "\n]"), ("(\n", "\n)")]
        .iter()
        .any(|(open, close)| {
            ruff_python_parser::parse_expression(&format!("{open}{text}{close}")).is_ok()
        })
}

/// Tokens that can break a hole's shape in the middle of a line: a line
/// break, `;`, `#` or a closing bracket among their bytes.
pub(crate) fn shape_tokens(vocabulary: &ananke_core::Vocabulary) -> Arc<[TokenId]> {
    (0..vocabulary.len())
        .filter_map(|i| {
            let token = TokenId::try_from(i).ok()?;
            let bytes = vocabulary.try_token_bytes(token).ok()?;
            bytes
                .iter()
                .any(|b| b"\n\r;#)]}".contains(b))
                .then_some(token)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(kind: HoleKind, prefix: &str, indent: usize) -> Shape {
        Shape::new(kind, indent, prefix.as_bytes())
    }

    #[test]
    fn an_expression_hole_stays_one_expression() {
        let start = shape(HoleKind::Expression, "x = f(", 0);
        let mut s = start;
        assert!(s.feed(b"a, b").is_ok());
        assert!(s.complete().is_ok());
        assert!(start.accepts(b"a)").is_err(), "closes the call");
        assert!(start.accepts(b"[a,\n b]").is_ok(), "inside brackets");
        let start = shape(HoleKind::Expression, "x = ", 0);
        assert!(start.accepts(b"1\n").is_err());
        assert!(start.accepts(b"1; y = 2").is_err());
        assert!(start.accepts(b"1  # note").is_err());
        assert!(start.clone().complete().is_err(), "empty");
        let mut quotes = start;
        quotes.feed(b"''").unwrap();
        assert!(quotes.complete().is_ok(), "an empty string is finished");
    }

    #[test]
    fn a_body_hole_keeps_to_its_block_and_ends_with_its_line() {
        let start = shape(HoleKind::Body, "def f() -> int:", 4);
        assert!(start.accepts(b" x = 1").is_err(), "its own line");
        let mut s = start;
        assert!(s.feed(b"\n    x = 1").is_ok());
        assert!(s.complete().is_ok());
        assert!(s.feed(b"\n    if x:\n        return 1  # one").is_ok());
        assert!(s.complete().is_ok(), "a comment ends with its line");
        assert!(s.accepts(b"\ny = 2").is_err(), "leaves the block");
        let comment = b"\n# a comment at column 0\n    return x";
        assert!(s.accepts(comment).is_ok());
        assert!(
            start.accepts(b"\n\n    x = 1").is_err(),
            "no blank line first"
        );
        assert!(start.accepts(b"\n    # note").is_err(), "no comment first");
        assert!(s.accepts(b"\n\\\n").is_err(), "no line of a backslash");
        let mut partial = start;
        partial.feed(b"\n    return (1 +").unwrap();
        assert!(partial.complete().is_err());
    }

    #[test]
    fn a_statement_hole_holds_one_statement_with_its_clauses() {
        let start = shape(HoleKind::Statement, "def f(x: int) -> int:", 4);
        let mut s = start;
        s.feed(b"\n    if x:\n        x = 1").unwrap();
        assert!(s.complete().is_ok());
        let mut clause = s;
        assert!(clause.feed(b"\n    else:\n        x = 2").is_ok());
        assert!(clause.complete().is_ok());
        assert!(s.accepts(b"\n    return x").is_err());
        let mut split = s;
        assert!(split.feed(b"\n    el").is_ok(), "the word is not finished");
        assert!(split.complete().is_err());
        assert!(split.feed(b"if x:").is_ok());
    }

    #[test]
    fn expressions_parse_in_a_list_or_in_parentheses() {
        assert!(parses_as_expression("a + b"));
        assert!(parses_as_expression("*xs"));
        assert!(parses_as_expression("yield x"));
        assert!(!parses_as_expression("y = 2"));
        assert!(!parses_as_expression("a +"));
    }
}
