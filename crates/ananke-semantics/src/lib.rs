/*!
The semantics domain: a function's contract — preconditions and
postconditions written as SMT formulas — checked by Z3 while the function
is being written.

A [`Contract`] holds formulas over the function's parameters and `result`
(the returned value), as SMT-LIB2 text that Z3 parses, or built with
[`Term`]. Parameters of type `int` and `bool` are `Int` and `Bool`; any
other value is an `Obj` whose `len` is an uninterpreted, non-negative
function. In a postcondition, a parameter means its value on entry.

[`SemanticsConstraint`] is the lattice element: a contract and the code read
so far. Meet takes both contracts' formulas (and both signatures; one name
with two sorts is ⊥); a contract whose formulas cannot all hold is ⊥, and
its explanation is Z3's unsat core.

[`SemanticsDomain`] reads the code as it is generated (see the reader's rules in
the crate's `reader` module, summarised here):
- `if`/`elif`/`else` tests become path conditions of their blocks, and
  `assert c` becomes a fact for the rest of its block once it has been
  checked to be satisfiable there;
- an assignment whose value is in the translated subset (int/bool
  arithmetic, comparisons, `and`/`or`/`not`, `len`, `abs`, `min`, `max`)
  defines a new version of its name; anything else makes the name unknown;
- `return e` is checked against the postcondition: where the path can be
  reached, some input must let `e` satisfy it.

Nothing is judged inside loops or nested functions, and code that cannot be
reached under the precondition is never rejected, so a correct function is
never rejected. A translation that cannot be made yields no formula, never
an error.

The mask rejects the token that ends a `return` or `assert` statement the
contract rules out, and, while a returned integer literal is being written,
each digit after which no literal with those digits can satisfy the
postcondition: with `result < 10`, after `return 1` the digit `5` is
masked. (This is the one place the domain reads ahead: it takes a literal
written right after `return` to be the returned value, as in
`return 15`; a program that goes on to `return 15 - x` would have to be
written another way.)

Z3 comes from the `z3-solver` wheel that `cargo xtask z3` unpacks into
`.cache/z3`; see the crate's build script.

# Example

```
use ananke_core::{Domain, MeetSemilattice, StepContext, Vocabulary};
use ananke_semantics::{Contract, SemanticsConstraint, Signature, SemanticsDomain};

let tokens = ["def f(n: int) -> int:\n", "    return -1\n", "    return n\n"];
let vocab = Vocabulary::new("toy", tokens, &[], &[])?;
let ctx = StepContext::new(&vocab);
let signature = Signature::from_python_header(tokens[0]).unwrap();
let contract = Contract::new(signature)
    .requires("(> n 0)")?
    .ensures("(>= result 0)")?;
let domain = SemanticsDomain::new();
let start = SemanticsConstraint::new(contract);
let state = domain.observe(&start, 0, ctx)?;
// `return -1` cannot meet `result >= 0`; Z3's unsat core says why.
let why = domain.explain(&state, 1, ctx).unwrap();
assert!(why.contains("ensures #1"), "{why}");
assert!(domain.observe(&state, 1, ctx)?.is_bottom());
assert!(!domain.observe(&state, 2, ctx)?.is_bottom());
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/

mod formula;
mod python;
mod reader;
mod solver;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use ananke_core::control::ControlFacts;
use ananke_core::{CostHint, Domain, Error, MeetSemilattice, StepContext, TokenId, TokenMask};

pub use formula::{Formula, Signature, Sort, SortClash, Term, is_declarable};
pub use reader::Violation;
pub use solver::FormulaError;

use reader::{Pending, Reader};
use solver::{Outcome, Query};

/// Drops this thread's Z3 state: parsed formulas and cached verdicts. For
/// benchmarks that measure cold checks; nothing else needs it.
#[doc(hidden)]
pub fn clear_solver_caches() {
    solver::clear_caches();
}

/// Milliseconds of Z3 work one check may take unless the contract says
/// otherwise (a deterministic work limit calibrated to about that much
/// time, so verdicts do not depend on the machine's load): a check that
/// needs more is `Unknown`, which rejects nothing.
pub const DEFAULT_BUDGET_MS: u32 = 200;

/// Pre- and postconditions of one function (see the crate docs).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Contract {
    signature: Signature,
    requires: im::OrdSet<Formula>,
    ensures: im::OrdSet<Formula>,
    function: Option<Arc<str>>,
    budget_ms: u32,
}

impl Default for Contract {
    fn default() -> Contract {
        Contract::new(Signature::new())
    }
}

impl Contract {
    /// No formulas yet, over `signature`.
    pub fn new(signature: Signature) -> Contract {
        Contract {
            signature,
            requires: im::OrdSet::new(),
            ensures: im::OrdSet::new(),
            function: None,
            budget_ms: DEFAULT_BUDGET_MS,
        }
    }

    /// Adds a precondition (SMT-LIB2 text), checked by Z3 against the
    /// signature.
    pub fn requires(mut self, smtlib: &str) -> Result<Contract, FormulaError> {
        let f = Formula::new(
            smtlib.trim(),
            format!("requires #{}", self.requires.len() + 1),
        );
        solver::validate(&self.signature, &f)?;
        self.requires.insert(f);
        Ok(self)
    }

    /// Adds a postcondition (SMT-LIB2 text, `result` for the returned
    /// value), checked by Z3 against the signature.
    pub fn ensures(mut self, smtlib: &str) -> Result<Contract, FormulaError> {
        let f = Formula::new(
            smtlib.trim(),
            format!("ensures #{}", self.ensures.len() + 1),
        );
        solver::validate(&self.signature, &f)?;
        self.ensures.insert(f);
        Ok(self)
    }

    /// [`Contract::requires`] from a built term.
    pub fn requires_term(self, term: Term) -> Result<Contract, FormulaError> {
        self.requires(term.text())
    }

    /// [`Contract::ensures`] from a built term.
    pub fn ensures_term(self, term: Term) -> Result<Contract, FormulaError> {
        self.ensures(term.text())
    }

    /// Applies the contract to the function named `name` only (by default:
    /// the first function defined at the start of a line).
    pub fn for_function(mut self, name: &str) -> Contract {
        self.function = Some(name.into());
        self
    }

    /// The time Z3 may spend on one check.
    pub fn with_budget_ms(mut self, ms: u32) -> Contract {
        self.budget_ms = ms.max(1);
        self
    }

    /// The symbols and their sorts.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The preconditions.
    pub fn requires_formulas(&self) -> impl Iterator<Item = &Formula> + '_ {
        self.requires.iter()
    }

    /// The postconditions.
    pub fn ensures_formulas(&self) -> impl Iterator<Item = &Formula> + '_ {
        self.ensures.iter()
    }

    /// The function the contract is about, if it names one.
    pub fn function(&self) -> Option<&str> {
        self.function.as_deref()
    }

    /// The per-check time budget in milliseconds.
    pub fn budget_ms(&self) -> u32 {
        self.budget_ms
    }

    /// Whether the contract says nothing.
    pub fn is_empty(&self) -> bool {
        self.requires.is_empty() && self.ensures.is_empty()
    }

    /// Both contracts at once; `Err` says why they cannot be.
    fn meet(&self, other: &Contract) -> Result<Contract, String> {
        let signature = self
            .signature
            .merge(&other.signature)
            .map_err(|e| e.to_string())?;
        let function = match (&self.function, &other.function) {
            (Some(a), Some(b)) if a != b => {
                return Err(format!(
                    "one contract is about `{a}`, the other about `{b}`"
                ));
            }
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        Ok(Contract {
            signature,
            requires: self.requires.clone().union(other.requires.clone()),
            ensures: self.ensures.clone().union(other.ensures.clone()),
            function,
            budget_ms: self.budget_ms.min(other.budget_ms),
        })
    }

    /// Whether the formulas can all hold together; `Err` holds the unsat
    /// core.
    fn consistent(&self) -> Result<(), String> {
        if self.is_empty() {
            return Ok(());
        }
        let tracked: Vec<&Formula> = self.requires.iter().chain(self.ensures.iter()).collect();
        let background = formula::len_facts(self.signature.iter());
        let query = Query {
            signature: &self.signature,
            locals: &[],
            background: &background,
            tracked: &tracked,
            budget_ms: self.budget_ms,
        };
        match solver::check(&query) {
            Ok(Outcome::Unsat(core)) => Err(format!(
                "the contract cannot hold; unsat core: {}",
                core.iter()
                    .map(|&i| tracked[i].to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            Ok(_) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

impl fmt::Debug for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Contract")
            .field("signature", &self.signature)
            .field("requires", &self.requires)
            .field("ensures", &self.ensures)
            .field("function", &self.function)
            .finish()
    }
}

/// The semantics constraint: a contract, the code read so far, and why it
/// is ⊥ if it is (all ⊥s are equal).
#[derive(Clone)]
pub struct SemanticsConstraint {
    contract: Arc<Contract>,
    reader: Option<Arc<Reader>>,
    conflict: Option<Arc<str>>,
    /// What the control-flow domain knows of the code (through the
    /// control flow → semantics morphism): statements no path reaches are
    /// not judged, and a branch whose body always leaves guards the code
    /// after it.
    control: ControlFacts,
}

impl SemanticsConstraint {
    /// The constraint of `contract` before any code; ⊥ when its formulas
    /// cannot all hold.
    pub fn new(contract: Contract) -> SemanticsConstraint {
        match contract.consistent() {
            Ok(()) => SemanticsConstraint {
                contract: Arc::new(contract),
                reader: None,
                conflict: None,
                control: ControlFacts::default(),
            },
            Err(why) => SemanticsConstraint::contradiction(why),
        }
    }

    /// The constraint that allows everything. Its empty contract is one
    /// shared value: the control flow → semantics morphism makes a ⊤ with
    /// facts after every token.
    pub fn top() -> SemanticsConstraint {
        static EMPTY: std::sync::OnceLock<Arc<Contract>> = std::sync::OnceLock::new();
        SemanticsConstraint {
            contract: EMPTY.get_or_init(|| Arc::new(Contract::default())).clone(),
            reader: None,
            conflict: None,
            control: ControlFacts::default(),
        }
    }

    /// ⊥ with a reason.
    pub fn contradiction(reason: impl Into<String>) -> SemanticsConstraint {
        SemanticsConstraint {
            contract: Arc::new(Contract::default()),
            reader: None,
            conflict: Some(reason.into().into()),
            control: ControlFacts::default(),
        }
    }

    /// The constraint that only knows `control` about the code (the
    /// image of the control flow → semantics morphism).
    pub fn knowing(control: ControlFacts) -> SemanticsConstraint {
        SemanticsConstraint {
            control,
            ..SemanticsConstraint::top()
        }
    }

    /// What this constraint knows of the code's control flow.
    pub fn control_facts(&self) -> &ControlFacts {
        &self.control
    }

    /// The contract.
    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    /// The contract as shared by every state that follows it (one
    /// allocation per spec: a morphism may key a cache by it).
    pub fn shared_contract(&self) -> &Arc<Contract> {
        &self.contract
    }

    /// Why this is ⊥, if it is.
    pub fn conflict(&self) -> Option<&str> {
        self.conflict.as_deref()
    }

    fn reader(&self) -> Reader {
        self.reader.as_deref().cloned().unwrap_or_default()
    }

    /// What reading `bytes` (then the end of the output, with `end`) does
    /// to this constraint: `Err` is the violation.
    fn read(&self, bytes: &[u8], end: bool) -> Result<Reader, Violation> {
        let mut reader = self.reader();
        reader.feed(bytes, &self.contract, &self.control)?;
        if end {
            reader.finish(&self.contract, &self.control)?;
        }
        Ok(reader)
    }
}

impl PartialEq for SemanticsConstraint {
    fn eq(&self, other: &SemanticsConstraint) -> bool {
        match (&self.conflict, &other.conflict) {
            (Some(_), Some(_)) => true,
            (None, None) => {
                (Arc::ptr_eq(&self.contract, &other.contract) || self.contract == other.contract)
                    && ananke_core::reading::same(&self.reader, &other.reader)
                    && self.control == other.control
            }
            _ => false,
        }
    }
}

impl fmt::Debug for SemanticsConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.conflict {
            Some(c) => write!(f, "⊥ ({c})"),
            None => write!(
                f,
                "SemanticsConstraint({:?}, read: {})",
                self.contract,
                self.reader.is_some()
            ),
        }
    }
}

impl MeetSemilattice for SemanticsConstraint {
    fn meet(&self, other: &SemanticsConstraint) -> SemanticsConstraint {
        if self.is_bottom() {
            return self.clone();
        }
        if other.is_bottom() {
            return other.clone();
        }
        let Ok(reader) = ananke_core::reading::meet(&self.reader, &other.reader) else {
            return SemanticsConstraint::contradiction("the constraints follow different texts");
        };
        let control = self.control.meet(&other.control);
        if other.contract.is_empty() && other.contract.signature().iter().next().is_none() {
            return SemanticsConstraint {
                reader,
                control,
                ..self.clone()
            };
        }
        match self.contract.meet(&other.contract) {
            Ok(contract) => SemanticsConstraint {
                reader,
                control,
                ..SemanticsConstraint::new(contract)
            },
            Err(why) => SemanticsConstraint::contradiction(why),
        }
    }

    fn is_top(&self) -> bool {
        self.conflict.is_none()
            && self.reader.is_none()
            && *self.contract == Contract::default()
            && self.control.is_top()
    }

    fn is_bottom(&self) -> bool {
        self.conflict.is_some()
    }
}

impl ananke_core::Bounded for SemanticsConstraint {
    fn top() -> SemanticsConstraint {
        SemanticsConstraint::top()
    }

    fn bottom() -> SemanticsConstraint {
        SemanticsConstraint::contradiction("contradictory semantic constraints")
    }
}

/// Tokens the mask may have to judge, found once per vocabulary.
struct TokenIndex {
    /// Tokens with a line break (they can end a statement).
    ends_line: Vec<TokenId>,
    /// Tokens with a digit (only they can extend a returned literal).
    digits: Vec<TokenId>,
}

impl TokenIndex {
    fn new(vocab: &ananke_core::Vocabulary) -> TokenIndex {
        let mut index = TokenIndex {
            ends_line: Vec::new(),
            digits: Vec::new(),
        };
        for (t, bytes) in vocab.iter() {
            if vocab.is_special(t) {
                continue;
            }
            if bytes.contains(&b'\n') {
                index.ends_line.push(t);
            }
            if bytes.iter().any(u8::is_ascii_digit) {
                index.digits.push(t);
            }
        }
        index
    }
}

/// The semantics domain (see the crate docs). Its vocabulary facts are
/// built on first use and tied to that vocabulary.
#[derive(Default)]
pub struct SemanticsDomain {
    index: ananke_core::PerVocab<TokenIndex>,
}

impl fmt::Debug for SemanticsDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SemanticsDomain")
    }
}

impl SemanticsDomain {
    /// The domain's name in a product.
    pub const NAME: &'static str = "semantics";

    /// A new semantics domain.
    pub fn new() -> SemanticsDomain {
        SemanticsDomain::default()
    }

    fn verdict(
        &self,
        state: &SemanticsConstraint,
        token: TokenId,
        vocab: &ananke_core::Vocabulary,
    ) -> Option<String> {
        if let Some(c) = state.conflict() {
            return Some(c.to_owned());
        }
        if state.contract.is_empty() {
            return None;
        }
        let end = vocab.eos().contains(&token);
        if vocab.is_special(token) && !end {
            return None;
        }
        let bytes = if end {
            &[][..]
        } else {
            vocab.token_bytes(token)?
        };
        if let Err(v) = state.read(bytes, end) {
            return Some(v.to_string());
        }
        let reader = state.reader();
        let written = reader.return_text(&state.control)?;
        let (low, high) =
            reader.with_return_query(&state.contract, |q| solver::bounds(q, "result"))?;
        let literal = literal_after(written, bytes)?;
        (!literal.can_reach(low, high)).then(|| {
            format!(
                "no integer literal that starts `return {}` can satisfy the postcondition{}",
                literal.text,
                state
                    .contract
                    .ensures_formulas()
                    .map(|f| format!(" {}", f))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
    }
}

/// A returned decimal literal being written: its sign, digits and value.
struct Literal {
    text: String,
    negative: bool,
    value: i128,
}

impl Literal {
    /// Whether some literal starting with these digits lies in `low..=high`
    /// (`None`: unbounded on that side).
    fn can_reach(&self, low: Option<i128>, high: Option<i128>) -> bool {
        let inside = |v: i128| low.is_none_or(|l| v >= l) && high.is_none_or(|h| v <= h);
        if inside(self.value) {
            return true;
        }
        // Longer literals: from value·10 outwards, without end.
        match self.negative {
            false => high.is_none_or(|h| h >= self.value.saturating_mul(10)),
            true => low.is_none_or(|l| l <= self.value.saturating_mul(10)),
        }
    }
}

/// The literal `written` (the text after `return`) becomes with `bytes`,
/// when both are a (signed) decimal literal in the making and `bytes` adds
/// digits.
fn literal_after(written: &str, bytes: &[u8]) -> Option<Literal> {
    let added = std::str::from_utf8(bytes).ok()?;
    if !added.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let text = format!("{written}{added}");
    if !text.starts_with([' ', '\t']) {
        return None;
    }
    let body = text.trim_start();
    let (negative, digits) = match body.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, body),
    };
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.starts_with('0') {
        // `0x1f`, `0o17`, `0b1`: a leading zero says nothing yet.
        return None;
    }
    let magnitude: i128 = digits.parse().ok()?;
    Some(Literal {
        text: body.to_owned(),
        negative,
        value: if negative { -magnitude } else { magnitude },
    })
}

impl Domain for SemanticsDomain {
    type Constraint = SemanticsConstraint;

    fn name(&self) -> &str {
        SemanticsDomain::NAME
    }

    fn top(&self) -> SemanticsConstraint {
        SemanticsConstraint::top()
    }

    fn bottom(&self) -> SemanticsConstraint {
        <SemanticsConstraint as ananke_core::Bounded>::bottom()
    }

    fn token_mask(
        &self,
        state: &SemanticsConstraint,
        ctx: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        let vocab = ctx.vocab;
        out.copy_from(candidates);
        if state.is_bottom() {
            out.fill(false);
            return Ok(());
        }
        if state.contract.is_empty() {
            return Ok(());
        }
        let reader = state.reader();
        let Some(pending) = reader.pending(&state.control) else {
            return Ok(());
        };
        let index = self
            .index
            .get(SemanticsDomain::NAME, vocab, TokenIndex::new)?;
        // Tokens that end the statement (and the end of the output):
        // judged in full, once per text. Only a judged `return`/`assert`
        // gets here.
        let mut verdicts: HashMap<Vec<u8>, bool> = HashMap::new();
        let ends = index.ends_line.iter().map(|&t| (t, false));
        for (t, end) in ends.chain(vocab.eos().iter().map(|&t| (t, true))) {
            if !candidates.contains(t) {
                continue;
            }
            let bytes = if end {
                &[][..]
            } else {
                vocab.token_bytes(t).unwrap_or_default()
            };
            let key = match bytes.iter().position(|&b| b == b'\n') {
                Some(nl) => bytes[..=nl].to_vec(),
                None => Vec::new(),
            };
            let bad = *verdicts
                .entry(key)
                .or_insert_with(|| state.read(bytes, end).is_err());
            if bad {
                out.set(t, false);
            }
        }
        // Digits of a returned literal.
        if pending == Pending::Return
            && let Some(written) = reader.return_text(&state.control)
            && let Some((low, high)) =
                reader.with_return_query(&state.contract, |q| solver::bounds(q, "result"))
            && (low.is_some() || high.is_some())
        {
            for &t in &index.digits {
                if candidates.contains(t)
                    && let Some(bytes) = vocab.token_bytes(t)
                    && let Some(literal) = literal_after(written, bytes)
                    && !literal.can_reach(low, high)
                {
                    out.set(t, false);
                }
            }
        }
        Ok(())
    }

    fn observe(
        &self,
        state: &SemanticsConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<SemanticsConstraint, Error> {
        let bytes = ctx.vocab.try_token_bytes(token)?;
        if state.is_bottom() {
            return Ok(state.clone());
        }
        if let Some(reason) = self.verdict(state, token, ctx.vocab) {
            return Ok(SemanticsConstraint::contradiction(reason));
        }
        let end = ctx.vocab.eos().contains(&token);
        if ctx.vocab.is_special(token) && !end {
            return Ok(state.clone());
        }
        let bytes = if end { &[][..] } else { bytes };
        let reader = state.read(bytes, end).map_err(|v| Error::Domain {
            domain: SemanticsDomain::NAME.to_owned(),
            message: v.to_string(),
        })?;
        Ok(SemanticsConstraint {
            contract: state.contract.clone(),
            reader: Some(Arc::new(reader)),
            conflict: None,
            control: state.control.clone(),
        })
    }

    fn explain(
        &self,
        state: &SemanticsConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Option<String> {
        if token as usize >= ctx.vocab.len() {
            return None;
        }
        self.verdict(state, token, ctx.vocab)
    }

    fn cost(&self) -> CostHint {
        CostHint {
            relative_cost: 0.02,
            keep_ratio: 0.999,
            scales_with_candidates: true,
        }
    }
}
