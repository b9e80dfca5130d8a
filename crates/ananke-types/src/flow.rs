//! Whole-module facts the statement-by-statement walk cannot see: which
//! names a module binds anywhere (for `name-defined`), and whether control
//! can fall off the end of a function body (for `Missing return
//! statement`). Both are only sound on a finished module — a name used in
//! a function may be bound by code written after it — so the checker asks
//! them only of whole programs, never of a prefix.
//!
//! Both lean towards silence: every binding form counts as a definition
//! wherever it is, and a statement counts as ending its block whenever it
//! might (a call of a function returning `NoReturn` or `Any`).

use std::collections::HashSet;

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_pattern, walk_stmt};
use ruff_python_ast::{self as ast, Expr, ExprContext, Pattern, Stmt};
use ruff_text_size::{Ranged, TextSize};

/// Names every module has besides the builtins.
pub(crate) const MODULE_GLOBALS: &[&str] = &[
    "__name__",
    "__file__",
    "__doc__",
    "__package__",
    "__spec__",
    "__loader__",
    "__path__",
    "__dict__",
    "__annotations__",
    "__builtins__",
    "__class__",
    "__debug__",
    "reveal_type",
    "reveal_locals",
];

/// What [`scan_names`] found.
pub(crate) struct NameFacts<'a> {
    /// Every name the module binds, in any scope.
    pub bound: HashSet<&'a str>,
    /// Every name it reads, with where.
    pub loads: Vec<(&'a str, TextSize)>,
    /// `from m import *` somewhere: the bound set is then unknown.
    pub star_import: bool,
    /// Inside a branch a `sys.version_info`, `sys.platform` or
    /// `TYPE_CHECKING` check rules out: mypy reads no name there.
    unreachable: bool,
    /// Directly in a class body, where `__module__` and `__qualname__`
    /// are bound.
    class_body: bool,
}

/// Collects bound and read names over a whole module.
pub(crate) fn scan_names(body: &[Stmt]) -> NameFacts<'_> {
    let mut facts = NameFacts {
        bound: MODULE_GLOBALS.iter().copied().collect(),
        loads: Vec::new(),
        star_import: false,
        unreachable: false,
        class_body: false,
    };
    for stmt in body {
        facts.visit_stmt(stmt);
    }
    facts
}

impl<'a> NameFacts<'a> {
    fn bind_parameters(&mut self, parameters: &'a ast::Parameters) {
        for p in parameters.iter() {
            self.bound.insert(p.name().as_str());
        }
    }
}

impl<'a> Visitor<'a> for NameFacts<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                self.bound.insert(f.name.as_str());
                self.bind_parameters(&f.parameters);
                let outer = std::mem::replace(&mut self.class_body, false);
                walk_stmt(self, stmt);
                self.class_body = outer;
                return;
            }
            Stmt::ClassDef(c) => {
                self.bound.insert(c.name.as_str());
                let outer = std::mem::replace(&mut self.class_body, true);
                walk_stmt(self, stmt);
                self.class_body = outer;
                return;
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    let local = alias.asname.as_ref().map_or_else(
                        || alias.name.as_str().split('.').next().unwrap_or(""),
                        |a| a.as_str(),
                    );
                    self.bound.insert(local);
                }
            }
            Stmt::ImportFrom(i) => {
                for alias in &i.names {
                    if alias.name.as_str() == "*" {
                        self.star_import = true;
                    }
                    let local = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.bound.insert(local.as_str());
                }
            }
            Stmt::If(i) => {
                let clauses = std::iter::once((Some(&*i.test), &i.body)).chain(
                    i.elif_else_clauses
                        .iter()
                        .map(|c| (c.test.as_ref(), &c.body)),
                );
                let outer = self.unreachable;
                let mut taken = false;
                for (test, body) in clauses {
                    let decided = test.and_then(decided_condition);
                    self.unreachable = outer || taken || decided == Some(false);
                    if let Some(test) = test {
                        self.visit_expr(test);
                    }
                    for inner in body {
                        self.visit_stmt(inner);
                    }
                    taken |= decided == Some(true);
                }
                self.unreachable = outer;
                return;
            }
            Stmt::Global(g) => self.bound.extend(g.names.iter().map(|n| n.as_str())),
            Stmt::Nonlocal(n) => self.bound.extend(n.names.iter().map(|n| n.as_str())),
            Stmt::Try(t) => {
                for handler in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    if let Some(name) = &h.name {
                        self.bound.insert(name.as_str());
                    }
                }
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            // `Annotated[T, ...]`: mypy reads no name of the metadata.
            Expr::Subscript(s) if is_annotated(&s.value) => {
                self.visit_expr(&s.value);
                match &*s.slice {
                    Expr::Tuple(t) => {
                        if let Some(first) = t.elts.first() {
                            self.visit_expr(first);
                        }
                    }
                    other => self.visit_expr(other),
                }
                return;
            }
            Expr::Name(n) => match n.ctx {
                ExprContext::Load if self.unreachable => {}
                ExprContext::Load
                    if self.class_body
                        && matches!(n.id.as_str(), "__module__" | "__qualname__") => {}
                ExprContext::Load => self.loads.push((n.id.as_str(), n.start())),
                _ => {
                    self.bound.insert(n.id.as_str());
                }
            },
            Expr::Lambda(l) => {
                if let Some(parameters) = &l.parameters {
                    self.bind_parameters(parameters);
                }
            }
            _ => {}
        }
        walk_expr(self, expr);
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        match pattern {
            Pattern::MatchAs(p) => {
                if let Some(name) = &p.name {
                    self.bound.insert(name.as_str());
                }
            }
            Pattern::MatchStar(p) => {
                if let Some(name) = &p.name {
                    self.bound.insert(name.as_str());
                }
            }
            Pattern::MatchMapping(p) => {
                if let Some(rest) = &p.rest {
                    self.bound.insert(rest.as_str());
                }
            }
            _ => {}
        }
        walk_pattern(self, pattern);
    }

    fn visit_type_param(&mut self, type_param: &'a ast::TypeParam) {
        self.bound.insert(type_param.name().as_str());
        ruff_python_ast::visitor::walk_type_param(self, type_param);
    }
}

/// The names a `case` pattern captures (`[x, *rest]`, `{"k": v, **kw}`,
/// `Point(x=px) as p`), in the order written.
pub(crate) fn pattern_captures(pattern: &Pattern) -> Vec<&str> {
    struct Captures<'a>(Vec<&'a str>);
    impl<'a> Visitor<'a> for Captures<'a> {
        fn visit_pattern(&mut self, pattern: &'a Pattern) {
            let name = match pattern {
                Pattern::MatchAs(p) => p.name.as_ref(),
                Pattern::MatchStar(p) => p.name.as_ref(),
                Pattern::MatchMapping(p) => p.rest.as_ref(),
                _ => None,
            };
            if let Some(name) = name {
                self.0.push(name.as_str());
            }
            walk_pattern(self, pattern);
        }
    }
    let mut captures = Captures(Vec::new());
    captures.visit_pattern(pattern);
    captures.0
}

/// Whether a body consisting only of `pass`, `...` and a docstring (mypy
/// calls a missing return there `empty-body`).
pub(crate) fn is_trivial_body(body: &[Stmt]) -> bool {
    body.iter().all(|stmt| match stmt {
        Stmt::Pass(_) => true,
        Stmt::Expr(e) => matches!(&*e.value, Expr::EllipsisLiteral(_) | Expr::StringLiteral(_)),
        _ => false,
    })
}

/// The blocks a compound statement holds, in the order of the text
/// (`if` branches, loop bodies and `else`s, `try` parts, `match` cases);
/// none for a simple statement or a definition.
pub(crate) fn each_block<'a>(stmt: &'a Stmt, f: &mut dyn FnMut(&'a [Stmt])) {
    match stmt {
        Stmt::If(s) => {
            f(&s.body);
            for clause in &s.elif_else_clauses {
                f(&clause.body);
            }
        }
        Stmt::For(s) => {
            f(&s.body);
            f(&s.orelse);
        }
        Stmt::While(s) => {
            f(&s.body);
            f(&s.orelse);
        }
        Stmt::With(s) => f(&s.body),
        Stmt::Try(s) => {
            f(&s.body);
            for handler in &s.handlers {
                let ast::ExceptHandler::ExceptHandler(h) = handler;
                f(&h.body);
            }
            f(&s.orelse);
            f(&s.finalbody);
        }
        Stmt::Match(s) => {
            for case in &s.cases {
                f(&case.body);
            }
        }
        _ => {}
    }
}

/// Calls `f` with each name `body` binds at its own level (assignment and
/// loop targets, `with` targets, definitions, imports), in nested blocks
/// too but not in the functions and classes it defines: the names a class
/// body or a module binds itself, once per binding.
pub(crate) fn each_binding<'a>(body: &'a [Stmt], f: &mut dyn FnMut(&'a str)) {
    fn names_of<'a>(target: &'a Expr, f: &mut dyn FnMut(&'a str)) {
        match target {
            Expr::Name(n) => f(n.id.as_str()),
            Expr::Tuple(t) => t.elts.iter().for_each(|e| names_of(e, f)),
            Expr::List(l) => l.elts.iter().for_each(|e| names_of(e, f)),
            Expr::Starred(s) => names_of(&s.value, f),
            _ => {}
        }
    }
    for stmt in body {
        match stmt {
            Stmt::Assign(a) => a.targets.iter().for_each(|t| names_of(t, f)),
            Stmt::AnnAssign(a) => names_of(&a.target, f),
            Stmt::AugAssign(a) => names_of(&a.target, f),
            Stmt::For(s) => names_of(&s.target, f),
            Stmt::With(w) => w
                .items
                .iter()
                .filter_map(|i| i.optional_vars.as_deref())
                .for_each(|v| names_of(v, f)),
            Stmt::FunctionDef(d) => f(d.name.id.as_str()),
            Stmt::ClassDef(c) => f(c.name.id.as_str()),
            Stmt::Import(i) => i.names.iter().for_each(|alias| {
                let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                f(bound.id.as_str().split('.').next().unwrap_or_default());
            }),
            Stmt::ImportFrom(i) => i
                .names
                .iter()
                .for_each(|alias| f(alias.asname.as_ref().unwrap_or(&alias.name).id.as_str())),
            Stmt::Try(t) => t.handlers.iter().for_each(|h| {
                let ast::ExceptHandler::ExceptHandler(h) = h;
                if let Some(name) = &h.name {
                    f(name.id.as_str());
                }
            }),
            _ => {}
        }
        each_block(stmt, &mut |block| each_binding(block, f));
    }
}

/// Whether control can reach the end of `body`. `ends` says whether a
/// simple statement certainly or possibly stops control (a call of a
/// `NoReturn` function); it is asked only of expression statements.
pub(crate) fn falls_through(body: &[Stmt], ends: &dyn Fn(&Stmt) -> bool) -> bool {
    !body.iter().any(|stmt| stops(stmt, ends, false))
}

/// Whether control can reach the statement after `body` (a branch of an
/// `if`): like [`falls_through`], but `break` and `continue` leave too.
pub(crate) fn reaches_next(body: &[Stmt], ends: &dyn Fn(&Stmt) -> bool) -> bool {
    !body.iter().any(|stmt| stops(stmt, ends, true))
}

fn falls(body: &[Stmt], ends: &dyn Fn(&Stmt) -> bool, loop_exits: bool) -> bool {
    !body.iter().any(|stmt| stops(stmt, ends, loop_exits))
}

fn stops(stmt: &Stmt, ends: &dyn Fn(&Stmt) -> bool, loop_exits: bool) -> bool {
    match stmt {
        Stmt::Return(_) | Stmt::Raise(_) => true,
        Stmt::Break(_) | Stmt::Continue(_) => loop_exits,
        Stmt::Expr(_) => ends(stmt),
        Stmt::Assert(a) => truthiness(&a.test) == Some(false),
        // An `if` the checker found cannot fail where no branch goes on
        // (`if self.sock is None: return` with `self.sock: None`).
        Stmt::If(_) if ends(stmt) => true,
        Stmt::If(i) => {
            // Branches in order; a literal condition decides statically.
            let mut branches: Vec<(Option<&Expr>, &[Stmt])> = vec![(Some(&*i.test), &i.body)];
            branches.extend(
                i.elif_else_clauses
                    .iter()
                    .map(|c| (c.test.as_ref(), c.body.as_slice())),
            );
            for (test, body) in branches {
                match test.map(truthiness) {
                    // `else`, or a condition always true: the last branch.
                    None | Some(Some(true)) => return !falls(body, ends, loop_exits),
                    Some(Some(false)) => continue,
                    Some(None) => {
                        if falls(body, ends, loop_exits) {
                            return false;
                        }
                    }
                }
            }
            // No branch is taken: control continues.
            false
        }
        // A loop ends its block when it never exits normally: `while
        // True` without `break`, or an `else` that ends and no `break`.
        Stmt::While(w) => {
            !breaks(&w.body)
                && (truthiness(&w.test) == Some(true) || !falls(&w.orelse, ends, loop_exits))
        }
        Stmt::For(f) => !breaks(&f.body) && !falls(&f.orelse, ends, loop_exits),
        Stmt::With(w) => !falls(&w.body, ends, loop_exits),
        Stmt::Try(t) => {
            if !falls(&t.finalbody, ends, loop_exits) {
                return true;
            }
            let normal = !falls(&t.body, ends, loop_exits) || !falls(&t.orelse, ends, loop_exits);
            let handlers = t.handlers.iter().all(|h| {
                let ast::ExceptHandler::ExceptHandler(h) = h;
                !falls(&h.body, ends, loop_exits)
            });
            normal && handlers
        }
        Stmt::Match(m) => {
            // Leaning to silence: every case ending counts, exhaustive or
            // not.
            !m.cases.is_empty() && m.cases.iter().all(|c| !falls(&c.body, ends, loop_exits))
        }
        _ => false,
    }
}

/// Whether a loop body has a `break` for this loop.
pub(crate) fn breaks(body: &[Stmt]) -> bool {
    struct Finder(bool);
    impl<'b> Visitor<'b> for Finder {
        fn visit_stmt(&mut self, stmt: &'b Stmt) {
            match stmt {
                Stmt::Break(_) => self.0 = true,
                // A nested loop's breaks are its own.
                Stmt::For(f) => self.visit_body(&f.orelse),
                Stmt::While(w) => self.visit_body(&w.orelse),
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                _ => walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, _: &'b Expr) {}
    }
    let mut finder = Finder(false);
    finder.visit_body(body);
    finder.0
}

/// Whether a function body yields (is a generator's), not counting
/// nested functions, classes and lambdas.
pub(crate) fn contains_yield(body: &[Stmt]) -> bool {
    use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
    struct Finder(bool);
    impl<'b> Visitor<'b> for Finder {
        fn visit_stmt(&mut self, stmt: &'b Stmt) {
            if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'b Expr) {
            match expr {
                Expr::Yield(_) | Expr::YieldFrom(_) => self.0 = true,
                Expr::Lambda(_) => {}
                _ => walk_expr(self, expr),
            }
        }
    }
    let mut finder = Finder(false);
    for stmt in body {
        finder.visit_stmt(stmt);
    }
    finder.0
}

/// Whether `expr` names `typing.Annotated` (by its name, bare or
/// qualified).
fn is_annotated(expr: &Expr) -> bool {
    match expr {
        Expr::Name(n) => n.id.as_str() == "Annotated",
        Expr::Attribute(a) => a.attr.as_str() == "Annotated",
        _ => false,
    }
}

/// What mypy decides an `if` or `elif` test is before checking it: a
/// `sys.version_info` or `sys.platform` check, `TYPE_CHECKING` and its
/// kin, and the literals its binder reads as always true or false
/// (`True`, `False`, an `int`: `if 1:` has no way past it without the
/// branch); `None` for any other test.
pub(crate) fn decided_condition(test: &Expr) -> Option<bool> {
    match test {
        Expr::BooleanLiteral(b) => Some(b.value),
        Expr::NumberLiteral(ast::ExprNumberLiteral {
            value: ast::Number::Int(i),
            ..
        }) => Some(i.as_u64() != Some(0)),
        other => crate::stubs::static_condition(other),
    }
}

/// The truth value of a literal condition (`True`, `1`, `"x"`), if it is
/// one.
pub(crate) fn truthiness(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::NoneLiteral(_) => Some(false),
        Expr::StringLiteral(s) => Some(!s.value.is_empty()),
        // `True`, an `int`, and the `sys.platform` and `sys.version_info`
        // checks mypy decides for Python 3.11 on Linux.
        other => decided_condition(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(src: &str) -> Vec<Stmt> {
        ruff_python_parser::parse_module(src)
            .unwrap()
            .into_syntax()
            .body
    }

    #[test]
    fn fall_through() {
        let never = |_: &Stmt| false;
        for (src, falls) in [
            ("return 1", false),
            ("x = 1", true),
            ("if a:\n    return 1", true),
            ("if a:\n    return 1\nelse:\n    raise E", false),
            ("if a:\n    return 1\nelif b:\n    return 2", true),
            ("while True:\n    pass", false),
            ("while True:\n    break", true),
            ("while True:\n    for x in y:\n        break", false),
            ("while x:\n    return 1", true),
            ("for x in y:\n    pass\nelse:\n    return 1", false),
            ("for x in y:\n    break\nelse:\n    return 1", true),
            ("try:\n    return 1\nexcept E:\n    pass", true),
            ("try:\n    return 1\nexcept E:\n    return 2", false),
            ("try:\n    pass\nfinally:\n    return 3", false),
            ("assert False", false),
            ("if True:\n    return 1", false),
            ("with f() as g:\n    return 1", false),
        ] {
            assert_eq!(falls_through(&body(src), &never), falls, "{src}");
        }
        let loop_body = body("if x is None:\n    continue\nif y:\n    break");
        assert!(falls_through(&loop_body, &never));
        assert!(!reaches_next(
            &body("if x is None:\n    continue\nelse:\n    break"),
            &never
        ));
        let calls_end = |s: &Stmt| matches!(s, Stmt::Expr(_));
        assert!(!falls_through(&body("sys.exit(1)"), &calls_end));
    }

    #[test]
    fn names() {
        let module = body(
            "import os.path as p, sys\nfrom m import a as b\ndef f(x, *ys, **kw):\n    \
             return [z for z in ys if w] + g(lambda q: q)\nclass C: pass\n\
             try:\n    pass\nexcept E as e:\n    pass\n",
        );
        let facts = scan_names(&module);
        for name in ["p", "sys", "b", "f", "x", "ys", "kw", "z", "q", "C", "e"] {
            assert!(facts.bound.contains(name), "{name}");
        }
        let loads: Vec<&str> = facts.loads.iter().map(|(n, _)| *n).collect();
        assert!(loads.contains(&"w") && loads.contains(&"g") && loads.contains(&"E"));
        assert!(!facts.bound.contains("w"));
        assert!(!facts.star_import);
        assert!(is_trivial_body(&body("'''doc'''\n...")));
        assert!(!is_trivial_body(&body("return 1")));
    }
}
