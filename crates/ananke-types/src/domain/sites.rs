//! Sites: where the cursor is, and what the text so far constrains there
//! — an attribute being written after a receiver, a name read in a closed
//! body, a keyword after a complete expression.
//!
//! A site is found from the current statement's tokens
//! ([`tokenize`]) and the prefix's brackets. The
//! mask restricts the tokens a site allows (see
//! [`site_tokens`](super::site_tokens)), and the verdicts on events reuse
//! the helpers here that read a statement (its brackets, rebinding forms,
//! assignment targets). This module only reads text; it judges nothing.

use ananke_pylex::{Class, PyLexer, is_name_byte, is_name_start};

use super::classes::quote_index;
use super::scope_cell::ScopeCell;
use crate::prefix::{PrefixScan, Tok, TokKind, is_non_value_keyword, primary_start, tokenize};

/// Brackets deeper than this inside one statement skip expression
/// verdicts: the parser and checker recurse per level, and a verdict runs
/// on the caller's stack.
pub(crate) const MAX_DEPTH: usize = 32;

/// Where the cursor is.
pub(crate) enum Situation {
    /// Nothing is judged here: inside a triple-quoted or f-string, after
    /// `;` on a line, in bytes that are not yet UTF-8.
    Opaque,
    /// In code.
    Code(CodeSite),
    /// In a comment.
    Comment,
    /// In a single-quoted string that the quote with this index closes.
    String(usize),
}

/// What is constrained at a cursor in code.
pub(crate) struct CodeSite {
    /// An attribute being written.
    pub member: Option<MemberSite>,
    /// A name being read, in a closed body.
    pub name: Option<NameSite>,
    /// A closed body's line start, outside brackets: code at column 0
    /// would leave the body.
    pub line_start: bool,
    /// Outside brackets: a line break followed by code in one token would
    /// start a statement at column 0.
    pub top_level: bool,
    /// In a closed body (names read must be in scope).
    pub closed: bool,
    /// Not in a closed body, outside brackets: code at column 0 (at a
    /// line start, or after a line break in one token) would close every
    /// function the text is in.
    pub closing: bool,
    /// The text ends with a line break.
    pub at_line_start: bool,
    /// The text ends in a word (which a blank may end).
    pub ends_in_word: bool,
    /// A word written after a complete expression and a blank (`x an`):
    /// only a keyword can stand there, and Python reads a word as a whole
    /// (`x andy` is two names, never `x and y`).
    pub keyword: Option<KeywordSite>,
}

/// A name being read.
pub(crate) struct NameSite {
    /// The name so far, perhaps empty.
    pub partial: String,
    /// The name is an operand of a binary operator or comparison, where
    /// `not` and `lambda` cannot start an expression.
    pub operand: bool,
}

/// An attribute being written.
pub(crate) struct MemberSite {
    /// The receiver expression.
    pub receiver: String,
    /// `None` right after the receiver (a token starting with `.` may
    /// come); the name so far after `receiver.` otherwise.
    pub partial: Option<String>,
}

/// Keywords after which a name is read (not bound).
const LOAD_KEYWORDS: &[&str] = &[
    "return", "not", "and", "or", "in", "is", "if", "elif", "while", "assert", "del", "await",
    "yield", "raise", "else", "from", "with",
];

/// Where the cursor of `text` is (see [`Situation`]).
pub(crate) fn situation(
    text: &[u8],
    scan: &PrefixScan,
    scope: &ScopeCell,
    closed: bool,
) -> Situation {
    let Ok(text) = std::str::from_utf8(text) else {
        return Situation::Opaque;
    };
    if scan.after_semicolon {
        return Situation::Opaque;
    }
    if scan.in_comment() {
        return Situation::Comment;
    }
    // After `''`, every token but a third quote follows an empty literal:
    // the cursor is in code.
    if let Some(s) = scan.string()
        && !s.empty_or_triple()
    {
        // Right after a single opening quote the lexer cannot yet tell
        // an empty literal from a triple-quoted one, but a token that
        // starts with the quote and then an event (`")\n`) closes an
        // empty literal: a token of two quotes has no closing key.
        let just_opened = !s.triple && s.start + 1 == text.len();
        return if (s.closes_on_quote() || just_opened) && !s.fstring {
            Situation::String(quote_index(s.quote))
        } else {
            Situation::Opaque
        };
    }
    // Unreachable code is not checked (`Scope::unreachable`).
    if scope.get(text).is_some_and(|s| s.unreachable()) {
        return Situation::Opaque;
    }
    let top_level = scan.brackets.is_empty() && !scan.continues_line();
    let (stmt, toks) = statement(text, scan);
    let member = member_site(stmt, &toks, scan, scope, text);
    let name = if closed {
        name_site(stmt, &toks, scan)
    } else {
        None
    };
    let at_line_start = text.ends_with('\n');
    Situation::Code(CodeSite {
        member,
        name,
        line_start: closed && top_level && at_line_start,
        top_level: closed && top_level,
        closed,
        closing: !closed && top_level,
        at_line_start,
        keyword: keyword_site(stmt, &toks, scan.lexer()),
        ends_in_word: text.as_bytes().last().is_some_and(|&b| is_name_byte(b)),
    })
}

/// The keyword site after a complete expression (see
/// [`CodeSite::keyword`]).
pub(crate) struct KeywordSite {
    /// The word so far (after the blank).
    pub word: String,
    /// The bytes a name may start with that would continue the number the
    /// text ends in (`x`, `o`, `b`, `e`, `j` and `_` after `0`): a token
    /// starting with one is part of the literal (`0` then `xFF`), not a
    /// word after it.
    pub number_continues: String,
    /// Whether the expression ends in a string: a string prefix (`r`,
    /// `b`, `rb`, `f`, ...) may then begin the next literal of an
    /// implicit concatenation (`"a" r'b'`).
    pub after_string: bool,
}

/// The keyword site when the cursor is after a complete expression,
/// perhaps a blank and a word.
pub(crate) fn keyword_site(stmt: &str, toks: &[Tok], lexer: &PyLexer) -> Option<KeywordSite> {
    let last = toks.len().checked_sub(1)?;
    let ends_expression = |i: usize| {
        let e = toks[i];
        match e.kind {
            TokKind::Name => {
                let w = word(stmt, &e);
                // A soft keyword opening a statement (`match x`) is no
                // expression.
                !(is_non_value_keyword(w)
                    || i == 0 && matches!(w, "match" | "case" | "type" | "print"))
            }
            TokKind::String | TokKind::Close | TokKind::Number => true,
            _ => false,
        }
    };
    // `x not` (the start of `not in`): a keyword must follow too.
    let ends_operand = |i: usize| {
        ends_expression(i) || (word(stmt, &toks[i]) == "not" && i > 0 && ends_expression(i - 1))
    };
    let blank_between = |end: usize, to: usize| {
        end < to && stmt[end..to].bytes().all(|b| matches!(b, b' ' | b'\t'))
    };
    let at_end = toks[last].end == stmt.len();
    let after_string = |i: usize| toks[i].kind == TokKind::String;
    let site = |word: &str, i: usize| KeywordSite {
        word: word.to_owned(),
        number_continues: String::new(),
        after_string: after_string(i),
    };
    if at_end
        && last >= 1
        && toks[last].kind == TokKind::Name
        && blank_between(toks[last - 1].end, toks[last].start)
        && ends_operand(last - 1)
    {
        return Some(site(word(stmt, &toks[last]), last - 1));
    }
    if !ends_operand(last) {
        return None;
    }
    if at_end {
        // Right after a name, a word without a blank continues the name
        // (and one with a blank is `after_blank`'s); right after a number,
        // one may continue the number; after a string or a bracket, Python
        // reads any word as a new one.
        match toks[last].kind {
            TokKind::Name => None,
            TokKind::Number => Some(KeywordSite {
                number_continues: number_continues(lexer),
                ..site("", last)
            }),
            _ => Some(site("", last)),
        }
    } else if blank_between(toks[last].end, stmt.len()) {
        Some(site("", last))
    } else {
        None
    }
}

/// The bytes a name may start with that would continue the number being
/// read when the lexer is at `lexer` (see
/// [`KeywordSite::number_continues`]).
fn number_continues(lexer: &PyLexer) -> String {
    (0..0x80u8)
        .filter(|&b| is_name_start(b))
        .filter(|&b| {
            let mut next = *lexer;
            next.step(b) == Class::Number
        })
        .map(char::from)
        .collect()
}

/// First words of statements that define or import names, or are not
/// expressions at all: their names are not judged as reads.
pub(crate) const DEFINING: &[&str] = &[
    "import", "from", "def", "class", "global", "nonlocal", "match", "case", "async", "type",
];

/// Where a name being written is certainly read (so it must be in scope
/// once the body is closed): at an expression position that no binding
/// form can claim — not a target, not a keyword argument's name, not
/// inside brackets a comprehension could still follow, not in a statement
/// with a lambda or a comprehension. Returns the name so far.
pub(crate) fn name_site(stmt: &str, toks: &[Tok], scan: &PrefixScan) -> Option<NameSite> {
    let first = toks.first()?;
    let first_word = word(stmt, first);
    if DEFINING.contains(&first_word)
        || stmt.trim_start().starts_with('@')
        || rebinds(stmt, toks)
        || scan.brackets.len() > MAX_DEPTH
    {
        return None;
    }
    let last = toks.len() - 1;
    let ends_in_name = toks[last].kind == TokKind::Name && toks[last].end == stmt.len();
    let (partial, prev) = if ends_in_name {
        (word(stmt, &toks[last]).to_owned(), last.checked_sub(1)?)
    } else {
        (String::new(), last)
    };
    let p = toks[prev];
    let p_word = word(stmt, &p);
    // `x not` is the start of `not in`: the word after it is the keyword,
    // not a name read.
    if p_word == "not"
        && prev > 0
        && match toks[prev - 1].kind {
            TokKind::Name => !is_non_value_keyword(word(stmt, &toks[prev - 1])),
            TokKind::Close | TokKind::String | TokKind::Number => true,
            _ => false,
        }
    {
        return None;
    }
    let operand = match p.kind {
        TokKind::Op => {
            let assignment = p_word.ends_with('=') && !matches!(p_word, "==" | "<=" | ">=" | "!=");
            !(assignment || p_word == ":")
        }
        TokKind::Name => matches!(p_word, "in" | "is"),
        _ => false,
    };
    let site = NameSite { partial, operand };
    let brackets = brackets_in_statement(scan);
    if brackets.is_empty() {
        let header = matches!(
            first_word,
            "if" | "elif" | "else" | "while" | "for" | "with" | "try" | "except" | "finally"
        );
        let annotated = toks[..=prev]
            .iter()
            .any(|t| t.kind == TokKind::Op && word(stmt, t) == ":");
        let read = match p.kind {
            TokKind::Comma => matches!(first_word, "return" | "yield" | "assert" | "del"),
            TokKind::Op => match p_word {
                "=" => annotated && !header,
                "*" | "**" => false,
                ":" => !header,
                _ => true,
            },
            TokKind::Name => LOAD_KEYWORDS.contains(&p_word),
            _ => false,
        };
        return read.then_some(site);
    }
    // Inside brackets: none may still take a comprehension or be a
    // target.
    if brackets
        .iter()
        .any(|&open| comprehension_capable(toks, open))
        || target_capable(stmt, toks, brackets[0])
    {
        return None;
    }
    let innermost = *brackets.last()?;
    let call = is_call_paren(stmt, toks, innermost);
    let read = match p.kind {
        TokKind::Comma => !call,
        TokKind::Op => true,
        TokKind::Name => LOAD_KEYWORDS.contains(&p_word),
        _ => false,
    };
    read.then_some(site)
}

/// Whether the bracket opening at `open` (statement offset) has no
/// top-level comma yet, so a comprehension could still follow in it.
pub(crate) fn comprehension_capable(toks: &[Tok], open: usize) -> bool {
    let Some(i) = toks.iter().position(|t| t.start == open) else {
        return true;
    };
    let mut depth = 0usize;
    for t in &toks[i..] {
        match t.kind {
            TokKind::Open => depth += 1,
            TokKind::Close => depth = depth.saturating_sub(1),
            TokKind::Comma if depth == 1 => return false,
            _ => {}
        }
    }
    true
}

/// Whether the outermost bracket (opening at `open`) may be an
/// assignment target (`(a, b) = ...`, `x, [y, z] = ...`).
fn target_capable(stmt: &str, toks: &[Tok], open: usize) -> bool {
    let Some(i) = toks.iter().position(|t| t.start == open) else {
        return true;
    };
    let Some(before) = i.checked_sub(1).map(|b| toks[b]) else {
        return true;
    };
    match before.kind {
        TokKind::Comma => true,
        TokKind::Op => matches!(word(stmt, &before), "=" | "*"),
        TokKind::Name => word(stmt, &before) == "for",
        _ => false,
    }
}

/// Whether the bracket opening at `open` is a call's parenthesis.
fn is_call_paren(stmt: &str, toks: &[Tok], open: usize) -> bool {
    let Some(i) = toks.iter().position(|t| t.start == open) else {
        return true;
    };
    if stmt.as_bytes()[open] != b'(' || i == 0 {
        return false;
    }
    let before = toks[i - 1];
    match before.kind {
        TokKind::Name => !is_non_value_keyword(word(stmt, &before)),
        TokKind::Close | TokKind::String => true,
        _ => false,
    }
}

/// The statement so far and its tokens.
pub(crate) fn statement<'t>(text: &'t str, scan: &PrefixScan) -> (&'t str, Vec<Tok>) {
    let stmt = &text[scan.stmt_start..];
    (stmt, tokenize(stmt))
}

pub(crate) fn word<'t>(stmt: &'t str, tok: &Tok) -> &'t str {
    &stmt[tok.start..tok.end]
}

/// A lambda, a comprehension or `:=` in the statement: names are rebound
/// for part of it.
pub(crate) fn rebinds(stmt: &str, toks: &[Tok]) -> bool {
    toks.iter().enumerate().any(|(i, t)| match t.kind {
        // A word at the very end may still grow (`lambdas`).
        TokKind::Name if t.end == stmt.len() => false,
        TokKind::Name => {
            let w = word(stmt, t);
            w == "lambda" || (w == "for" && i > 0) || w == "async"
        }
        TokKind::Op => word(stmt, t) == ":=",
        _ => false,
    })
}

/// Whether a comprehension could still follow inside one of `brackets`
/// (offsets in the statement) and rebind a name among `names`: any name,
/// a builtin's or a module's too (pytest's `" OR ".join(type.value for
/// type in expected)`).
pub(crate) fn may_be_rebound(toks: &[Tok], brackets: &[usize], names: &[Tok]) -> bool {
    let capable = brackets
        .iter()
        .any(|&open| comprehension_capable(toks, open));
    capable
        && names
            .iter()
            .enumerate()
            .any(|(i, t)| t.kind == TokKind::Name && (i == 0 || names[i - 1].kind != TokKind::Dot))
}

/// Whether an operand before an `and` or `or` earlier in the statement
/// names the receiver's root (`isinstance(x, A) and x.a`, `type(o) is
/// type(self) and o.y`): it may narrow the receiver past what the scope
/// at the statement's start knows, so its members are left to the
/// finished statement's check.
fn narrowed_before(stmt: &str, toks: &[Tok], start: usize) -> bool {
    let root = toks[start];
    if root.kind != TokKind::Name {
        return false;
    }
    let before = &toks[..start];
    let names = |pred: &dyn Fn(&str) -> bool| {
        before
            .iter()
            .any(|t| t.kind == TokKind::Name && pred(word(stmt, t)))
    };
    names(&|w| matches!(w, "and" | "or")) && names(&|w| w == word(stmt, &root))
}

pub(crate) fn brackets_in_statement(scan: &PrefixScan) -> Vec<usize> {
    scan.brackets
        .iter()
        .filter(|(_, at)| *at >= scan.stmt_start)
        .map(|(_, at)| at - scan.stmt_start)
        .collect()
}

pub(crate) fn member_site(
    stmt: &str,
    toks: &[Tok],
    scan: &PrefixScan,
    scope: &ScopeCell,
    text: &str,
) -> Option<MemberSite> {
    let first = toks.first()?;
    if matches!(word(stmt, first), "import" | "from") || rebinds(stmt, toks) {
        return None;
    }
    if scan.brackets.len() > MAX_DEPTH {
        return None;
    }
    let last = toks.len() - 1;
    let t = toks[last];
    // Blanks (and, in brackets, line breaks) may separate the receiver,
    // the dot and the name; only a name being written ends the text.
    let (receiver_end, partial) = match t.kind {
        TokKind::Name
            if last >= 2 && toks[last - 1].kind == TokKind::Dot && t.end == stmt.len() =>
        {
            (last - 2, Some(word(stmt, &t).to_owned()))
        }
        TokKind::Dot if last >= 1 => (last - 1, Some(String::new())),
        TokKind::Name | TokKind::Close | TokKind::String => (last, None),
        _ => return None,
    };
    let r = toks[receiver_end];
    let receiver_ok = match r.kind {
        TokKind::Name => !is_non_value_keyword(word(stmt, &r)),
        TokKind::Close | TokKind::String => true,
        _ => false,
    };
    if !receiver_ok {
        return None;
    }
    let start = primary_start(stmt, toks, receiver_end)?;
    // `def f` / `class C` name a new thing; `x.y` after them is not
    // an attribute of something in scope.
    if start > 0
        && matches!(
            word(stmt, &toks[start - 1]),
            "def" | "class" | "as" | "global" | "nonlocal"
        )
    {
        return None;
    }
    if narrowed_before(stmt, toks, start) {
        return None;
    }
    if may_be_rebound(
        toks,
        &brackets_in_statement(scan),
        &toks[start..=receiver_end],
    ) {
        return None;
    }
    scope.get(text)?;
    Some(MemberSite {
        receiver: stmt[toks[start].start..r.end].to_owned(),
        partial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> PrefixScan {
        let mut scan = PrefixScan::default();
        scan.feed(text.as_bytes());
        scan
    }

    fn at(text: &str) -> Situation {
        let scan = scan(text);
        let cell = ScopeCell::new(scan.stmt_start, None);
        situation(text.as_bytes(), &scan, &cell, false)
    }

    /// The keyword site at the end of `text`: its word, and the letters
    /// that would continue the number the text ends in.
    fn keyword(text: &str) -> Option<(String, String)> {
        let scan = scan(text);
        let (stmt, toks) = statement(text, &scan);
        keyword_site(stmt, &toks, scan.lexer()).map(|site| (site.word, site.number_continues))
    }

    fn name(text: &str) -> Option<(String, bool)> {
        let scan = scan(text);
        let (stmt, toks) = statement(text, &scan);
        name_site(stmt, &toks, &scan).map(|site| (site.partial, site.operand))
    }

    fn member(text: &str) -> Option<(String, Option<String>)> {
        let scan = scan(text);
        let cell = ScopeCell::new(scan.stmt_start, None);
        let (stmt, toks) = statement(text, &scan);
        member_site(stmt, &toks, &scan, &cell, text).map(|site| (site.receiver, site.partial))
    }

    #[test]
    fn the_cursor_in_strings_and_comments() {
        assert!(matches!(at("x = 'ab"), Situation::String(0)));
        // Just opened: a closing token (`")`) closes an empty literal.
        assert!(matches!(at("x = f(1, \""), Situation::String(1)));
        assert!(matches!(at("x = f'"), Situation::Opaque));
        assert!(matches!(at("x = \"ab"), Situation::String(1)));
        assert!(matches!(at("x = f'ab"), Situation::Opaque));
        assert!(matches!(at("x = '''ab"), Situation::Opaque));
        assert!(matches!(at("x = 1  # c"), Situation::Comment));
        assert!(matches!(at("x = 1; y"), Situation::Opaque));
        // `''`: an empty string, unless a third quote comes.
        assert!(matches!(at("x = ''"), Situation::Code(_)));
    }

    #[test]
    fn keywords_follow_a_complete_expression() {
        let site = |word: &str| Some((word.to_owned(), String::new()));
        assert_eq!(keyword("x = y an"), site("an"));
        assert_eq!(keyword("x = 1 "), site(""));
        assert_eq!(keyword("x = (1)"), site(""));
        // After a string the site also takes the prefix of a next
        // literal (`'a' r'b'`; see `site_tokens`).
        assert_eq!(keyword("x = 'a' "), site(""));
        assert_eq!(keyword("x = 'a'"), site(""));
        assert_eq!(keyword("x = 'a' r"), site("r"));
        assert_eq!(keyword("x = 'a' an"), site("an"));
        let after_string = |text: &str| {
            let scanned = scan(text);
            let (stmt, toks) = statement(text, &scanned);
            keyword_site(stmt, &toks, scanned.lexer()).map(|site| site.after_string)
        };
        assert_eq!(after_string("x = 'a' r"), Some(true));
        assert_eq!(after_string("x = (a) r"), Some(false));
        assert_eq!(
            keyword("x = y"),
            None,
            "a word right after a name continues it"
        );
        assert_eq!(keyword("x = y +"), None);
        assert_eq!(
            keyword("match x"),
            None,
            "a soft keyword opens the statement"
        );
    }

    #[test]
    fn a_word_may_continue_the_number_the_text_ends_in() {
        let site = |letters: &str| Some((String::new(), letters.to_owned()));
        assert_eq!(keyword("x = 0"), site("BEJOX_bejox"));
        assert_eq!(keyword("x = 0x"), site("ABCDEF_abcdef"));
        assert_eq!(keyword("x = 1.5"), site("EJ_ej"));
        assert_eq!(keyword("x = 1j"), site(""));
        assert_eq!(keyword("x = 0 "), site(""));
    }

    #[test]
    fn names_are_read_where_no_binding_can_claim_them() {
        assert_eq!(name("    return fo"), Some(("fo".into(), false)));
        assert_eq!(name("    y = x + "), Some((String::new(), true)));
        assert_eq!(name("    y: int = "), Some((String::new(), false)));
        assert_eq!(name("    return [a, "), Some((String::new(), false)));
        assert_eq!(name("    y = "), None, "`y = z = 1` binds `z`");
        assert_eq!(name("    f(a, "), None, "a keyword argument's name");
        assert_eq!(name("    return [a"), None, "a comprehension may follow");
        assert_eq!(name("    f = lambda: "), None);
        assert_eq!(name("    import o"), None);
    }

    #[test]
    fn members_follow_a_complete_receiver() {
        let def = "def f(s: str, xs: list[int]) -> None:\n";
        let site = |receiver: &str, partial: Option<&str>| {
            Some((receiver.to_owned(), partial.map(str::to_owned)))
        };
        assert_eq!(member(&format!("{def}    s.up")), site("s", Some("up")));
        assert_eq!(member(&format!("{def}    xs[0].")), site("xs[0]", Some("")));
        assert_eq!(member(&format!("{def}    return s")), site("s", None));
        assert_eq!(member(&format!("{def}    import os.pa")), None);
        // A comprehension written later could rebind `s`.
        assert_eq!(member(&format!("{def}    ys = [s.up")), None);
        // An operand before `and` may have narrowed `s`.
        assert_eq!(
            member(&format!("{def}    b = isinstance(s, A) and s.up")),
            None
        );
        assert_eq!(
            member(&format!("{def}    b = xs and s.up")),
            site("s", Some("up"))
        );
    }
}
