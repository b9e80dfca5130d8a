//! Python expressions to SMT-LIB2 terms, for the subset whose meaning SMT
//! states exactly: `int` and `bool` arithmetic (`+ - * // %`, `**` by a
//! small literal), comparisons (chained too), `and`/`or`/`not` over
//! Booleans, conditional expressions, `len(x)` (an uninterpreted,
//! non-negative function), `abs`, `min` and `max` over ints.
//!
//! Anything else — floats, strings, calls of other functions, a name whose
//! value is not known — translates to nothing: the domain then simply has
//! no formula for that statement. A translation is never approximate: a
//! term here means exactly what Python computes (where Python computes a
//! value at all; `x // 0` raises, and a program that raises returns
//! nothing for a postcondition to judge).

use ruff_python_ast::{self as ast, CmpOp, Expr, Operator, UnaryOp};

use crate::formula::Sort;

/// The byte range of a parsed node in the source it was parsed from.
pub(crate) fn range(node: &impl ruff_text_size::Ranged) -> std::ops::Range<usize> {
    let r = node.range();
    r.start().to_usize()..r.end().to_usize()
}

/// What a name means where an expression is read.
pub(crate) trait Scope {
    /// The SMT symbol that holds `name`'s current value, and its sort;
    /// `None` when the value is not known.
    fn lookup(&self, name: &str) -> Option<(String, Sort)>;
}

/// The term for `expr` and its sort, if `expr` is in the subset.
pub(crate) fn translate(expr: &Expr, scope: &dyn Scope) -> Option<(String, Sort)> {
    match expr {
        Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => {
                let value: u128 =
                    i.as_i64()
                        .and_then(|v| u128::try_from(v).ok())
                        .or_else(|| {
                            // Python's big literals, underscores already removed
                            // by the parser.
                            i.to_string().parse().ok()
                        })?;
                Some((value.to_string(), Sort::Int))
            }
            _ => None,
        },
        Expr::BooleanLiteral(b) => Some((b.value.to_string(), Sort::Bool)),
        Expr::Name(n) => scope.lookup(n.id.as_str()),
        Expr::UnaryOp(u) => {
            let (operand, sort) = translate(&u.operand, scope)?;
            match (u.op, sort) {
                (UnaryOp::Not, Sort::Bool) => Some((format!("(not {operand})"), Sort::Bool)),
                (UnaryOp::Not, Sort::Int) => Some((format!("(= {operand} 0)"), Sort::Bool)),
                (UnaryOp::USub, Sort::Int) => Some((format!("(- {operand})"), Sort::Int)),
                (UnaryOp::UAdd, Sort::Int) => Some((operand, Sort::Int)),
                _ => None,
            }
        }
        Expr::BinOp(b) => {
            let (left, ls) = translate(&b.left, scope)?;
            if ls != Sort::Int {
                return None;
            }
            if b.op == Operator::Pow {
                return power(&left, &b.right);
            }
            let (right, rs) = translate(&b.right, scope)?;
            if rs != Sort::Int {
                return None;
            }
            Some((int_binop(b.op, &left, &right)?, Sort::Int))
        }
        Expr::BoolOp(b) => {
            let mut parts = Vec::with_capacity(b.values.len());
            for v in &b.values {
                let (term, sort) = translate(v, scope)?;
                if sort != Sort::Bool {
                    // `x and y` over ints yields one of the ints.
                    return None;
                }
                parts.push(term);
            }
            let op = match b.op {
                ast::BoolOp::And => "and",
                ast::BoolOp::Or => "or",
            };
            Some((format!("({op} {})", parts.join(" ")), Sort::Bool))
        }
        Expr::Compare(c) => {
            let mut left = translate(&c.left, scope)?;
            let mut parts = Vec::with_capacity(c.ops.len());
            for (op, right) in c.ops.iter().zip(c.comparators.iter()) {
                let right = translate(right, scope)?;
                parts.push(compare(*op, &left, &right)?);
                left = right;
            }
            let term = if parts.len() == 1 {
                parts.pop().expect("one comparison")
            } else {
                format!("(and {})", parts.join(" "))
            };
            Some((term, Sort::Bool))
        }
        Expr::If(i) => {
            let test = condition(&i.test, scope)?;
            let (then, ts) = translate(&i.body, scope)?;
            let (otherwise, os) = translate(&i.orelse, scope)?;
            (ts == os && ts != Sort::Obj).then(|| (format!("(ite {test} {then} {otherwise})"), ts))
        }
        Expr::Call(call) if call.arguments.keywords.is_empty() => {
            let Expr::Name(f) = &*call.func else {
                return None;
            };
            if scope.lookup(f.id.as_str()).is_some() {
                // A parameter or local that shadows the builtin.
                return None;
            }
            let args = &call.arguments.args;
            if args.iter().any(|a| matches!(a, Expr::Starred(_))) {
                return None;
            }
            match (f.id.as_str(), args.len()) {
                ("len", 1) => match translate(&args[0], scope)? {
                    (x, Sort::Obj) => Some((format!("(len {x})"), Sort::Int)),
                    _ => None,
                },
                ("abs", 1) => match translate(&args[0], scope)? {
                    (x, Sort::Int) => Some((format!("(abs {x})"), Sort::Int)),
                    _ => None,
                },
                ("min" | "max", n) if n >= 2 => {
                    let mut terms = Vec::with_capacity(n);
                    for a in args.iter() {
                        match translate(a, scope)? {
                            (t, Sort::Int) => terms.push(t),
                            _ => return None,
                        }
                    }
                    let pick = if f.id.as_str() == "min" { "<=" } else { ">=" };
                    let mut acc = terms.pop().expect("two or more");
                    while let Some(t) = terms.pop() {
                        acc = format!("(ite ({pick} {t} {acc}) {t} {acc})");
                    }
                    Some((acc, Sort::Int))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `left op right` over ints, for the operators the subset has (`**`
/// aside, which needs a literal exponent).
pub(crate) fn int_binop(op: Operator, left: &str, right: &str) -> Option<String> {
    Some(match op {
        Operator::Add => format!("(+ {left} {right})"),
        Operator::Sub => format!("(- {left} {right})"),
        Operator::Mult => format!("(* {left} {right})"),
        Operator::FloorDiv => floor_div(left, right),
        Operator::Mod => format!("(- {left} (* {right} {}))", floor_div(left, right)),
        _ => return None,
    })
}

/// Whether `expr` is a constant Python takes as false (`False`, `None`,
/// `0`): `assert False` marks code no path should reach.
pub(crate) fn constant_false(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(b) => !b.value,
        Expr::NoneLiteral(_) => true,
        Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => i.as_u64() == Some(0),
            _ => false,
        },
        _ => false,
    }
}

/// The truth of `expr` as an `if`, `while` or `assert` reads it: a Boolean
/// as itself, an `int` as "not zero".
pub(crate) fn condition(expr: &Expr, scope: &dyn Scope) -> Option<String> {
    match translate(expr, scope)? {
        (t, Sort::Bool) => Some(t),
        (t, Sort::Int) => Some(format!("(not (= {t} 0))")),
        (_, Sort::Obj) => None,
    }
}

/// Python's `a // b` rounds toward negative infinity; SMT's `div` is
/// Euclidean, which agrees when `b > 0` and, for `b < 0`, equals Python's
/// on the negated operands.
fn floor_div(a: &str, b: &str) -> String {
    format!("(ite (> {b} 0) (div {a} {b}) (div (- {a}) (- {b})))")
}

/// `base ** k` for a literal `k` from 0 to 8, as a product.
fn power(base: &str, exponent: &Expr) -> Option<(String, Sort)> {
    let Expr::NumberLiteral(n) = exponent else {
        return None;
    };
    let k = match &n.value {
        ast::Number::Int(i) => i.as_i64()?,
        _ => return None,
    };
    match k {
        0 => Some(("1".to_owned(), Sort::Int)),
        1 => Some((base.to_owned(), Sort::Int)),
        2..=8 => Some((
            format!("(* {})", vec![base; k as usize].join(" ")),
            Sort::Int,
        )),
        _ => None,
    }
}

fn compare(op: CmpOp, left: &(String, Sort), right: &(String, Sort)) -> Option<String> {
    let ((l, ls), (r, rs)) = (left, right);
    if ls != rs || *ls == Sort::Obj {
        return None;
    }
    let ordered = *ls == Sort::Int;
    let smt = match op {
        CmpOp::Eq => "=",
        CmpOp::NotEq => "distinct",
        CmpOp::Lt if ordered => "<",
        CmpOp::LtE if ordered => "<=",
        CmpOp::Gt if ordered => ">",
        CmpOp::GtE if ordered => ">=",
        _ => return None,
    };
    Some(format!("({smt} {l} {r})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Params;
    impl Scope for Params {
        fn lookup(&self, name: &str) -> Option<(String, Sort)> {
            match name {
                "n" | "k" => Some((name.to_owned(), Sort::Int)),
                "flag" => Some((name.to_owned(), Sort::Bool)),
                "xs" | "s" => Some((name.to_owned(), Sort::Obj)),
                _ => None,
            }
        }
    }

    fn term(source: &str) -> Option<String> {
        let expr = ruff_python_parser::parse_expression(source)
            .unwrap()
            .into_expr();
        translate(&expr, &Params).map(|(t, _)| t)
    }

    #[test]
    fn the_subset() {
        assert_eq!(term("n + 1").unwrap(), "(+ n 1)");
        assert_eq!(term("-1").unwrap(), "(- 1)");
        assert_eq!(
            term("0 <= k < len(xs)").unwrap(),
            "(and (<= 0 k) (< k (len xs)))"
        );
        assert_eq!(
            term("not flag or n == 2").unwrap(),
            "(or (not flag) (= n 2))"
        );
        assert_eq!(term("n ** 2").unwrap(), "(* n n)");
        assert_eq!(
            term("max(n, k, 0)").unwrap(),
            "(ite (>= n (ite (>= k 0) k 0)) n (ite (>= k 0) k 0))"
        );
        assert_eq!(term("n if flag else -n").unwrap(), "(ite flag n (- n))");
        assert_eq!(term("1_000").unwrap(), "1000");
    }

    #[test]
    fn outside_the_subset() {
        for source in [
            "n / 2",
            "x + 1",
            "n and k",
            "len(n)",
            "xs[0]",
            "n ** k",
            "sum(xs)",
            "1.5",
            "'a' == 'a'",
            "len(*xs)",
            "flag < flag",
        ] {
            assert_eq!(term(source), None, "{source}");
        }
    }
}

/// The translation against CPython itself: random expressions over two
/// ints, evaluated by `python3` at random points and by Z3 on the
/// translated term, must agree wherever Python computes a value.
#[cfg(test)]
mod against_cpython {
    use super::*;
    use crate::formula::{Formula, Signature, Term};
    use crate::solver::{self, Outcome, Query};

    struct Xy;
    impl Scope for Xy {
        fn lookup(&self, name: &str) -> Option<(String, Sort)> {
            matches!(name, "x" | "y").then(|| (name.to_owned(), Sort::Int))
        }
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
        fn int(&mut self, depth: u32) -> String {
            if depth == 0 {
                return match self.below(3) {
                    0 => "x".into(),
                    1 => "y".into(),
                    _ => (self.below(11) as i64 - 5).to_string(),
                };
            }
            let d = depth - 1;
            match self.below(9) {
                0 => format!("({} + {})", self.int(d), self.int(d)),
                1 => format!("({} - {})", self.int(d), self.int(d)),
                2 => format!("({} * {})", self.int(d), self.int(d)),
                3 => format!("({} // {})", self.int(d), self.int(d)),
                4 => format!("({} % {})", self.int(d), self.int(d)),
                5 => format!("(-{})", self.int(d)),
                6 => format!("abs({})", self.int(d)),
                7 => format!(
                    "{}({}, {})",
                    ["min", "max"][self.below(2) as usize],
                    self.int(d),
                    self.int(d)
                ),
                _ => format!("({} if {} else {})", self.int(d), self.cond(d), self.int(d)),
            }
        }
        fn cond(&mut self, depth: u32) -> String {
            let cmp = ["<", "<=", ">", ">=", "==", "!="];
            let mut op = || cmp[self.below(6) as usize];
            let (a, b) = (op(), op());
            if depth == 0 {
                return format!("({} {a} {})", self.int(0), self.int(0));
            }
            let d = depth - 1;
            match self.below(5) {
                0 => format!("({} and {})", self.cond(d), self.cond(d)),
                1 => format!("({} or {})", self.cond(d), self.cond(d)),
                2 => format!("(not {})", self.cond(d)),
                3 => format!("({} {a} {} {b} {})", self.int(d), self.int(d), self.int(d)),
                _ => format!("({} {a} {})", self.int(d), self.int(d)),
            }
        }
    }

    /// `cases` as a Python literal.
    fn python_list(cases: &[(String, i64, i64)]) -> String {
        let items: Vec<String> = cases
            .iter()
            .map(|(e, x, y)| format!("({e:?}, {x}, {y})"))
            .collect();
        format!("[{}]", items.join(", "))
    }

    #[test]
    fn translations_compute_what_python_computes() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let cases: Vec<(String, i64, i64)> = (0..400)
            .map(|i| {
                let e = if i % 3 == 0 { rng.cond(2) } else { rng.int(3) };
                (e, rng.below(15) as i64 - 7, rng.below(15) as i64 - 7)
            })
            .collect();
        let script = format!(
            "for e, x, y in {}:\n    try:\n        print(repr(eval(e, {{}}, {{'x': x, 'y': y}})))\n    except ZeroDivisionError:\n        print('error')\n",
            python_list(&cases)
        );
        // CPython is the oracle.
        let out = ananke_testkit::run_python(&script, "");
        let values: Vec<String> = out.lines().map(str::to_owned).collect();
        assert_eq!(values.len(), cases.len());
        let signature = Signature::new().with("x", Sort::Int).with("y", Sort::Int);
        let mut compared = 0;
        for ((e, x, y), value) in cases.iter().zip(&values) {
            let expr = ruff_python_parser::parse_expression(e)
                .expect("generated Python parses")
                .into_expr();
            let (term, sort) = translate(&expr, &Xy).unwrap_or_else(|| panic!("{e} translates"));
            let expected = match (value.as_str(), sort) {
                ("error", _) => continue,
                ("True" | "False", Sort::Bool) => value.to_lowercase(),
                (v, Sort::Int) => Term::int(v.parse().expect("an int")).text().to_owned(),
                (v, s) => panic!("{e}: Python gave {v}, the term has sort {s}"),
            };
            let facts = [
                Formula::new(format!("(= x {})", Term::int(i128::from(*x)).text()), "x"),
                Formula::new(format!("(= y {})", Term::int(i128::from(*y)).text()), "y"),
                Formula::new(format!("(distinct {term} {expected})"), "differs"),
            ];
            let tracked: Vec<&Formula> = facts.iter().collect();
            let outcome = solver::check(&Query {
                signature: &signature,
                locals: &[],
                background: &[],
                tracked: &tracked,
                budget_ms: 1000,
            })
            .unwrap();
            assert!(
                matches!(outcome, Outcome::Unsat(_)),
                "{e} at x={x}, y={y}: Python says {value}, the term {term} can differ"
            );
            compared += 1;
        }
        assert!(compared > 300, "only {compared} compared");
    }
}
