//! Z3, one incremental solver per thread.
//!
//! Z3's terms belong to the context of the thread that made them, so every
//! thread keeps its own: a cache of parsed formulas, one solver reused for
//! every check (each check is a `push`, its assertions, `check`, `pop`),
//! and a cache of verdicts by query. Formulas are tracked by literals so
//! that an unsatisfiable query answers with the formulas to blame (Z3's
//! unsat core). A per-check budget makes a hard query `Unknown`, never a
//! hang, and `Unknown` rejects nothing. The budget is Z3 work (`rlimit`,
//! [`DEFAULT_BUDGET_MS`](crate::DEFAULT_BUDGET_MS) of it by
//! default, a quarter of the budget for the bounds of `result`), so a
//! verdict does not depend on the machine's load; a wall-clock limit of
//! ten times the budget guards against a pathological query.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use z3::ast::{Bool, Int};
use z3::{Optimize, Params, SatResult, Solver};

use crate::formula::{Formula, Signature, Sort};

/// A formula Z3 could not read as a Boolean over the signature.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Z3 cannot read {formula} as a Boolean formula over {symbols}")]
pub struct FormulaError {
    /// The formula, with its label.
    pub formula: String,
    /// The symbols it may use.
    pub symbols: String,
}

/// What Z3 said about a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Sat,
    /// Unsatisfiable; the indices of the tracked formulas in the core.
    Unsat(Vec<usize>),
    /// Out of budget, or outside what Z3 decides.
    Unknown,
}

/// One satisfiability question.
pub(crate) struct Query<'a> {
    pub signature: &'a Signature,
    /// Symbols besides the signature's (versioned locals).
    pub locals: &'a [(String, Sort)],
    /// Facts not to blame (`len(x) >= 0`); they are still checked.
    pub background: &'a [Formula],
    /// The formulas whose conjunction is asked about.
    pub tracked: &'a [&'a Formula],
    /// Milliseconds Z3 may spend.
    pub budget_ms: u32,
}

impl Query<'_> {
    fn preamble(&self) -> String {
        self.signature
            .preamble(self.locals.iter().map(|(n, s)| (n.as_str(), *s)))
    }

    fn key(&self, preamble: &str) -> u64 {
        let mut h = DefaultHasher::new();
        preamble.hash(&mut h);
        for f in self.background {
            f.text().hash(&mut h);
        }
        0u8.hash(&mut h);
        for f in self.tracked {
            f.text().hash(&mut h);
        }
        h.finish()
    }
}

/// Cached verdicts kept per thread before the cache starts over.
const VERDICT_CACHE: usize = 8192;

struct Workspace {
    solver: Solver,
    /// Parsed formulas by (preamble hash, text).
    parsed: HashMap<(u64, String), Bool>,
    verdicts: HashMap<u64, Outcome>,
    /// Ranges by (query, symbol).
    ranges: HashMap<(u64, String), (Option<i128>, Option<i128>)>,
    budget_ms: u32,
}

impl Workspace {
    fn new() -> Workspace {
        let solver = Solver::new();
        let mut params = Params::new();
        params.set_bool("core.minimize", true);
        solver.set_params(&params);
        Workspace {
            solver,
            parsed: HashMap::new(),
            verdicts: HashMap::new(),
            ranges: HashMap::new(),
            budget_ms: 0,
        }
    }

    fn set_budget(&mut self, ms: u32) {
        if self.budget_ms != ms {
            self.solver.set_params(&budget_params(ms));
            self.budget_ms = ms;
        }
    }

    fn parse(&mut self, preamble: &str, formula: &Formula) -> Result<Bool, FormulaError> {
        let mut h = DefaultHasher::new();
        preamble.hash(&mut h);
        let key = (h.finish(), formula.text().to_owned());
        if let Some(term) = self.parsed.get(&key) {
            return Ok(term.clone());
        }
        let text = formula.text();
        let error = || FormulaError {
            formula: formula.to_string(),
            symbols: symbols_of(preamble),
        };
        // A formula is one term: anything that would close the `assert`
        // early or add commands is refused before Z3 reads it.
        if !balanced(text) || text.trim().is_empty() {
            return Err(error());
        }
        let scratch = Solver::new();
        scratch.from_string(format!("{preamble}(assert {text})"));
        let mut assertions = scratch.get_assertions();
        if assertions.len() != 1 {
            return Err(error());
        }
        let term = assertions.pop().expect("one assertion");
        if self.parsed.len() > VERDICT_CACHE {
            self.parsed.clear();
        }
        self.parsed.insert(key, term.clone());
        Ok(term)
    }

    fn check(&mut self, query: &Query<'_>) -> Result<Outcome, FormulaError> {
        let preamble = query.preamble();
        let key = query.key(&preamble);
        if let Some(outcome) = self.verdicts.get(&key) {
            return Ok(outcome.clone());
        }
        let background = query
            .background
            .iter()
            .map(|f| self.parse(&preamble, f))
            .collect::<Result<Vec<_>, _>>()?;
        let tracked = query
            .tracked
            .iter()
            .map(|f| self.parse(&preamble, f))
            .collect::<Result<Vec<_>, _>>()?;
        self.set_budget(query.budget_ms);
        self.solver.push();
        for term in &background {
            self.solver.assert(term);
        }
        let literals: Vec<Bool> = (0..tracked.len())
            .map(|i| Bool::new_const(format!("ananke_track_{i}")))
            .collect();
        for (term, literal) in tracked.iter().zip(&literals) {
            self.solver.assert_and_track(term.clone(), literal);
        }
        let outcome = match self.solver.check() {
            SatResult::Sat => Outcome::Sat,
            SatResult::Unknown => Outcome::Unknown,
            SatResult::Unsat => {
                let core: Vec<String> = self
                    .solver
                    .get_unsat_core()
                    .iter()
                    .map(|c| c.to_string())
                    .collect();
                Outcome::Unsat(
                    literals
                        .iter()
                        .enumerate()
                        .filter(|(_, l)| core.contains(&l.to_string()))
                        .map(|(i, _)| i)
                        .collect(),
                )
            }
        };
        self.solver.pop(1);
        if self.verdicts.len() > VERDICT_CACHE {
            self.verdicts.clear();
        }
        self.verdicts.insert(key, outcome.clone());
        Ok(outcome)
    }

    /// The least and greatest values the Int symbol `var` takes under the
    /// query (`None`: unbounded, unknown or infeasible on that side).
    fn bounds(&mut self, query: &Query<'_>, var: &str) -> (Option<i128>, Option<i128>) {
        let preamble = query.preamble();
        let key = (query.key(&preamble), var.to_owned());
        if let Some(range) = self.ranges.get(&key) {
            return *range;
        }
        let range = self.solve_bounds(query, &preamble, var);
        if self.ranges.len() > VERDICT_CACHE {
            self.ranges.clear();
        }
        self.ranges.insert(key, range);
        range
    }

    fn solve_bounds(
        &mut self,
        query: &Query<'_>,
        preamble: &str,
        var: &str,
    ) -> (Option<i128>, Option<i128>) {
        let Ok(terms) = query
            .background
            .iter()
            .chain(query.tracked.iter().copied())
            .map(|f| self.parse(preamble, f))
            .collect::<Result<Vec<_>, _>>()
        else {
            return (None, None);
        };
        let target = Int::new_const(var);
        // Ranges only sharpen the mask ahead of a statement's end, where
        // the full check runs anyway: a smaller budget keeps a hard
        // (nonlinear) contract from stalling a step.
        let params = budget_params((query.budget_ms / 4).max(1));
        let side = |maximize: bool| -> Option<i128> {
            let optimize = Optimize::new();
            optimize.set_params(&params);
            for t in &terms {
                optimize.assert(t);
            }
            if maximize {
                optimize.maximize(&target);
            } else {
                optimize.minimize(&target);
            }
            if optimize.check(&[]) != SatResult::Sat {
                return None;
            }
            let value = optimize.get_model()?.eval(&target, true)?.as_i64()?;
            // Z3 reports some value for an unbounded objective: the bound
            // holds only if nothing lies beyond it.
            let beyond = if maximize {
                target.gt(Int::from_i64(value))
            } else {
                target.lt(Int::from_i64(value))
            };
            let probe = Solver::new();
            probe.set_params(&params);
            for t in &terms {
                probe.assert(t);
            }
            probe.assert(&beyond);
            (probe.check() == SatResult::Unsat).then_some(i128::from(value))
        };
        (side(false), side(true))
    }
}

/// Z3 work units per millisecond of budget: about what Z3 does in a
/// millisecond on one core here (4–7 million a second, measured on
/// nonlinear queries), so a budget means the same amount of work on a
/// loaded or an idle machine and verdicts do not depend on the load.
const RLIMIT_PER_MS: u32 = 5_000;

/// Parameters for a check of `ms` budget: a deterministic work limit, and
/// a wall-clock limit ten times the budget against a pathological query.
fn budget_params(ms: u32) -> Params {
    let mut params = Params::new();
    params.set_u32("rlimit", ms.max(1).saturating_mul(RLIMIT_PER_MS));
    params.set_u32("timeout", ms.max(1).saturating_mul(10));
    params
}

fn symbols_of(preamble: &str) -> String {
    let mut symbols: Vec<&str> = preamble
        .split("(declare-const ")
        .skip(1)
        .map(|d| d.trim_end_matches(')'))
        .collect();
    symbols.push("len : Obj -> Int");
    symbols.join(", ")
}

/// Whether `text`'s parentheses balance and never close more than they
/// opened (strings and quoted symbols aside).
fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '|' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && !quoted
}

thread_local! {
    static WORKSPACE: RefCell<Option<Workspace>> = const { RefCell::new(None) };
}

fn with_workspace<T>(f: impl FnOnce(&mut Workspace) -> T) -> T {
    WORKSPACE.with(|cell| {
        let mut slot = cell.borrow_mut();
        f(slot.get_or_insert_with(Workspace::new))
    })
}

/// Drops this thread's Z3 state: parsed formulas and cached verdicts. For
/// benchmarks that measure cold checks; nothing else needs it.
#[doc(hidden)]
pub fn clear_solver_caches() {
    WORKSPACE.with(|cell| *cell.borrow_mut() = None);
}

/// Decides `query` on this thread's solver.
pub(crate) fn check(query: &Query<'_>) -> Result<Outcome, FormulaError> {
    with_workspace(|w| w.check(query))
}

/// Reads `formula` over `signature` with Z3; an error says why it is not a
/// Boolean formula over those symbols.
pub(crate) fn validate(signature: &Signature, formula: &Formula) -> Result<(), FormulaError> {
    let preamble = signature.preamble(std::iter::empty());
    with_workspace(|w| w.parse(&preamble, formula).map(drop))
}

/// The range of the Int symbol `var` under `query` (see
/// `Workspace::bounds`).
pub(crate) fn bounds(query: &Query<'_>, var: &str) -> (Option<i128>, Option<i128>) {
    with_workspace(|w| w.bounds(query, var))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig() -> Signature {
        Signature::new()
            .with("n", Sort::Int)
            .with("xs", Sort::Obj)
            .with("result", Sort::Int)
    }

    fn ask(formulas: &[&str]) -> Outcome {
        let formulas: Vec<Formula> = formulas
            .iter()
            .enumerate()
            .map(|(i, t)| Formula::new(*t, format!("f{i}")))
            .collect();
        let tracked: Vec<&Formula> = formulas.iter().collect();
        check(&Query {
            signature: &sig(),
            locals: &[],
            background: &[],
            tracked: &tracked,
            budget_ms: 1000,
        })
        .unwrap()
    }

    #[test]
    fn decides_and_blames() {
        assert_eq!(ask(&["(> n 0)", "(< result 10)"]), Outcome::Sat);
        assert_eq!(
            ask(&["(> n 0)", "(>= result 0)", "(= result (- 1))"]),
            Outcome::Unsat(vec![1, 2])
        );
        assert_eq!(
            ask(&["(> (len xs) 3)", "(< (len xs) 2)"]),
            Outcome::Unsat(vec![0, 1])
        );
    }

    #[test]
    fn malformed_formulas_are_errors() {
        for bad in [
            "(> n",
            "(> m 0)",
            "(+ n 1)",
            "",
            "(> n 0)) (assert false",
            "(len n)",
        ] {
            let err = validate(&sig(), &Formula::new(bad, "requires #1")).unwrap_err();
            assert!(err.to_string().contains("requires #1"), "{err}");
            assert!(err.to_string().contains("n Int"), "{err}");
        }
        validate(&sig(), &Formula::new("(>= (len xs) n)", "ok")).unwrap();
    }

    #[test]
    fn bounds_are_exact_or_absent() {
        let f = [
            Formula::new("(> n 2)", "a"),
            Formula::new("(< result n)", "b"),
            Formula::new("(>= result 0)", "c"),
        ];
        let tracked: Vec<&Formula> = f.iter().collect();
        let q = Query {
            signature: &sig(),
            locals: &[],
            background: &[],
            tracked: &tracked,
            budget_ms: 1000,
        };
        assert_eq!(bounds(&q, "result"), (Some(0), None));
        assert_eq!(bounds(&q, "n"), (Some(3), None));
    }
}
