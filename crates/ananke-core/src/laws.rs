//! The law-checking harness (feature `laws`): property tests of the lattice
//! and morphism laws, for any domain author to call with one strategy.
//!
//! Each law runs [`LawConfig::cases`] generated cases (default 1,000, or
//! `ANANKE_LAW_CASES`); a violation is shrunk by proptest to a small
//! counterexample and reported with the law's name. Runs are deterministic
//! unless `ANANKE_LAW_SEED=random`, so a failure seen once is seen again.
//!
//! ```
//! use ananke_core::laws::{LawConfig, check_meet_semilattice};
//! use ananke_core::reference::Interval;
//! use ananke_core::Bounded;
//! use proptest::prelude::*;
//!
//! let intervals = (-20i64..20, -20i64..20).prop_map(|(a, b)| Interval::new(a, b));
//! let report = check_meet_semilattice(
//!     "Interval",
//!     &Interval::top(),
//!     &Interval::bottom(),
//!     &intervals,
//!     &LawConfig::with_cases(64),
//! )
//! .unwrap();
//! assert_eq!(report.cases_per_law, 64);
//! ```

use std::fmt;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::{
    Bounded, Domain, JoinSemilattice, MeetSemilattice, Morphism, StepContext, TokenId, TokenMask,
    Vocabulary,
};

/// How many cases to run, and with which randomness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LawConfig {
    /// Generated cases per law.
    pub cases: u32,
    /// Fixed seed (reproducible) or fresh entropy.
    pub deterministic: bool,
}

impl LawConfig {
    /// Cases from `ANANKE_LAW_CASES` (default 1,000); deterministic unless
    /// `ANANKE_LAW_SEED=random`.
    pub fn from_env() -> LawConfig {
        let cases = std::env::var("ANANKE_LAW_CASES")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(1_000);
        let deterministic = std::env::var("ANANKE_LAW_SEED").map_or(true, |v| v != "random");
        LawConfig {
            cases,
            deterministic,
        }
    }

    /// A deterministic configuration with `cases` cases per law.
    pub fn with_cases(cases: u32) -> LawConfig {
        LawConfig {
            cases,
            deterministic: true,
        }
    }

    fn runner(&self) -> TestRunner {
        let config = Config {
            cases: self.cases,
            failure_persistence: None,
            ..Config::default()
        };
        if self.deterministic {
            TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
        } else {
            TestRunner::new(config)
        }
    }
}

impl Default for LawConfig {
    fn default() -> LawConfig {
        LawConfig::from_env()
    }
}

/// The laws that held, and how hard they were tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LawReport {
    /// What was checked (a lattice or morphism name).
    pub subject: String,
    /// The laws checked on generated cases, in order.
    pub laws: Vec<&'static str>,
    /// The laws checked once on fixed values (⊤, ⊥).
    pub facts: Vec<&'static str>,
    /// Generated cases per law.
    pub cases_per_law: u32,
}

impl LawReport {
    /// Cases run over all laws.
    pub fn total_cases(&self) -> u64 {
        self.laws.len() as u64 * u64::from(self.cases_per_law)
    }

    fn merge(&mut self, other: LawReport) {
        self.laws.extend(other.laws);
        self.facts.extend(other.facts);
    }
}

impl fmt::Display for LawReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} laws × {} cases ({}), {} facts ({})",
            self.subject,
            self.laws.len(),
            self.cases_per_law,
            self.laws.join(", "),
            self.facts.len(),
            self.facts.join(", ")
        )
    }
}

/// A law that failed, with the (shrunk) counterexample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LawViolation {
    /// What was checked.
    pub subject: String,
    /// The law that failed.
    pub law: &'static str,
    /// What exactly went wrong.
    pub message: String,
    /// The smallest failing input found, printed with `{:#?}`.
    pub counterexample: String,
}

impl fmt::Display for LawViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} violates {}: {}\ncounterexample: {}",
            self.subject, self.law, self.message, self.counterexample
        )
    }
}

impl std::error::Error for LawViolation {}

struct Checker<'a> {
    subject: &'a str,
    config: &'a LawConfig,
    laws: Vec<&'static str>,
    facts: Vec<&'static str>,
}

impl<'a> Checker<'a> {
    fn new(subject: &'a str, config: &'a LawConfig) -> Checker<'a> {
        Checker {
            subject,
            config,
            laws: Vec::new(),
            facts: Vec::new(),
        }
    }

    fn law<S: Strategy>(
        &mut self,
        law: &'static str,
        strategy: S,
        test: impl Fn(S::Value) -> Result<(), TestCaseError>,
    ) -> Result<(), LawViolation> {
        let mut runner = self.config.runner();
        match runner.run(&strategy, test) {
            Ok(()) => {
                self.laws.push(law);
                Ok(())
            }
            Err(TestError::Fail(reason, value)) => Err(LawViolation {
                subject: self.subject.to_owned(),
                law,
                message: reason.to_string(),
                counterexample: format!("{value:#?}"),
            }),
            Err(TestError::Abort(reason)) => Err(LawViolation {
                subject: self.subject.to_owned(),
                law,
                message: format!("aborted: {reason}"),
                counterexample: String::new(),
            }),
        }
    }

    /// A law about fixed values (no generated input).
    fn fact(
        &mut self,
        law: &'static str,
        holds: bool,
        message: String,
    ) -> Result<(), LawViolation> {
        if holds {
            self.facts.push(law);
            Ok(())
        } else {
            Err(LawViolation {
                subject: self.subject.to_owned(),
                law,
                message,
                counterexample: String::new(),
            })
        }
    }

    fn report(self) -> LawReport {
        LawReport {
            subject: self.subject.to_owned(),
            laws: self.laws,
            facts: self.facts,
            cases_per_law: self.config.cases,
        }
    }
}

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(TestCaseError::fail(format!($($fmt)+)));
        }
    };
}

/// Checks the bounded meet-semilattice laws on values drawn from `strategy`:
/// ⊤/⊥ recognised; identity (`a ⊓ ⊤ = a`); annihilation (`a ⊓ ⊥ = ⊥`);
/// idempotence; commutativity; associativity; `leq` a partial order
/// (reflexive, antisymmetric, transitive) consistent with meet
/// (`a ⊑ b ⇔ a ⊓ b = a`), meet the greatest lower bound, `⊥ ⊑ a ⊑ ⊤`;
/// canonical ⊤ and ⊥ (`is_top(a) ⇔ a = ⊤`, likewise ⊥); and `meet_assign`
/// agreeing with `meet`.
pub fn check_meet_semilattice<L, S>(
    subject: &str,
    top: &L,
    bottom: &L,
    strategy: &S,
    config: &LawConfig,
) -> Result<LawReport, LawViolation>
where
    L: MeetSemilattice,
    S: Strategy<Value = L>,
{
    meet_laws(subject, top, Some(bottom), strategy, config)
}

/// The laws of [`check_meet_semilattice`] for a lattice with a top and no
/// bottom (facts that only accumulate and never contradict, such as
/// [`ControlFacts`](crate::control::ControlFacts)): every law that does
/// not name ⊥, and no value is ⊥.
pub fn check_meet_semilattice_with_top<L, S>(
    subject: &str,
    top: &L,
    strategy: &S,
    config: &LawConfig,
) -> Result<LawReport, LawViolation>
where
    L: MeetSemilattice,
    S: Strategy<Value = L>,
{
    meet_laws(subject, top, None, strategy, config)
}

fn meet_laws<L, S>(
    subject: &str,
    top: &L,
    bottom: Option<&L>,
    strategy: &S,
    config: &LawConfig,
) -> Result<LawReport, LawViolation>
where
    L: MeetSemilattice,
    S: Strategy<Value = L>,
{
    let mut c = Checker::new(subject, config);
    c.fact(
        "bounds recognised",
        top.is_top() && !top.is_bottom() && bottom.is_none_or(|b| b.is_bottom() && !b.is_top()),
        format!("top = {top:?}, bottom = {bottom:?}"),
    )?;
    c.law("identity", strategy, |a| {
        ensure!(a.meet(top) == a, "a ⊓ ⊤ = {:?} ≠ a", a.meet(top));
        ensure!(top.meet(&a) == a, "⊤ ⊓ a = {:?} ≠ a", top.meet(&a));
        Ok(())
    })?;
    if let Some(bottom) = bottom {
        c.law("annihilation", strategy, |a| {
            let m = a.meet(bottom);
            ensure!(m.is_bottom() && m == *bottom, "a ⊓ ⊥ = {m:?}, not ⊥");
            ensure!(
                bottom.meet(&a) == *bottom,
                "⊥ ⊓ a = {:?}, not ⊥",
                bottom.meet(&a)
            );
            Ok(())
        })?;
    }
    c.law("idempotence", strategy, |a| {
        ensure!(a.meet(&a) == a, "a ⊓ a = {:?} ≠ a", a.meet(&a));
        Ok(())
    })?;
    c.law("commutativity", (strategy, strategy), |(a, b)| {
        let (ab, ba) = (a.meet(&b), b.meet(&a));
        ensure!(ab == ba, "a ⊓ b = {ab:?} but b ⊓ a = {ba:?}");
        Ok(())
    })?;
    c.law(
        "associativity",
        (strategy, strategy, strategy),
        |(a, b, x)| {
            let left = a.meet(&b).meet(&x);
            let right = a.meet(&b.meet(&x));
            ensure!(
                left == right,
                "(a ⊓ b) ⊓ c = {left:?} but a ⊓ (b ⊓ c) = {right:?}"
            );
            Ok(())
        },
    )?;
    c.law(
        "partial order",
        (strategy, strategy, strategy),
        |(a, b, x)| {
            ensure!(a.leq(&a), "not reflexive");
            if a.leq(&b) && b.leq(&a) {
                ensure!(a == b, "a ⊑ b and b ⊑ a but a ≠ b");
            }
            if a.leq(&b) && b.leq(&x) {
                ensure!(a.leq(&x), "a ⊑ b ⊑ c but not a ⊑ c");
            }
            // A chain that always satisfies the premises of transitivity.
            let ab = a.meet(&b);
            let abx = ab.meet(&x);
            ensure!(
                abx.leq(&ab) && ab.leq(&a) && abx.leq(&a),
                "a ⊓ b ⊓ c ⊑ a ⊓ b ⊑ a fails"
            );
            Ok(())
        },
    )?;
    c.law(
        "order agrees with meet",
        (strategy, strategy, strategy),
        |(a, b, x)| {
            let ab = a.meet(&b);
            ensure!(
                a.leq(&b) == (ab == a),
                "a ⊑ b is {} but a ⊓ b = a is {}",
                a.leq(&b),
                ab == a
            );
            ensure!(ab.leq(&a) && ab.leq(&b), "a ⊓ b is not below both");
            let lower = ab.meet(&x);
            ensure!(lower.leq(&ab), "a common lower bound is not below a ⊓ b");
            ensure!(
                bottom.is_none_or(|b| b.leq(&a)) && a.leq(top),
                "⊥ ⊑ a ⊑ ⊤ fails"
            );
            Ok(())
        },
    )?;
    c.law("canonical bounds", strategy, |a| {
        ensure!(
            a.is_top() == (a == *top),
            "is_top is {} but a = ⊤ is {}",
            a.is_top(),
            a == *top
        );
        let is_bottom = bottom.is_some_and(|b| a == *b);
        ensure!(
            a.is_bottom() == is_bottom,
            "is_bottom is {} but a = ⊥ is {is_bottom}",
            a.is_bottom(),
        );
        Ok(())
    })?;
    c.law(
        "meet_assign agrees with meet",
        (strategy, strategy),
        |(a, b)| {
            let mut assigned = a.clone();
            let changed = assigned.meet_assign(&b);
            ensure!(assigned == a.meet(&b), "meet_assign gave {assigned:?}");
            ensure!(
                changed == (assigned != a),
                "meet_assign reported changed = {changed}"
            );
            Ok(())
        },
    )?;
    Ok(c.report())
}

/// Checks the join laws (for lattices that implement [`JoinSemilattice`]):
/// idempotence, commutativity, associativity, absorption with meet in both
/// directions, ⊥ as identity, ⊤ as annihilator, and join an upper bound.
pub fn check_join_semilattice<L, S>(
    subject: &str,
    top: &L,
    bottom: &L,
    strategy: &S,
    config: &LawConfig,
) -> Result<LawReport, LawViolation>
where
    L: JoinSemilattice,
    S: Strategy<Value = L>,
{
    let mut c = Checker::new(subject, config);
    c.law("join idempotence", strategy, |a| {
        ensure!(a.join(&a) == a, "a ⊔ a = {:?} ≠ a", a.join(&a));
        Ok(())
    })?;
    c.law("join commutativity", (strategy, strategy), |(a, b)| {
        let (ab, ba) = (a.join(&b), b.join(&a));
        ensure!(ab == ba, "a ⊔ b = {ab:?} but b ⊔ a = {ba:?}");
        Ok(())
    })?;
    c.law(
        "join associativity",
        (strategy, strategy, strategy),
        |(a, b, x)| {
            let left = a.join(&b).join(&x);
            let right = a.join(&b.join(&x));
            ensure!(
                left == right,
                "(a ⊔ b) ⊔ c = {left:?} but a ⊔ (b ⊔ c) = {right:?}"
            );
            Ok(())
        },
    )?;
    c.law("absorption", (strategy, strategy), |(a, b)| {
        let m = a.meet(&a.join(&b));
        ensure!(m == a, "a ⊓ (a ⊔ b) = {m:?} ≠ a");
        let j = a.join(&a.meet(&b));
        ensure!(j == a, "a ⊔ (a ⊓ b) = {j:?} ≠ a");
        Ok(())
    })?;
    c.law("join bounds", strategy, |a| {
        ensure!(a.join(bottom) == a, "a ⊔ ⊥ = {:?} ≠ a", a.join(bottom));
        ensure!(a.join(top) == *top, "a ⊔ ⊤ = {:?} ≠ ⊤", a.join(top));
        Ok(())
    })?;
    c.law("join is an upper bound", (strategy, strategy), |(a, b)| {
        let j = a.join(&b);
        ensure!(a.leq(&j) && b.leq(&j), "a ⊔ b = {j:?} is not above both");
        Ok(())
    })?;
    Ok(c.report())
}

/// Both [`check_meet_semilattice`] and [`check_join_semilattice`].
pub fn check_lattice<L, S>(
    subject: &str,
    top: &L,
    bottom: &L,
    strategy: &S,
    config: &LawConfig,
) -> Result<LawReport, LawViolation>
where
    L: JoinSemilattice,
    S: Strategy<Value = L>,
{
    let mut report = check_meet_semilattice(subject, top, bottom, strategy, config)?;
    report.merge(check_join_semilattice(
        subject, top, bottom, strategy, config,
    )?);
    Ok(report)
}

/// [`check_meet_semilattice`] for a [`Bounded`] lattice.
pub fn check_bounded<L, S>(
    subject: &str,
    strategy: &S,
    config: &LawConfig,
) -> Result<LawReport, LawViolation>
where
    L: Bounded,
    S: Strategy<Value = L>,
{
    check_meet_semilattice(subject, &L::top(), &L::bottom(), strategy, config)
}

/// Checks a morphism's laws: monotonicity (`a ⊑ b ⇒ f(a) ⊑ f(b)`, tested on
/// random pairs and on the always-ordered pair `a ⊓ b ⊑ a`) and
/// ⊥-preservation (`f(⊥)` is ⊥).
pub fn check_morphism<M, S>(
    morphism: &M,
    source_bottom: &M::Source,
    strategy: &S,
    config: &LawConfig,
) -> Result<LawReport, LawViolation>
where
    M: Morphism,
    S: Strategy<Value = M::Source>,
{
    let mut c = Checker::new(morphism.name(), config);
    let image = morphism.apply(source_bottom);
    c.fact(
        "⊥-preservation",
        image.is_bottom(),
        format!("f(⊥) = {image:?} is not ⊥"),
    )?;
    c.law("monotonicity", (strategy, strategy), |(a, b)| {
        let (fa, fb) = (morphism.apply(&a), morphism.apply(&b));
        if a.leq(&b) {
            ensure!(fa.leq(&fb), "a ⊑ b but f(a) = {fa:?} ⋢ f(b) = {fb:?}");
        }
        let lower = a.meet(&b);
        let fl = morphism.apply(&lower);
        ensure!(
            fl.leq(&fa),
            "a ⊓ b ⊑ a but f(a ⊓ b) = {fl:?} ⋢ f(a) = {fa:?}"
        );
        ensure!(
            fl.leq(&fb),
            "a ⊓ b ⊑ b but f(a ⊓ b) = {fl:?} ⋢ f(b) = {fb:?}"
        );
        Ok(())
    })?;
    Ok(c.report())
}

/// Checks a domain's central contract along texts: at every step the mask
/// keeps exactly the tokens [`observe`](Domain::observe) accepts (a token
/// is accepted when `observe` gives a constraint that is not ⊥), and only
/// tokens among the candidates. Each case is a starting constraint and a
/// text of token ids; the walk observes the text's tokens in turn and
/// stops where the constraint becomes ⊥. Every step tries every token of
/// `vocab`, so a small vocabulary of telling pieces (keywords, brackets,
/// quotes, names glued to operators) finds more than a real one.
pub fn check_mask_agrees_with_observe<D, S>(
    subject: &str,
    domain: &D,
    vocab: &Vocabulary,
    cases: &S,
    config: &LawConfig,
) -> Result<LawReport, LawViolation>
where
    D: Domain,
    S: Strategy<Value = (D::Constraint, Vec<TokenId>)>,
{
    let mut c = Checker::new(subject, config);
    c.law("mask agrees with observe", cases, |(start, text)| {
        mask_agrees_along(domain, vocab, &start, &text).map_err(TestCaseError::fail)
    })?;
    Ok(c.report())
}

/// The check of [`check_mask_agrees_with_observe`] on one text from one
/// constraint: `Err` says at which step which token the mask and
/// `observe` disagree on (or which call failed).
pub fn mask_agrees_along<D: Domain>(
    domain: &D,
    vocab: &Vocabulary,
    start: &D::Constraint,
    text: &[TokenId],
) -> Result<(), String> {
    let ctx = StepContext::new(vocab);
    let all = TokenMask::new_full(vocab.len());
    // Every other token, so that a mask written outside its candidates
    // shows.
    let mut half = TokenMask::new_empty(vocab.len());
    for t in (0..vocab.len()).step_by(2) {
        half.set(t as TokenId, true);
    }
    let mut out = TokenMask::new_empty(vocab.len());
    let mut state = start.clone();
    let show =
        |t: TokenId| String::from_utf8_lossy(vocab.token_bytes(t).unwrap_or_default()).into_owned();
    for step in 0..=text.len() {
        let written = text[..step].iter().map(|&t| show(t)).collect::<String>();
        domain
            .token_mask(&state, ctx, &all, &mut out)
            .map_err(|e| format!("token_mask after {written:?}: {e}"))?;
        for t in 0..vocab.len() as TokenId {
            let next = domain
                .observe(&state, t, ctx)
                .map_err(|e| format!("observe {:?} after {written:?}: {e}", show(t)))?;
            if out.contains(t) == next.is_bottom() {
                return Err(format!(
                    "after {written:?} the mask {} {:?} but observe {} it",
                    if out.contains(t) { "keeps" } else { "drops" },
                    show(t),
                    if next.is_bottom() {
                        "rejects"
                    } else {
                        "accepts"
                    },
                ));
            }
        }
        domain
            .token_mask(&state, ctx, &half, &mut out)
            .map_err(|e| format!("token_mask after {written:?}: {e}"))?;
        if let Some(t) = out.iter().find(|&t| !half.contains(t)) {
            return Err(format!(
                "after {written:?} the mask keeps {:?}, which was no candidate",
                show(t)
            ));
        }
        let Some(&token) = text.get(step) else {
            break;
        };
        state = domain
            .observe(&state, token, ctx)
            .map_err(|e| format!("observe {:?} after {written:?}: {e}", show(token)))?;
        if state.is_bottom() {
            break;
        }
    }
    Ok(())
}

/// Runs `check` and panics with the violation's full text: the one-liner for
/// `#[test]` functions. Returns the report.
pub fn assert_laws(check: Result<LawReport, LawViolation>) -> LawReport {
    match check {
        Ok(report) => report,
        Err(violation) => panic!("{violation}"),
    }
}
