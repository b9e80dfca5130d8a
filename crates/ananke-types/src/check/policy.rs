//! The call policy's walk: every value an expression or statement reaches,
//! resolved as the checker resolves it, judged by a [`ResolvedPolicy`].
//!
//! A reference is resolved to a type in the statement's [`Scope`] (so
//! `from os import system`, `import os as o; o.system`, `e = eval` all
//! reach the stub's own member), and through the reflective forms a
//! program can reach a member by: `getattr(m, "name")`, `vars(m)["name"]`,
//! `m.__dict__["name"]`, `globals()["name"]`, `__builtins__.name`,
//! `sys.modules["m"]`, `importlib.import_module("m")`, `__import__("m")`.
//! A denied value is a violation wherever it is used as a value, except
//! as the callee of a call that a conditional rule allows; a star import
//! from a module with denied members is one (the checker does not bind
//! the names it brings). Under `strict`, reflection whose target is not a
//! literal (`getattr(m, name)`, `globals()[key]`, `sys.modules[key]`) on a
//! namespace that holds denied members is one too, and so is a
//! conditional callable used other than by a call, a call of one whose
//! condition is not a literal, or `**kwargs` passed to one.
//!
//! Names bound inside the code walked (lambda parameters, comprehension
//! targets, `:=`) are not the scope's and resolve to nothing.

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};

use super::{Checker, Scope, excessive_nesting};
use crate::flow::truthiness;
use crate::policy::{Denied, ResolvedPolicy};
use crate::prefix::{head, wrap};
use crate::stubs::{Symbol, TypeDb};
use crate::types::Type;
use crate::world::World;

/// What a value reached in code is, for the policy.
#[derive(Clone)]
enum Val {
    /// A value of a type.
    Ty(Type),
    /// A namespace read by subscript or attribute: a module's or class's
    /// `__dict__`, `vars(x)`, or `__builtins__` (`Ty` of the module).
    Namespace(Type),
    /// `globals()`, `locals()`, `vars()`: the names in scope.
    Globals,
    /// `sys.modules`.
    Modules,
    /// A namespace's `get` (or `__getitem__`, `pop`, `setdefault`).
    Getter(Box<Val>),
    /// Nothing the policy can follow.
    Unknown,
}

impl Scope {
    /// The first policy violation in `code`, a statement (a compound
    /// statement's header alone is completed with `pass`), read in this
    /// scope; `None` when there is none or the code does not parse.
    /// `bound` names are bound by code around it (lambda parameters,
    /// comprehension targets) and reach nothing.
    pub(crate) fn policy_statement(
        &self,
        policy: &ResolvedPolicy,
        code: &str,
        bound: &[String],
    ) -> Option<String> {
        let (first, body) = head(code);
        let mut text = wrap(first, body.trim_end());
        if text.ends_with(':') {
            text.push_str(" pass");
        } else if text.starts_with('@') {
            text.push_str("\ndef _decorated() -> None: pass");
        }
        let module = parse(&text, ruff_python_parser::parse_module)?.into_syntax();
        let mut walk = Walk::new(self, policy, bound);
        for stmt in &module.body {
            walk.visit_stmt(stmt);
        }
        walk.found
    }

    /// The first policy violation in expression `code` (`None` if there is
    /// none or it does not parse); see [`Scope::policy_statement`].
    pub(crate) fn policy_expression(
        &self,
        policy: &ResolvedPolicy,
        code: &str,
        bound: &[String],
    ) -> Option<String> {
        let expr = parse(code, ruff_python_parser::parse_expression)?.into_expr();
        let mut walk = Walk::new(self, policy, bound);
        // The expression may still go on (`vars(os)` then `["system"]`):
        // a namespace it ends with is judged by what is taken from it.
        let value = walk.value(&expr);
        if matches!(value, Val::Ty(_)) {
            walk.used(&value, false);
        }
        walk.found
    }

    /// The violation a reference to `name` read here would be, or to
    /// `receiver.name` when `receiver` is given, or to `module.name` in a
    /// `from module import name`; `called` when a `(` follows it.
    pub(crate) fn policy_reference(
        &self,
        policy: &ResolvedPolicy,
        reference: &Reference<'_>,
        called: bool,
    ) -> Option<String> {
        let mut walk = Walk::new(self, policy, &[]);
        let value = match reference {
            Reference::Name(name) => walk.name(name),
            Reference::Member(receiver, name) => {
                let parsed = ruff_python_parser::parse_expression(receiver).ok()?;
                let expr = parsed.into_expr();
                let value = walk.value(&expr);
                if policy.strict && crate::policy::ESCAPES.contains(name) {
                    return Some(format!(
                        "call policy (strict): `.{name}` reaches what the policy cannot follow, and cannot be proven safe"
                    ));
                }
                walk.member(&value, name)
            }
            Reference::Imported(module, name) => walk.imported(module, name),
        };
        if walk.found.is_some() {
            // The receiver itself: judged when it was written.
            return None;
        }
        let how = match (reference, called) {
            (_, true) => Use::Call,
            (Reference::Imported(..), false) => Use::Import,
            _ => Use::Value,
        };
        walk.used_as(&value, how);
        walk.found
    }
}

impl Scope {
    /// Whether `name` here is a module with a member the policy denies,
    /// or was imported from one (`sp` after `import subprocess as sp`,
    /// `run` after `from subprocess import run`): a statement reading it
    /// may reach a denied member.
    pub(crate) fn policy_watches(&self, name: &str, policy: &ResolvedPolicy) -> bool {
        let module_of =
            |qualified: &str| qualified.rsplit_once('.').map_or("", |(m, _)| m).to_owned();
        for frame in self.frames.iter().rev() {
            if let Some(var) = frame.vars.get(name) {
                return matches!(&var.ty, Type::Module(m) if policy.module_denies(m).is_some());
            }
        }
        match self.symbols.get(name) {
            Some(Symbol::Module(m)) => policy.module_denies(m).is_some(),
            Some(Symbol::Foreign(q)) => policy.module_denies(&module_of(q)).is_some(),
            _ => false,
        }
    }
}

/// `code` parsed by `parser`, unless it is nested too deeply to walk or
/// does not parse.
fn parse<T, E>(code: &str, parser: impl FnOnce(&str) -> Result<T, E>) -> Option<T> {
    if excessive_nesting(code).is_some() {
        return None;
    }
    parser(code).ok()
}

/// How a value is used.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    /// As a call's callee.
    Call,
    /// Bound by `from module import name` (calls through the name are
    /// followed, so only an unconditional rule rejects it).
    Import,
    /// Any other way: it escapes.
    Value,
}

/// A reference the domain judges as its last name is written.
pub(crate) enum Reference<'a> {
    /// A name read.
    Name(&'a str),
    /// `receiver.name`.
    Member(&'a str, &'a str),
    /// `from module import name`.
    Imported(&'a str, &'a str),
}

/// One walk: the checker that types what the policy cannot follow, and
/// the first violation found.
struct Walk<'p> {
    policy: &'p ResolvedPolicy,
    checker: Checker<'static>,
    bound: Vec<String>,
    found: Option<String>,
}

impl<'p> Walk<'p> {
    fn new(scope: &Scope, policy: &'p ResolvedPolicy, bound: &[String]) -> Walk<'p> {
        Walk {
            policy,
            checker: scope.checker(""),
            bound: bound.to_vec(),
            found: None,
        }
    }

    fn world(&self) -> &World<'static> {
        &self.checker.world
    }

    fn report(&mut self, message: String) {
        if self.found.is_none() {
            self.found = Some(message);
        }
    }

    fn denial(denied: &Denied, what: &str) -> String {
        format!(
            "call policy: {what} `{}`, denied by rule `{}`",
            denied.qualified, denied.rule
        )
    }

    /// Judges a value used: as a callee (`called`) or otherwise.
    fn used(&mut self, value: &Val, called: bool) {
        self.used_as(value, if called { Use::Call } else { Use::Value });
    }

    fn used_as(&mut self, value: &Val, how: Use) {
        let strict = self.policy.strict;
        match value {
            Val::Ty(ty) => {
                if let Some(denied) = self.policy.denied(ty) {
                    match (&denied.when, how) {
                        (None, Use::Call) => self.report(Self::denial(denied, "a call of")),
                        (None, Use::Import) => self.report(Self::denial(denied, "an import of")),
                        (None, Use::Value) => self.report(Self::denial(denied, "a reference to")),
                        // Calls through an imported name are followed.
                        (Some(_), Use::Call | Use::Import) => {}
                        (Some(keyword), Use::Value) if strict => {
                            let message = format!(
                                "call policy (strict): `{}` used other than by a call cannot be proven to run without {keyword}=True (rule `{}`)",
                                denied.qualified, denied.rule
                            );
                            self.report(message);
                        }
                        (Some(_), Use::Value) => {}
                    }
                }
            }
            Val::Globals | Val::Modules | Val::Namespace(_) | Val::Getter(_)
                if how == Use::Value =>
            {
                self.computed("a namespace handed on whole", value);
            }
            _ => {}
        }
    }

    /// A name read: `None` for names bound inside the walked code.
    fn name(&mut self, name: &str) -> Val {
        if self.bound.iter().any(|b| b == name) {
            return Val::Unknown;
        }
        if name == "__builtins__" && !self.checker.binds_locally(name) {
            return Val::Ty(Type::Module("builtins".into()));
        }
        let bound_here = self
            .checker
            .frames
            .iter()
            .any(|f| f.vars.contains_key(name));
        if !bound_here && let Some(Symbol::Foreign(qualified)) = self.checker.symbols.get(name) {
            let qualified = qualified.clone();
            return match qualified.rsplit_once('.') {
                Some((module, member)) => self.imported(module, member),
                None => Val::Unknown,
            };
        }
        match self.checker.lookup(name) {
            Some(ty) => Val::Ty(ty),
            None => Val::Unknown,
        }
    }

    /// `module.name` as `from module import name` binds it (a module's
    /// member, or its submodule), read in the stubs with the policy's
    /// modules.
    fn imported(&mut self, module: &str, name: &str) -> Val {
        if module == "sys" && name == "modules" {
            return Val::Modules;
        }
        let db = crate::policy::stubs_of(module);
        match db.member(module, name) {
            Some(Symbol::Module(m)) => Val::Ty(Type::Module(m.clone())),
            Some(symbol) => Val::Ty(self.checker.symbol_value(symbol)),
            None => {
                let sub = format!("{module}.{name}");
                if TypeDb::with_policy_modules()
                    .modules
                    .contains_key(sub.as_str())
                {
                    Val::Ty(Type::Module(sub.into()))
                } else {
                    Val::Unknown
                }
            }
        }
    }

    /// Attribute `name` of `value` (`value.name`).
    fn member(&mut self, value: &Val, name: &str) -> Val {
        match value {
            Val::Ty(Type::Module(module)) => {
                if name == "__dict__" {
                    return Val::Namespace(Type::Module(module.clone()));
                }
                let module = module.clone();
                self.imported(&module, name)
            }
            Val::Ty(ty @ (Type::Class(_) | Type::Instance(..))) => {
                if name == "__dict__" {
                    return Val::Namespace(ty.clone());
                }
                self.class_member(ty, name)
            }
            // A namespace is a dict: `get` reads an entry; anything else
            // (`values`, `copy`) hands out what it holds.
            Val::Namespace(_) | Val::Globals | Val::Modules => {
                if matches!(name, "get" | "__getitem__" | "pop" | "setdefault") {
                    return Val::Getter(Box::new(value.clone()));
                }
                self.computed(&format!("`.{name}` of a namespace"), value);
                Val::Unknown
            }
            _ => Val::Unknown,
        }
    }

    /// A class's or instance's member, from the program's own classes or
    /// the stubs (with the policy's modules).
    fn class_member(&self, ty: &Type, name: &str) -> Val {
        let policy_world = World::new(TypeDb::with_policy_modules());
        let found = [self.world(), &policy_world]
            .into_iter()
            .find_map(|w| match ty {
                Type::Class(class) => w.class_member(class, name),
                _ => w.instance_member(ty, name),
            });
        found.map_or(Val::Unknown, Val::Ty)
    }

    /// Entry `key` of a namespace (`vars(os)["system"]`,
    /// `sys.modules["os"]`, `globals().get("eval")`).
    fn entry(&mut self, namespace: &Val, key: &str) -> Val {
        match namespace {
            Val::Namespace(Type::Module(module)) | Val::Ty(Type::Module(module)) => {
                let module = module.clone();
                self.imported(&module, key)
            }
            Val::Namespace(ty) => self.class_member(ty, key),
            Val::Globals => self.name(key),
            // `sys.modules["os"]`, as `import os` binds it.
            Val::Modules => Val::Ty(Type::Module(key.into())),
            _ => Val::Unknown,
        }
    }

    /// Whether a namespace holds a member the policy denies (what a
    /// computed lookup in it could reach).
    fn holds_denied(&self, value: &Val) -> Option<String> {
        match value {
            Val::Ty(Type::Module(m)) | Val::Namespace(Type::Module(m)) => {
                self.policy.module_denies(m).map(str::to_owned)
            }
            Val::Globals => self.policy.module_denies("builtins").map(str::to_owned),
            Val::Modules => Some("any module".to_owned()),
            Val::Getter(namespace) => self.holds_denied(namespace),
            _ => None,
        }
    }

    fn computed(&mut self, what: &str, namespace: &Val) {
        if self.policy.strict
            && let Some(reach) = self.holds_denied(namespace)
        {
            self.report(format!(
                "call policy (strict): {what} could reach {reach}, and cannot be proven safe"
            ));
        }
    }

    /// The value of an expression, judging every value inside it that is
    /// used (operands, arguments, receivers).
    fn value(&mut self, expr: &Expr) -> Val {
        match expr {
            Expr::Name(n) => match n.ctx {
                ExprContext::Load => self.name(n.id.as_str()),
                _ => Val::Unknown,
            },
            Expr::Attribute(a) => {
                let receiver = self.value(&a.value);
                let name = a.attr.id.as_str();
                if self.policy.strict && crate::policy::ESCAPES.contains(&name) {
                    self.report(format!(
                        "call policy (strict): `.{name}` reaches what the policy cannot follow, and cannot be proven safe"
                    ));
                }
                if !matches!(receiver, Val::Namespace(_) | Val::Globals | Val::Modules) {
                    self.used(&receiver, false);
                }
                self.member(&receiver, name)
            }
            Expr::Subscript(s) => {
                let receiver = self.value(&s.value);
                let namespace = matches!(receiver, Val::Namespace(_) | Val::Globals | Val::Modules)
                    || matches!(&receiver, Val::Ty(Type::Module(m)) if &**m == "builtins");
                match (namespace, literal(&s.slice)) {
                    (true, Some(key)) => self.entry(&receiver, &key),
                    (true, None) => {
                        self.computed("a lookup with a computed key", &receiver);
                        self.visit_expr(&s.slice);
                        Val::Unknown
                    }
                    _ => {
                        self.used(&receiver, false);
                        self.visit_expr(&s.slice);
                        self.typed(expr)
                    }
                }
            }
            Expr::Call(c) => self.call(c, expr),
            Expr::Lambda(l) => {
                let before = self.bound.len();
                if let Some(params) = &l.parameters {
                    for p in params.iter() {
                        self.bound.push(p.name().id.to_string());
                    }
                    for default in params.iter().filter_map(|p| p.default()) {
                        self.visit_expr(default);
                    }
                }
                self.visit_expr(&l.body);
                self.bound.truncate(before);
                Val::Unknown
            }
            Expr::ListComp(ast::ExprListComp {
                elt, generators, ..
            })
            | Expr::SetComp(ast::ExprSetComp {
                elt, generators, ..
            })
            | Expr::Generator(ast::ExprGenerator {
                elt, generators, ..
            }) => {
                self.comprehension(generators, &[elt]);
                Val::Unknown
            }
            Expr::DictComp(d) => {
                self.comprehension(&d.generators, &[&d.key, &d.value]);
                Val::Unknown
            }
            Expr::Named(n) => {
                self.visit_expr(&n.value);
                if let Expr::Name(target) = &*n.target {
                    self.bound.push(target.id.to_string());
                }
                Val::Unknown
            }
            _ => {
                walk_expr(self, expr);
                Val::Unknown
            }
        }
    }

    fn comprehension(&mut self, generators: &[ast::Comprehension], elements: &[&Expr]) {
        let before = self.bound.len();
        for generator in generators {
            self.visit_expr(&generator.iter);
            let mut targets = Vec::new();
            collect_names(&generator.target, &mut targets);
            self.bound.extend(targets);
            for condition in &generator.ifs {
                self.visit_expr(condition);
            }
        }
        for element in elements {
            self.visit_expr(element);
        }
        self.bound.truncate(before);
    }

    /// The checker's type of `expr` (its diagnostics are not the policy's).
    fn typed(&mut self, expr: &Expr) -> Val {
        let ty = self.checker.expr(expr);
        Val::Ty(ty)
    }

    fn call(&mut self, call: &ast::ExprCall, expr: &Expr) -> Val {
        let callee = self.value(&call.func);
        self.used(&callee, true);
        let args = &call.arguments;
        // The reflective forms, by what the callee is.
        let builtin = |walk: &Walk<'_>, name: &str| walk.is_member(&callee, "builtins", name);
        let operator = |walk: &Walk<'_>, name: &str| walk.is_member(&callee, "operator", name);
        let import_module = self.is_member(&callee, "importlib", "import_module");
        let result = if let Val::Getter(namespace) = &callee {
            let namespace = (**namespace).clone();
            match args.args.first().map(literal) {
                Some(Some(key)) => Some(self.entry(&namespace, &key)),
                _ => {
                    self.computed("a lookup with a computed key", &namespace);
                    None
                }
            }
        } else if operator(self, "attrgetter") || operator(self, "methodcaller") {
            // The object it is applied to is not known here: a name the
            // policy denies somewhere, or a computed one, could reach it.
            let names: Vec<Option<String>> = args.args.iter().take(1).map(literal).collect();
            let risky = names.iter().any(|n| match n {
                Some(n) => n
                    .split('.')
                    .any(|part| self.policy.names.iter().any(|d| d == part)),
                None => true,
            });
            if risky && self.policy.strict {
                self.report(
                    "call policy (strict): an attribute getter for a name the policy denies, or a computed one, cannot be proven safe".to_owned(),
                );
            }
            None
        } else if builtin(self, "getattr") && args.args.len() >= 2 {
            let target = self.value(&args.args[0]);
            match literal(&args.args[1]) {
                Some(name) => {
                    let found = self.member(&target, &name);
                    if self.found.is_none() {
                        for extra in args.args.iter().skip(2) {
                            self.visit_expr(extra);
                        }
                    }
                    Some(found)
                }
                None => {
                    self.computed("`getattr` with a computed name", &target);
                    None
                }
            }
        } else if builtin(self, "vars") && args.args.len() == 1 {
            let target = self.value(&args.args[0]);
            Some(match target {
                Val::Ty(ty) => Val::Namespace(ty),
                other => other,
            })
        } else if args.args.is_empty()
            && args.keywords.is_empty()
            && (builtin(self, "globals") || builtin(self, "locals") || builtin(self, "vars"))
        {
            Some(Val::Globals)
        } else if (builtin(self, "__import__") || import_module) && !args.args.is_empty() {
            match literal(&args.args[0]) {
                Some(module) => {
                    let top = if import_module {
                        module.as_str()
                    } else {
                        module.split('.').next().unwrap_or(&module)
                    };
                    Some(Val::Ty(Type::Module(top.into())))
                }
                None => {
                    self.computed("an import of a computed module", &Val::Modules);
                    None
                }
            }
        } else {
            None
        };
        if let Some(result) = result {
            return result;
        }
        if let Val::Ty(ty) = &callee
            && let Some(denied) = self.policy.denied(ty)
            && let Some(keyword) = denied.when.clone()
        {
            let denied = denied.clone();
            self.condition(&denied, &keyword, args);
        }
        for arg in &args.args {
            self.visit_expr(arg);
        }
        for keyword in &args.keywords {
            self.visit_expr(&keyword.value);
        }
        if matches!(callee, Val::Unknown) {
            Val::Unknown
        } else {
            let ty = self.checker.expr(expr);
            Val::Ty(ty)
        }
    }

    /// Whether `value` is the stubs' `module.name` (the reflective forms
    /// are known by what they are, not by their spelling).
    fn is_member(&self, value: &Val, module: &str, name: &str) -> bool {
        match value {
            Val::Ty(ty) => crate::policy::stubs_of(module)
                .member(module, name)
                .is_some_and(|s| self.checker.symbol_value(s) == *ty),
            _ => false,
        }
    }

    /// A call of a conditionally denied callable: its `keyword` argument.
    fn condition(&mut self, denied: &Denied, keyword: &str, args: &ast::Arguments) {
        let strict = self.policy.strict;
        for k in &args.keywords {
            match &k.arg {
                Some(arg) if arg.id.as_str() == keyword => match truthiness(&k.value) {
                    Some(true) => self.report(format!(
                        "call policy: `{}` called with {keyword}=True, denied by rule `{}`",
                        denied.qualified, denied.rule
                    )),
                    None if strict => self.report(format!(
                        "call policy (strict): `{}` called with a {keyword} that is not a literal, denied by rule `{}` unless false",
                        denied.qualified, denied.rule
                    )),
                    _ => {}
                },
                None if strict => self.report(format!(
                    "call policy (strict): `{}` called with `**` arguments could pass {keyword}=True (rule `{}`)",
                    denied.qualified, denied.rule
                )),
                _ => {}
            }
        }
        if strict && args.args.iter().any(|a| matches!(a, Expr::Starred(_))) {
            self.report(format!(
                "call policy (strict): `{}` called with `*` arguments could pass {keyword}=True (rule `{}`)",
                denied.qualified, denied.rule
            ));
        }
    }
}

impl<'a> Visitor<'a> for Walk<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.found.is_some() {
            return;
        }
        let value = self.value(expr);
        self.used(&value, false);
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.found.is_some() {
            return;
        }
        match stmt {
            Stmt::ImportFrom(i) if i.level == 0 => {
                let Some(module) = &i.module else { return };
                let module = module.id.as_str();
                for alias in &i.names {
                    let name = alias.name.id.as_str();
                    if name == "*" {
                        if let Some(reach) = self.policy.module_denies(module) {
                            let message = format!(
                                "call policy: `from {module} import *` binds {reach}, which the policy denies"
                            );
                            self.report(message);
                        }
                        continue;
                    }
                    let value = self.imported(module, name);
                    self.used_as(&value, Use::Import);
                }
            }
            _ => walk_stmt(self, stmt),
        }
    }
}

/// A string literal's value.
fn literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str().to_owned()),
        _ => None,
    }
}

/// The names a target binds.
fn collect_names(target: &Expr, out: &mut Vec<String>) {
    match target {
        Expr::Name(n) => out.push(n.id.to_string()),
        Expr::Tuple(t) => t.elts.iter().for_each(|e| collect_names(e, out)),
        Expr::List(l) => l.elts.iter().for_each(|e| collect_names(e, out)),
        Expr::Starred(s) => collect_names(&s.value, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::check::Scope;
    use crate::policy::CallPolicy;

    fn violation(prefix: &str, code: &str, strict: bool) -> Option<String> {
        let policy = CallPolicy::new(crate::policy::DEFAULT_DENY, [] as [&str; 0], strict)
            .unwrap()
            .resolve()
            .unwrap();
        let scope: Scope = crate::check::scope_at(prefix, "").expect("scope");
        scope.policy_statement(&policy, code, &[])
    }

    #[test]
    fn references_are_judged_by_what_they_resolve_to() {
        let denied = [
            ("", "eval('1')"),
            ("", "e = eval"),
            ("import os\n", "os.system('ls')"),
            ("import os as o\n", "o.system('ls')"),
            ("from os import system\n", "system('ls')"),
            ("", "from os import system"),
            ("", "from os import system as run_it"),
            ("import os\n", "f = getattr(os, 'system')"),
            ("import os\n", "vars(os)['system']('ls')"),
            ("import os\n", "os.__dict__['system']('ls')"),
            ("", "globals()['eval']('1')"),
            ("", "__builtins__.eval('1')"),
            ("import builtins\n", "builtins.exec('1')"),
            ("import sys\n", "sys.modules['os'].system('ls')"),
            ("", "__import__('os')"),
            ("import subprocess as sp\n", "sp.run('ls', shell=True)"),
            (
                "from subprocess import check_output\n",
                "check_output('ls', shell=True)",
            ),
            (
                "import functools, os\n",
                "p = functools.partial(os.system, 'ls')",
            ),
            ("import os\n", "f = lambda c: os.system(c)"),
            ("import shutil as s\n", "s.rmtree('/')"),
            ("import pickle\n", "pickle.loads(b'')"),
            ("", "from os import *"),
            ("import os\n", "x = [os.popen(c) for c in cmds]"),
            ("import ctypes\n", "ctypes.CDLL('libc.so.6')"),
            ("", "f = getattr(__builtins__, 'eval')"),
            ("import sys\n", "sys.modules.get('os').system('ls')"),
            ("", "f = globals().get('eval')"),
            ("import posix\n", "posix.system('ls')"),
            ("", "__builtins__['exec']('1')"),
        ];
        for (prefix, code) in denied {
            assert!(
                violation(prefix, code, false).is_some(),
                "not denied: {prefix}{code}"
            );
        }
        let allowed = [
            ("", "print(len('1'))"),
            ("import os\n", "os.getcwd()"),
            ("import subprocess\n", "subprocess.run(['ls'])"),
            ("import subprocess\n", "subprocess.run(['ls'], shell=False)"),
            ("", "def eval(x: int) -> int: return x"),
            (
                "def compile(s: str) -> str:\n    return s\n",
                "compile('x')",
            ),
            ("", "f = lambda eval: eval + 1"),
            ("", "xs = [exec for exec in range(3)]"),
            ("import json\n", "json.loads('1')"),
            ("import re\n", "re.compile('x')"),
            (
                "import subprocess\n",
                "try: pass\nexcept subprocess.CalledProcessError: pass",
            ),
        ];
        for (prefix, code) in allowed {
            assert_eq!(violation(prefix, code, false), None, "{prefix}{code}");
            assert_eq!(
                violation(prefix, code, true),
                None,
                "strict: {prefix}{code}"
            );
        }
    }

    #[test]
    fn strict_rejects_what_cannot_be_resolved() {
        let strict_only = [
            ("import os\n", "f = getattr(os, name)"),
            ("", "globals()[key]"),
            ("import sys\n", "sys.modules[m]"),
            ("import subprocess\n", "subprocess.run('ls', shell=flag)"),
            ("import subprocess\n", "subprocess.run('ls', **options)"),
            ("import subprocess\n", "r = subprocess.run"),
            ("import operator\n", "g = operator.attrgetter('system')"),
            ("", "f = (lambda: 0).__globals__"),
            ("", "subs = object.__subclasses__()"),
            ("import os\n", "ns = dict(vars(os))"),
            ("import os\n", "vals = list(vars(os).values())"),
            ("", "g = globals().get"),
        ];
        for (prefix, code) in strict_only {
            assert_eq!(violation(prefix, code, false), None, "{prefix}{code}");
            assert!(
                violation(prefix, code, true).is_some(),
                "strict: {prefix}{code}"
            );
        }
        assert_eq!(
            violation("class A:\n    x = 1\n", "getattr(A(), name)", true),
            None
        );
    }
}
