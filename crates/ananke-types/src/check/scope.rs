//! Scopes: the variables of each enclosing frame with their types, how
//! names are looked up and bound, and [`Scope`], what is in scope at a
//! point of a module for the incremental checks of the types domain.
//!
//! A frame is persistent (`im`), so a snapshot of the whole stack is cheap:
//! narrowing puts one back to undo a branch, and [`scope_at`] keeps one to
//! check many statements in. Binding follows mypy's inference: a precise
//! first assignment declares the variable's type, a later one must fit it
//! (and narrows the variable to what was assigned); `x = None` then a
//! value declares `x` optional.

use im::HashMap as PersistentMap;
use ruff_text_size::Ranged;

use super::narrow::without_none;
use super::{Checker, Diagnostic, Lines, excessive_nesting, partial};
use crate::stubs::{Symbol, TypeDb};
use crate::types::{Name, Type};
use crate::world::{World, callable_of};

/// A variable's type, and whether it is fixed (annotated, or set by a
/// precise first assignment, as mypy declares it).
#[derive(Clone, Debug)]
pub(super) struct Var {
    /// Its type.
    pub(super) ty: Type,
    /// Whether its type is fixed: a later assignment must fit it.
    pub(super) declared: bool,
    /// Bound to an empty collection and not given an element type yet.
    pub(super) partial: Option<partial::Partial>,
    /// Holds an annotated `Any` (see `any`).
    pub(super) rooted: bool,
    /// Its type comes from an annotation (a parameter's, a variable's),
    /// not from its first value.
    pub(super) annotated: bool,
}

impl Var {
    /// A variable of type `ty`, neither partial nor holding an annotated
    /// `Any` (yet).
    pub(super) fn new(ty: Type, declared: bool) -> Var {
        Var {
            ty,
            declared,
            partial: None,
            rooted: false,
            annotated: false,
        }
    }
}

/// A scope. Persistent, so that a snapshot (for an incremental checker)
/// is O(1).
#[derive(Clone)]
pub(super) struct Frame {
    /// The variables bound in it.
    pub(super) vars: PersistentMap<Name, Var>,
    /// Narrower types than the variables' own, where a condition, an
    /// assertion or an assignment has narrowed them (see `narrow`).
    pub(super) narrowed: PersistentMap<Name, Type>,
    /// The function's parameters not read or bound yet in the walk: the
    /// type of one is its annotation's, exactly as mypy has it (nothing
    /// could have narrowed it), so a union there is no wider than mypy's.
    pub(super) untouched: im::HashSet<Name>,
    /// The declared return type, inside an annotated function.
    pub(super) returns: Option<Type>,
    /// Whether the function is a generator (returns are then unchecked).
    pub(super) generator: bool,
    /// Whether the function is an `async def` (where `await` may stand).
    pub(super) coroutine: bool,
    /// Whether the rest of the block being walked is unreachable (after a
    /// `return`, `raise`, `continue`, `break`, `assert False` or a
    /// statement none of whose paths goes on): mypy checks none of it.
    pub(super) dead: bool,
    /// Inside the body of an `if TYPE_CHECKING:` (read by type checkers
    /// only): mypy reports no missing return of a function defined there.
    pub(super) type_checking: bool,
}

impl Frame {
    /// A frame with no variables, for a function returning `returns`
    /// (when annotated).
    pub(super) fn new(returns: Option<Type>, generator: bool) -> Frame {
        Frame {
            vars: PersistentMap::new(),
            narrowed: PersistentMap::new(),
            untouched: im::HashSet::new(),
            returns,
            generator,
            coroutine: false,
            dead: false,
            type_checking: false,
        }
    }
}

/// The name of the statement [`scope_at`] appends to find a scope.
pub(super) const PROBE: &str = "__ananke_probe__";

/// What is in scope at a point of a module: the names and their types,
/// the enclosing function's return type, the module's classes and imports.
/// Taken once per statement by an incremental checker, then asked about
/// expressions and statements cheaply.
#[derive(Clone)]
pub struct Scope {
    user: im::HashMap<Name, crate::stubs::ClassInfo>,
    pub(super) symbols: im::HashMap<Name, Symbol>,
    pub(super) frames: Vec<Frame>,
    sibling_bound: std::collections::HashSet<Name>,
    /// Attributes the method being written bound first to `None`, which a
    /// statement there may still make optional.
    pending_none: Vec<super::attributes::PendingNone>,
}

impl Scope {
    /// Drops what the module's declaration pass bound to `name` (a module
    /// symbol, a class of the module, a function's variable): a
    /// checkpoint before the statement declaring it must not keep it.
    pub(super) fn forget(&mut self, name: &str) {
        self.symbols.remove(name);
        self.user.remove(format!("__main__.{name}").as_str());
        if let Some(module) = self.frames.first_mut() {
            module.vars.remove(name);
            module.narrowed.remove(name);
        }
    }
}

/// The scope at the end of `prefix` (whole lines), for a statement indented
/// by `indent`: `None` when the prefix does not parse.
pub fn scope_at(prefix: &str, indent: &str) -> Option<Scope> {
    let program = format!("{prefix}{indent}{PROBE} = 0\n");
    if excessive_nesting(&program).is_some() {
        return None;
    }
    let parsed = ruff_python_parser::parse_module(&program).ok()?;
    let module = parsed.into_syntax();
    let mut checker = Checker::new(TypeDb::stdlib(), Lines::new(&program));
    checker.module(&module.body);
    checker.captured
}

impl Scope {
    /// The scope at the start of a module: nothing bound yet.
    pub(super) fn empty() -> Scope {
        Scope {
            user: im::HashMap::new(),
            symbols: im::HashMap::new(),
            frames: vec![Frame::new(None, false)],
            sibling_bound: std::collections::HashSet::new(),
            pending_none: Vec::new(),
        }
    }

    /// Everything this scope holds, written out (for tests comparing two
    /// ways of taking it).
    #[cfg(test)]
    pub(super) fn fingerprint(&self) -> String {
        let mut out = String::new();
        let mut symbols: Vec<_> = self.symbols.keys().collect();
        symbols.sort();
        let mut classes: Vec<_> = self.user.keys().collect();
        classes.sort();
        let mut siblings: Vec<_> = self.sibling_bound.iter().collect();
        siblings.sort();
        out.push_str(&format!(
            "{symbols:?} {classes:?} {siblings:?} {:?}\n",
            self.pending_none
        ));
        for frame in &self.frames {
            let mut vars: Vec<String> = frame
                .vars
                .iter()
                .map(|(n, v)| {
                    format!(
                        "{n}: {} {} {} {}",
                        v.ty,
                        v.declared,
                        v.partial.is_some(),
                        v.rooted
                    )
                })
                .collect();
            vars.sort();
            let mut narrowed: Vec<String> = frame
                .narrowed
                .iter()
                .map(|(n, t)| format!("{n}: {t}"))
                .collect();
            narrowed.sort();
            let returns = frame.returns.as_ref().map(ToString::to_string);
            out.push_str(&format!(
                "{vars:?} {narrowed:?} {returns:?} {} {} {}\n",
                frame.generator, frame.coroutine, frame.dead
            ));
        }
        out
    }

    /// Whether the statement this scope was taken for is unreachable
    /// (after a `return` or `raise`, or an `if` whose test cannot be
    /// false and whose branches all end): mypy checks none of it, so no
    /// verdict on it may reject anything.
    pub fn unreachable(&self) -> bool {
        self.frames.last().is_some_and(|f| f.dead)
    }

    /// The innermost frame's function is a generator.
    pub(super) fn in_generator(&self) -> bool {
        self.frames.last().is_some_and(|f| f.generator)
    }

    pub(super) fn checker<'s>(&self, text: &'s str) -> Checker<'s> {
        let mut checker = Checker::new(TypeDb::stdlib(), Lines::new(text));
        checker.world.user = self.user.clone();
        checker.symbols = self.symbols.clone();
        checker.frames = self.frames.clone();
        checker.sibling_bound = self.sibling_bound.clone();
        checker.pending_none = self.pending_none.clone();
        checker
    }

    /// The type of an expression in this scope (`None` if it does not
    /// parse).
    pub fn infer(&self, expr: &str) -> Option<Type> {
        if excessive_nesting(expr).is_some() {
            return None;
        }
        let parsed = ruff_python_parser::parse_expression(expr).ok()?;
        let expr = parsed.into_expr();
        let text = String::new();
        let mut checker = self.checker(&text);
        Some(checker.expr(&expr))
    }

    /// The errors one statement (a complete statement, compound ones with a
    /// body) has in this scope; `None` if it does not parse.
    pub fn check_statement(&self, statement: &str) -> Option<Vec<Diagnostic>> {
        if excessive_nesting(statement).is_some() {
            return None;
        }
        let parsed = ruff_python_parser::parse_module(statement).ok()?;
        let module = parsed.into_syntax();
        // Unreachable code is not checked (see `Frame::dead`).
        if self.frames.last().is_some_and(|f| f.dead) {
            return Some(Vec::new());
        }
        let mut checker = self.checker(statement);
        checker.block(&module.body);
        Some(checker.diagnostics)
    }

    /// Whether `name` is a variable here (a parameter or an assigned name,
    /// not a function, class or module): a comprehension or lambda written
    /// later in the statement could rebind it.
    pub fn is_variable(&self, name: &str) -> bool {
        self.frames.iter().any(|f| {
            f.vars.get(name).is_some_and(|v| {
                !matches!(
                    v.ty,
                    Type::Callable(_) | Type::Overloaded(_) | Type::Class(_) | Type::Module(_)
                )
            })
        })
    }

    /// Whether `name` is bound here: a variable, parameter, function,
    /// class or import (builtins aside).
    pub fn binds(&self, name: &str) -> bool {
        self.symbols.contains_key(name) || self.frames.iter().any(|f| f.vars.contains_key(name))
    }

    /// Every name this scope can read: variables, module-level names,
    /// builtins and the names every module has. Sorted.
    pub fn names(&self) -> Vec<Name> {
        let mut names: Vec<Name> = self
            .frames
            .iter()
            .flat_map(|f| f.vars.keys().cloned())
            .chain(self.symbols.keys().cloned())
            .chain(
                TypeDb::stdlib()
                    .modules
                    .get("builtins")
                    .into_iter()
                    .flat_map(|m| m.keys().cloned())
                    .filter(|n| !TypeDb::stdlib().private_builtins.contains(n)),
            )
            .chain(crate::flow::MODULE_GLOBALS.iter().map(|&n| Name::from(n)))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The type rules, with this module's classes.
    pub fn world(&self) -> World<'static> {
        let mut world = World::new(TypeDb::stdlib());
        world.user = self.user.clone();
        world
    }
}

impl Checker<'_> {
    /// Keeps what is in scope here: the walk reached [`scope_at`]'s probe.
    pub(super) fn capture_scope(&mut self) {
        self.captured = Some(self.state());
    }

    /// What is in scope here, kept.
    pub(super) fn state(&self) -> Scope {
        Scope {
            user: self.world.user.clone(),
            symbols: self.symbols.clone(),
            frames: self.frames.clone(),
            sibling_bound: self.sibling_bound.clone(),
            pending_none: self.pending_none.clone(),
        }
    }

    /// Whether `name` is bound in the module or an enclosing function
    /// (shadowing a builtin).
    pub(super) fn binds_locally(&self, name: &str) -> bool {
        self.symbols.contains_key(name) || self.frames.iter().any(|f| f.vars.contains_key(name))
    }

    /// The type of `name` here: narrowed, else the variable's, else a
    /// module-level name's or a builtin's (`None` when unbound).
    pub(super) fn lookup(&self, name: &str) -> Option<Type> {
        for frame in self.frames.iter().rev() {
            if let Some(ty) = frame.narrowed.get(name) {
                return Some(ty.clone());
            }
            if let Some(var) = frame.vars.get(name) {
                return Some(var.ty.clone());
            }
        }
        let symbol = self
            .symbols
            .get(name)
            .cloned()
            .or_else(|| self.world.db.builtin(name).cloned())?;
        Some(self.symbol_value(&symbol))
    }

    /// The value a module-level name stands for, used as an expression.
    pub(super) fn symbol_value(&self, symbol: &Symbol) -> Type {
        match symbol {
            Symbol::Class(name) | Symbol::Alias(Type::Class(name)) => Type::Class(name.clone()),
            Symbol::Function(sigs) => callable_of(sigs.to_vec()),
            Symbol::Value(ty) => ty.clone(),
            Symbol::Module(m) => Type::Module(m.clone()),
            _ => Type::Any,
        }
    }

    /// Binds `name` to a value of type `ty` assigned at `at` (see
    /// `bind_type`), keeping whether it comes from an annotated `Any`.
    pub(super) fn bind(&mut self, name: &str, ty: Type, at: &impl Ranged, value_expr: bool) {
        let rooted = self.any_rooted.contains(&at.range());
        let existing = self.frames.last().and_then(|f| f.vars.get(name));
        // A variable that held an `Any` of the checker's own (a type it
        // does not model) may be precise to mypy, which then joins it with
        // the `Any` assigned here where paths meet (`int | Any`, no
        // `Any` of mypy's).
        let unknown_before =
            existing.is_some_and(|v| !v.declared && !v.rooted && matches!(v.ty, Type::Any));
        // mypy's own `Any` assigned to an annotated variable leaves it its
        // declared type, less `None` (mypy's `int | Any` for an `int |
        // None`), unless that type holds `Any` already.
        if rooted
            && matches!(ty, Type::Any)
            && let Some(var) = existing
            && var.annotated
            && !var.ty.has_any()
        {
            let kept = match without_none(var.ty.clone()) {
                narrowed if narrowed != var.ty => Some(narrowed),
                _ => None,
            };
            self.frames
                .last_mut()
                .expect("a frame")
                .untouched
                .remove(name);
            self.set_narrowed(name, kept);
            return;
        }
        self.bind_type(name, ty, at, value_expr);
        if rooted && !unknown_before {
            self.mark_rooted(name);
        }
    }

    /// Binds `name` as mypy infers: a declared variable keeps its type (a
    /// value that does not fit it is an `assignment` error when
    /// `value_expr`) and is narrowed to the value; one first bound to
    /// `None` in a function becomes optional; any other is widened.
    fn bind_type(&mut self, name: &str, ty: Type, at: &impl Ranged, value_expr: bool) {
        let in_function = self.frames.len() > 1;
        let frame = self.frames.last_mut().expect("a frame");
        frame.untouched.remove(name);
        match frame.vars.get_mut(name) {
            // First bound in an earlier branch of this `if`, `None` here:
            // optional, narrowed to `None` on this path.
            Some(var)
                if var.declared
                    && ty == Type::None
                    && self.sibling_bound.contains(name)
                    && !matches!(var.ty, Type::None) =>
            {
                var.ty = Type::optional(var.ty.clone());
                self.set_narrowed(name, Some(Type::None));
                return;
            }
            Some(var) if var.declared => {
                let declared = var.ty.clone();
                if value_expr && !self.world.is_subtype(&ty, &declared) {
                    self.report(
                        at,
                        "assignment",
                        format!("Incompatible types in assignment (expression has type \"{ty}\", variable has type \"{declared}\")"),
                    );
                }
                // mypy narrows a variable to what is assigned to it (not
                // at its annotated definition). A value holding `Any`
                // narrows too: keeping the declared type instead would
                // report errors mypy does not (`abis = list(abis)` after
                // `abis: Iterable[str] | None`).
                // One declared `Any` stays `Any` (mypy does not narrow it:
                // sphinx's `obj: Any` given a list of pairs, then
                // `dict(obj)`).
                let narrowed =
                    (declared != Type::Any && self.world.is_subtype(&ty, &declared)).then_some(ty);
                self.set_narrowed(name, narrowed);
                return;
            }
            // Bound to `None` first, in a function: the first other value
            // declares it optional (mypy's partial `None` type), narrowed
            // to that value here.
            Some(var)
                if var.ty == Type::None
                    && in_function
                    && !matches!(ty, Type::None | Type::Never)
                    && !ty.has_any() =>
            {
                var.ty = Type::optional(ty.clone());
                var.declared = true;
                self.set_narrowed(name, Some(ty));
                return;
            }
            Some(var) => {
                var.ty = Type::union([var.ty.clone(), ty]);
                if matches!(var.ty, Type::Union(_)) {
                    var.ty = Type::Any;
                }
            }
            None => {
                let declared = is_declarable(&ty);
                frame.vars.insert(name.into(), Var::new(ty, declared));
            }
        }
        self.set_narrowed(name, None);
    }

    /// Declares `name` with type `ty` in the innermost frame (an
    /// annotation, a parameter, a definition).
    pub(super) fn declare(&mut self, name: &str, ty: Type) {
        let frame = self.frames.last_mut().expect("a frame");
        frame.vars.insert(
            name.into(),
            Var {
                annotated: true,
                ..Var::new(ty, true)
            },
        );
        frame.narrowed.remove(name);
    }

    /// Binds a comprehension or lambda variable (never declared: each
    /// iteration may rebind it).
    pub(super) fn fresh(&mut self, name: &str, ty: Type) {
        let frame = self.frames.last_mut().expect("a frame");
        frame.vars.insert(name.into(), Var::new(ty, false));
        frame.narrowed.remove(name);
    }

    /// A frame for a comprehension or lambda inside the innermost one: it
    /// returns and awaits as its function does.
    pub(super) fn inner_frame(&self) -> Frame {
        let outer = self.frames.last().expect("a frame");
        Frame {
            coroutine: outer.coroutine,
            ..Frame::new(outer.returns.clone(), outer.generator)
        }
    }
}

/// Whether a first assignment fixes a variable's type, as mypy's
/// inference does: precise types yes; `None`, `Any`-bearing and empty
/// collections stay open (mypy's partial types).
fn is_declarable(ty: &Type) -> bool {
    !ty.has_any()
        && !matches!(
            ty,
            Type::None | Type::Callable(_) | Type::Overloaded(_) | Type::Module(_) | Type::Class(_)
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::errors;

    // Each snippet's expected errors are those `mypy --strict` reports.

    #[test]
    fn a_precise_first_assignment_declares_the_variable() {
        let source = r#"
def f() -> None:
    x = 1
    x = "a"
"#;
        assert_eq!(errors(source), [(3, "assignment")]);
    }

    #[test]
    fn none_then_a_value_declares_an_optional() {
        let source = r#"
def f(flag: bool) -> int:
    x = None
    if flag:
        x = 1
    return x
"#;
        assert_eq!(errors(source), [(5, "return-value")]);
    }

    #[test]
    fn an_assignment_narrows_a_declared_variable() {
        let source = r#"
from typing import Optional


def f(x: Optional[int]) -> int:
    x = 1
    return x + 1
"#;
        assert_eq!(errors(source), []);
    }

    #[test]
    fn a_kept_scope_answers_about_expressions_and_statements() {
        let scope = scope_at("def f(xs: list[int]) -> int:\n", "    ").unwrap();
        assert_eq!(scope.infer("xs[0] + 1"), Some(Type::int()));
        assert!(scope.is_variable("xs") && !scope.is_variable("f"));
        assert!(scope.binds("f") && !scope.binds("len"));
        assert!(scope.names().iter().any(|n| &**n == "len"));
        let diagnostics = scope.check_statement("return 'a'\n").unwrap();
        assert_eq!(diagnostics[0].code, "return-value");
        assert!(scope_at("def f(:\n", "    ").is_none());
    }
}
