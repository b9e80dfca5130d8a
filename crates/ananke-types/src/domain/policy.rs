//! The call policy in the types domain's mask: a token is rejected when
//! it completes a reference to a denied callable (see
//! [`crate::policy`] for what that is).
//!
//! A violation is complete when nothing written later can change what
//! the text reaches:
//!
//! * a name or attribute whose last name is one the policy denies is
//!   complete at the first byte that cannot continue the name (`eval` may
//!   still become `evaluate`; `eval(`, `eval ` and `eval)` cannot). The
//!   names that can be denied are few and known from the policy, so the
//!   tokens that could complete one are indexed once per vocabulary
//!   ([`PolicyIndex`]): those whose leading name ends inside them, and
//!   those holding a whole denied name between two other bytes
//!   (` eval(`, `.system(`); each such candidate is judged by appending
//!   it. Where the name may still be an assignment target or a keyword
//!   argument (`eval = 1`, `f(eval=1)`), a following `=` or `:` lets it
//!   through;
//! * a call or subscript is complete at its closing bracket
//!   (`getattr(os, "system")`, `sp.run(cmd, shell=True)`,
//!   `globals()["eval"]`), judged on the tokens whose event key closes it;
//! * a statement is complete at its end (`from os import *`, and the net
//!   for anything the cases above could not see, such as a denied name
//!   inside an f-string's field or a comprehension target shadowing one).
//!
//! A violation that a token completes somewhere the cases above cannot
//! follow (a closing bracket or a line end after a name inside one
//! token: `True)\n`) is found in the next state, which then allows
//! nothing: the program never holds a violation past the token after it.
//!
//! Only statements that mention a name the policy watches (its denied
//! names, the reflective built-ins, names bound to modules or imported
//! from modules without stubs) are walked, so ordinary code pays one scan
//! of the statement's tokens per state.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use ananke_core::{TokenId, TokenMask, Vocabulary};
use ananke_pylex::is_name_byte;

use super::Verdict;
use super::classes::TokenClasses;
use super::program::Program;
use super::sites::{statement, word};
use crate::check::{Reference, Scope};
use crate::policy::ResolvedPolicy;
use crate::prefix::{PrefixScan, Tok, TokKind, primary_start};

/// Built-ins and attributes through which a program reaches a member by
/// a name written as data.
const REFLECTIVE: &[&str] = &[
    "getattr",
    "vars",
    "globals",
    "locals",
    "__import__",
    "import_module",
    "modules",
    "__dict__",
    "__builtins__",
    "import",
    "attrgetter",
    "methodcaller",
];

/// The policy and the tokens that may complete one of its names, for one
/// vocabulary.
pub(crate) struct PolicyIndex {
    pub policy: Arc<ResolvedPolicy>,
    hazards: HashSet<Box<[u8]>>,
    watched: HashSet<String>,
    /// Tokens whose leading name (a tail of a hazard name) ends inside
    /// them, by that name: each with the name's end.
    tails: HashMap<Box<[u8]>, Vec<(TokenId, u16)>>,
    /// Tokens holding a whole hazard name after another byte and before
    /// one, by the name: each with the name's end.
    inner: HashMap<Box<[u8]>, Vec<(TokenId, u16)>>,
}

impl PolicyIndex {
    pub fn new(policy: Arc<ResolvedPolicy>, vocab: &Vocabulary) -> PolicyIndex {
        let hazards: HashSet<Box<[u8]>> = policy
            .names
            .iter()
            .map(|n| Box::from(n.as_bytes()))
            .collect();
        let mut tails_wanted: HashSet<&[u8]> = HashSet::new();
        for name in &hazards {
            for i in 0..name.len() {
                tails_wanted.insert(&name[i..]);
            }
        }
        let mut tails: HashMap<Box<[u8]>, Vec<(TokenId, u16)>> = HashMap::new();
        let mut inner: HashMap<Box<[u8]>, Vec<(TokenId, u16)>> = HashMap::new();
        for token in 0..vocab.len() as TokenId {
            if vocab.is_special(token) {
                continue;
            }
            let bytes = vocab.token_bytes(token).unwrap_or_default();
            for (start, end) in complete_runs(bytes) {
                let run = &bytes[start..end];
                let Ok(end) = u16::try_from(end) else { break };
                if start == 0 && tails_wanted.contains(run) {
                    tails.entry(Box::from(run)).or_default().push((token, end));
                } else if start > 0 && hazards.contains(run) {
                    inner.entry(Box::from(run)).or_default().push((token, end));
                }
            }
        }
        let mut watched: HashSet<String> = policy.names.iter().cloned().collect();
        watched.extend(REFLECTIVE.iter().map(|s| (*s).to_owned()));
        watched.extend(crate::policy::ESCAPES.iter().map(|s| (*s).to_owned()));
        watched.extend(policy.conditional_names());
        PolicyIndex {
            policy,
            hazards,
            watched,
            tails,
            inner,
        }
    }
}

/// The runs of ASCII name bytes in `bytes` that a byte of `bytes` ends
/// (a byte that cannot continue a name), as `(start, end)`.
fn complete_runs(bytes: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if !is_name_byte(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && is_name_byte(bytes[i]) {
                i += 1;
            }
            if i < bytes.len() && bytes[start..i].is_ascii() {
                return Some((start, i));
            }
        }
        None
    })
}

/// What a state knows about the policy (computed once per state).
pub(crate) struct PolicyMemo {
    /// A violation the text already holds: nothing may follow.
    held: Option<Arc<str>>,
    /// The statement mentions a watched name: its brackets and its end are
    /// judged.
    watched: bool,
    /// The name the text ends in, if it is a hazard: the verdicts on
    /// ending it by a call's `(` and by anything else, and whether it may
    /// still be an assignment target or keyword argument.
    finish: Option<Finish>,
    /// The text ends in `from module import ` of a module with a denied
    /// member: a `*` would bind it where the checker cannot follow it.
    star: Option<Arc<str>>,
    keys: Mutex<HashMap<(u8, u32), Verdict>>,
    prefixes: Mutex<HashMap<Vec<u8>, Verdict>>,
    eos: std::sync::OnceLock<Verdict>,
}

struct Finish {
    called: Verdict,
    other: Verdict,
    maybe_target: bool,
}

/// Where the text's cursor is, for the policy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Code,
    String(usize),
    Comment,
    Other,
}

fn place(scan: &PrefixScan) -> Place {
    if scan.in_comment() {
        Place::Comment
    } else if scan.in_code() {
        Place::Code
    } else if let Some(s) = scan.string()
        && s.closes_on_quote()
    {
        Place::String(super::classes::quote_index(s.quote))
    } else {
        Place::Other
    }
}

impl Program {
    fn policy_memo(&self, index: &PolicyIndex) -> &PolicyMemo {
        self.analysis().policy.get_or_init(|| {
            let text = self.text_str();
            // A long statement is read whole once it ends (`held`): a scan
            // of it at every state would cost its length per token.
            let watched = !self.in_long_statement()
                && text.is_some_and(|t| self.mentions_watched(t, &self.scan, index));
            PolicyMemo {
                held: text.and_then(|t| self.held(t, watched, index)),
                watched,
                finish: text.and_then(|t| self.finish(t, index)),
                star: text.and_then(|t| self.star(t, index)),
                keys: Mutex::new(HashMap::new()),
                prefixes: Mutex::new(HashMap::new()),
                eos: std::sync::OnceLock::new(),
            }
        })
    }

    fn scope_for(&self, text: &str) -> Option<Arc<Scope>> {
        self.scope.policy_scope(text)
    }

    /// Whether the statement being written (in `text`, scanned by `scan`)
    /// mentions a name the policy watches.
    fn mentions_watched(&self, text: &str, scan: &PrefixScan, index: &PolicyIndex) -> bool {
        let (stmt, toks) = statement(text, scan);
        let Some(scope) = self.scope_for(text) else {
            return false;
        };
        toks.iter().any(|t| {
            t.kind == TokKind::Name && {
                let w = word(stmt, t);
                index.watched.contains(w) || scope.policy_watches(w, &index.policy)
            }
        })
    }

    /// A violation the last token completed where no event could see it:
    /// a statement it ended, or the bracket the text ends with (in a
    /// statement that mentions a watched name: no other can reach one).
    fn held(&self, text: &str, watched: bool, index: &PolicyIndex) -> Option<Arc<str>> {
        let policy = &index.policy;
        if self.fresh_from < self.scan.stmt_start && self.fresh_from >= self.preamble {
            let done = &text[self.fresh_from..self.scan.stmt_start];
            if let Some(scope) = self.fresh.policy_scope(text)
                && let Some(v) = scope.policy_statement(policy, done, &[])
            {
                return Some(v.into());
            }
        }
        if watched && text.ends_with([')', ']']) && self.scan.in_code() {
            return self.bracket(text, &self.scan, index).err();
        }
        None
    }

    /// The verdict on the primary expression that ends with the bracket
    /// `text` ends with.
    fn bracket(&self, text: &str, scan: &PrefixScan, index: &PolicyIndex) -> Verdict {
        let (stmt, toks) = statement(text, scan);
        let Some(last) = toks.len().checked_sub(1) else {
            return Ok(());
        };
        if toks[last].kind != TokKind::Close || toks[last].end != stmt.len() {
            return Ok(());
        }
        let Some(first) = primary_start(stmt, &toks, last) else {
            return Ok(());
        };
        let Some(scope) = self.scope_for(text) else {
            return Ok(());
        };
        let primary = &stmt[toks[first].start..];
        let bound = bound_before(stmt, &toks, first);
        match scope.policy_expression(&index.policy, primary, &bound) {
            Some(v) => Err(v.into()),
            None => Ok(()),
        }
    }

    /// The verdict on the statement `text` ends (at a newline or `;`).
    fn statement_done(&self, text: &str, scan: &PrefixScan, index: &PolicyIndex) -> Verdict {
        let stmt = &text[scan.stmt_start..];
        let Some(scope) = self.scope_for(text) else {
            return Ok(());
        };
        match scope.policy_statement(&index.policy, stmt, &[]) {
            Some(v) => Err(v.into()),
            None => Ok(()),
        }
    }

    /// See [`PolicyMemo::star`].
    fn star(&self, text: &str, index: &PolicyIndex) -> Option<Arc<str>> {
        if !self.scan.in_code() || self.in_long_statement() {
            return None;
        }
        let (stmt, toks) = statement(text, &self.scan);
        let words: Vec<&str> = toks.iter().map(|t| word(stmt, t)).collect();
        if words.first() != Some(&"from") || words.last() != Some(&"import") {
            return None;
        }
        let module = words[1..words.len() - 1].concat();
        let reach = index.policy.module_denies(&module)?;
        Some(
            format!("call policy: `from {module} import *` would bind {reach}, which the policy denies, where no reference to it can be followed")
                .into(),
        )
    }

    /// The name `text` ends in, judged as complete.
    fn finish(&self, text: &str, index: &PolicyIndex) -> Option<Finish> {
        if !self.scan.in_code() {
            return None;
        }
        let run = text.bytes().rev().take_while(|&b| is_name_byte(b)).count();
        if run == 0 || !index.hazards.contains(&text.as_bytes()[text.len() - run..]) {
            return None;
        }
        let (reference, maybe_target) = self.reference_at(text, &self.scan)?;
        Some(Finish {
            called: self.judge_reference(text, &reference, true, index),
            other: self.judge_reference(text, &reference, false, index),
            maybe_target,
        })
    }

    fn judge_reference(
        &self,
        text: &str,
        reference: &Owned,
        called: bool,
        index: &PolicyIndex,
    ) -> Verdict {
        let Some(scope) = self.scope_for(text) else {
            return Ok(());
        };
        match scope.policy_reference(&index.policy, &reference.borrowed(), called) {
            Some(v) => Err(v.into()),
            None => Ok(()),
        }
    }

    /// The reference the name at the end of `text` makes, if it makes one,
    /// and whether the name may still be an assignment target or a
    /// keyword argument.
    fn reference_at(&self, text: &str, scan: &PrefixScan) -> Option<(Owned, bool)> {
        let (stmt, toks) = statement(text, scan);
        let i = toks.len().checked_sub(1)?;
        let last = toks[i];
        if last.kind != TokKind::Name || last.end != stmt.len() {
            return None;
        }
        let name = word(stmt, &last);
        if ananke_pylex::is_keyword(name.as_bytes()) {
            return None;
        }
        let prev = i.checked_sub(1).map(|p| toks[p]);
        if let Some(p) = prev
            && p.kind == TokKind::Dot
        {
            let before = i.checked_sub(2)?;
            let first = primary_start(stmt, &toks, before)?;
            let receiver = stmt[toks[first].start..p.start].trim();
            return Some((Owned::Member(receiver.to_owned(), name.to_owned()), false));
        }
        let head = toks.first().map(|t| word(stmt, t)).unwrap_or("");
        let prev_word = prev.map(|p| word(stmt, &p)).unwrap_or("");
        if head == "import" {
            return None;
        }
        if head == "from" {
            let import = toks.iter().position(|t| word(stmt, t) == "import")?;
            if i <= import || prev_word == "as" {
                return None;
            }
            let module: String = toks[1..import].iter().map(|t| word(stmt, t)).collect();
            if module.starts_with('.') {
                return None;
            }
            return Some((Owned::Imported(module, name.to_owned()), false));
        }
        if matches!(
            prev_word,
            "def" | "class" | "as" | "global" | "nonlocal" | "del"
        ) {
            return None;
        }
        if bound_before(stmt, &toks, i).iter().any(|b| b == name) || in_binding_list(stmt, &toks, i)
        {
            return None;
        }
        let maybe_target = prev.is_none() || matches!(prev_word, "(" | "," | "[" | "*" | "**");
        Some((Owned::Name(name.to_owned()), maybe_target))
    }

    /// The verdict on appending `prefix` (a token's bytes up to the end
    /// of a hazard name it holds) followed by `next`.
    fn prefix_verdict(&self, prefix: &[u8], next: &[u8], index: &PolicyIndex) -> Verdict {
        let memo = self.policy_memo(index);
        // What follows matters (a call's `(`, an assignment's `=`): the
        // key is the whole token.
        let mut key = prefix.to_vec();
        key.extend_from_slice(next);
        if let Some(v) = memo
            .prefixes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return v.clone();
        }
        let verdict = super::guarded(|| {
            let Ok(prefix) = std::str::from_utf8(prefix) else {
                return Ok(());
            };
            // In the state's buffer: the text is not copied per token.
            self.with_appended(prefix, |longer| {
                let mut scan = self.scan.clone();
                scan.feed(longer.as_bytes());
                if !scan.in_code() {
                    return Ok(());
                }
                let Some((reference, maybe_target)) = self.reference_at(longer, &scan) else {
                    return Ok(());
                };
                if maybe_target && target_follows(next) {
                    return Ok(());
                }
                let called = next.first() == Some(&b'(');
                self.judge_reference(longer, &reference, called, index)
            })
            .unwrap_or(Ok(()))
        })
        .unwrap_or(Ok(()));
        memo.prefixes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, verdict.clone());
        verdict
    }

    /// The verdict on the event key `key` of table `table` (0: code, 1
    /// and 2: closing a `'` or `"` string, 3: a comment's line end).
    fn policy_key(
        &self,
        classes: &TokenClasses,
        table: u8,
        key: u32,
        index: &PolicyIndex,
    ) -> Verdict {
        if key == 0 {
            return Ok(());
        }
        let memo = self.policy_memo(index);
        if let Some(v) = memo
            .keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(table, key))
        {
            return v.clone();
        }
        let parent = classes.parent[key as usize];
        let verdict = self
            .policy_key(classes, table, parent, index)
            .and_then(|()| {
                let bytes = &classes.keys[key as usize];
                let last = bytes[bytes.len() - 1];
                if !matches!(last, b')' | b']' | b'\n' | b';') {
                    return Ok(());
                }
                super::guarded(|| {
                    let (Some(text), Ok(more)) = (self.text_str(), std::str::from_utf8(bytes))
                    else {
                        return Ok(());
                    };
                    let mut longer = String::with_capacity(text.len() + more.len());
                    longer.push_str(text);
                    longer.push_str(&more[..more.len() - 1]);
                    let mut scan = self.scan.clone();
                    scan.feed(longer.as_bytes());
                    let at_end = |scan: &PrefixScan| {
                        scan.brackets.is_empty()
                            && !scan.continues_line()
                            && (scan.in_code() || scan.in_comment())
                    };
                    match last {
                        b'\n' | b';' if at_end(&scan) => self.statement_done(&longer, &scan, index),
                        b')' | b']' if scan.in_code() => {
                            longer.push(last as char);
                            scan.feed(longer.as_bytes());
                            self.bracket(&longer, &scan, index)
                        }
                        _ => Ok(()),
                    }
                })
                .unwrap_or(Ok(()))
            });
        memo.keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((table, key), verdict.clone());
        verdict
    }

    /// The verdict on ending the sequence here.
    fn policy_eos(&self, index: &PolicyIndex) -> Verdict {
        let memo = self.policy_memo(index);
        memo.eos
            .get_or_init(|| {
                if let Some(f) = &memo.finish {
                    f.other.clone()?;
                }
                if !memo.watched {
                    return Ok(());
                }
                let Some(text) = self.text_str() else {
                    return Ok(());
                };
                super::guarded(|| self.statement_done(text, &self.scan, index)).unwrap_or(Ok(()))
            })
            .clone()
    }

    /// The trailing name this state's text ends in (empty if none).
    fn trailing_name(&self) -> &[u8] {
        let bytes = self.text.as_bytes();
        let run = bytes.iter().rev().take_while(|&&b| is_name_byte(b)).count();
        &bytes[bytes.len() - run..]
    }

    /// The policy's verdict on one token (what its mask says of it).
    pub fn policy_verdict(
        &self,
        classes: &TokenClasses,
        index: &PolicyIndex,
        token: TokenId,
        bytes: &[u8],
    ) -> Verdict {
        let memo = self.policy_memo(index);
        if let Some(reason) = &memo.held {
            return Err(reason.clone());
        }
        if classes.eos.contains(token) {
            return self.policy_eos(index);
        }
        if bytes.is_empty() {
            return Ok(());
        }
        match place(&self.scan) {
            Place::Code => {
                if memo.watched {
                    self.policy_key(classes, 0, classes.code_key[token as usize], index)?;
                }
                if let Some(f) = &memo.finish
                    && !is_name_byte(bytes[0])
                {
                    finish_verdict(f, bytes)?;
                }
                if let Some(reason) = &memo.star
                    && starts_star(bytes)
                {
                    return Err(reason.clone());
                }
                let partial = self.trailing_name();
                for (start, end) in complete_runs(bytes) {
                    let mut name = if start == 0 {
                        partial.to_vec()
                    } else {
                        Vec::new()
                    };
                    name.extend_from_slice(&bytes[start..end]);
                    if index.hazards.contains(name.as_slice()) {
                        self.prefix_verdict(&bytes[..end], &bytes[end..], index)?;
                    }
                }
                Ok(())
            }
            Place::String(q) if memo.watched => self.policy_key(
                classes,
                1 + q as u8,
                classes.close_key[q][token as usize],
                index,
            ),
            Place::Comment if memo.watched && classes.has_newline.contains(token) => {
                self.policy_key(classes, 3, classes.newline_key, index)
            }
            _ => Ok(()),
        }
    }

    /// Clears in `out` the candidates the policy rejects.
    pub fn policy_mask(
        &self,
        classes: &TokenClasses,
        index: &PolicyIndex,
        vocab: &Vocabulary,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) {
        let memo = self.policy_memo(index);
        if memo.held.is_some() {
            out.fill(false);
            return;
        }
        if candidates.intersects(&classes.eos) && self.policy_eos(index).is_err() {
            out.and_not_with(&classes.eos);
        }
        let bytes_of = |t: TokenId| vocab.token_bytes(t).unwrap_or_default();
        match place(&self.scan) {
            Place::Code => {
                if memo.watched {
                    for token in candidates.iter_common(&classes.code_events) {
                        let key = classes.code_key[token as usize];
                        if self.policy_key(classes, 0, key, index).is_err() {
                            out.set(token, false);
                        }
                    }
                }
                if let Some(f) = &memo.finish {
                    for token in candidates.iter_common(&classes.non_idents) {
                        let bytes = bytes_of(token);
                        if !bytes.is_empty()
                            && !is_name_byte(bytes[0])
                            && finish_verdict(f, bytes).is_err()
                        {
                            out.set(token, false);
                        }
                    }
                }
                if memo.star.is_some() {
                    for token in candidates.iter_common(&classes.non_idents) {
                        if starts_star(bytes_of(token)) {
                            out.set(token, false);
                        }
                    }
                }
                let partial = self.trailing_name();
                let judge = |token: TokenId, end: u16, out: &mut TokenMask| {
                    if !candidates.contains(token) {
                        return;
                    }
                    let bytes = bytes_of(token);
                    let end = end as usize;
                    if self
                        .prefix_verdict(&bytes[..end], &bytes[end..], index)
                        .is_err()
                    {
                        out.set(token, false);
                    }
                };
                for name in &index.hazards {
                    if let Some(tail) = name.strip_prefix(partial)
                        && let Some(tokens) = index.tails.get(tail)
                    {
                        for &(token, end) in tokens {
                            judge(token, end, out);
                        }
                    }
                    for &(token, end) in index.inner.get(name).map_or(&[][..], Vec::as_slice) {
                        judge(token, end, out);
                    }
                }
            }
            Place::String(q) if memo.watched => {
                for token in candidates.iter_common(&classes.closes[q]) {
                    let key = classes.close_key[q][token as usize];
                    if self.policy_key(classes, 1 + q as u8, key, index).is_err() {
                        out.set(token, false);
                    }
                }
            }
            Place::Comment
                if memo.watched
                    && self
                        .policy_key(classes, 3, classes.newline_key, index)
                        .is_err() =>
            {
                out.and_not_with(&classes.has_newline);
            }
            _ => {}
        }
    }
}

/// A reference, owning its text.
enum Owned {
    Name(String),
    Member(String, String),
    Imported(String, String),
}

impl Owned {
    fn borrowed(&self) -> Reference<'_> {
        match self {
            Owned::Name(n) => Reference::Name(n),
            Owned::Member(r, n) => Reference::Member(r, n),
            Owned::Imported(m, n) => Reference::Imported(m, n),
        }
    }
}

/// Whether what follows a name (`next`, the rest of a token) makes it an
/// assignment target, an annotated name or a keyword argument: `=` (not
/// `==`) or `:` (not `:=`... which binds it too), blanks allowed before.
fn target_follows(next: &[u8]) -> bool {
    let rest: &[u8] = {
        let blanks = next
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        &next[blanks..]
    };
    match rest {
        [] => true,
        [b'=', b'=', ..] => false,
        [b'=', ..] | [b':', ..] => true,
        _ => false,
    }
}

/// Whether a token's first byte other than a blank is `*`.
fn starts_star(bytes: &[u8]) -> bool {
    bytes.iter().find(|&&b| b != b' ' && b != b'\t') == Some(&b'*')
}

/// The verdict of a state's [`Finish`] on a token that starts with a
/// byte ending the name.
fn finish_verdict(f: &Finish, bytes: &[u8]) -> Verdict {
    if f.maybe_target && target_follows(bytes) {
        return Ok(());
    }
    if bytes[0] == b'(' {
        f.called.clone()
    } else {
        f.other.clone()
    }
}

/// Names bound by lambdas, comprehensions and `:=` in the statement
/// before token `at` (they shadow the scope's for part of it; treated as
/// bound for all of it, which can only let a reference through to the
/// statement's end, where the walk reads scopes exactly).
fn bound_before(stmt: &str, toks: &[Tok], at: usize) -> Vec<String> {
    let mut bound = Vec::new();
    let mut binding = false;
    for (i, t) in toks[..at].iter().enumerate() {
        let w = word(stmt, t);
        match (t.kind, w) {
            (TokKind::Name, "lambda" | "for") => binding = true,
            (TokKind::Name, "in") | (_, ":") => binding = false,
            (TokKind::Name, _) if binding => bound.push(w.to_owned()),
            (TokKind::Name, _) if toks.get(i + 1).is_some_and(|n| word(stmt, n) == ":=") => {
                bound.push(w.to_owned());
            }
            _ => {}
        }
    }
    bound
}

/// Whether token `at` is inside a `for` target list or a lambda's
/// parameters still open.
fn in_binding_list(stmt: &str, toks: &[Tok], at: usize) -> bool {
    let mut binding = false;
    for t in &toks[..at] {
        match word(stmt, t) {
            "lambda" | "for" if t.kind == TokKind::Name => binding = true,
            "in" if t.kind == TokKind::Name => binding = false,
            ":" => binding = false,
            _ => {}
        }
    }
    binding
}
