//! [`TypesDomain`]: the types domain as a token mask. At every step it
//! answers, for each candidate token, "can the program still complete to
//! one that type-checks?" — and says no only when the text already
//! settles it (see [`program`] for the events judged and why each is
//! safe).
//!
//! The mask is computed from token classes built once per vocabulary
//! ([`classes`]): a token is judged by its *event key* (the brackets,
//! commas, colons and line ends it begins with), so one step evaluates each
//! distinct key among the syntax-surviving candidates once and never looks
//! at tokens that cannot change a verdict ([`verdicts`]). Where the cursor
//! is ([`sites`]) may restrict names too: attribute names are matched
//! against the receiver type's members, keywords and names in scope
//! against theirs, through sorted identifier tables ([`site_tokens`],
//! [`name_tokens`]). Verdicts are memoised on the state, and on the
//! statement's [`scope_cell`], and shared by mask, observe and explain, so
//! `observe` rejects exactly the tokens the mask leaves out.
//!
//! Event keys were chosen over toktrie's `Recognizer` (a byte-level state
//! pushed through the vocabulary's trie): a verdict here needs the
//! statement, its scope and the checker, which do not fit a per-byte
//! state, while the keys collapse a 100k–200k-token vocabulary to the
//! couple of thousand shapes that can change a verdict.
//!
//! The mask never rejects a token whose text can still complete to a
//! module mypy accepts, except where a declaration from a contract says
//! otherwise. A panic inside a verdict is caught and counts as no verdict
//! ([`guarded`]): it never rejects a token or unwinds into the caller.
//!
//! Two facts may come from other domains, through the runtime's morphisms.
//! [`TypesConstraint::assuming`] (imports → types) reads the program as if
//! an `import` line stood before it for each required module;
//! [`TypesConstraint::declaring`] (semantics → types) names the types a
//! definition must declare. Either, when it changes, makes the program be
//! read again (its verdicts were memoised without it): a contract's
//! declarations once per spec, the assumed imports when a requirement is
//! added. The mask cache key hashes the declarations with the text.
//!
//! A constraint is persistent: observing a token makes a new state that
//! shares the statement's scope with its parent; cloning (a checkpoint) is
//! O(1).

mod classes;
mod name_tokens;
mod policy;
mod program;
mod scope_cell;
mod site_tokens;
mod sites;
mod verdicts;

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use ananke_core::{
    CostHint, Domain, Error, MeetSemilattice, StepContext, TokenId, TokenMask, Vocabulary,
};
use ananke_pylex::{is_keyword, is_name_byte, is_name_start};

use crate::hole_type::HoleType;
use crate::types::Type;
use classes::TokenClasses;
use name_tokens::MemberTokens;
use program::Program;
use sites::{CodeSite, Situation};

/// `Ok` when allowed; the reason otherwise.
pub(crate) type Verdict = Result<(), Arc<str>>;

/// When a type error written in a line is certain, so that a token may be
/// rejected for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Certain {
    /// As it is written: no comment can silence it (the domain
    /// [forbids](TypesDomain::forbidding_type_ignore) `# type: ignore`).
    AsWritten = 0,
    /// At the end of its logical line: until then a `# type: ignore` may
    /// still come and silence it, as mypy reads one. An attribute that
    /// does not exist, a call's wrong argument, a header's bad condition
    /// are rejected at the line break (or the end) that leaves them
    /// unsilenced, not where they are written.
    AtLineEnd = 1,
}

/// Runs a check, turning a panic into "no verdict" (an internal error
/// must never reject a token or unwind into the caller).
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

/// A types-domain constraint: what the hole must produce (a
/// [`HoleType`]) and the program written so far.
#[derive(Clone)]
pub struct TypesConstraint {
    hole: HoleType,
    program: Option<Arc<Program>>,
    /// Modules the enclosing module imports, sorted: their names are in
    /// scope from the first byte (see [`assuming`](Self::assuming)).
    assumed: Arc<[String]>,
    /// Types a definition must declare, sorted (see
    /// [`declaring`](Self::declaring)).
    declared: Arc<[Declared]>,
}

/// A type a function's definition must declare for one parameter, or for
/// its return value (`param: None`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Declared {
    pub function: String,
    pub param: Option<String>,
    /// The annotation it must have (`int`, `bool`).
    pub annotation: String,
}

impl TypesConstraint {
    /// No program text yet, no expectation.
    pub fn top() -> TypesConstraint {
        TypesConstraint {
            hole: HoleType::top(),
            program: None,
            assumed: Arc::from([]),
            declared: Arc::from([]),
        }
    }

    /// The contradiction, with a reason.
    pub fn contradiction(reason: impl Into<String>) -> TypesConstraint {
        TypesConstraint {
            hole: HoleType::contradiction(reason),
            program: None,
            assumed: Arc::from([]),
            declared: Arc::from([]),
        }
    }

    /// A module written from its first byte.
    pub fn module() -> TypesConstraint {
        TypesConstraint::after("")
    }

    /// Code that continues `preamble` — a function body after its
    /// signature (`"def f(xs: list[int]) -> int:\n"`), whose return type
    /// and parameters the body is then checked against.
    pub fn after(preamble: &str) -> TypesConstraint {
        TypesConstraint {
            hole: HoleType::top(),
            program: Some(Arc::new(Program::start(preamble, None))),
            assumed: Arc::from([]),
            declared: Arc::from([]),
        }
    }

    /// A closed function body after `preamble` (its signature, and what
    /// precedes it): the generated code is the rest of the module, so it
    /// may not leave the body, and every name it reads must already be in
    /// scope — a name read at an expression position must start a name
    /// the scope has.
    pub fn body(preamble: &str) -> TypesConstraint {
        TypesConstraint {
            hole: HoleType::top(),
            program: Some(Arc::new(Program::start(preamble, Some(preamble.len())))),
            assumed: Arc::from([]),
            declared: Arc::from([]),
        }
    }

    /// A module whose first `prefix_len` bytes are given (a prompt that
    /// ends with a function's signature, committed token by token) and
    /// whose code after them is that function's closed body, as in
    /// [`body`](TypesConstraint::body).
    pub fn body_after(prefix_len: usize) -> TypesConstraint {
        TypesConstraint {
            hole: HoleType::top(),
            program: Some(Arc::new(Program::start("", Some(prefix_len)))),
            assumed: Arc::from([]),
            declared: Arc::from([]),
        }
    }

    /// An expression hole after `preamble` whose value must have type
    /// `expected` (judged when the sequence ends).
    pub fn expression(preamble: &str, expected: Type) -> TypesConstraint {
        TypesConstraint {
            hole: HoleType::expecting(expected),
            program: Some(Arc::new(Program::start(preamble, None))),
            assumed: Arc::from([]),
            declared: Arc::from([]),
        }
    }

    /// Knows only that the enclosing module imports `modules` (the
    /// imports → types morphism's image of its required modules): their
    /// names are bound, with their typeshed members, wherever the code
    /// reads them — as if each had an `import` line before the code.
    pub fn assuming<S: AsRef<str>>(modules: impl IntoIterator<Item = S>) -> TypesConstraint {
        let mut assumed: Vec<String> = modules
            .into_iter()
            .map(|m| m.as_ref().to_owned())
            .filter(|m| is_dotted_name(m))
            .collect();
        assumed.sort();
        assumed.dedup();
        TypesConstraint {
            assumed: assumed.into(),
            ..TypesConstraint::top()
        }
    }

    /// The modules assumed imported.
    pub fn assumed_imports(&self) -> &[String] {
        &self.assumed
    }

    /// Knows only that the definition of `function` must declare these
    /// types: each `(parameter, type)` of `params`, and `returns` for its
    /// return value (the semantics → types morphism's image of a
    /// contract's sorts: a formula over an `Int` parameter is about an
    /// `int`). A definition that annotates one of them otherwise, or
    /// lacks a parameter named, is rejected at its header's `:`; one left
    /// unannotated contradicts nothing. Only `int` and `bool` are
    /// expressible (the sorts a contract has besides opaque objects).
    pub fn declaring<'a>(
        function: &str,
        params: impl IntoIterator<Item = (&'a str, &'a Type)>,
        returns: Option<&Type>,
    ) -> TypesConstraint {
        let exact = |ty: &Type| (*ty == Type::int() || *ty == Type::bool()).then(|| ty.to_string());
        let mut declared: Vec<Declared> = params
            .into_iter()
            .filter_map(|(param, ty)| {
                Some(Declared {
                    function: function.to_owned(),
                    param: Some(param.to_owned()),
                    annotation: exact(ty)?,
                })
            })
            .chain(returns.and_then(exact).map(|annotation| Declared {
                function: function.to_owned(),
                param: None,
                annotation,
            }))
            .collect();
        declared.sort();
        declared.dedup();
        if let Some(clash) = first_clash(&declared) {
            return TypesConstraint::contradiction(clash);
        }
        TypesConstraint {
            declared: declared.into(),
            ..TypesConstraint::top()
        }
    }

    /// How many declared types the constraint knows (see
    /// [`declaring`](Self::declaring)).
    pub fn declared_count(&self) -> usize {
        self.declared.len()
    }

    /// What the hole expects and knows.
    pub fn hole(&self) -> &HoleType {
        &self.hole
    }

    /// The generated text so far (after the preamble).
    pub fn text(&self) -> String {
        self.program
            .as_ref()
            .map(|p| String::from_utf8_lossy(p.generated()).into_owned())
            .unwrap_or_default()
    }

    /// The modules the latest statement uses qualified without binding
    /// them (`math` after `return math.sqrt(x)` with no `import math`):
    /// the types → imports morphism turns them into requirements on the
    /// enclosing module.
    pub fn unbound_module_uses(&self) -> Vec<String> {
        self.program
            .as_ref()
            .map(|p| p.unbound_module_uses())
            .unwrap_or_default()
    }

    /// Why this is ⊥.
    pub fn conflict(&self) -> Option<&str> {
        self.hole.conflict()
    }

    fn program(&self) -> Arc<Program> {
        self.program.clone().unwrap_or_else(|| {
            let mut program = Program::start("", None);
            if !self.assumed.is_empty() {
                program = program.with_assumed(&self.assumed);
            }
            program.declared = self.declared.clone();
            Arc::new(program)
        })
    }
}

/// Whether `text` is a dotted name of identifiers (what an assumed
/// `import` line may name).
fn is_dotted_name(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|part| {
            part.bytes().next().is_some_and(is_name_start)
                && part.bytes().all(is_name_byte)
                && !is_keyword(part.as_bytes())
        })
}

/// The sorted union of two sorted lists (shared when one holds the
/// other).
fn union<T: Ord + Clone>(a: &Arc<[T]>, b: &Arc<[T]>) -> Arc<[T]> {
    if Arc::ptr_eq(a, b) || b.iter().all(|m| a.binary_search(m).is_ok()) {
        return a.clone();
    }
    if a.iter().all(|m| b.binary_search(m).is_ok()) {
        return b.clone();
    }
    let mut all: Vec<T> = a.iter().chain(b.iter()).cloned().collect();
    all.sort();
    all.dedup();
    all.into()
}

/// Two declarations of one parameter (or return) with different types,
/// said in words.
fn first_clash(declared: &[Declared]) -> Option<String> {
    declared.windows(2).find_map(|pair| {
        let (a, b) = (&pair[0], &pair[1]);
        (a.function == b.function && a.param == b.param).then(|| {
            let what = a
                .param
                .as_deref()
                .map_or("the return value".to_owned(), |p| {
                    format!("parameter `{p}`")
                });
            format!(
                "{what} of `{}` must be declared both \"{}\" and \"{}\"",
                a.function, a.annotation, b.annotation
            )
        })
    })
}

fn same_program(a: &Program, b: &Program) -> bool {
    a.own_text() == b.own_text()
}

impl PartialEq for TypesConstraint {
    fn eq(&self, other: &TypesConstraint) -> bool {
        self.hole == other.hole
            && (self.is_bottom()
                || (self.assumed == other.assumed && self.declared == other.declared))
            && match (&self.program, &other.program) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b) || same_program(a, b),
                _ => false,
            }
    }
}

impl MeetSemilattice for TypesConstraint {
    fn meet(&self, other: &TypesConstraint) -> TypesConstraint {
        let hole = self.hole.meet(&other.hole);
        if hole.is_bottom() {
            return TypesConstraint {
                hole,
                program: None,
                assumed: Arc::from([]),
                declared: Arc::from([]),
            };
        }
        let assumed = union(&self.assumed, &other.assumed);
        let declared = union(&self.declared, &other.declared);
        if let Some(clash) = first_clash(&declared) {
            return TypesConstraint::contradiction(clash);
        }
        let program = match (&self.program, &other.program) {
            (None, p) | (p, None) => p.clone(),
            (Some(a), Some(b)) if Arc::ptr_eq(a, b) || same_program(a, b) => Some(a.clone()),
            _ => {
                return TypesConstraint::contradiction("the constraints follow different programs");
            }
        };
        let program = program.map(|p| {
            let p = if p.assumed == assumed {
                p
            } else {
                Arc::new(p.with_assumed(&assumed))
            };
            if p.declared == declared {
                p
            } else {
                Arc::new(p.with_declared(&declared))
            }
        });
        TypesConstraint {
            hole,
            program,
            assumed,
            declared,
        }
    }

    fn is_top(&self) -> bool {
        self.hole.is_top()
            && self.program.is_none()
            && self.assumed.is_empty()
            && self.declared.is_empty()
    }

    fn is_bottom(&self) -> bool {
        self.hole.is_bottom()
    }
}

impl fmt::Debug for TypesConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("TypesConstraint");
        s.field("hole", &self.hole);
        if let Some(p) = &self.program {
            let text = String::from_utf8_lossy(p.generated());
            let tail: String = text
                .chars()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            s.field("preamble_len", &p.preamble)
                .field("text_tail", &tail);
        }
        s.finish()
    }
}

/// The types domain over one vocabulary (see the module docs).
pub struct TypesDomain {
    classes: Arc<TokenClasses>,
    /// The call policy its masks enforce, if any (see
    /// [`TypesDomain::with_policy`]).
    policy: Option<Arc<policy::PolicyIndex>>,
    /// Whether a `# type: ignore` may not be written (see
    /// [`TypesDomain::forbidding_type_ignore`]).
    forbid_type_ignore: bool,
}

impl TypesDomain {
    /// The domain's name in a product.
    pub const NAME: &'static str = "types";

    /// The domain for `vocab`, with its token classes (built once, in
    /// tens of milliseconds for a 200k-token vocabulary).
    pub fn new(vocab: &Vocabulary) -> TypesDomain {
        TypesDomain {
            classes: Arc::new(TokenClasses::new(vocab)),
            policy: None,
            forbid_type_ignore: false,
        }
    }

    /// This domain, refusing to let a line end with a comment that would
    /// turn checks off (`# type: ignore`, with or without codes, or a
    /// type comment ending in one; one before the first statement would
    /// silence the whole module; or `# mypy:` inline configuration): the
    /// line break, or the end of the sequence, that would complete one is
    /// rejected. Without this the domain reads such a comment as mypy
    /// does — the errors on its line are not errors — which is right for
    /// checking code people wrote, and, when generating, lets a model
    /// switch the domain off by writing one. With it, a type error is
    /// also rejected where it is written, not at the end of its line
    /// (where, reading the comment as mypy does, it first becomes
    /// certain).
    pub fn forbidding_type_ignore(self) -> TypesDomain {
        TypesDomain {
            forbid_type_ignore: true,
            ..self
        }
    }

    /// The domain for `vocab` that also enforces a call policy: a token
    /// that completes a reference to a callable the policy denies — by
    /// any name, alias or reflective route the checker can resolve — is
    /// rejected, with a reason naming the callable and the rule (see
    /// [`crate::policy`]). The tokens that could complete a denied name
    /// are indexed here, once.
    pub fn with_policy(
        vocab: &Vocabulary,
        policy: Arc<crate::policy::ResolvedPolicy>,
    ) -> TypesDomain {
        TypesDomain {
            classes: Arc::new(TokenClasses::new(vocab)),
            policy: Some(Arc::new(policy::PolicyIndex::new(policy, vocab))),
            forbid_type_ignore: false,
        }
    }

    fn check_vocab(&self, vocab: &Vocabulary) -> Result<(), Error> {
        if vocab.len() == self.classes.n_vocab {
            return Ok(());
        }
        Err(Error::domain(
            TypesDomain::NAME,
            format!(
                "built for vocabulary `{}` ({} tokens) but used with `{}` ({} tokens)",
                self.classes.vocab_name,
                self.classes.n_vocab,
                vocab.name(),
                vocab.len()
            ),
        ))
    }

    /// The verdict on one token (what the mask says about it): the
    /// types', then the call policy's.
    fn judge(&self, c: &TypesConstraint, token: TokenId, vocab: &Vocabulary) -> Verdict {
        self.judge_types(c, token, vocab)?;
        match &self.policy {
            Some(index) if !vocab.is_special(token) || self.classes.eos.contains(token) => {
                let bytes = vocab.token_bytes(token).unwrap_or_default();
                guarded(|| {
                    c.program()
                        .policy_verdict(&self.classes, index, token, bytes)
                })
                .unwrap_or(Ok(()))
            }
            _ => Ok(()),
        }
    }

    fn judge_types(&self, c: &TypesConstraint, token: TokenId, vocab: &Vocabulary) -> Verdict {
        if let Some(reason) = c.conflict() {
            return Err(reason.into());
        }
        let classes = &*self.classes;
        let program = c.program();
        if classes.eos.contains(token) {
            self.ignore_verdict(&program, &[])?;
            return program.eos_verdict(&c.hole.expected());
        }
        let bytes = vocab.token_bytes(token).unwrap_or_default();
        if vocab.is_special(token) || bytes.is_empty() {
            return Ok(());
        }
        if classes.has_newline.contains(token) {
            self.ignore_verdict(&program, bytes)?;
        }
        let analysis = program.analysis();
        match &analysis.situation {
            Situation::Opaque => Ok(()),
            Situation::Comment => {
                if classes.has_newline.contains(token) {
                    program.key_verdict(classes, classes.newline_key, self.certain())
                } else {
                    Ok(())
                }
            }
            Situation::String(q) => {
                let key = classes.close_key[*q][token as usize];
                let verdict = program.key_verdict(classes, key, self.certain());
                if verdict.is_err() && classes.closes_later[*q].contains(token) {
                    return self.closes_later_verdict(&program, *q, token, vocab);
                }
                verdict
            }
            Situation::Code(site) => {
                for (kind, tokens) in self.site_tokens(&program, site) {
                    if !kind.allows(classes, &tokens, token) {
                        return Err(format!(
                            "{:?} leads to no {} here",
                            String::from_utf8_lossy(bytes),
                            tokens.receiver
                        )
                        .into());
                    }
                }
                if (site.line_start && classes.line_code.contains(token))
                    || (site.top_level && classes.newline_code.contains(token))
                {
                    return Err("code at column 0 would leave the function body".into());
                }
                if site.closing
                    && ((site.at_line_start && classes.line_code.contains(token))
                        || classes.newline_code.contains(token))
                {
                    program.closing_verdict()?;
                }
                if site.closed
                    && self.certain() == Certain::AsWritten
                    && classes.op_names.contains(token)
                {
                    program.op_name_verdict(classes, token)?;
                }
                program.key_verdict(classes, classes.code_key[token as usize], self.certain())
            }
        }
    }
}

impl TypesDomain {
    /// Under [`forbidding_type_ignore`](Self::forbidding_type_ignore):
    /// refuses a token (its `bytes`; none for the end of the sequence)
    /// that would end a line carrying a silencing comment.
    fn ignore_verdict(&self, program: &Program, bytes: &[u8]) -> Verdict {
        if !self.forbid_type_ignore {
            return Ok(());
        }
        let line = bytes
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(bytes, |end| &bytes[..end]);
        let line = String::from_utf8_lossy(line);
        if program.ends_silenced(&line) {
            return Err(
                "a `# type: ignore` or `# mypy:` comment would turn checks off, and the spec forbids them (types.type_ignore = \"forbid\")"
                    .into(),
            );
        }
        Ok(())
    }

    /// The tokens [`ignore_verdict`](Self::ignore_verdict) refuses, cleared
    /// from `out`: only while the text ends in a comment, or for the few
    /// tokens that open one before their line break.
    fn mask_ignores(
        &self,
        program: &Program,
        vocab: &Vocabulary,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) {
        let classes = &*self.classes;
        let in_comment = program.scan.in_comment();
        if in_comment
            && candidates.intersects(&classes.eos)
            && self.ignore_verdict(program, &[]).is_err()
        {
            out.and_not_with(&classes.eos);
        }
        let lines = if in_comment {
            &classes.has_newline
        } else {
            &classes.comment_newline
        };
        for token in candidates.iter_common(lines) {
            let bytes = vocab.token_bytes(token).unwrap_or_default();
            if self.ignore_verdict(program, bytes).is_err() {
                out.set(token, false);
            }
        }
    }

    /// The verdict on a token that closes the open `q` string after some
    /// of its content, where its key (judged without the content) fails.
    fn closes_later_verdict(
        &self,
        program: &Program,
        q: usize,
        token: TokenId,
        vocab: &Vocabulary,
    ) -> Verdict {
        let classes = &*self.classes;
        let bytes = vocab.token_bytes(token).unwrap_or_default();
        let quote = [b'\'', b'"'][q];
        let Some(at) = classes::closing_quote(bytes, quote) else {
            return Ok(());
        };
        let key = classes.close_key[q][token as usize];
        program.content_verdict(classes, &bytes[..at], key, self.certain())
    }

    /// When a type error is certain under this domain's reading of
    /// `# type: ignore`.
    fn certain(&self) -> Certain {
        if self.forbid_type_ignore {
            Certain::AsWritten
        } else {
            Certain::AtLineEnd
        }
    }

    /// The restrictions a code site puts on names: an attribute's, or a
    /// name read in a closed body (type errors, judged only where they
    /// are [certain as written](Certain::AsWritten)); the keywords that
    /// may follow an expression.
    fn site_tokens(
        &self,
        program: &Program,
        site: &CodeSite,
    ) -> Vec<(SiteKind, Arc<MemberTokens>)> {
        let classes = &*self.classes;
        let mut out = Vec::new();
        let eager = self.certain() == Certain::AsWritten;
        if eager
            && let Some(member) = &site.member
            && let Some(tokens) = program.members(classes)
        {
            let kind = match member.partial.as_deref() {
                None => SiteKind::AfterReceiver,
                Some("") => SiteKind::NameStart,
                Some(_) => SiteKind::Partial,
            };
            out.push((kind, tokens));
        }
        if let Some(keyword) = &site.keyword
            && let Some(tokens) = program.keywords(classes)
        {
            let kind = if keyword.word.is_empty() {
                SiteKind::NameStart
            } else {
                SiteKind::Partial
            };
            out.push((kind, tokens));
        }
        if site.ends_in_word
            && let Some(tokens) = program.after_blank(classes)
        {
            out.push((SiteKind::Spaced, tokens));
        }
        if eager
            && let Some(name) = &site.name
            && let Some(tokens) = program.names(classes)
        {
            let kind = if name.partial.is_empty() {
                SiteKind::NameStart
            } else {
                SiteKind::Partial
            };
            out.push((kind, tokens));
        }
        out
    }
}

/// Which tokens a name restriction looks at.
#[derive(Clone, Copy)]
enum SiteKind {
    /// Right after a receiver: tokens starting with `.`.
    AfterReceiver,
    /// Where a name starts: tokens starting with a name, blanks or not.
    NameStart,
    /// Inside a name: tokens continuing it, and those ending it.
    Partial,
    /// Right after an expression: tokens of blanks then a word.
    Spaced,
}

impl SiteKind {
    fn allows(self, classes: &TokenClasses, tokens: &MemberTokens, token: TokenId) -> bool {
        let listed = || tokens.allowed.binary_search(&token).is_ok();
        match self {
            SiteKind::AfterReceiver => !classes.dots.contains(token) || listed(),
            SiteKind::NameStart => {
                !(classes.name_starts.contains(token) || classes.spaced_names.contains(token))
                    || listed()
            }
            SiteKind::Spaced => !classes.spaced_names.contains(token) || listed(),
            SiteKind::Partial => {
                if classes.idents.contains(token) {
                    listed()
                } else if !classes.non_idents.contains(token) {
                    true
                } else if !tokens.partial_is_member {
                    false
                } else {
                    tokens
                        .chained
                        .as_ref()
                        .is_none_or(|c| SiteKind::AfterReceiver.allows(classes, c, token))
                }
            }
        }
    }

    /// Removes from `out` the tokens of this kind's class that `tokens`
    /// does not list; tokens other restrictions removed stay removed.
    fn restrict(self, classes: &TokenClasses, tokens: &MemberTokens, out: &mut TokenMask) {
        let kept: Vec<TokenId> = tokens
            .allowed
            .iter()
            .copied()
            .filter(|&t| out.contains(t))
            .collect();
        match self {
            SiteKind::AfterReceiver => out.and_not_with(&classes.dots),
            SiteKind::NameStart => {
                out.and_not_with(&classes.name_starts);
                out.and_not_with(&classes.spaced_names);
            }
            SiteKind::Spaced => out.and_not_with(&classes.spaced_names),
            SiteKind::Partial => {
                out.and_not_with(&classes.idents);
                if !tokens.partial_is_member {
                    out.and_not_with(&classes.non_idents);
                } else if let Some(chained) = &tokens.chained {
                    // Tokens that end the member and start the next one.
                    SiteKind::AfterReceiver.restrict(classes, chained, out);
                }
            }
        }
        for token in kept {
            out.set(token, true);
        }
    }
}

impl Domain for TypesDomain {
    type Constraint = TypesConstraint;

    fn name(&self) -> &str {
        TypesDomain::NAME
    }

    fn top(&self) -> TypesConstraint {
        TypesConstraint::top()
    }

    fn bottom(&self) -> TypesConstraint {
        TypesConstraint::contradiction("contradiction")
    }

    fn token_mask(
        &self,
        c: &TypesConstraint,
        ctx: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        self.check_vocab(ctx.vocab)?;
        out.copy_from(candidates);
        if c.is_bottom() {
            out.fill(false);
            return Ok(());
        }
        let classes = &*self.classes;
        let program = c.program();
        if candidates.intersects(&classes.eos) && program.eos_verdict(&c.hole.expected()).is_err() {
            out.and_not_with(&classes.eos);
        }
        if self.forbid_type_ignore {
            self.mask_ignores(&program, ctx.vocab, candidates, out);
        }
        let analysis = program.analysis();
        match &analysis.situation {
            Situation::Opaque => {}
            Situation::Comment => {
                if candidates.intersects(&classes.has_newline)
                    && program
                        .key_verdict(classes, classes.newline_key, self.certain())
                        .is_err()
                {
                    out.and_not_with(&classes.has_newline);
                }
            }
            Situation::String(q) => {
                program.mask_keys(
                    classes,
                    candidates,
                    &classes.closes[*q],
                    &classes.close_key[*q],
                    self.certain(),
                    out,
                );
                // Tokens closing it after some content: their key, then
                // (where it fails) the content with it.
                for token in candidates.iter_common(&classes.closes_later[*q]) {
                    let key = classes.close_key[*q][token as usize];
                    if program.key_verdict(classes, key, self.certain()).is_err()
                        && self
                            .closes_later_verdict(&program, *q, token, ctx.vocab)
                            .is_err()
                    {
                        out.set(token, false);
                    }
                }
            }
            Situation::Code(site) => {
                for (kind, tokens) in self.site_tokens(&program, site) {
                    kind.restrict(classes, &tokens, out);
                }
                if site.line_start {
                    out.and_not_with(&classes.line_code);
                }
                if site.top_level {
                    out.and_not_with(&classes.newline_code);
                }
                if site.closing {
                    let starts: &[&TokenMask] = if site.at_line_start {
                        &[&classes.line_code, &classes.newline_code]
                    } else {
                        &[&classes.newline_code]
                    };
                    for &start in starts {
                        if candidates.intersects(start) && program.closing_verdict().is_err() {
                            out.and_not_with(start);
                        }
                    }
                }
                if site.closed
                    && self.certain() == Certain::AsWritten
                    && candidates.intersects(&classes.op_names)
                {
                    for token in candidates.iter_common(&classes.op_names) {
                        if program.op_name_verdict(classes, token).is_err() {
                            out.set(token, false);
                        }
                    }
                }
                program.mask_keys(
                    classes,
                    candidates,
                    &classes.code_events,
                    &classes.code_key,
                    self.certain(),
                    out,
                );
            }
        }
        if let Some(index) = &self.policy {
            let _ = guarded(|| program.policy_mask(classes, index, ctx.vocab, candidates, out));
        }
        Ok(())
    }

    fn observe(
        &self,
        c: &TypesConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<TypesConstraint, Error> {
        self.check_vocab(ctx.vocab)?;
        let bytes = ctx.vocab.try_token_bytes(token)?;
        if let Err(reason) = self.judge(c, token, ctx.vocab) {
            return Ok(TypesConstraint::contradiction(reason.to_string()));
        }
        if self.classes.eos.contains(token) || ctx.vocab.is_special(token) {
            return Ok(c.clone());
        }
        Ok(TypesConstraint {
            hole: c.hole.clone(),
            program: Some(Arc::new(c.program().extend(bytes))),
            assumed: c.assumed.clone(),
            declared: c.declared.clone(),
        })
    }

    fn explain(&self, c: &TypesConstraint, token: TokenId, ctx: StepContext<'_>) -> Option<String> {
        self.check_vocab(ctx.vocab).ok()?;
        if token as usize >= ctx.vocab.len() {
            return None;
        }
        self.judge(c, token, ctx.vocab).err().map(|reason| {
            if reason.starts_with("call policy") {
                reason.to_string()
            } else {
                format!("type error: {reason}")
            }
        })
    }

    fn cost(&self) -> CostHint {
        CostHint {
            relative_cost: 0.3,
            keep_ratio: 0.95,
            scales_with_candidates: true,
        }
    }

    fn cache_key(&self, c: &TypesConstraint) -> Option<u64> {
        // Masks depend on the text and the hole; hash both.
        use std::hash::{Hash, Hasher};
        let program = c.program.as_ref()?;
        let mut hasher = program.text_hash.clone();
        program.preamble.hash(&mut hasher);
        program.declared.hash(&mut hasher);
        program.assumed.hash(&mut hasher);
        format!("{:?}", c.hole).hash(&mut hasher);
        self.forbid_type_ignore.hash(&mut hasher);
        if let Some(index) = &self.policy {
            index.policy.id().hash(&mut hasher);
        }
        Some(hasher.finish())
    }
}
