//! [`Contract`]: a function's pre- and postconditions over its signature,
//! each formula checked by Z3 when it is added, and whether they can all
//! hold. Apart from the constraint: a contract is the spec's part, fixed
//! before any code is read; the constraint follows the code.

use std::fmt;
use std::sync::Arc;

use crate::formula::{Formula, Signature, Term, len_facts};
use crate::solver::{self, FormulaError, Outcome, Query};

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
    pub(crate) fn meet(&self, other: &Contract) -> Result<Contract, String> {
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
    pub(crate) fn consistent(&self) -> Result<(), String> {
        if self.is_empty() {
            return Ok(());
        }
        let tracked: Vec<&Formula> = self.requires.iter().chain(self.ensures.iter()).collect();
        let background = len_facts(self.signature.iter());
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
