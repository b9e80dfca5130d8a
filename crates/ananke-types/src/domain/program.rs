//! [`Program`]: one state of the program being written, and the
//! verdicts asked of it: what the type checker says about the program
//! after one of the events of [`classes`](super::classes), asked of the
//! text so far.
//!
//! Each check asks only what the text already settles, so that a verdict
//! never rejects a program some continuation would make well-typed:
//!
//! * a statement ends (newline or `;` outside brackets): the statement
//!   is complete, and checking it in the scope before it is what the
//!   whole-module checker would do;
//! * a header's `:` (`if`, `elif`, `while`, `for`, `with`): the header
//!   is complete;
//! * a call's `)`: the call is complete; its `,`: the arguments so far
//!   are, and some signature must still accept them as a prefix;
//! * a `.` after an expression, or an attribute name being written: the
//!   receiver is complete, and the name must begin a member of its type
//!   when the type's members are all known;
//! * the end of the sequence: the whole module is checked, with the
//!   checks only a finished module allows (missing returns, undefined
//!   names).
//!
//! A name in an expression inside brackets could still be rebound by a
//! comprehension written later (`[x.strip() for x in lines]` where `x` was
//! an `int` before), and a lambda, a comprehension or `:=` already in the
//! statement rebinds names for part of it; expression verdicts step aside
//! in those cases and the statement's end judges instead.
//!
//! A word written after a complete expression must lead to a keyword:
//! Python reads `x andy` as two names, though the grammar's lexer would
//! split it. And a simple statement must parse (ruff's parser) before its
//! line may end — the net for the splits the word rule cannot see, such
//! as a keyword glued to a closing quote (`"a"andy`).
//!
//! Where the cursor is comes from [`sites`](super::sites), the checks
//! behind the events from [`verdicts`](super::verdicts), and the tokens a
//! site allows from [`site_tokens`](super::site_tokens); this module keeps
//! a state's text and scan and memoises its verdicts.

use std::collections::HashMap;
use std::hash::Hasher;
use std::sync::{Arc, Mutex, OnceLock};

use ananke_core::TokenId;

use super::classes::{TokenClasses, is_ascii_name_byte};
use super::name_tokens::{MemberTokens, name_allows};
use super::scope_cell::ScopeCell;
use super::sites::{MAX_DEPTH, Situation, member_site, name_site, situation, statement};
use super::verdicts::{call, declarations, header, settled_reads, statement_end};
use super::{Certain, Declared, Verdict, guarded};
use crate::check::{Checkpoint, Diagnostic, check_finished, scope_at, turns_checks_off};
use crate::prefix::{PrefixScan, TokKind, is_non_value_keyword, tokenize};
use crate::types::{Name, Type};

/// The length (bytes) past which the statement being written is not
/// judged until it ends: every verdict reads the statement, so a longer
/// one (a 1,500-term expression on one line, a lookup table's literal)
/// would make each of its tokens cost its length. Its tokens are allowed
/// as the syntax allows them (missing an error there is allowed; no
/// statement of the corpora comes near: the longest has 219 bytes), and
/// once it ends the module's checks read it again as a whole.
pub(crate) const LONG_STATEMENT: usize = 1_000;

/// One state of the program being written: its text, the lexical scan of
/// it and the verdicts asked of it so far.
pub(crate) struct Program {
    /// Preamble and generated text.
    pub text: Text,
    /// The state of a hash of `text`'s bytes (the mask cache's key),
    /// carried from state to state so that no step hashes the whole text.
    pub text_hash: std::collections::hash_map::DefaultHasher,
    /// Length of the preamble (a signature the hole continues).
    pub preamble: usize,
    /// The scan of `text`.
    pub scan: PrefixScan,
    /// The current statement's scope.
    pub scope: Arc<ScopeCell>,
    /// Where a closed body starts: from there on nothing after the code
    /// defines names, and the code may not leave the body.
    pub closed_from: Option<usize>,
    /// Modules the enclosing module imports (the imports domain's
    /// requirements): `text` opens with an `import` line for each.
    pub assumed: Arc<[String]>,
    /// Types definitions must declare (see `TypesConstraint::declaring`),
    /// judged at a `def` header's `:`.
    pub declared: Arc<[Declared]>,
    /// The scope of the statement the last extension began in (qualified
    /// uses are looked for from its start, in its scope: the extension
    /// may have ended it).
    pub fresh: Arc<ScopeCell>,
    /// Where to look for qualified uses from: the start of `fresh`'s
    /// statement, or 0 for a program just started (its whole preamble).
    pub fresh_from: usize,
    /// Where the check of the finished module may resume (see
    /// `check::resume`): the latest checkpoint an earlier state left.
    eos_base: Option<Arc<Checkpoint>>,
    analysis: OnceLock<Analysis>,
}

/// A program's text: a `String` while it is UTF-8 (almost always: only a
/// token that splits a character leaves it otherwise for a step), so that
/// reading it as text costs nothing.
pub(crate) enum Text {
    Str(String),
    Bytes(Vec<u8>),
}

impl Text {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Text::Str(s) => s.as_bytes(),
            Text::Bytes(b) => b,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Text::Str(s) => Some(s),
            Text::Bytes(_) => None,
        }
    }

    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// This text with `more` appended. Text that ends a character stays
    /// text when `more` is; bytes are read again only while not text.
    fn extended(&self, more: &[u8]) -> Text {
        if let (Text::Str(text), Ok(more)) = (self, std::str::from_utf8(more)) {
            let mut longer = String::with_capacity(text.len() + more.len());
            longer.push_str(text);
            longer.push_str(more);
            return Text::Str(longer);
        }
        let mut bytes = Vec::with_capacity(self.len() + more.len());
        bytes.extend_from_slice(self.as_bytes());
        bytes.extend_from_slice(more);
        match self {
            Text::Str(_) => Text::Bytes(bytes),
            Text::Bytes(_) => match String::from_utf8(bytes) {
                Ok(text) => Text::Str(text),
                Err(e) => Text::Bytes(e.into_bytes()),
            },
        }
    }
}

/// Verdicts of one state, computed on demand.
pub(crate) struct Analysis {
    /// Where the cursor is.
    pub situation: Situation,
    /// Key verdicts for each [`Certain`] (indexed by it): a state is
    /// judged by one domain, but nothing depends on that.
    keys: [Mutex<KeyVerdicts>; 2],
    eos: OnceLock<Verdict>,
    /// What the check of the module, were it to end here, reports (a
    /// module that does not parse: why), shared by `eos` and `closing`.
    finished: OnceLock<Result<Arc<[Diagnostic]>, Arc<str>>>,
    /// Whether code at column 0 may come: no function it would close
    /// misses a return.
    closing: OnceLock<Verdict>,
    /// The checkpoint the check behind `eos` left.
    eos_next: OnceLock<Arc<Checkpoint>>,
    pub(super) members: OnceLock<Option<Arc<MemberTokens>>>,
    pub(super) names: OnceLock<Option<Arc<MemberTokens>>>,
    pub(super) keywords: OnceLock<Option<Arc<MemberTokens>>>,
    pub(super) after_blank: OnceLock<Option<Arc<MemberTokens>>>,
    /// Name sites after each operator of `TokenClasses::ops`.
    ops: Mutex<HashMap<u32, Option<OpSite>>>,
    /// The text and a key's bytes (see `Program::with_appended`).
    scratch: Mutex<String>,
    /// The call policy's verdicts (see `policy`), for the one domain
    /// that judges this state.
    pub(super) policy: OnceLock<super::policy::PolicyMemo>,
}

const UNKNOWN: u8 = 0;
const PENDING: u8 = 1;
const GOOD: u8 = 2;
const BAD: u8 = 3;

/// Key verdicts of one state: a byte per key of the vocabulary (read in
/// the mask's pass over the tokens), and the reasons for the bad ones.
#[derive(Default)]
struct KeyVerdicts {
    state: Vec<u8>,
    reasons: HashMap<u32, Arc<str>>,
}

impl KeyVerdicts {
    fn get(&self, key: u32) -> Option<Verdict> {
        match self.state[key as usize] {
            GOOD => Some(Ok(())),
            BAD => Some(Err(self.reasons[&key].clone())),
            _ => None,
        }
    }

    fn set(&mut self, key: u32, verdict: &Verdict) {
        match verdict {
            Ok(()) => self.state[key as usize] = GOOD,
            Err(reason) => {
                self.state[key as usize] = BAD;
                self.reasons.insert(key, reason.clone());
            }
        }
    }
}

impl Analysis {
    fn lock_keys(
        &self,
        classes: &TokenClasses,
        certain: Certain,
    ) -> std::sync::MutexGuard<'_, KeyVerdicts> {
        let mut table = self.keys[certain as usize]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if table.state.is_empty() {
            table.state = vec![UNKNOWN; classes.keys.len()];
        }
        table
    }
}

/// The names readable where an operator leaves the cursor, and whether
/// it is an operand site.
type OpSite = (Arc<Vec<Name>>, bool);

impl Program {
    /// The program `preamble` (which may be empty) with nothing generated.
    pub fn start(preamble: &str, closed_from: Option<usize>) -> Program {
        let mut scan = PrefixScan::default();
        scan.feed(preamble.as_bytes());
        let scope = Arc::new(ScopeCell::new(scan.stmt_start, None));
        let mut text_hash = std::collections::hash_map::DefaultHasher::new();
        text_hash.write(preamble.as_bytes());
        Program {
            text: Text::Str(preamble.to_owned()),
            text_hash,
            preamble: preamble.len(),
            fresh: scope.clone(),
            fresh_from: 0,
            scope,
            scan,
            closed_from,
            assumed: Arc::from([]),
            declared: Arc::from([]),
            eos_base: None,
            analysis: OnceLock::new(),
        }
    }

    /// The text without the assumed `import` lines, and the preamble's
    /// length in it: what two states must share to follow one program.
    pub fn own_text(&self) -> (&[u8], usize) {
        let old = Program::assumed_len(&self.assumed);
        (&self.text.as_bytes()[old..], self.preamble - old)
    }

    /// The bytes of the assumed `import` lines at the start of `text`.
    fn assumed_len(modules: &[String]) -> usize {
        modules.iter().map(|m| "import \n".len() + m.len()).sum()
    }

    /// This program with `modules` assumed imported instead: the text is
    /// read again behind their `import` lines (rare: once per new
    /// requirement).
    pub fn with_assumed(&self, modules: &Arc<[String]>) -> Program {
        self.reread(modules, &self.declared)
    }

    /// This program with `declared` types to judge definitions by: read
    /// again, since verdicts were memoised without them (rare: once per
    /// contract).
    pub fn with_declared(&self, declared: &Arc<[Declared]>) -> Program {
        self.reread(&self.assumed, declared)
    }

    fn reread(&self, modules: &Arc<[String]>, declared: &Arc<[Declared]>) -> Program {
        let old = Program::assumed_len(&self.assumed);
        let lines: String = modules.iter().map(|m| format!("import {m}\n")).collect();
        let preamble = String::from_utf8_lossy(&self.text.as_bytes()[old..self.preamble]);
        let closed_from = self.closed_from.map(|at| at - old + lines.len());
        let mut program = Program::start(&format!("{lines}{preamble}"), closed_from);
        program.assumed = modules.clone();
        program.declared = declared.clone();
        program.extend(&self.text.as_bytes()[self.preamble..])
    }

    /// This program with `bytes` appended.
    pub fn extend(&self, bytes: &[u8]) -> Program {
        let text = self.text.extended(bytes);
        let mut text_hash = self.text_hash.clone();
        text_hash.write(bytes);
        let mut scan = self.scan.clone();
        scan.feed(text.as_bytes());
        let scope = if scan.stmt_start == self.scope.stmt_start {
            self.scope.clone()
        } else {
            Arc::new(ScopeCell::new(scan.stmt_start, self.scope.next_base()))
        };
        let eos_base = self
            .analysis
            .get()
            .and_then(|a| a.eos_next.get().cloned())
            .or_else(|| self.eos_base.clone());
        Program {
            fresh: self.scope.clone(),
            fresh_from: self.scope.stmt_start,
            text,
            text_hash,
            preamble: self.preamble,
            scan,
            scope,
            closed_from: self.closed_from,
            assumed: self.assumed.clone(),
            declared: self.declared.clone(),
            eos_base,
            analysis: OnceLock::new(),
        }
    }

    /// The generated text (after the preamble).
    pub fn generated(&self) -> &[u8] {
        &self.text.as_bytes()[self.preamble..]
    }

    /// Whether the statement being written is longer than
    /// [`LONG_STATEMENT`]: nothing about it is judged until it ends.
    pub fn in_long_statement(&self) -> bool {
        self.text.len().saturating_sub(self.scan.stmt_start) > LONG_STATEMENT
    }

    /// The verdicts of this state (computed on demand).
    pub fn analysis(&self) -> &Analysis {
        self.analysis.get_or_init(|| Analysis {
            situation: guarded(|| {
                if self.in_long_statement() {
                    return Situation::Opaque;
                }
                let closed = self.closed_from.is_some_and(|at| self.text.len() >= at);
                situation(self.text.as_bytes(), &self.scan, &self.scope, closed)
            })
            .unwrap_or(Situation::Opaque),
            keys: Default::default(),
            eos: OnceLock::new(),
            finished: OnceLock::new(),
            closing: OnceLock::new(),
            eos_next: OnceLock::new(),
            members: OnceLock::new(),
            names: OnceLock::new(),
            keywords: OnceLock::new(),
            after_blank: OnceLock::new(),
            ops: Mutex::new(HashMap::new()),
            scratch: Mutex::new(String::new()),
            policy: OnceLock::new(),
        })
    }

    /// Whether the line `completion` (a token's bytes before its first
    /// line break) ends here would carry a comment that turns checks off
    /// (a `# type: ignore` or `# mypy:` configuration, see
    /// `check::ignore`): the comment the text ends in, or one the
    /// completion opens.
    pub fn ends_silenced(&self, completion: &str) -> bool {
        if let Some(start) = self.scan.comment_start() {
            return self
                .with_appended(completion, |text| turns_checks_off(&text[start..]))
                .unwrap_or(false);
        }
        completion.contains('#')
            && self
                .scan
                .comment_opened_in(completion.as_bytes())
                .is_some_and(|at| completion.get(at..).is_some_and(turns_checks_off))
    }

    /// The modules that qualified uses in the latest statement read
    /// without binding them: `math` for `math.sqrt(x)` when `math` is a
    /// typeshed module that no name in scope binds (so the module must
    /// import it before the code runs). A name bound only by an assumed
    /// import still counts (assuming more never reports less).
    pub fn unbound_module_uses(&self) -> Vec<String> {
        let Some(text) = self.text_str() else {
            return Vec::new();
        };
        let from = self.fresh_from.min(text.len());
        let Some(fresh) = text.get(from..).filter(|t| t.contains('.')) else {
            return Vec::new();
        };
        let toks = tokenize(fresh);
        let modules = &crate::stubs::TypeDb::stdlib().modules;
        let mut found: Vec<String> = Vec::new();
        for (i, pair) in toks.windows(2).enumerate() {
            let name = &fresh[pair[0].start..pair[0].end];
            if pair[0].kind == TokKind::Name
                && pair[1].kind == TokKind::Dot
                && pair[0].end == pair[1].start
                && (i == 0 || toks[i - 1].kind != TokKind::Dot)
                && !is_non_value_keyword(name)
                && modules.contains_key(name)
                && !found.iter().any(|f| f == name)
            {
                found.push(name.to_owned());
            }
        }
        if found.is_empty() {
            return found;
        }
        let assumed = |name: &str| {
            self.assumed
                .iter()
                .any(|m| m.split('.').next() == Some(name))
        };
        let scope = self.fresh.get(text);
        found
            .retain(|name| assumed(name) || scope.as_ref().is_some_and(|scope| !scope.binds(name)));
        found
    }

    pub(super) fn text_str(&self) -> Option<&str> {
        self.text.as_str()
    }

    /// The verdict on a token with event key `key` (see
    /// [`TokenClasses`]), with type errors reported when `certain` says.
    pub fn key_verdict(&self, classes: &TokenClasses, key: u32, certain: Certain) -> Verdict {
        if key == 0 || self.in_long_statement() {
            return Ok(());
        }
        let analysis = self.analysis();
        if let Some(v) = analysis.lock_keys(classes, certain).get(key) {
            return v;
        }
        let parent = classes.parent[key as usize];
        let verdict = self.key_verdict(classes, parent, certain).and_then(|()| {
            let bytes = &classes.keys[key as usize];
            let (before, last) = bytes.split_at(bytes.len() - 1);
            guarded(|| {
                if is_name_event(bytes) {
                    // An attribute's or a closed body's name: a type
                    // error, judged as it is written only when no comment
                    // can silence it.
                    match certain {
                        Certain::AsWritten => self.name_event(bytes, classes),
                        Certain::AtLineEnd => Ok(()),
                    }
                } else {
                    self.event_after(before, last[0], certain)
                }
            })
            .unwrap_or(Ok(()))
        });
        analysis.lock_keys(classes, certain).set(key, &verdict);
        verdict
    }

    /// The verdict on a token that closes the open string after `content`
    /// (see `classes::closing_quote`) when its key, judged without the
    /// content, fails: the key's verdict as [`key_verdict`](Self::key_verdict)
    /// gives it, prefix by prefix, on the text with the content in it
    /// (uncached: only failing keys come here, so the content's distinct
    /// statements are checked only where one may be wrong).
    pub fn content_verdict(
        &self,
        classes: &TokenClasses,
        content: &[u8],
        key: u32,
        certain: Certain,
    ) -> Verdict {
        if self.in_long_statement() {
            return Ok(());
        }
        let mut full = content.to_vec();
        full.extend_from_slice(&classes.keys[key as usize]);
        for end in content.len() + 1..=full.len() {
            let prefix = &full[content.len()..end];
            let verdict = guarded(|| {
                if is_name_event(prefix) {
                    match certain {
                        Certain::AsWritten => self.name_event(&full[..end], classes),
                        Certain::AtLineEnd => Ok(()),
                    }
                } else {
                    self.event_after(&full[..end - 1], full[end - 1], certain)
                }
            });
            verdict.unwrap_or(Ok(()))?;
        }
        Ok(())
    }

    /// Clears in `out` the tokens among `candidates ∩ class` whose key
    /// (from `keys`) fails, as `certain` judges keys. Each distinct key is
    /// evaluated once; the pass over the tokens reads a table.
    pub fn mask_keys(
        &self,
        classes: &TokenClasses,
        candidates: &ananke_core::TokenMask,
        class: &ananke_core::TokenMask,
        keys: &[u32],
        certain: Certain,
        out: &mut ananke_core::TokenMask,
    ) {
        if self.in_long_statement() {
            return;
        }
        let analysis = self.analysis();
        let pending: Vec<u32> = {
            let mut table = analysis.lock_keys(classes, certain);
            let mut pending = Vec::new();
            for token in candidates.iter_common(class) {
                let key = keys[token as usize];
                if table.state[key as usize] == UNKNOWN {
                    table.state[key as usize] = PENDING;
                    pending.push(key);
                }
            }
            pending
        };
        for key in pending {
            // Stored in the table as a side effect.
            let _ = self.key_verdict(classes, key, certain);
        }
        let table = analysis.lock_keys(classes, certain);
        for token in candidates.iter_common(class) {
            if table.state[keys[token as usize] as usize] == BAD {
                out.set(token, false);
            }
        }
    }

    /// The verdict on an operator-then-name token (see
    /// [`TokenClasses::op_names`]): where the operator leaves a name site,
    /// the name must begin one the site may read.
    pub fn op_name_verdict(&self, classes: &TokenClasses, token: TokenId) -> Verdict {
        if self.in_long_statement() {
            return Ok(());
        }
        let entry = classes.op_name_index[token as usize];
        let Some((op, ident, complete)) = classes.op_name_table.get(entry as usize) else {
            return Ok(());
        };
        let analysis = self.analysis();
        let site = {
            let mut memo = analysis.ops.lock().unwrap_or_else(|p| p.into_inner());
            match memo.get(op) {
                Some(site) => site.clone(),
                None => {
                    let site = guarded(|| self.site_after(&classes.ops[*op as usize])).flatten();
                    memo.insert(*op, site.clone());
                    site
                }
            }
        };
        let Some((names, _)) = site else {
            return Ok(());
        };
        if name_allows(&names, ident, *complete) {
            Ok(())
        } else {
            Err(format!(
                "no name in scope starts with {:?}",
                String::from_utf8_lossy(ident)
            )
            .into())
        }
    }

    /// The names readable at the name site `op` would open, if it opens
    /// one.
    fn site_after(&self, op: &[u8]) -> Option<OpSite> {
        let op = std::str::from_utf8(op).ok()?;
        self.with_appended(op, |text| {
            let mut scan = self.scan.clone();
            scan.feed(text.as_bytes());
            if !scan.in_code() {
                return None;
            }
            let (stmt, toks) = statement(text, &scan);
            let site = name_site(stmt, &toks, &scan)?;
            Some((self.scope.readable(text, site.operand)?, site.operand))
        })
        .flatten()
    }

    /// The verdict on a key that ends inside an attribute or element name
    /// it starts: once appended, the name so far must begin one the site
    /// allows.
    fn name_event(&self, key: &[u8], classes: &TokenClasses) -> Verdict {
        let run = key
            .iter()
            .rev()
            .take_while(|&&b| is_ascii_name_byte(b))
            .count();
        let attribute = key[key.len() - run - 1] == b'.';
        let closed = self
            .closed_from
            .is_some_and(|at| self.text.len() + key.len() >= at);
        // Element names are judged only in closed bodies.
        if !attribute && !closed {
            return Ok(());
        }
        let Ok(key) = std::str::from_utf8(key) else {
            return Ok(());
        };
        self.with_appended(key, |text| {
            let mut scan = self.scan.clone();
            scan.feed(text.as_bytes());
            if !scan.in_code() || scan.after_semicolon {
                return Ok(());
            }
            let (stmt, toks) = statement(text, &scan);
            if attribute {
                if let Some(member) = member_site(stmt, &toks, &scan, &self.scope, text)
                    && let Some(partial) = &member.partial
                    && let Some(tokens) = self.member_tokens(text.as_bytes(), &member, classes)
                    && !tokens.partial_is_prefix
                {
                    return Err(format!("no {} starts with {partial:?}", tokens.receiver).into());
                }
                return Ok(());
            }
            if let Some(name) = name_site(stmt, &toks, &scan)
                && let Some(names) = self.scope.readable(text, name.operand)
                && !name_allows(&names, name.partial.as_bytes(), false)
            {
                return Err(format!("no name in scope starts with {:?}", name.partial).into());
            }
            Ok(())
        })
        .unwrap_or(Ok(()))
    }

    /// The verdict on `event` once `before` (ASCII) is appended.
    fn event_after(&self, before: &[u8], event: u8, certain: Certain) -> Verdict {
        let before = std::str::from_utf8(before).unwrap_or("");
        self.with_appended(before, |text| self.event_in(text, event, certain))
            .unwrap_or(Ok(()))
    }

    /// The verdict on `event` at the end of `text` (this state's text and
    /// what a key appends). Where type errors are certain only
    /// [`AtLineEnd`](Certain::AtLineEnd), the mid-line events (a call's
    /// `)` or `,`, a bracket's close, a header's `:`) judge none: the
    /// statement's end judges the whole line, its comment included.
    fn event_in(&self, text: &str, event: u8, certain: Certain) -> Verdict {
        let mut scan = self.scan.clone();
        scan.feed(text.as_bytes());
        if scan.after_semicolon {
            return Ok(());
        }
        let cell = &*self.scope;
        let closed = self.closed_from.is_some_and(|at| text.len() >= at);
        if scan.in_comment() {
            return if event == b'\n' && scan.brackets.is_empty() {
                statement_end(text, &scan, cell, closed, certain)
            } else {
                Ok(())
            };
        }
        // An event after `''` closes an empty literal.
        if !scan.code_next() {
            return Ok(());
        }
        match event {
            b'\n' | b';' if scan.brackets.is_empty() && !scan.continues_line() => {
                statement_end(text, &scan, cell, closed, certain)
            }
            // A definition's declared types are the spec's, which no
            // comment silences.
            b':' if scan.brackets.is_empty() && certain == Certain::AtLineEnd => {
                declarations(text, &scan, &self.declared)
            }
            b':' if scan.brackets.is_empty() => {
                header(text, &scan, cell).and_then(|()| declarations(text, &scan, &self.declared))
            }
            _ if certain == Certain::AtLineEnd => Ok(()),
            b')' => call(text, &scan, cell, true)
                .and_then(|()| settled_reads(text, &scan, cell, closed)),
            b']' | b'}' => settled_reads(text, &scan, cell, closed),
            b',' => call(text, &scan, cell, false)
                .and_then(|()| settled_reads(text, &scan, cell, closed)),
            _ => Ok(()),
        }
    }

    /// Runs `f` on this state's text with `more` appended, in a buffer
    /// kept with the state: the text is copied once per state, not once
    /// per key asked (`None` while the text is not UTF-8).
    pub(super) fn with_appended<R>(&self, more: &str, f: impl FnOnce(&str) -> R) -> Option<R> {
        let text = self.text_str()?;
        let mut buffer = self
            .analysis()
            .scratch
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if buffer.len() < text.len() {
            buffer.clear();
            buffer.push_str(text);
        }
        buffer.truncate(text.len());
        buffer.push_str(more);
        Some(f(&buffer))
    }

    /// The verdict on ending the sequence here.
    pub fn eos_verdict(&self, expected: &Type) -> Verdict {
        if self.in_long_statement() {
            return Ok(());
        }
        self.analysis()
            .eos
            .get_or_init(|| guarded(|| self.finished(expected)).unwrap_or(Ok(())))
            .clone()
    }

    fn finished(&self, expected: &Type) -> Verdict {
        let Some(text) = self.text_str() else {
            return Ok(());
        };
        if !matches!(expected, Type::Any) {
            // An expression hole: its value must have the expected type.
            let scope = scope_at(&text[..self.preamble], "");
            let generated = text[self.preamble..].trim();
            if let Some(got) = scope.and_then(|s| s.infer(generated).map(|t| (t, s)))
                && !got.0.has_any()
                && !got.1.world().is_subtype(&got.0, expected)
            {
                return Err(format!(
                    "the hole expects \"{expected}\" but the expression has type \"{}\"",
                    got.0
                )
                .into());
            }
            return Ok(());
        }
        match self.diagnostics(text) {
            Ok(diagnostics) => match diagnostics.first() {
                Some(d) => Err(format!("the finished module does not type-check: {d}").into()),
                None => Ok(()),
            },
            Err(why) => Err(why),
        }
    }

    /// What the check of the module reports were it to end here (computed
    /// once per state).
    fn diagnostics(&self, text: &str) -> Result<Arc<[Diagnostic]>, Arc<str>> {
        self.analysis()
            .finished
            .get_or_init(|| {
                let (result, next) = check_finished(text, self.eos_base.as_ref(), MAX_DEPTH);
                if let Some(next) = next {
                    let _ = self.analysis().eos_next.set(next);
                }
                match result {
                    Ok(diagnostics) => Ok(diagnostics.into()),
                    // The grammar may be looser than Python (it splits `x
                    // injust` into `x in just`; it has no rule against `x >
                    // y = z`): a module Python cannot parse is not finished.
                    Err(e) => Err(format!("the module does not parse: {}", e.message).into()),
                }
            })
            .clone()
    }

    /// Code at column 0 comes next, closing every function the text is
    /// in: none may then miss a return, nor an annotation `--strict`
    /// requires, nor name a generic class without its arguments in one,
    /// nor give a parameter a default its annotation does not take (a
    /// header's are known once it is written; the function closing is
    /// the first place the walk of the whole text looks at them). The
    /// control-flow domain cannot tell a path that ends in a call of a `NoReturn` function
    /// (`parser.error(...)`, a sibling module's helper) from one that
    /// falls off the end, and lets both through; this domain knows the
    /// callee. A function mypy passes (its callee is `Any` to the checker
    /// as well) passes.
    pub fn closing_verdict(&self) -> Verdict {
        if self.in_long_statement() {
            return Ok(());
        }
        self.analysis()
            .closing
            .get_or_init(|| {
                guarded(|| {
                    let text = self.text_str()?;
                    let diagnostics = self.diagnostics(text).ok()?;
                    let missing = diagnostics.iter().find(|d| {
                        matches!(
                            d.code,
                            "return" | "empty-body" | "no-untyped-def" | "type-arg"
                        ) || d.message.starts_with(crate::check::INCOMPATIBLE_DEFAULT)
                    })?;
                    Some(Err(format!(
                        "code at column 0 would close a function mypy rejects: {missing}"
                    )
                    .into()))
                })
                .flatten()
                .unwrap_or(Ok(()))
            })
            .clone()
    }
}

/// Whether a key ends on a name event (see [`TokenClasses`]): an
/// identifier run after a `.` or `,` of the key.
fn is_name_event(key: &[u8]) -> bool {
    let run = key
        .iter()
        .rev()
        .take_while(|&&b| is_ascii_name_byte(b))
        .count();
    run > 0
        && run < key.len()
        && matches!(key[key.len() - run - 1], b'.' | b',' | b':')
        && key[..key.len() - run]
            .iter()
            .any(|b| b")]},:([{\n;".contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_judges_the_end_of_the_module() {
        let program = Program::start("def f() -> int:\n", None).extend(b"    return 'a'\n");
        let verdict = program.eos_verdict(&Type::Any);
        assert!(verdict.unwrap_err().contains("[return-value]"));
        let program = Program::start("def f() -> int:\n", None).extend(b"    return 1\n");
        assert!(program.eos_verdict(&Type::Any).is_ok());
        // An expression hole: its value must have the expected type.
        let program = Program::start("x = 1\n", None).extend(b"str(x)");
        assert!(program.eos_verdict(&Type::int()).is_err());
        let program = Program::start("x = 1\n", None).extend(b"x + 1");
        assert!(program.eos_verdict(&Type::int()).is_ok());
    }

    #[test]
    fn no_code_closes_a_function_whose_header_mypy_rejects() {
        let closing = |header: &str| {
            Program::start("", None)
                .extend(format!("{header}:\n    return None\n").as_bytes())
                .closing_verdict()
        };
        let verdict = closing("def f(rows: list) -> None").unwrap_err();
        assert!(verdict.contains("[type-arg]"), "{verdict}");
        assert!(closing("def f(rows: list[int]) -> None").is_ok());
        let verdict = closing("def f(n: int = None) -> None").unwrap_err();
        assert!(verdict.contains("Incompatible default"), "{verdict}");
    }

    #[test]
    fn a_long_statement_is_judged_once_it_ends() {
        let terms: Vec<String> = (0..400).map(|i| i.to_string()).collect();
        let long = format!("x: str = [{}]", terms.join(", "));
        assert!(long.len() > LONG_STATEMENT);
        let writing = Program::start("", None).extend(&long.as_bytes()[..long.len() - 1]);
        assert!(writing.in_long_statement());
        assert!(matches!(writing.analysis().situation, Situation::Opaque));
        assert!(
            writing.eos_verdict(&Type::Any).is_ok(),
            "not judged while written"
        );
        let ended = writing.extend(b"]\n");
        assert!(!ended.in_long_statement());
        let verdict = ended.eos_verdict(&Type::Any).unwrap_err();
        assert!(verdict.contains("[assignment]"), "{verdict}");
        // A short statement is judged as it is written.
        let short = Program::start("", None).extend(b"x: str = 1 + 2");
        assert!(short.eos_verdict(&Type::Any).is_err());
    }

    #[test]
    fn modules_used_without_an_import() {
        let program = Program::start("", None).extend(b"x = math.sqrt(2) + len(re.escape(s))\n");
        assert_eq!(program.unbound_module_uses(), ["math", "re"]);
        let program = Program::start("import math\n", None).extend(b"x = math.pi\n");
        assert!(program.unbound_module_uses().is_empty());
    }

    #[test]
    fn name_events_end_in_a_name_after_a_bracket_or_comma() {
        assert!(is_name_event(b").strip"));
        assert!(is_name_event(b",x"));
        assert!(!is_name_event(b".append"), "glued to the word before");
        assert!(!is_name_event(b")"));
    }
}
