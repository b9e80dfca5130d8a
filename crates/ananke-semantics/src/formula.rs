//! Sorts, signatures, formulas and the builder that writes them.
//!
//! A formula is kept as SMT-LIB2 text (a Boolean term such as
//! `(>= result 0)`) with a label that says where it came from. Text is
//! what users write, what Z3 parses and what an explanation quotes; it is
//! also `Send + Sync`, which Z3's own terms are not (they belong to one
//! thread's context). Each thread parses a formula once and keeps the term
//! (see `solver.rs`). A signature read from a Python `def` header is
//! built in `header.rs`, which parses Python.

use std::fmt;
use std::sync::Arc;

use ananke_pylex::{is_name_byte, is_name_start};

/// The sort of a symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sort {
    /// A Python `int`: an unbounded integer, as in SMT's `Int`.
    Int,
    /// A Python `bool`.
    Bool,
    /// Any other value: only its `len` is modelled, as the uninterpreted
    /// function `len : Obj -> Int` with `len(x) >= 0`.
    Obj,
}

impl Sort {
    /// The SMT-LIB2 name of the sort.
    pub fn smt_name(self) -> &'static str {
        match self {
            Sort::Int => "Int",
            Sort::Bool => "Bool",
            Sort::Obj => "Obj",
        }
    }

    /// The sort a Python annotation maps to: `int` and `bool` are exact,
    /// everything else is an `Obj` (whose `len` is all that is modelled).
    pub fn of_annotation(annotation: &str) -> Sort {
        match annotation.trim() {
            "int" => Sort::Int,
            "bool" => Sort::Bool,
            _ => Sort::Obj,
        }
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.smt_name())
    }
}

/// Names that SMT-LIB or Z3 already define: a parameter spelled like one
/// cannot be declared, so formulas cannot mention it.
const RESERVED: &[&str] = &[
    "and", "or", "not", "xor", "ite", "distinct", "true", "false", "div", "mod", "abs", "len",
    "let", "forall", "exists", "assert", "rem", "to_real", "to_int", "is_int", "Int", "Bool",
    "Obj", "Real",
];

/// Whether `name` can be declared as an SMT constant: a Python identifier
/// that SMT-LIB does not already define.
pub fn is_declarable(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii() && is_name_start(b))
        && bytes.all(|b| (b.is_ascii() && is_name_byte(b)) || b == b'!')
        && !RESERVED.contains(&name)
}

/// The symbols formulas may mention, with their sorts: the function's
/// parameters and `result`. `len` is always there.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Signature {
    symbols: im::OrdMap<Arc<str>, Sort>,
}

/// The facts `len(x) >= 0` for every `Obj` symbol among `symbols`.
pub(crate) fn len_facts<'a>(symbols: impl Iterator<Item = (&'a str, Sort)>) -> Vec<Formula> {
    symbols
        .filter(|(_, s)| *s == Sort::Obj)
        .map(|(n, _)| Formula::new(format!("(>= (len {n}) 0)"), "len is never negative"))
        .collect()
}

/// Two declarations of one symbol with different sorts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is declared both {first} and {second}")]
pub struct SortClash {
    /// The symbol.
    pub name: String,
    /// One sort.
    pub first: Sort,
    /// The other.
    pub second: Sort,
}

impl Signature {
    /// No symbols.
    pub fn new() -> Signature {
        Signature::default()
    }

    /// This signature with `name : sort` added. Names SMT-LIB reserves
    /// (`div`, `len`, …) and names that are not identifiers are ignored:
    /// no formula can mention them.
    pub fn with(mut self, name: &str, sort: Sort) -> Signature {
        if is_declarable(name) {
            self.symbols.insert(name.into(), sort);
        }
        self
    }

    /// The sort of `name`.
    pub fn sort(&self, name: &str) -> Option<Sort> {
        self.symbols.get(name).copied()
    }

    /// Every symbol and its sort, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Sort)> + '_ {
        self.symbols.iter().map(|(n, s)| (&**n, *s))
    }

    /// Both signatures' symbols; an error when one name has two sorts.
    pub fn merge(&self, other: &Signature) -> Result<Signature, SortClash> {
        let mut merged = self.symbols.clone();
        for (name, sort) in other.symbols.iter() {
            match merged.get(name) {
                Some(first) if first != sort => {
                    return Err(SortClash {
                        name: name.to_string(),
                        first: *first,
                        second: *sort,
                    });
                }
                _ => {
                    merged.insert(name.clone(), *sort);
                }
            }
        }
        Ok(Signature { symbols: merged })
    }

    /// The SMT-LIB2 declarations of every symbol, `extra` symbols (the
    /// reader's versioned locals) and `len`.
    pub(crate) fn preamble<'a>(&self, extra: impl Iterator<Item = (&'a str, Sort)>) -> String {
        let mut text = String::from("(declare-sort Obj 0)(declare-fun len (Obj) Int)");
        for (name, sort) in self.iter() {
            text.push_str(&format!("(declare-const {name} {sort})"));
        }
        for (name, sort) in extra {
            text.push_str(&format!("(declare-const {name} {sort})"));
        }
        text
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// One formula: SMT-LIB2 Boolean text and where it came from. Two formulas
/// are the same formula when their text is (the label is only for
/// explanations).
#[derive(Clone)]
pub struct Formula {
    text: Arc<str>,
    label: Arc<str>,
}

impl Formula {
    /// A formula from SMT-LIB2 text, unchecked: [`crate::Contract`] and
    /// the domain parse it with Z3 against a signature before use.
    pub fn new(text: impl Into<Arc<str>>, label: impl Into<Arc<str>>) -> Formula {
        Formula {
            text: text.into(),
            label: label.into(),
        }
    }

    /// The SMT-LIB2 text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where it came from (`requires #1`, `return at line 4`).
    pub fn label(&self) -> &str {
        &self.label
    }
}

impl PartialEq for Formula {
    fn eq(&self, other: &Formula) -> bool {
        self.text == other.text
    }
}

impl Eq for Formula {}

impl std::hash::Hash for Formula {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl PartialOrd for Formula {
    fn partial_cmp(&self, other: &Formula) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Formula {
    fn cmp(&self, other: &Formula) -> std::cmp::Ordering {
        self.text.cmp(&other.text)
    }
}

impl fmt::Debug for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.text, self.label)
    }
}

impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.label, self.text)
    }
}

/// A term under construction: the Rust way to write formulas without
/// writing SMT-LIB2 by hand.
///
/// ```
/// use ananke_semantics::Term;
///
/// let post = Term::var("result").ge(Term::int(0)).and(Term::var("result").lt(Term::len("xs")));
/// assert_eq!(post.text(), "(and (>= result 0) (< result (len xs)))");
/// let doubled = (Term::var("n") * Term::int(2) + Term::int(1)).eq(Term::var("result"));
/// assert_eq!(doubled.text(), "(= (+ (* n 2) 1) result)");
/// assert_eq!((!Term::bool(true)).text(), "(not true)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Term(String);

impl Term {
    /// A symbol (a parameter, `result`).
    pub fn var(name: &str) -> Term {
        Term(name.to_owned())
    }

    /// An integer literal (negative ones as `(- n)`, as SMT-LIB wants).
    pub fn int(value: i128) -> Term {
        if value < 0 {
            Term(format!("(- {})", value.unsigned_abs()))
        } else {
            Term(value.to_string())
        }
    }

    /// `true` or `false`.
    pub fn bool(value: bool) -> Term {
        Term(value.to_string())
    }

    /// `len(name)`.
    pub fn len(name: &str) -> Term {
        Term(format!("(len {name})"))
    }

    fn app(op: &str, args: &[&Term]) -> Term {
        let mut text = format!("({op}");
        for a in args {
            text.push(' ');
            text.push_str(&a.0);
        }
        text.push(')');
        Term(text)
    }

    /// `self == other`.
    pub fn eq(self, other: Term) -> Term {
        Term::app("=", &[&self, &other])
    }
    /// `self != other`.
    pub fn ne(self, other: Term) -> Term {
        Term::app("distinct", &[&self, &other])
    }
    /// `self < other`.
    pub fn lt(self, other: Term) -> Term {
        Term::app("<", &[&self, &other])
    }
    /// `self <= other`.
    pub fn le(self, other: Term) -> Term {
        Term::app("<=", &[&self, &other])
    }
    /// `self > other`.
    pub fn gt(self, other: Term) -> Term {
        Term::app(">", &[&self, &other])
    }
    /// `self >= other`.
    pub fn ge(self, other: Term) -> Term {
        Term::app(">=", &[&self, &other])
    }
    /// `self and other`.
    pub fn and(self, other: Term) -> Term {
        Term::app("and", &[&self, &other])
    }
    /// `self or other`.
    pub fn or(self, other: Term) -> Term {
        Term::app("or", &[&self, &other])
    }
    /// `self implies other`.
    pub fn implies(self, other: Term) -> Term {
        Term::app("=>", &[&self, &other])
    }
    /// `then if self else otherwise`.
    pub fn ite(self, then: Term, otherwise: Term) -> Term {
        Term::app("ite", &[&self, &then, &otherwise])
    }

    /// The SMT-LIB2 text.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// This Boolean term as a formula labelled `label`.
    pub fn formula(self, label: &str) -> Formula {
        Formula::new(self.0, label)
    }
}

macro_rules! term_operator {
    ($trait:ident, $method:ident, $smt:literal) => {
        impl std::ops::$trait for Term {
            type Output = Term;
            fn $method(self, other: Term) -> Term {
                Term::app($smt, &[&self, &other])
            }
        }
    };
}

term_operator!(Add, add, "+");
term_operator!(Sub, sub, "-");
term_operator!(Mul, mul, "*");

impl std::ops::Neg for Term {
    type Output = Term;
    fn neg(self) -> Term {
        Term::app("-", &[&self])
    }
}

impl std::ops::Not for Term {
    type Output = Term;
    fn not(self) -> Term {
        Term::app("not", &[&self])
    }
}
