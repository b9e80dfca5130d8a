//! What a statement does to the names around it, read from its syntax
//! alone: whether running it may change an object in place, and which
//! names it binds. Apart from the statement reading: pure questions about
//! one parsed statement, with no state of the reader.

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_pattern, walk_stmt};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};

/// Builtins whose calls change none of their arguments.
const PURE_CALLS: &[&str] = &[
    "len",
    "abs",
    "min",
    "max",
    "range",
    "isinstance",
    "int",
    "bool",
    "float",
    "str",
    "sorted",
    "sum",
    "list",
    "tuple",
    "set",
    "dict",
    "enumerate",
    "zip",
    "reversed",
    "any",
    "all",
    "round",
];

/// Whether running `stmt` (a compound statement's header only: its body
/// is read statement by statement) may change an object in place: a call
/// of anything but a pure builtin, `del`, or a store into a subscript or
/// an attribute.
pub(super) fn may_mutate(stmt: &Stmt) -> bool {
    struct Finder(bool);
    impl<'a> Visitor<'a> for Finder {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Call(call) => {
                    let pure =
                        matches!(&*call.func, Expr::Name(n) if PURE_CALLS.contains(&n.id.as_str()));
                    self.0 |= !pure;
                }
                Expr::Subscript(ast::ExprSubscript { ctx, .. })
                | Expr::Attribute(ast::ExprAttribute { ctx, .. })
                    if *ctx != ExprContext::Load =>
                {
                    self.0 = true;
                }
                _ => {}
            }
            if !matches!(expr, Expr::Lambda(_)) {
                walk_expr(self, expr);
            }
        }
    }
    let mut finder = Finder(false);
    match stmt {
        Stmt::If(s) => finder.visit_expr(&s.test),
        Stmt::While(s) => finder.visit_expr(&s.test),
        Stmt::For(s) => {
            finder.visit_expr(&s.iter);
            finder.visit_expr(&s.target);
        }
        Stmt::With(s) => {
            for item in &s.items {
                finder.visit_expr(&item.context_expr);
            }
        }
        Stmt::Match(s) => finder.visit_expr(&s.subject),
        // Decorators and defaults run when the function is defined.
        Stmt::FunctionDef(d) => {
            finder.0 |= !d.decorator_list.is_empty();
            for p in d.parameters.iter_non_variadic_params() {
                if let Some(default) = p.default() {
                    finder.visit_expr(default);
                }
            }
        }
        Stmt::ClassDef(_) | Stmt::Try(_) => {}
        Stmt::Delete(_) => finder.0 = true,
        other => finder.visit_stmt(other),
    }
    finder.0
}

/// Every name a statement binds (assignment targets, `for` targets, `as`
/// names, `:=`, imports, `global`, nested definitions, match captures).
pub(super) fn bound_names(stmt: &Stmt) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'a> Visitor<'a> for Names {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(d) => self.0.push(d.name.to_string()),
                Stmt::ClassDef(c) => self.0.push(c.name.to_string()),
                Stmt::Import(i) => {
                    for a in &i.names {
                        let name = a.asname.as_ref().unwrap_or(&a.name).to_string();
                        self.0
                            .push(name.split('.').next().unwrap_or_default().to_owned());
                    }
                }
                Stmt::ImportFrom(i) => {
                    for a in &i.names {
                        self.0
                            .push(a.asname.as_ref().unwrap_or(&a.name).to_string());
                    }
                }
                Stmt::Global(g) => self.0.extend(g.names.iter().map(|n| n.to_string())),
                Stmt::Nonlocal(g) => self.0.extend(g.names.iter().map(|n| n.to_string())),
                Stmt::Try(t) => {
                    for h in &t.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = h;
                        if let Some(n) = &h.name {
                            self.0.push(n.to_string());
                        }
                    }
                }
                _ => {}
            }
            if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(n) = expr
                && matches!(n.ctx, ExprContext::Store | ExprContext::Del)
            {
                self.0.push(n.id.to_string());
            }
            if !matches!(expr, Expr::Lambda(_)) {
                walk_expr(self, expr);
            }
        }
        fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
            match pattern {
                ast::Pattern::MatchAs(p) => self.0.extend(p.name.as_ref().map(|n| n.to_string())),
                ast::Pattern::MatchStar(p) => self.0.extend(p.name.as_ref().map(|n| n.to_string())),
                ast::Pattern::MatchMapping(p) => {
                    self.0.extend(p.rest.as_ref().map(|n| n.to_string()))
                }
                _ => {}
            }
            walk_pattern(self, pattern);
        }
    }
    let mut names = Names(Vec::new());
    names.visit_stmt(stmt);
    names.0
}
