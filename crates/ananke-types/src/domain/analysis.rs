//! Verdicts: what the type checker says about the program after one of
//! the events of [`classes`](super::classes), asked of the text so far.
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

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, OnceLock};

use ananke_core::TokenId;
use ananke_pylex::{Class, PyLexer, is_name_byte, is_name_start};

use super::Declared;
use super::classes::{Piece, TokenClasses, is_ascii_name_byte};
use crate::check::{Scope, check_source_shallow, scope_at};
use crate::prefix::{PrefixScan, Tok, TokKind, is_non_value_keyword, primary_start, tokenize};
use crate::types::Type;
use crate::world::Arg;

/// `Ok` when allowed; the reason otherwise.
pub(crate) type Verdict = Result<(), Arc<str>>;

/// Brackets deeper than this inside one statement skip expression
/// verdicts: the parser and checker recurse per level, and a verdict runs
/// on the caller's stack.
const MAX_DEPTH: usize = 32;

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

impl NameSite {
    /// The keywords that may stand where the name does.
    fn keywords(&self) -> &'static [&'static str] {
        if self.operand {
            &["None", "True", "False", "await"]
        } else {
            &["None", "True", "False", "await", "not", "lambda"]
        }
    }
}

/// An attribute being written.
pub(crate) struct MemberSite {
    /// The receiver expression.
    pub receiver: String,
    /// `None` right after the receiver (a token starting with `.` may
    /// come); the name so far after `receiver.` otherwise.
    pub partial: Option<String>,
}

/// The tokens an attribute site allows, for one receiver type and name
/// prefix.
pub(crate) struct MemberTokens {
    /// Allowed tokens among the class the site constrains, sorted.
    pub allowed: Vec<TokenId>,
    /// Whether the name written so far is itself a member (so a token
    /// that ends the name may come).
    pub partial_is_member: bool,
    /// Whether some member starts with the name written so far.
    pub partial_is_prefix: bool,
    /// The receiver type (or "the scope"), for messages.
    pub receiver: String,
}

/// Keywords after which a name is read (not bound).
const LOAD_KEYWORDS: &[&str] = &[
    "return", "not", "and", "or", "in", "is", "if", "elif", "while", "assert", "del", "await",
    "yield", "raise", "else", "from", "with",
];

/// Member-token sets by (receiver type, name so far, after-a-dot), shared
/// by all states of a domain.
pub(crate) type MemberCache = Mutex<HashMap<(String, String, bool), Option<Arc<MemberTokens>>>>;

/// The scope of the statement being written, shared by all states of one
/// statement and computed once for each indentation it is asked at.
pub(crate) struct ScopeCell {
    /// Where the statement starts.
    pub stmt_start: usize,
    slot: Mutex<Option<(usize, Option<Arc<Scope>>)>>,
    /// Verdicts by what was checked: states of one statement ask the same
    /// questions (`x\n` and `x \n` end the same statement).
    verdicts: Mutex<HashMap<String, Verdict>>,
    /// Name-site tokens by the name so far.
    names: Mutex<HashMap<String, Option<Arc<MemberTokens>>>>,
    /// Inferred types by expression text.
    types: Mutex<HashMap<String, Option<Type>>>,
    /// The names a site may read (scope names and the keywords allowed
    /// there), sorted, for operand sites (index 1) and others (index 0).
    sorted: Mutex<[Option<Arc<Vec<crate::types::Name>>>; 2]>,
}

impl ScopeCell {
    pub fn new(stmt_start: usize) -> ScopeCell {
        ScopeCell {
            stmt_start,
            slot: Mutex::new(None),
            verdicts: Mutex::new(HashMap::new()),
            names: Mutex::new(HashMap::new()),
            types: Mutex::new(HashMap::new()),
            sorted: Mutex::new([None, None]),
        }
    }

    /// The names a site may read, sorted (`None` without a scope).
    fn readable(&self, text: &str, site: &NameSite) -> Option<Arc<Vec<crate::types::Name>>> {
        let index = usize::from(site.operand);
        if let Some(found) = &self.sorted.lock().unwrap_or_else(|p| p.into_inner())[index] {
            return Some(found.clone());
        }
        let scope = self.get(text)?;
        let mut names = scope.names();
        names.extend(site.keywords().iter().map(|&k| k.into()));
        names.sort();
        names.dedup();
        let names = Arc::new(names);
        self.sorted.lock().unwrap_or_else(|p| p.into_inner())[index] = Some(names.clone());
        Some(names)
    }

    /// The type of `expr` in `scope` (the scope of this statement),
    /// inferred once per expression text.
    fn infer(&self, scope: &Scope, expr: &str) -> Option<Type> {
        if let Some(found) = self
            .types
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(expr)
        {
            return found.clone();
        }
        let ty = scope.infer(expr);
        self.types
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(expr.to_owned(), ty.clone());
        ty
    }

    /// The verdict for `question`, computed by `answer` once.
    fn memo(&self, question: String, answer: impl FnOnce() -> Verdict) -> Verdict {
        if let Some(v) = self
            .verdicts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&question)
        {
            return v.clone();
        }
        let verdict = answer();
        self.verdicts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(question, verdict.clone());
        verdict
    }

    fn get(&self, text: &str) -> Option<Arc<Scope>> {
        let line = &text[self.stmt_start..];
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, scope)) = &*slot
            && *at == indent
        {
            return scope.clone();
        }
        let scope = guarded(|| scope_at(&text[..self.stmt_start], &line[..indent]))
            .flatten()
            .map(Arc::new);
        if slot.is_some() {
            // Another indentation, another scope: what was learnt in the
            // old one no longer holds.
            self.verdicts
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear();
            self.names.lock().unwrap_or_else(|p| p.into_inner()).clear();
            self.types.lock().unwrap_or_else(|p| p.into_inner()).clear();
            *self.sorted.lock().unwrap_or_else(|p| p.into_inner()) = [None, None];
        }
        *slot = Some((indent, scope.clone()));
        scope
    }
}

/// One state of the program being written: its text, the lexical scan of
/// it and the verdicts asked of it so far.
pub(crate) struct Program {
    /// Preamble and generated text.
    pub text: Vec<u8>,
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
    analysis: OnceLock<Analysis>,
}

/// Verdicts of one state, computed on demand.
pub(crate) struct Analysis {
    pub situation: Situation,
    keys: Mutex<KeyVerdicts>,
    eos: OnceLock<Verdict>,
    members: OnceLock<Option<Arc<MemberTokens>>>,
    names: OnceLock<Option<Arc<MemberTokens>>>,
    keywords: OnceLock<Option<Arc<MemberTokens>>>,
    after_blank: OnceLock<Option<Arc<MemberTokens>>>,
    /// Name sites after each operator of `TokenClasses::ops`.
    ops: Mutex<HashMap<u32, Option<OpSite>>>,
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
    fn lock_keys(&self, classes: &TokenClasses) -> std::sync::MutexGuard<'_, KeyVerdicts> {
        let mut table = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        if table.state.is_empty() {
            table.state = vec![UNKNOWN; classes.keys.len()];
        }
        table
    }
}

/// The names readable where an operator leaves the cursor, and whether
/// it is an operand site.
type OpSite = (Arc<Vec<crate::types::Name>>, bool);

/// Runs a check, turning a panic into "no verdict" (an internal error
/// must never reject a token or unwind into the caller).
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

impl Program {
    /// The program `preamble` (which may be empty) with nothing generated.
    pub fn start(preamble: &str, closed_from: Option<usize>) -> Program {
        let mut scan = PrefixScan::default();
        scan.feed(preamble.as_bytes());
        let scope = Arc::new(ScopeCell::new(scan.stmt_start));
        Program {
            text: preamble.as_bytes().to_vec(),
            preamble: preamble.len(),
            fresh: scope.clone(),
            fresh_from: 0,
            scope,
            scan,
            closed_from,
            assumed: Arc::from([]),
            declared: Arc::from([]),
            analysis: OnceLock::new(),
        }
    }

    /// The text without the assumed `import` lines, and the preamble's
    /// length in it: what two states must share to follow one program.
    pub fn own_text(&self) -> (&[u8], usize) {
        let old = Program::assumed_len(&self.assumed);
        (&self.text[old..], self.preamble - old)
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
        let preamble = String::from_utf8_lossy(&self.text[old..self.preamble]);
        let closed_from = self.closed_from.map(|at| at - old + lines.len());
        let mut program = Program::start(&format!("{lines}{preamble}"), closed_from);
        program.assumed = modules.clone();
        program.declared = declared.clone();
        program.extend(&self.text[self.preamble..])
    }

    /// This program with `bytes` appended.
    pub fn extend(&self, bytes: &[u8]) -> Program {
        let mut text = Vec::with_capacity(self.text.len() + bytes.len());
        text.extend_from_slice(&self.text);
        text.extend_from_slice(bytes);
        let mut scan = self.scan.clone();
        scan.feed(&text);
        let scope = if scan.stmt_start == self.scope.stmt_start {
            self.scope.clone()
        } else {
            Arc::new(ScopeCell::new(scan.stmt_start))
        };
        Program {
            fresh: self.scope.clone(),
            fresh_from: self.scope.stmt_start,
            text,
            preamble: self.preamble,
            scan,
            scope,
            closed_from: self.closed_from,
            assumed: self.assumed.clone(),
            declared: self.declared.clone(),
            analysis: OnceLock::new(),
        }
    }

    /// The generated text (after the preamble).
    pub fn generated(&self) -> &[u8] {
        &self.text[self.preamble..]
    }

    pub fn analysis(&self) -> &Analysis {
        self.analysis.get_or_init(|| Analysis {
            situation: guarded(|| {
                let closed = self.closed_from.is_some_and(|at| self.text.len() >= at);
                situation(&self.text, &self.scan, &self.scope, closed)
            })
            .unwrap_or(Situation::Opaque),
            keys: Mutex::new(KeyVerdicts::default()),
            eos: OnceLock::new(),
            members: OnceLock::new(),
            names: OnceLock::new(),
            keywords: OnceLock::new(),
            after_blank: OnceLock::new(),
            ops: Mutex::new(HashMap::new()),
        })
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

    fn text_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.text).ok()
    }

    /// The verdict on a token with event key `key` (see
    /// [`TokenClasses`]).
    pub fn key_verdict(&self, classes: &TokenClasses, key: u32) -> Verdict {
        if key == 0 {
            return Ok(());
        }
        let analysis = self.analysis();
        if let Some(v) = analysis.lock_keys(classes).get(key) {
            return v;
        }
        let parent = classes.parent[key as usize];
        let verdict = self.key_verdict(classes, parent).and_then(|()| {
            let bytes = &classes.keys[key as usize];
            let (before, last) = bytes.split_at(bytes.len() - 1);
            guarded(|| {
                if is_name_event(bytes) {
                    self.name_event(bytes, classes)
                } else {
                    self.event_after(before, last[0])
                }
            })
            .unwrap_or(Ok(()))
        });
        analysis.lock_keys(classes).set(key, &verdict);
        verdict
    }

    /// Clears in `out` the tokens among `candidates ∩ class` whose key
    /// (from `keys`) fails. Each distinct key is evaluated once; the pass
    /// over the tokens reads a table.
    pub fn mask_keys(
        &self,
        classes: &TokenClasses,
        candidates: &ananke_core::TokenMask,
        class: &ananke_core::TokenMask,
        keys: &[u32],
        out: &mut ananke_core::TokenMask,
    ) {
        let analysis = self.analysis();
        let pending: Vec<u32> = {
            let mut table = analysis.lock_keys(classes);
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
            let _ = self.key_verdict(classes, key);
        }
        let table = analysis.lock_keys(classes);
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
        let mut text = self.text.clone();
        text.extend_from_slice(op);
        let mut scan = self.scan.clone();
        scan.feed(&text);
        let text = std::str::from_utf8(&text).ok()?;
        if !scan.in_code() {
            return None;
        }
        let (stmt, toks) = statement(text, &scan);
        let site = name_site(stmt, &toks, &scan)?;
        Some((self.scope.readable(text, &site)?, site.operand))
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
        let mut text = self.text.clone();
        text.extend_from_slice(key);
        let closed = self.closed_from.is_some_and(|at| text.len() >= at);
        // Element names are judged only in closed bodies.
        if !attribute && !closed {
            return Ok(());
        }
        let mut scan = self.scan.clone();
        scan.feed(&text);
        let Ok(text_str) = std::str::from_utf8(&text) else {
            return Ok(());
        };
        if !scan.in_code() || scan.after_semicolon {
            return Ok(());
        }
        let (stmt, toks) = statement(text_str, &scan);
        if attribute {
            if let Some(member) = member_site(stmt, &toks, &scan, &self.scope, text_str)
                && let Some(partial) = &member.partial
                && let Some(tokens) = self.member_tokens(&text, &member, classes)
                && !tokens.partial_is_prefix
            {
                return Err(format!("no {} starts with {partial:?}", tokens.receiver).into());
            }
            return Ok(());
        }
        if let Some(name) = name_site(stmt, &toks, &scan)
            && let Some(names) = self.scope.readable(text_str, &name)
            && !name_allows(&names, name.partial.as_bytes(), false)
        {
            return Err(format!("no name in scope starts with {:?}", name.partial).into());
        }
        Ok(())
    }

    /// The verdict on `event` once `before` (ASCII) is appended.
    fn event_after(&self, before: &[u8], event: u8) -> Verdict {
        let Some(text) = self.text_str() else {
            return Ok(());
        };
        let mut owned = String::with_capacity(text.len() + before.len());
        owned.push_str(text);
        owned.push_str(std::str::from_utf8(before).unwrap_or(""));
        let text = owned;
        let mut scan = self.scan.clone();
        scan.feed(text.as_bytes());
        if scan.after_semicolon {
            return Ok(());
        }
        let cell = &*self.scope;
        let closed = self.closed_from.is_some_and(|at| text.len() >= at);
        if scan.in_comment() {
            return if event == b'\n' && scan.brackets.is_empty() {
                statement_end(&text, &scan, cell, closed)
            } else {
                Ok(())
            };
        }
        if !scan.in_code() {
            return Ok(());
        }
        match event {
            b'\n' | b';' if scan.brackets.is_empty() && !scan.continues_line() => {
                statement_end(&text, &scan, cell, closed)
            }
            b':' if scan.brackets.is_empty() => {
                header(&text, &scan, cell).and_then(|()| declarations(&text, &scan, &self.declared))
            }
            b')' => call(&text, &scan, cell, true)
                .and_then(|()| settled_reads(&text, &scan, cell, closed)),
            b']' | b'}' => settled_reads(&text, &scan, cell, closed),
            b',' => call(&text, &scan, cell, false)
                .and_then(|()| settled_reads(&text, &scan, cell, closed)),
            _ => Ok(()),
        }
    }

    /// The verdict on ending the sequence here.
    pub fn eos_verdict(&self, expected: &Type) -> Verdict {
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
        match check_source_shallow(text, MAX_DEPTH) {
            Ok(diagnostics) => match diagnostics.first() {
                Some(d) => Err(format!("the finished module does not type-check: {d}").into()),
                None => Ok(()),
            },
            // The grammar may be looser than Python (it splits `x injust`
            // into `x in just`; it has no rule against `x > y = z`): a
            // module Python cannot parse is not finished.
            Err(e) => Err(format!("the module does not parse: {}", e.message).into()),
        }
    }

    /// The member tokens of this state's attribute site, if it has one
    /// whose receiver type's members are all known.
    pub fn members(&self, classes: &TokenClasses) -> Option<Arc<MemberTokens>> {
        let analysis = self.analysis();
        analysis
            .members
            .get_or_init(|| {
                let Situation::Code(CodeSite {
                    member: Some(site), ..
                }) = &analysis.situation
                else {
                    return None;
                };
                guarded(|| self.member_tokens(&self.text, site, classes)).flatten()
            })
            .clone()
    }

    /// The tokens a keyword site allows: those continuing the word towards
    /// a keyword.
    pub fn keywords(&self, classes: &TokenClasses) -> Option<Arc<MemberTokens>> {
        let analysis = self.analysis();
        analysis
            .keywords
            .get_or_init(|| {
                let Situation::Code(CodeSite {
                    keyword: Some(site),
                    ..
                }) = &analysis.situation
                else {
                    return None;
                };
                Some(keyword_tokens(classes, site, false))
            })
            .clone()
    }

    /// The tokens a name site allows: those continuing the name so far
    /// towards a name in scope or an expression keyword.
    pub fn names(&self, classes: &TokenClasses) -> Option<Arc<MemberTokens>> {
        let analysis = self.analysis();
        analysis
            .names
            .get_or_init(|| {
                let Situation::Code(CodeSite {
                    name: Some(site), ..
                }) = &analysis.situation
                else {
                    return None;
                };
                guarded(|| self.name_tokens(classes, site, false)).flatten()
            })
            .clone()
    }

    /// The tokens leading to a name `site` may read (only those of blanks
    /// then a word when `spaced_only`).
    fn name_tokens(
        &self,
        classes: &TokenClasses,
        site: &NameSite,
        spaced_only: bool,
    ) -> Option<Arc<MemberTokens>> {
        let text = self.text_str()?;
        let partial = &site.partial;
        let key = format!(
            "{}{}{partial}",
            u8::from(site.operand),
            u8::from(spaced_only)
        );
        let cached = self
            .scope
            .names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        if let Some(found) = cached {
            return found;
        }
        let tokens = self.scope.readable(text, site).map(|names| {
            let pieces: &[&[Piece]] = if spaced_only {
                &[&classes.spaced_pieces]
            } else if partial.is_empty() {
                &[&classes.ident_pieces, &classes.spaced_pieces]
            } else {
                &[&classes.ident_pieces]
            };
            Arc::new(tokens_towards(
                &names,
                partial,
                pieces,
                "name in scope".into(),
            ))
        });
        self.scope
            .names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, tokens.clone());
        tokens
    }

    /// What a token of blanks then a word must lead to, when the text ends
    /// in a word: the site the blank opens (a keyword after an expression,
    /// a name after `return` or `or` in a closed body).
    pub fn after_blank(&self, classes: &TokenClasses) -> Option<Arc<MemberTokens>> {
        let analysis = self.analysis();
        analysis
            .after_blank
            .get_or_init(|| {
                let Situation::Code(CodeSite {
                    ends_in_word: true,
                    closed,
                    ..
                }) = &analysis.situation
                else {
                    return None;
                };
                guarded(|| {
                    let mut text = self.text_str()?.to_owned();
                    text.push(' ');
                    let mut scan = self.scan.clone();
                    scan.feed(text.as_bytes());
                    let (stmt, toks) = statement(&text, &scan);
                    if let Some(site) = keyword_site(stmt, &toks, scan.lexer()) {
                        return Some(keyword_tokens(classes, &site, true));
                    }
                    let site = name_site(stmt, &toks, &scan).filter(|_| *closed)?;
                    self.name_tokens(classes, &site, true)
                })
                .flatten()
            })
            .clone()
    }

    /// The member tokens of `site` in `text` (this state's text, or one
    /// simulated past it).
    fn member_tokens(
        &self,
        text: &[u8],
        site: &MemberSite,
        classes: &TokenClasses,
    ) -> Option<Arc<MemberTokens>> {
        let text = std::str::from_utf8(text).ok()?;
        let cache = &classes.members;
        let scope = self.scope.get(text)?;
        let ty = self.scope.infer(&scope, &site.receiver)?;
        if ty.has_any() {
            return None;
        }
        let dotted = site.partial.is_none();
        let partial = site.partial.clone().unwrap_or_default();
        let key = (ty.to_string(), partial.clone(), dotted);
        if let Some(found) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return found.clone();
        }
        let world = scope.world();
        let names = world.member_names(&ty).and_then(|mut names| {
            if matches!(ty, Type::Class(_)) {
                // A class object also has the attributes of `type`.
                names.extend(world.member_names(&Type::instance("builtins.type", []))?);
                names.sort();
                names.dedup();
            }
            Some(names)
        });
        let pieces: &[&[Piece]] = if dotted {
            &[&classes.dot_pieces]
        } else if partial.is_empty() {
            &[&classes.ident_pieces, &classes.spaced_pieces]
        } else {
            &[&classes.ident_pieces]
        };
        let tokens = names.map(|names| {
            Arc::new(tokens_towards(
                &names,
                &partial,
                pieces,
                format!("attribute of \"{ty}\""),
            ))
        });
        let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 4096 {
            cache.clear();
        }
        cache.insert(key, tokens.clone());
        tokens
    }
}

/// The tokens (among `pieces`) that continue `partial` towards one of
/// `names`.
fn tokens_towards(
    names: &[crate::types::Name],
    partial: &str,
    pieces: &[&[Piece]],
    receiver: String,
) -> MemberTokens {
    let mut allowed = Vec::new();
    for name in names.iter().filter(|n| n.starts_with(partial)) {
        let rest = &name.as_bytes()[partial.len()..];
        for k in 0..=rest.len() {
            for table in pieces {
                for piece in TokenClasses::pieces_equal(table, &rest[..k]) {
                    if !piece.complete || k == rest.len() {
                        allowed.push(piece.token);
                    }
                }
            }
        }
    }
    allowed.sort_unstable();
    allowed.dedup();
    MemberTokens {
        allowed,
        partial_is_member: names.iter().any(|n| **n == *partial),
        partial_is_prefix: names.iter().any(|n| n.starts_with(partial)),
        receiver,
    }
}

/// Whether `ident` is a prefix of one of the sorted `names` (or, when
/// `complete`, one of them).
pub(crate) fn name_allows(names: &[crate::types::Name], ident: &[u8], complete: bool) -> bool {
    let at = names.partition_point(|n| n.as_bytes() < ident);
    names.get(at).is_some_and(|n| {
        if complete {
            n.as_bytes() == ident
        } else {
            n.as_bytes().starts_with(ident)
        }
    })
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

/// Where the cursor of `text` is (see [`Situation`]).
fn situation(text: &[u8], scan: &PrefixScan, scope: &ScopeCell, closed: bool) -> Situation {
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
        return if s.closes_on_quote() && !s.fstring {
            Situation::String(super::classes::quote_index(s.quote))
        } else {
            Situation::Opaque
        };
    }
    let top_level = scan.brackets.is_empty() && !scan.continues_line();
    let (stmt, toks) = statement(text, scan);
    let member = member_site(stmt, &toks, scan, scope, text);
    let name = if closed {
        name_site(stmt, &toks, scan)
    } else {
        None
    };
    Situation::Code(CodeSite {
        member,
        name,
        line_start: closed && top_level && text.ends_with('\n'),
        top_level: closed && top_level,
        closed,
        keyword: keyword_site(stmt, &toks, scan.lexer()),
        ends_in_word: text.as_bytes().last().is_some_and(|&b| is_name_byte(b)),
    })
}

/// The tokens a keyword site allows: those leading from its word to a
/// keyword (only those of blanks then a word when `spaced_only`), and
/// those continuing the number the text ends in; shared by every state of
/// a vocabulary.
fn keyword_tokens(
    classes: &TokenClasses,
    site: &KeywordSite,
    spaced_only: bool,
) -> Arc<MemberTokens> {
    let cache = &classes.members;
    let word = site.word.as_str();
    let key = (
        format!("<keywords>{}", site.number_continues),
        word.to_owned(),
        spaced_only,
    );
    if let Some(Some(found)) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return found.clone();
    }
    let names: Vec<crate::types::Name> = ananke_pylex::KEYWORDS.iter().map(|&k| k.into()).collect();
    let pieces: &[&[Piece]] = if spaced_only {
        &[&classes.spaced_pieces]
    } else if word.is_empty() {
        &[&classes.ident_pieces, &classes.spaced_pieces]
    } else {
        &[&classes.ident_pieces]
    };
    let mut tokens = tokens_towards(&names, word, pieces, "keyword".into());
    for first in site.number_continues.bytes() {
        let pieces = &classes.ident_pieces;
        let start = pieces.partition_point(|p| p.ident.first() < Some(&first));
        let end = pieces.partition_point(|p| p.ident.first() <= Some(&first));
        tokens
            .allowed
            .extend(pieces[start..end].iter().map(|p| p.token));
    }
    tokens.allowed.sort_unstable();
    tokens.allowed.dedup();
    let tokens = Arc::new(tokens);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, Some(tokens.clone()));
    tokens
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
}

/// The keyword site when the cursor is after a complete expression,
/// perhaps a blank and a word.
fn keyword_site(stmt: &str, toks: &[Tok], lexer: &PyLexer) -> Option<KeywordSite> {
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
    let site = |word: &str| KeywordSite {
        word: word.to_owned(),
        number_continues: String::new(),
    };
    if at_end
        && last >= 1
        && toks[last].kind == TokKind::Name
        && blank_between(toks[last - 1].end, toks[last].start)
        && ends_operand(last - 1)
    {
        return Some(site(word(stmt, &toks[last])));
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
                ..site("")
            }),
            _ => Some(site("")),
        }
    } else if blank_between(toks[last].end, stmt.len()) {
        Some(site(""))
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
const DEFINING: &[&str] = &[
    "import", "from", "def", "class", "global", "nonlocal", "match", "case", "async", "type",
];

/// Where a name being written is certainly read (so it must be in scope
/// once the body is closed): at an expression position that no binding
/// form can claim — not a target, not a keyword argument's name, not
/// inside brackets a comprehension could still follow, not in a statement
/// with a lambda or a comprehension. Returns the name so far.
fn name_site(stmt: &str, toks: &[Tok], scan: &PrefixScan) -> Option<NameSite> {
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
fn comprehension_capable(toks: &[Tok], open: usize) -> bool {
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
fn statement<'t>(text: &'t str, scan: &PrefixScan) -> (&'t str, Vec<Tok>) {
    let stmt = &text[scan.stmt_start..];
    (stmt, tokenize(stmt))
}

fn word<'t>(stmt: &'t str, tok: &Tok) -> &'t str {
    &stmt[tok.start..tok.end]
}

/// A lambda, a comprehension or `:=` in the statement: names are rebound
/// for part of it.
fn rebinds(stmt: &str, toks: &[Tok]) -> bool {
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
/// (offsets in the statement) and rebind a variable among `names`.
fn may_be_rebound(
    stmt: &str,
    toks: &[Tok],
    brackets: &[usize],
    names: &[Tok],
    scope: &Scope,
) -> bool {
    let capable = brackets
        .iter()
        .any(|&open| comprehension_capable(toks, open));
    capable
        && names.iter().enumerate().any(|(i, t)| {
            t.kind == TokKind::Name
                && (i == 0 || names[i - 1].kind != TokKind::Dot)
                && scope.is_variable(word(stmt, t))
        })
}

fn brackets_in_statement(scan: &PrefixScan) -> Vec<usize> {
    scan.brackets
        .iter()
        .filter(|(_, at)| *at >= scan.stmt_start)
        .map(|(_, at)| at - scan.stmt_start)
        .collect()
}

fn member_site(
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
    let scope = scope.get(text)?;
    if may_be_rebound(
        stmt,
        toks,
        &brackets_in_statement(scan),
        &toks[start..=receiver_end],
        &scope,
    ) {
        return None;
    }
    Some(MemberSite {
        receiver: stmt[toks[start].start..r.end].to_owned(),
        partial,
    })
}

/// The first word of a statement, and the statement without its
/// indentation.
fn head(stmt: &str) -> (&str, &str) {
    let body = stmt.trim_start_matches([' ', '\t']);
    let end = body
        .bytes()
        .position(|b| !is_name_byte(b))
        .unwrap_or(body.len());
    (&body[..end], body)
}

/// A clause that continues a compound statement, made checkable alone.
fn wrap(head: &str, body: &str) -> String {
    match head {
        "elif" | "else" => format!("if True:\n    pass\n{body}"),
        "except" | "finally" => format!("try:\n    pass\n{body}"),
        _ => body.to_owned(),
    }
}

fn check(scope: &Scope, statement: &str) -> Verdict {
    match scope.check_statement(statement) {
        Some(diagnostics) => match diagnostics.first() {
            Some(d) => Err(d.message.clone().into()),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

/// The statement so far ends here. In a closed body (`closed`) a name the
/// statement reads must also be bound by then: nothing after the body
/// can bind it, and a name that mypy would call undefined at the end
/// cannot be mended by later code the model will not write — the same
/// rule the name sites apply as names are written, here for the reads
/// those sites had to leave open (inside brackets a comprehension could
/// still have bound them).
fn statement_end(text: &str, scan: &PrefixScan, cell: &ScopeCell, closed: bool) -> Verdict {
    let (stmt, toks) = statement(text, scan);
    let (first, body) = head(stmt);
    let Some(last) = toks.last() else {
        return Ok(());
    };
    // Headers are judged at their colon; definitions and decorators by
    // the module check; `match` / `case` not at all.
    if word(stmt, last) == ":"
        || body.starts_with('@')
        || matches!(first, "def" | "class" | "async" | "match" | "case")
        || toks.len() > 4096
        || max_depth(&toks) > MAX_DEPTH
    {
        return Ok(());
    }
    let statement = format!("{}\n", wrap(first, body.trim_end()));
    cell.memo(format!("end {statement}"), || {
        // The grammar may be looser than Python: its lexer reads a keyword
        // where Python reads a longer name (`"a"andx` as `"a" and x`), so
        // a statement it takes may not parse. It cannot end so.
        if ruff_python_parser::parse_module(&statement).is_err() {
            return Err("the statement does not parse as Python".into());
        }
        match cell.get(text) {
            Some(scope) => check(&scope, &statement).and_then(|()| {
                if closed {
                    unbound_reads(&scope, &statement)
                } else {
                    Ok(())
                }
            }),
            None => Ok(()),
        }
    })
}

/// The innermost bracket closes, or takes a comma at its top level, next,
/// in a closed body (`closed`). Either way that bracket can no longer
/// take a comprehension; once no bracket around it can either, the names
/// read inside it are settled, and each must be bound — so
/// `max(values[i]` with no `i` in scope is rejected at its `)` or `,`,
/// not left to run on. Statements that bind names mid-way (a lambda,
/// `:=`, a `for` target) and brackets that may be assignment targets are
/// left to the statement's end.
fn settled_reads(text: &str, scan: &PrefixScan, cell: &ScopeCell, closed: bool) -> Verdict {
    if !closed {
        return Ok(());
    }
    let (stmt, toks) = statement(text, scan);
    let brackets = brackets_in_statement(scan);
    let (Some(&open), Some(first)) = (brackets.last(), toks.first()) else {
        return Ok(());
    };
    let outer = &brackets[..brackets.len() - 1];
    // A bracket that may still be an assignment target: at the start of
    // the statement, or after a comma or `*` at its top level.
    let target = toks
        .iter()
        .position(|t| t.start == brackets[0])
        .is_none_or(|i| {
            i == 0 || matches!(toks[i - 1].kind, TokKind::Comma) || word(stmt, &toks[i - 1]) == "*"
        });
    if DEFINING.contains(&word(stmt, first))
        || matches!(word(stmt, first), "for" | "with" | "except")
        || stmt.trim_start().starts_with('@')
        || target
        // A lambda or `:=` binds names the bracket may read; a
        // comprehension inside the bracket is read whole below, and one
        // around it keeps its bracket comprehension-capable.
        || toks.iter().any(|t| matches!(word(stmt, t), "lambda" | ":="))
        // Inside a comprehension's target (`for (a, b` before its `in`).
        || toks
            .iter()
            .rposition(|t| word(stmt, t) == "for")
            .is_some_and(|f| !toks[f..].iter().any(|t| word(stmt, t) == "in"))
        || outer.iter().any(|&o| comprehension_capable(&toks, o))
        || max_depth(&toks) > MAX_DEPTH
    {
        return Ok(());
    }
    let inner = &stmt[open..];
    let expr = match stmt.as_bytes()[open] {
        b'{' => format!("_ananke = {inner}}}\n"),
        b'[' => format!("_ananke = _ananke{inner}]\n"),
        _ => format!("_ananke = _ananke{inner})\n"),
    };
    cell.memo(format!("close {expr}"), || match cell.get(text) {
        Some(scope) => unbound_reads(&scope, &expr),
        None => Ok(()),
    })
}

/// The first name `statement` reads that neither it nor `scope` binds
/// (builtins and module globals aside).
fn unbound_reads(scope: &Scope, statement: &str) -> Verdict {
    if matches!(first_word(statement), "global" | "nonlocal" | "del") {
        return Ok(());
    }
    let Ok(parsed) = ruff_python_parser::parse_module(statement) else {
        return Ok(());
    };
    let facts = crate::flow::scan_names(&parsed.syntax().body);
    if facts.star_import {
        return Ok(());
    }
    let db = crate::stubs::TypeDb::stdlib();
    for (name, _) in &facts.loads {
        if facts.bound.contains(name)
            || scope.binds(name)
            || crate::flow::MODULE_GLOBALS.contains(name)
            || db.member("builtins", name).is_some()
        {
            continue;
        }
        return Err(format!("Name \"{name}\" is not defined  [name-defined]").into());
    }
    Ok(())
}

fn first_word(statement: &str) -> &str {
    let body = statement.trim_start();
    let end = body
        .bytes()
        .position(|b| !is_name_byte(b))
        .unwrap_or(body.len());
    &body[..end]
}

/// A header's colon comes next.
fn header(text: &str, scan: &PrefixScan, cell: &ScopeCell) -> Verdict {
    let (stmt, toks) = statement(text, scan);
    let (first, body) = head(stmt);
    if !matches!(first, "if" | "elif" | "while" | "for" | "with") || max_depth(&toks) > MAX_DEPTH {
        return Ok(());
    }
    let statement = format!("{}:\n    pass\n", wrap(first, body.trim_end()));
    cell.memo(format!("header {statement}"), || match cell.get(text) {
        Some(scope) => check(&scope, &statement),
        None => Ok(()),
    })
}

/// A `def` header's colon comes next: its annotations must be the types
/// `declared` for that function (a parameter left unannotated says
/// nothing against them).
fn declarations(text: &str, scan: &PrefixScan, declared: &[Declared]) -> Verdict {
    if declared.is_empty() {
        return Ok(());
    }
    let (stmt, _) = statement(text, scan);
    let (first, body) = head(stmt);
    if !matches!(first, "def" | "async") {
        return Ok(());
    }
    let def = format!("{}: pass\n", body.trim_end());
    let Ok(parsed) = ruff_python_parser::parse_module(&def) else {
        return Ok(());
    };
    let Some(ruff_python_ast::Stmt::FunctionDef(f)) = parsed.syntax().body.first() else {
        return Ok(());
    };
    let source = |e: &ruff_python_ast::Expr| {
        use ruff_text_size::Ranged;
        def[e.range()]
            .trim_matches(|c| c == '"' || c == '\'')
            .trim()
    };
    for d in declared.iter().filter(|d| d.function == f.name.as_str()) {
        let (what, annotation) = match &d.param {
            Some(name) => {
                let Some(p) = f
                    .parameters
                    .iter_non_variadic_params()
                    .find(|p| p.parameter.name.as_str() == name)
                else {
                    return Err(format!(
                        "`{}` must have a parameter `{name}` (the contract names it)  [semantics]",
                        d.function
                    )
                    .into());
                };
                (
                    format!("parameter `{name}`"),
                    p.parameter.annotation.as_deref(),
                )
            }
            None => ("the return value".to_owned(), f.returns.as_deref()),
        };
        if let Some(a) = annotation.filter(|a| source(a) != d.annotation) {
            return Err(format!(
                "the contract takes {what} of `{}` as \"{}\", but the definition declares \"{}\"  [semantics]",
                d.function,
                d.annotation,
                source(a)
            )
            .into());
        }
    }
    Ok(())
}

fn max_depth(toks: &[Tok]) -> usize {
    let mut depth = 0usize;
    let mut max = 0;
    for t in toks {
        match t.kind {
            TokKind::Open => {
                depth += 1;
                max = max.max(depth);
            }
            TokKind::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// A call's `)` (`close`) or `,` comes next.
fn call(text: &str, scan: &PrefixScan, cell: &ScopeCell, close: bool) -> Verdict {
    let (stmt, _) = statement(text, scan);
    let question = format!("call {}{}", stmt.trim_end(), if close { ")" } else { "," });
    cell.memo(question, || call_verdict(text, scan, cell, close))
}

fn call_verdict(text: &str, scan: &PrefixScan, cell: &ScopeCell, close: bool) -> Verdict {
    let Some(&(b'(', open)) = scan.brackets.last() else {
        return Ok(());
    };
    if open < scan.stmt_start || scan.brackets.len() > MAX_DEPTH {
        return Ok(());
    }
    let (stmt, toks) = statement(text, scan);
    if rebinds(stmt, &toks) {
        return Ok(());
    }
    let open = open - scan.stmt_start;
    let Some(paren) = toks.iter().position(|t| t.start == open) else {
        return Ok(());
    };
    if paren == 0 {
        return Ok(());
    }
    let callee_end = paren - 1;
    let c = toks[callee_end];
    let callable = match c.kind {
        TokKind::Name => !is_non_value_keyword(word(stmt, &c)),
        TokKind::Close | TokKind::String => true,
        _ => false,
    };
    if !callable {
        return Ok(());
    }
    let Some(start) = primary_start(stmt, &toks, callee_end) else {
        return Ok(());
    };
    if start > 0 && matches!(word(stmt, &toks[start - 1]), "def" | "class") {
        return Ok(());
    }
    // The pieces between top-level commas.
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut piece_start = paren + 1;
    for (i, t) in toks.iter().enumerate().skip(paren + 1) {
        match t.kind {
            TokKind::Open => depth += 1,
            TokKind::Close => depth = depth.saturating_sub(1),
            TokKind::Comma if depth == 0 => {
                pieces.push((piece_start, i));
                piece_start = i + 1;
            }
            _ => {}
        }
    }
    if piece_start < toks.len() {
        pieces.push((piece_start, toks.len()));
    } else if !close {
        // `f(a,` then `,`: a syntax error, not ours to judge.
        return Ok(());
    }
    let Some(scope) = cell.get(text) else {
        return Ok(());
    };
    let mut outer = brackets_in_statement(scan);
    outer.pop();
    if may_be_rebound(stmt, &toks, &outer, &toks[start..], &scope) {
        return Ok(());
    }
    let callee = &stmt[toks[start].start..c.end];
    let Some(callee_ty) = cell.infer(&scope, callee) else {
        return Ok(());
    };
    let mut args = Vec::with_capacity(pieces.len());
    for &(a, b) in &pieces {
        let piece = &toks[a..b];
        let Some(first) = piece.first() else {
            return Ok(());
        };
        if word(stmt, first).starts_with('*') {
            return Ok(());
        }
        let keyword =
            (piece.len() >= 2 && first.kind == TokKind::Name && word(stmt, &piece[1]) == "=")
                .then(|| word(stmt, first));
        let value_from = if keyword.is_some() { 2 } else { 0 };
        let Some(value_first) = piece.get(value_from) else {
            return Ok(());
        };
        let value = &stmt[value_first.start..piece[piece.len() - 1].end];
        let Some(ty) = cell.infer(&scope, value) else {
            return Ok(());
        };
        args.push(Arg {
            keyword: keyword.map(Into::into),
            unpacked: false,
            ty,
        });
    }
    let world = scope.world();
    if close {
        if let (_, Some(error)) = world.call(&callee_ty, &args) {
            return Err(format!("the call `{callee}(...)` cannot type-check: {error:?}").into());
        }
    } else if !world.call_prefix_feasible(&callee_ty, &args) {
        return Err(format!(
            "no signature of `{callee}` accepts these first {} argument(s)",
            args.len()
        )
        .into());
    }
    Ok(())
}
