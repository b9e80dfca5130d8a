//! [`ScopeCell`]: the scope of the statement being written, and what was
//! learnt in it, shared by every state of the statement.
//!
//! Taking a scope parses and checks the module before the statement, so
//! it is done once per statement (and indentation) rather than per token;
//! the verdicts, inferred types and name sets asked in the statement are
//! kept beside it. It is apart from the sites and verdicts that use it,
//! which read the statement's tokens; the cell reads only its text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::name_tokens::MemberTokens;
use super::{Verdict, guarded};
use crate::check::{Checkpoint, Scope, scope_at_resumed};
use crate::types::{Name, Type};

/// The keywords that may stand where a name is read: the values and
/// `await`, and where the name is not an operand of a binary operator or
/// comparison, `not` and `lambda` (which cannot start an operand).
fn expression_keywords(operand: bool) -> &'static [&'static str] {
    if operand {
        &["None", "True", "False", "await"]
    } else {
        &["None", "True", "False", "await", "not", "lambda"]
    }
}

/// The scope of the statement being written, shared by all states of one
/// statement and computed once for each indentation it is asked at.
pub(crate) struct ScopeCell {
    /// Where the statement starts.
    pub stmt_start: usize,
    /// Where the walk that takes the scope may resume (see
    /// `check::resume`): the latest checkpoint of an earlier statement.
    base: Option<Arc<Checkpoint>>,
    /// The checkpoint this statement's walk left, for later statements.
    latest: Mutex<Option<Arc<Checkpoint>>>,
    slot: Mutex<Option<(usize, Option<Arc<Scope>>)>>,
    /// Every scope taken, by indentation: the mask asks about tokens that
    /// indent the statement differently, so it may go back and forth.
    walked: Mutex<Vec<(usize, Option<Arc<Scope>>)>>,
    /// Verdicts by what was checked: states of one statement ask the same
    /// questions (`x\n` and `x \n` end the same statement).
    verdicts: Mutex<HashMap<String, Verdict>>,
    /// Name-site tokens by the name so far.
    pub names: Mutex<HashMap<String, Option<Arc<MemberTokens>>>>,
    /// Inferred types by expression text.
    types: Mutex<HashMap<String, Option<Type>>>,
    /// The names a site may read (scope names and the keywords allowed
    /// there), sorted, for operand sites (index 1) and others (index 0).
    sorted: Mutex<[Option<Arc<Vec<Name>>>; 2]>,
    /// The module-level scope after this statement's block, for the call
    /// policy where [`get`](Self::get) has none (a class body).
    /// By indentation, as `walked`.
    module_level: Mutex<Vec<(usize, Option<Arc<Scope>>)>>,
}

impl ScopeCell {
    /// A cell for the statement starting at `stmt_start`, whose scope is
    /// walked from `base` (an earlier statement's
    /// [`next_base`](Self::next_base)) where it holds.
    pub fn new(stmt_start: usize, base: Option<Arc<Checkpoint>>) -> ScopeCell {
        ScopeCell {
            stmt_start,
            base,
            latest: Mutex::new(None),
            walked: Mutex::new(Vec::new()),
            slot: Mutex::new(None),
            verdicts: Mutex::new(HashMap::new()),
            names: Mutex::new(HashMap::new()),
            types: Mutex::new(HashMap::new()),
            sorted: Mutex::new([None, None]),
            module_level: Mutex::new(Vec::new()),
        }
    }

    /// The scope the call policy reads names in: the statement's, or
    /// where the checker takes none (a class body), the module's names
    /// after the code before the statement (a name the class body binds
    /// is missed: a reference to it resolves as the module's name would).
    pub fn policy_scope(&self, text: &str) -> Option<Arc<Scope>> {
        self.get(text).or_else(|| {
            let line = &text[self.stmt_start..];
            let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
            let mut known = self.module_level.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, scope)) = known.iter().find(|(at, _)| *at == indent.len()) {
                return scope.clone();
            }
            let prefix = format!("{}{indent}pass\n", &text[..self.stmt_start]);
            let scope = guarded(|| crate::check::scope_at(&prefix, ""))
                .flatten()
                .map(Arc::new);
            known.push((indent.len(), scope.clone()));
            scope
        })
    }

    /// The names a name site may read (an operand site if `operand`),
    /// sorted (`None` without a scope).
    pub fn readable(&self, text: &str, operand: bool) -> Option<Arc<Vec<Name>>> {
        let index = usize::from(operand);
        if let Some(found) = &self.sorted.lock().unwrap_or_else(|p| p.into_inner())[index] {
            return Some(found.clone());
        }
        let scope = self.get(text)?;
        let mut names = scope.names();
        names.extend(expression_keywords(operand).iter().map(|&k| k.into()));
        names.sort();
        names.dedup();
        let names = Arc::new(names);
        self.sorted.lock().unwrap_or_else(|p| p.into_inner())[index] = Some(names.clone());
        Some(names)
    }

    /// The type of `expr` in `scope` (the scope of this statement),
    /// inferred once per expression text.
    pub fn infer(&self, scope: &Scope, expr: &str) -> Option<Type> {
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
    pub fn memo(&self, question: String, answer: impl FnOnce() -> Verdict) -> Verdict {
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

    /// The checkpoint a later statement's walk may resume from.
    pub fn next_base(&self) -> Option<Arc<Checkpoint>> {
        let latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        latest.clone().or_else(|| self.base.clone())
    }

    /// The scope of the statement (whose text is `text[stmt_start..]`)
    /// at its indentation, or `None` when the text before it does not
    /// parse.
    pub fn get(&self, text: &str) -> Option<Arc<Scope>> {
        let line = &text[self.stmt_start..];
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, scope)) = &*slot
            && *at == indent
        {
            return scope.clone();
        }
        let walked = self
            .walked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(at, _)| *at == indent)
            .map(|(_, scope)| scope.clone());
        let scope = walked.unwrap_or_else(|| {
            let (scope, next) = guarded(|| {
                scope_at_resumed(text, self.stmt_start, &line[..indent], self.base.as_ref())
            })
            .unwrap_or((None, None));
            if next.is_some() {
                *self.latest.lock().unwrap_or_else(|p| p.into_inner()) = next;
            }
            let scope = scope.map(Arc::new);
            self.walked
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((indent, scope.clone()));
            scope
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_site_reads_the_scope_and_the_keywords_allowed_there() {
        let text = "def f(count: int) -> int:\n    return ";
        let cell = ScopeCell::new(text.rfind('\n').unwrap() + 1, None);
        let names = cell.readable(text, false).unwrap();
        for name in ["count", "f", "len", "not", "lambda", "None"] {
            assert!(names.binary_search(&Name::from(name)).is_ok(), "{name}");
        }
        let operand = cell.readable(text, true).unwrap();
        assert!(operand.binary_search(&Name::from("not")).is_err());
        let scope = cell.get(text).unwrap();
        assert!(scope.is_variable("count"));
        assert_eq!(cell.infer(&scope, "count + 1"), Some(Type::int()));
        assert_eq!(cell.memo("q".into(), || Err("no".into())), Err("no".into()));
        assert_eq!(
            cell.memo("q".into(), || Ok(())),
            Err("no".into()),
            "memoised"
        );
    }
}
