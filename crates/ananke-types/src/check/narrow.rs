//! Narrowing: the types conditions, assertions and assignments give a
//! variable for a stretch of code (`if x is not None:`, `isinstance`,
//! `assert`, an early `return`), as mypy sees them.
//!
//! The forms modelled: `is None` / `is not None` (and `==`/`!=` `None`),
//! truthiness, `isinstance`, `type(x) is`, each of a variable or of a
//! member of one (`self.value is not None`), `assert`, branches that leave
//! early, `and`/`or` (each operand under what the earlier ones tell),
//! conditional expressions and comprehension filters. A `while` without a
//! `break` is left with its condition false, and an `isinstance` between
//! builtins whose layouts clash (a `str` is never a `dict`) makes its
//! branch unreachable, so it is skipped as mypy skips it. The valid
//! programs in `tests/programs/valid` pin the narrowings mypy's verdicts
//! rely on.
//!
//! Narrowed types live in each frame's `narrowed` map, beside the
//! variables' own types, so a snapshot is O(1) and a branch's narrowing is
//! undone by putting the snapshot back. Where paths meet, a name keeps a
//! narrowed type only if every path narrowed it (to the union of their
//! types). Forms this module does not model (`hasattr`, type guards,
//! `match`) narrow to `Any`, which reports nothing: narrowing here may be
//! wider than mypy's, never narrower.

use im::HashMap as PersistentMap;
use ruff_python_ast::{self as ast, CmpOp, Expr, Stmt};
use ruff_text_size::Ranged;

use super::Checker;
use super::operators::union_members;
use crate::flow;
use crate::types::{Name, Type};

/// Names and the types a condition gives them (a later entry for a name
/// overrides an earlier one).
pub(super) type Narrowing = Vec<(Name, Type)>;

/// What is known where any one of `ways` holds: the names every way
/// narrows, each to the union of what the ways give it. A way that leaves
/// a name no type (`Never`) cannot hold and is left out; where none can,
/// that is what is known.
fn either(ways: &[Narrowing]) -> Narrowing {
    let impossible = |way: &Narrowing| way.iter().any(|(_, t)| *t == Type::Never);
    let possible: Vec<Narrowing> = ways.iter().filter(|w| !impossible(w)).cloned().collect();
    if possible.is_empty() {
        return ways
            .iter()
            .find_map(|w| w.iter().find(|(_, t)| *t == Type::Never).cloned())
            .into_iter()
            .collect();
    }
    let ways = possible.as_slice();
    let last = |way: &Narrowing, name: &Name| {
        way.iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
    };
    let mut known: Narrowing = Vec::new();
    for (name, _) in ways.first().into_iter().flatten() {
        if known.iter().any(|(n, _)| n == name) {
            continue;
        }
        if let Some(types) = ways
            .iter()
            .map(|way| last(way, name))
            .collect::<Option<Vec<_>>>()
        {
            known.push((name.clone(), Type::union(types)));
        }
    }
    known
}

type Snapshot = PersistentMap<Name, Type>;

/// What held where the loop being walked was left early: at each `break`
/// (the loop ends there, past its `else`) and each `continue`.
#[derive(Default)]
pub(super) struct LoopExits {
    breaks: Vec<Snapshot>,
    continues: Vec<Snapshot>,
}

impl Checker<'_> {
    /// Sets or clears the narrowed type of `name` in the innermost frame;
    /// what was known of its members (`name.attr`) no longer holds.
    pub(super) fn set_narrowed(&mut self, name: &str, ty: Option<Type>) {
        let frame = self.frames.last_mut().expect("a frame");
        frame.narrowed.retain(|k, _| {
            k.strip_prefix(name)
                .is_none_or(|rest| !rest.starts_with(['.', '[']))
        });
        match ty {
            Some(ty) => {
                frame.narrowed.insert(name.into(), ty);
            }
            None => {
                frame.narrowed.remove(name);
            }
        }
    }

    /// The narrowed types of the innermost frame, to put back later.
    pub(super) fn snapshot(&self) -> Snapshot {
        self.frames.last().expect("a frame").narrowed.clone()
    }

    /// Puts back narrowed types taken by [`snapshot`](Self::snapshot).
    pub(super) fn restore(&mut self, snapshot: Snapshot) {
        self.frames.last_mut().expect("a frame").narrowed = snapshot;
    }

    /// Narrows each name that is a variable (not a module-level symbol or
    /// builtin, which conditions do not narrow here), and each member of
    /// one (`self.value`).
    pub(super) fn apply(&mut self, narrowing: &[(Name, Type)]) {
        for (name, ty) in narrowing {
            let root = key_root(name);
            // A variable, or a class a `hasattr` test makes `Any`.
            if self.frames.iter().any(|f| f.vars.contains_key(root))
                || (root == &**name && matches!(self.lookup(root), Some(Type::Class(_))))
            {
                self.set_narrowed(name, Some(ty.clone()));
            }
        }
    }

    /// What a condition narrowed the member expression `expr` (`b.value`,
    /// `self.x.y`) to, if it did. As for mypy, a call does not undo it;
    /// binding the variable it starts from, or assigning the member, does.
    pub(super) fn narrowed_member(&self, expr: &Expr) -> Option<Type> {
        let key = member_key(expr)?;
        let root = key_root(&key);
        for frame in self.frames.iter().rev() {
            if let Some(ty) = frame.narrowed.get(key.as_str()) {
                return Some(ty.clone());
            }
            if frame.vars.contains_key(root) {
                return None;
            }
        }
        None
    }

    /// An assignment to the member expression `target`: what conditions
    /// told of it no longer holds.
    pub(super) fn forget_member(&mut self, target: &Expr) {
        if let Some(key) = member_key(target) {
            self.set_narrowed(&key, None);
        }
    }

    /// An assignment of a value of type `value` to the member expression
    /// `target`: as for mypy, the member is that value's type after it
    /// (`self._hash = hash(...)` then `return self._hash` with `_hash:
    /// int | None`), where the value fits the member's type.
    pub(super) fn assign_member(&mut self, target: &Expr, value: &Type) {
        self.forget_member(target);
        let Some(key) = member_key(target) else {
            return;
        };
        if !self
            .frames
            .iter()
            .any(|f| f.vars.contains_key(key_root(&key)))
        {
            return;
        }
        // A value of a type not known here (a module the stubs lack) may
        // be anything mypy knows: not the member's declared type.
        if value.has_any() {
            self.set_narrowed(&key, Some(Type::Any));
            return;
        }
        // A member typed `Any` (one of an `Any`) stays so, as a variable
        // declared `Any` does.
        let declared = self.scratch_type(target);
        if declared != *value && declared != Type::Any && self.world.is_subtype(value, &declared) {
            self.set_narrowed(&key, Some(value.clone()));
        }
    }

    /// A condition's subject: a variable, or a member of one, with its
    /// type here.
    pub(super) fn subject(&mut self, expr: &Expr) -> Option<(Name, Type)> {
        match expr {
            Expr::Name(n) => Some((n.id.as_str().into(), self.variable(n.id.as_str())?)),
            Expr::Named(named) => self.subject(&named.target),
            Expr::Attribute(_) | Expr::Subscript(_) => {
                let key = member_key(expr)?;
                let root = key_root(&key);
                self.variable(root)?;
                Some((key.as_str().into(), self.scratch_type(expr)))
            }
            _ => None,
        }
    }

    /// Where paths meet: a name stays narrowed only if every path narrowed
    /// it.
    pub(super) fn merge(paths: &[Snapshot]) -> Snapshot {
        let Some((first, rest)) = paths.split_first() else {
            return Snapshot::new();
        };
        let mut merged = Snapshot::new();
        for (name, ty) in first {
            let mut members = vec![ty.clone()];
            for path in rest {
                match path.get(name) {
                    Some(other) => members.push(other.clone()),
                    None => {
                        members.clear();
                        break;
                    }
                }
            }
            if !members.is_empty() {
                merged.insert(name.clone(), Type::union(members));
            }
        }
        merged
    }

    /// Whether control can leave `body` at its end: `Some(true)` surely,
    /// `Some(false)` only past a call that may not come back (one
    /// returning `Any`), `None` never.
    pub(super) fn reaches_next(&self, body: &[Stmt]) -> Option<bool> {
        let (ends, maybe) = (&self.ends, &self.maybe_ends);
        if flow::reaches_next(body, &|s| ends.contains(&s.start())) {
            Some(true)
        } else if flow::reaches_next(body, &|s| {
            ends.contains(&s.start()) && !maybe.contains(&s.start())
        }) {
            Some(false)
        } else {
            None
        }
    }

    /// What holds whether or not the paths that perhaps go on do: where
    /// `with` and `without` them disagree on a name, `Any` (`if origin
    /// is not None: headers.update(...)` with `headers` of an unknown
    /// class leaves `origin` neither `None` nor narrowed; `if x is None:
    /// parser.error(...)` leaves `x` neither optional nor narrowed).
    pub(super) fn blend(with: &Snapshot, without: &Snapshot) -> Snapshot {
        let mut blended = Snapshot::new();
        for name in with.keys().chain(without.keys()) {
            let ty = match (with.get(name), without.get(name)) {
                (Some(a), Some(b)) if a == b => a.clone(),
                _ => Type::Any,
            };
            blended.insert(name.clone(), ty);
        }
        blended
    }

    /// `if` / `elif` / `else`, each branch under its condition and the
    /// negation of the earlier ones; after it, what the branches that
    /// continue have in common.
    pub(super) fn if_stmt(&mut self, i: &ast::StmtIf) {
        let before = self.snapshot();
        let mut branches: Vec<(Option<&Expr>, &[Stmt])> = vec![(Some(&*i.test), &i.body)];
        branches.extend(
            i.elif_else_clauses
                .iter()
                .map(|c| (c.test.as_ref(), c.body.as_slice())),
        );
        let has_else = branches.last().is_some_and(|(test, _)| test.is_none());
        let mut negatives: Narrowing = Vec::new();
        let mut continuing: Vec<Snapshot> = Vec::new();
        let mut perhaps: Vec<Snapshot> = Vec::new();
        let bound_before: std::collections::HashSet<Name> =
            self.frame_names().into_iter().collect();
        let outer_siblings = self.sibling_bound.clone();
        // A branch a `sys.version_info` or `sys.platform` check rules out
        // for Python 3.11 on Linux is unreachable: mypy checks none of it.
        let mut taken = false;
        // A test that cannot be false (`isinstance(h, int)` with `h: int`,
        // alone or in an `or`): mypy reads the path past the `if` without
        // a branch as unreachable.
        let mut always_true = false;
        // Whether the tests cover an enumeration.
        let mut enum_cover = super::enums::EnumCover::default();
        for (i, (test, body)) in branches.into_iter().enumerate() {
            let decided = test.and_then(crate::flow::decided_condition);
            // Past a test that cannot be false, no branch is reached.
            if decided == Some(false) || always_true {
                continue;
            }
            if i > 0 {
                self.siblings_since(&bound_before);
            }
            self.restore(before.clone());
            self.apply(&negatives);
            if let Some(test) = test {
                let exact = self.frames.last().expect("a frame").untouched.clone();
                self.expr(test);
                let tells = self.enum_test(test);
                enum_cover.add(tells);
                let (positive, negative) = self.conditions(test);
                // Where the test fails a variable would have no type left
                // (`self.buffer is None` with `self.buffer: None`): mypy
                // reads that path as unreachable.
                always_true |= self.never_false(test, &exact)
                    || negative.iter().any(|(_, t)| *t == Type::Never);
                self.apply(&positive);
                negatives.extend(negative);
                // `if c is Color.RED: ... elif c is Color.GREEN: ...` over
                // every member: past the last, `c` is what else its type
                // held, nothing if only the enumeration (mypy reads the
                // rest as unreachable).
                if let Some((subject, rest)) = self.enum_rest(&mut enum_cover) {
                    always_true |= rest == Type::Never;
                    negatives.push((subject, rest));
                }
                // `isinstance(text, dict)` with `text: str`, `self is
                // None`: mypy skips the branch (nothing in it is checked,
                // and it goes nowhere).
                if narrowing_test(test) && positive.iter().any(|(_, t)| *t == Type::Never) {
                    continue;
                }
            }
            // mypy reports no missing return of a function defined
            // under `if TYPE_CHECKING:`.
            let frame = self.frames.last_mut().expect("a frame");
            let type_checking = frame.type_checking;
            frame.type_checking |= test.is_some_and(is_type_checking);
            self.block(body);
            self.frames.last_mut().expect("a frame").type_checking = type_checking;
            match self.reaches_next(body) {
                Some(true) => continuing.push(self.snapshot()),
                Some(false) => perhaps.push(self.snapshot()),
                None => {}
            }
            if decided == Some(true) {
                taken = true;
                break;
            }
        }
        if !has_else && !taken && !always_true {
            self.restore(before.clone());
            self.apply(&negatives);
            continuing.push(self.snapshot());
        }
        if !has_else && always_true && continuing.is_empty() {
            // No path goes on: what follows is unreachable, as after a
            // `raise`.
            self.ends.insert(i.start());
            self.frames.last_mut().expect("a frame").dead = true;
        }
        self.sibling_bound = outer_siblings;
        let without = if continuing.is_empty() {
            before
        } else {
            Self::merge(&continuing)
        };
        let after = if perhaps.is_empty() {
            without
        } else {
            continuing.extend(perhaps);
            Self::blend(&Self::merge(&continuing), &without)
        };
        self.restore(after);
    }

    /// Whether `test` cannot be false: `isinstance(h, C)` where every
    /// member of `h`'s type is a `C`, with `h` a parameter nothing has
    /// touched before the test (in `exact`: its type is then exactly
    /// mypy's), or an `or` with such an operand.
    fn never_false(&mut self, test: &Expr, exact: &im::HashSet<Name>) -> bool {
        match test {
            Expr::Call(call) => {
                let (Expr::Name(f), [Expr::Name(subject), classes]) =
                    (&*call.func, &call.arguments.args[..])
                else {
                    return false;
                };
                if f.id.as_str() != "isinstance"
                    || self.binds_locally("isinstance")
                    || !call.arguments.keywords.is_empty()
                    || !exact.contains(subject.id.as_str())
                {
                    return false;
                }
                let Some(current) = self.variable(subject.id.as_str()) else {
                    return false;
                };
                let Some(instances) = self.class_instances(classes) else {
                    return false;
                };
                !current.has_any()
                    && union_members(&current)
                        .iter()
                        .all(|m| instances.iter().any(|i| self.world.is_subtype(m, i)))
            }
            Expr::BoolOp(b) if b.op == ast::BoolOp::Or => {
                b.values.iter().any(|v| self.never_false(v, exact))
            }
            _ => false,
        }
    }

    /// The names bound in the innermost frame.
    pub(super) fn frame_names(&self) -> Vec<Name> {
        let frame = self.frames.last().expect("a frame");
        frame.vars.keys().cloned().collect()
    }

    /// Takes the names the innermost frame bound since it held
    /// `bound_before` as first bound in an earlier branch (see
    /// `Checker::sibling_bound`).
    pub(super) fn siblings_since(&mut self, bound_before: &std::collections::HashSet<Name>) {
        let new: Vec<Name> = self
            .frame_names()
            .into_iter()
            .filter(|n| !bound_before.contains(n))
            .collect();
        self.sibling_bound.extend(new);
    }

    /// A loop body under its condition; afterwards, what holds both
    /// before the loop and after a pass through it.
    pub(super) fn loop_body(&mut self, test: Option<&Expr>, body: &[Stmt], orelse: &[Stmt]) {
        let before = self.snapshot();
        let (positive, negative) = match test {
            Some(test) => self.conditions(test),
            None => (Vec::new(), Vec::new()),
        };
        self.apply(&positive);
        let bound_before: std::collections::HashSet<Name> =
            self.frame_names().into_iter().collect();
        self.loop_exits.push(LoopExits::default());
        self.block(body);
        let exits = self.loop_exits.pop().unwrap_or_default();
        // The loop ends normally (its `else` runs) after no iteration, at
        // the end of one that reaches it (not one that always `break`s),
        // or after a `continue`.
        let mut normal = vec![before.clone()];
        if self.reaches_next(body).is_some() {
            normal.push(self.snapshot());
        }
        normal.extend(exits.continues);
        self.restore(Self::merge(&normal));
        // A `while` without a `break` is left only where its condition is
        // false (`while x is None: ...` leaves `x` not `None`).
        let by_condition = test.is_some() && !flow::breaks(body);
        if by_condition {
            self.apply(&negative);
        }
        // A name the body bound first is optional where the `else` binds
        // `None` (as after an `if`'s earlier branch).
        let outer_siblings = self.sibling_bound.clone();
        self.siblings_since(&bound_before);
        self.block(orelse);
        self.sibling_bound = outer_siblings;
        // A `break` leaves it past the `else`, with what held there.
        if !exits.breaks.is_empty() {
            let mut after = exits.breaks;
            if self.reaches_next(orelse).is_some() {
                after.push(self.snapshot());
            }
            self.restore(Self::merge(&after));
        }
    }

    /// `break` or `continue`: what holds there is what the loop's end
    /// (past its `else`, or at its next iteration) may start from.
    pub(super) fn leave_iteration(&mut self, breaks: bool) {
        let here = self.snapshot();
        if let Some(exits) = self.loop_exits.last_mut() {
            if breaks {
                exits.breaks.push(here);
            } else {
                exits.continues.push(here);
            }
        }
    }

    /// Code that may stop anywhere (a `try` body, `match` cases): each part
    /// starts from `before` and the result is what they all keep.
    pub(super) fn independent_paths(&mut self, subject: Option<&str>, bodies: &[&[Stmt]]) {
        let before = self.snapshot();
        let mut paths = vec![before.clone()];
        for body in bodies {
            self.restore(before.clone());
            if let Some(subject) = subject {
                // Class and value patterns narrow the subject in ways not
                // modelled here.
                self.apply(&[(subject.into(), Type::Any)]);
            }
            self.block(body);
            paths.push(self.snapshot());
        }
        self.restore(Self::merge(&paths));
    }

    /// `assert cond`: the condition holds afterwards.
    pub(super) fn assert_narrows(&mut self, test: &Expr) {
        let (positive, _) = self.conditions(test);
        self.apply(&positive);
    }

    /// Evaluates `expr` with `narrowing` in force, then undoes it.
    pub(super) fn under<T>(
        &mut self,
        narrowing: &[(Name, Type)],
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let before = self.snapshot();
        self.apply(narrowing);
        let result = f(self);
        self.restore(before);
        result
    }

    /// What `test` tells when true and when false.
    pub(super) fn conditions(&mut self, test: &Expr) -> (Narrowing, Narrowing) {
        match test {
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => {
                let (positive, negative) = self.conditions(&u.operand);
                (negative, positive)
            }
            Expr::BoolOp(b) => {
                // Each operand is read under what the ones before it tell
                // (`isinstance(x, int) and isinstance(x, (int, float))`
                // leaves `x` an `int`). An `and` is false where one operand
                // is false after the ones before it held: what each such
                // way tells, joined (`x is not None and not isinstance(x,
                // str)` false leaves `x` a `str | None`); `or` alike.
                let mut holds = Vec::new();
                let mut settles = Vec::new();
                for value in &b.values {
                    let (p, n) = self.under(&holds, |c| c.conditions(value));
                    let (stay, leave) = match b.op {
                        ast::BoolOp::And => (p, n),
                        ast::BoolOp::Or => (n, p),
                    };
                    let mut settled = holds.clone();
                    settled.extend(leave);
                    settles.push(settled);
                    holds.extend(stay);
                }
                let either = either(&settles);
                match b.op {
                    ast::BoolOp::And => (holds, either),
                    ast::BoolOp::Or => (either, holds),
                }
            }
            Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_) => match self.subject(test) {
                // Only `None` (`self.sock` bound to `None` alone): never
                // true, so `not self.sock` cannot fail.
                Some((name, Type::None)) => (vec![(name, Type::Never)], Vec::new()),
                Some((name, ty)) => (vec![(name, without_none(ty))], Vec::new()),
                None => (Vec::new(), Vec::new()),
            },
            Expr::Named(n) => match &*n.target {
                Expr::Name(name) => self.conditions(&Expr::Name(name.clone())),
                _ => (Vec::new(), Vec::new()),
            },
            Expr::Compare(c) if c.ops.len() == 1 => {
                self.comparison(&c.left, c.ops[0], &c.comparators[0])
            }
            Expr::Call(call) => self.call_condition(call),
            _ => (Vec::new(), Vec::new()),
        }
    }

    /// A variable's current type (`None` for names that are not
    /// variables).
    fn variable(&self, name: &str) -> Option<Type> {
        self.frames
            .iter()
            .any(|f| f.vars.contains_key(name))
            .then(|| self.lookup(name))
            .flatten()
    }

    fn comparison(&mut self, left: &Expr, op: CmpOp, right: &Expr) -> (Narrowing, Narrowing) {
        let none = |e: &Expr| matches!(e, Expr::NoneLiteral(_));
        if let Some(narrowing) = self.tuple_length(left, op, right) {
            return narrowing;
        }
        // `x in names` with `names: set[str]`: an `x` found among values
        // that are never `None` is not `None`.
        if op == CmpOp::In
            && let Some((name, ty)) = self.subject(left)
        {
            let container = self.scratch_type(right);
            let element = self.world.iter_element(&container);
            let optional = |t: &Type| union_members(t).contains(&Type::None);
            // (An element type the checker does not know leans to
            // narrowing: mypy's may be any.)
            if optional(&ty) && !optional(&element) {
                return (vec![(name, without_none(ty))], Vec::new());
            }
            return (Vec::new(), Vec::new());
        }
        // `prompt is True` / `is False`: mypy reads a `bool` as `True |
        // False`, so after both fail it is gone (`bool | str` is a `str`);
        // without literal types, `bool` is `Any` past either, and `bool`
        // where one holds.
        if matches!(op, CmpOp::Is | CmpOp::IsNot)
            && matches!(right, Expr::BooleanLiteral(_))
            && let Some((name, ty)) = self.subject(left)
        {
            let members = union_members(&ty);
            if !members.contains(&Type::bool()) {
                return (Vec::new(), Vec::new());
            }
            let open = Type::union(members.iter().map(|m| {
                if *m == Type::bool() {
                    Type::Any
                } else {
                    m.clone()
                }
            }));
            let holds = (name.clone(), Type::bool());
            return match op {
                CmpOp::Is => (vec![holds], vec![(name, open)]),
                _ => (vec![(name, open)], vec![holds]),
            };
        }
        // `x is Ellipsis` (or `...`), or `x is MISSING` with `MISSING` the
        // one member of an enumeration (PEP 484's sentinel): the one value
        // of its type, which leaves a union past the test that fails.
        let ellipsis = |e: &Expr| {
            matches!(e, Expr::EllipsisLiteral(_))
                || matches!(e, Expr::Name(n) if n.id.as_str() == "Ellipsis")
        };
        if matches!(op, CmpOp::Is | CmpOp::IsNot)
            && matches!(
                right,
                Expr::Name(_) | Expr::Attribute(_) | Expr::EllipsisLiteral(_)
            )
            && let Some((name, ty)) = self.subject(left)
            // (`...` is `Any` as a value: a placeholder's.)
            && let singleton = match right {
                Expr::EllipsisLiteral(_) => Type::instance("types.EllipsisType", []),
                _ => self.scratch_type(right),
            }
            && (ellipsis(right) || self.is_sentinel(&singleton))
        {
            let members = union_members(&ty);
            if !matches!(singleton, Type::Instance(..)) || !members.contains(&singleton) {
                return (Vec::new(), Vec::new());
            }
            let rest = Type::union(members.into_iter().filter(|m| *m != singleton));
            let holds = (name.clone(), singleton);
            return match op {
                CmpOp::Is => (vec![holds], vec![(name, rest)]),
                _ => (vec![(name, rest)], vec![holds]),
            };
        }
        // `(x := f()) is None` narrows `x` as `x is None` does; `b.value
        // is None` the member.
        let subject = match (left, right) {
            (subject, other) | (other, subject) if none(other) && !none(subject) => subject,
            (typed, class) if class_of(typed).is_some() => {
                let Some(arg) = class_of(typed) else {
                    return (Vec::new(), Vec::new());
                };
                let Some((name, _)) = self.subject(arg) else {
                    return (Vec::new(), Vec::new());
                };
                let narrowed = match self.class_instances(class) {
                    Some(instances) => Type::union(instances),
                    None => Type::Any,
                };
                // `type(x) is C` holds: `x` is a `C`; `type(x) is not C`
                // fails: the same.
                return match op {
                    CmpOp::Is | CmpOp::Eq => (vec![(name, narrowed)], Vec::new()),
                    CmpOp::IsNot | CmpOp::NotEq => (Vec::new(), vec![(name, narrowed)]),
                    _ => (Vec::new(), Vec::new()),
                };
            }
            _ => return (Vec::new(), Vec::new()),
        };
        let Some((name, ty)) = self.subject(subject) else {
            return (Vec::new(), Vec::new());
        };
        // A value that can never be `None` (`b: bytes`) is not `None`
        // anywhere: the path where it is, is unreachable.
        let is_none = match self.never_none(&ty) {
            true => (name.clone(), Type::Never),
            false => (name.clone(), Type::None),
        };
        // Only `None` so far (`best = None` before a loop assigns it):
        // not `None` is no value at all, as mypy sees it.
        let not_none = match ty {
            Type::None => (name, Type::Never),
            ty => (name, without_none(ty)),
        };
        match op {
            CmpOp::Is | CmpOp::Eq => (vec![is_none], vec![not_none]),
            CmpOp::IsNot | CmpOp::NotEq => (vec![not_none], vec![is_none]),
            _ => (Vec::new(), Vec::new()),
        }
    }

    /// `len(x) == N` (or `!=`) with tuples of known length among `x`'s
    /// type's members: mypy keeps those of that length where it holds and
    /// the others where it fails (`tuple[str, int, int, int] | tuple[str,
    /// int]`). Another comparison of such a length narrows to `Any`, as a
    /// form not modelled. `None` where `x` holds no such tuple.
    fn tuple_length(
        &mut self,
        left: &Expr,
        op: CmpOp,
        right: &Expr,
    ) -> Option<(Narrowing, Narrowing)> {
        let Expr::Call(call) = left else { return None };
        let ([arg], true) = (&*call.arguments.args, call.arguments.keywords.is_empty()) else {
            return None;
        };
        if !matches!(&*call.func, Expr::Name(f) if f.id.as_str() == "len") {
            return None;
        }
        let (name, ty) = self.subject(arg)?;
        let members = union_members(&ty);
        if !members.iter().any(|m| matches!(m, Type::Tuple(_))) {
            return None;
        }
        let length = match right {
            Expr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => i.as_usize(),
                _ => None,
            },
            _ => None,
        };
        let Some(length) = length.filter(|_| matches!(op, CmpOp::Eq | CmpOp::NotEq)) else {
            return Some((vec![(name.clone(), Type::Any)], vec![(name, Type::Any)]));
        };
        let (mut fits, mut other) = (Vec::new(), Vec::new());
        for member in members {
            match &member {
                Type::Tuple(items) if items.len() == length => fits.push(member),
                Type::Tuple(_) => other.push(member),
                // A tuple of any length, or a value of another class: on
                // both sides.
                _ => {
                    fits.push(member.clone());
                    other.push(member);
                }
            }
        }
        let side = |types: Vec<Type>| {
            if types.is_empty() {
                Type::Never
            } else {
                Type::union(types)
            }
        };
        let (holds, fails) = ((name.clone(), side(fits)), (name, side(other)));
        Some(match op {
            CmpOp::Eq => (vec![holds], vec![fails]),
            _ => (vec![fails], vec![holds]),
        })
    }

    /// Whether no value of `ty` is `None`: each member an instance of a
    /// class known here that is neither `object` nor a protocol (`None`
    /// is `Hashable`), a tuple or a function.
    fn never_none(&self, ty: &Type) -> bool {
        !ty.has_any()
            && union_members(ty).iter().all(|m| match m {
                Type::Instance(class, _) => {
                    &**class != "builtins.object"
                        && self.world.class(class).is_some_and(|c| !c.is_protocol)
                }
                Type::Tuple(_) | Type::Callable(_) => true,
                _ => false,
            })
    }

    fn call_condition(&mut self, call: &ast::ExprCall) -> (Narrowing, Narrowing) {
        let args = &call.arguments.args;
        // `hasattr(C, "x")` of a class (no variable): `C` may have any
        // attribute where it holds, as mypy reads it.
        if let (Expr::Name(f), Some(Expr::Name(subject))) = (&*call.func, args.first())
            && f.id.as_str() == "hasattr"
            && self.variable(subject.id.as_str()).is_none()
            && matches!(self.lookup(subject.id.as_str()), Some(Type::Class(_)))
        {
            return (vec![(subject.id.as_str().into(), Type::Any)], Vec::new());
        }
        let Some((name, current)) = args.first().and_then(|a| self.subject(a)) else {
            return (Vec::new(), Vec::new());
        };
        let callee = match &*call.func {
            Expr::Name(f) => f.id.as_str(),
            _ => "",
        };
        if callee == "isinstance" && args.len() == 2 && self.lookup("isinstance").is_some() {
            return match self.class_instances(&args[1]) {
                Some(instances) => {
                    let (mut positive, negative) = self.isinstance(&current, &instances);
                    // An `Any` not annotated may stand for what mypy knows
                    // better (an intersection with an earlier `isinstance`
                    // class, a `hasattr`'s attribute): a module's own class
                    // it is tested for is no more certain than it.
                    if current == Type::Any && !self.rooted_name(key_root(&name)) {
                        let own = |m: &Type| matches!(m, Type::Instance(c, _) if c.starts_with("__main__."));
                        if union_members(&positive).iter().any(own) {
                            positive = Type::Any;
                        }
                    }
                    (vec![(name.clone(), positive)], vec![(name, negative)])
                }
                None => (vec![(name.clone(), Type::Any)], vec![(name, Type::Any)]),
            };
        }
        let signature = match &*call.func {
            Expr::Name(f) => match self.lookup(f.id.as_str()) {
                Some(Type::Callable(sig)) => Some(sig),
                _ => None,
            },
            _ => None,
        };
        // `callable(x)` where every member of `x`'s type is callable for
        // certain (a class, a function, an instance with `__call__`):
        // the test cannot fail.
        if callee == "callable" && args.len() == 1 && !current.has_any() {
            let callable = |m: &Type| match m {
                Type::Class(_) | Type::Callable(_) | Type::Overloaded(_) => true,
                Type::Instance(class, _) if &**class == "builtins.type" => true,
                Type::Instance(class, _) => self.world.find_member(class, "__call__").is_some(),
                _ => false,
            };
            if union_members(&current).iter().all(callable) {
                return (vec![(name.clone(), current)], vec![(name, Type::Never)]);
            }
        }
        // A type guard on its first argument: `TypeGuard[X]` makes it an
        // `X` where it returns `True` and says nothing otherwise;
        // `TypeIs[X]` narrows as `isinstance` does, both ways.
        if let Some(guard) = signature.as_ref().and_then(|sig| sig.guard.as_ref())
            && call.arguments.keywords.is_empty()
        {
            if !guard.both_ways {
                return (vec![(name, guard.ty.clone())], Vec::new());
            }
            let instances = union_members(&guard.ty);
            if guard.ty.has_any() {
                return (vec![(name.clone(), Type::Any)], vec![(name, Type::Any)]);
            }
            let (positive, negative) = self.isinstance(&current, &instances);
            let positive = if positive == Type::Never {
                guard.ty.clone()
            } else {
                positive
            };
            return (vec![(name.clone(), positive)], vec![(name, negative)]);
        }
        // Any other predicate on a variable may narrow in ways not
        // modelled (`callable`, `hasattr`, `issubclass`): give up on the
        // variable's type both ways unless the predicate plainly returns
        // `bool`.
        let returns_bool = signature.is_some_and(|sig| sig.ret == Type::bool());
        if returns_bool && !matches!(callee, "callable" | "hasattr" | "issubclass") {
            return (Vec::new(), Vec::new());
        }
        (vec![(name.clone(), Type::Any)], vec![(name, Type::Any)])
    }

    /// The instance types an `isinstance` class argument names (`None`
    /// when it is not a class or tuple of classes).
    fn class_instances(&mut self, expr: &Expr) -> Option<Vec<Type>> {
        let classes = match expr {
            Expr::Tuple(t) => t.elts.iter().collect::<Vec<_>>(),
            other => vec![other],
        };
        let mut instances = Vec::new();
        for class in classes {
            let ty = match class {
                Expr::Name(n) => self.lookup(n.id.as_str())?,
                other @ Expr::Attribute(_) => self.expr(other),
                _ => return None,
            };
            let Type::Class(name) = ty else { return None };
            let params = self.world.class(&name).map_or(0, |c| c.params.len());
            instances.push(Type::instance(&name, vec![Type::Any; params]));
        }
        Some(instances)
    }

    /// The types `isinstance(x, C)` gives `x` when true and when false.
    fn isinstance(&self, current: &Type, instances: &[Type]) -> (Type, Type) {
        let members: Vec<Type> = match current {
            Type::Union(items) => items.to_vec(),
            other => vec![other.clone()],
        };
        let is_instance = |m: &Type| instances.iter().any(|i| self.world.is_subtype(m, i));
        let mut positive = Vec::new();
        for member in &members {
            if matches!(member, Type::Any) {
                // `isinstance(x, float)` makes an `Any` a `float`; a
                // class object of any class (`type[Any]`, whose members
                // are `Any`) under `isinstance(x, type)`, for the `Any`
                // may be the checker's own where mypy knows a class
                // (`T | type[T]` of an unresolved `T`).
                positive.extend(instances.iter().map(|i| match i {
                    Type::Instance(name, args) if &**name == "builtins.type" && args.is_empty() => {
                        Type::instance("builtins.type", [Type::Any])
                    }
                    other => other.clone(),
                }));
            } else if is_instance(member) {
                positive.push(member.clone());
            } else {
                positive.extend(
                    instances
                        .iter()
                        .filter(|i| self.world.is_subtype(i, member))
                        .cloned(),
                );
            }
        }
        // No overlap: between builtins whose layouts clash (a `str` is
        // never a `dict`) mypy calls the branch unreachable; otherwise a
        // subclass of both might exist: say nothing.
        let positive = if !positive.is_empty() {
            Type::union(positive)
        } else if members.iter().chain(instances).all(is_sealed_builtin) {
            Type::Never
        } else {
            Type::Any
        };
        let remaining: Vec<Type> = members
            .iter()
            .filter(|m| !is_instance(m))
            .cloned()
            .collect();
        // Every member an instance for certain (no `Any`, no type
        // variable, no `int` taken for a `float` by promotion): the test
        // cannot fail, and mypy reads the path where it does as
        // unreachable (`isinstance(v, B)` after `isinstance(v, A)` with
        // `v: A | B`).
        let certain = |m: &Type| {
            !m.has_any()
                && instances
                    .iter()
                    .any(|i| self.world.is_subtype(m, i) && !promoted(m, i))
        };
        let negative = if !remaining.is_empty() {
            Type::union(remaining)
        } else if members.iter().all(certain) {
            Type::Never
        } else {
            Type::Any
        };
        (positive, negative)
    }
}

/// Whether `member` fits `class` by numeric promotion only (`int` for
/// `float`): no instance of it at run time.
fn promoted(member: &Type, class: &Type) -> bool {
    let numeric = |t: &Type| match t.class_name() {
        Some("builtins.int" | "builtins.bool") => 1,
        Some("builtins.float") => 2,
        Some("builtins.complex") => 3,
        _ => 0,
    };
    let (m, c) = (numeric(member), numeric(class));
    m > 0 && c > 1 && m < c
}

/// Builtin classes no class derives from two of (their instance layouts
/// clash), so an instance of one is never an instance of another.
fn is_sealed_builtin(ty: &Type) -> bool {
    matches!(
        ty.class_name(),
        Some(
            "builtins.int"
                | "builtins.float"
                | "builtins.complex"
                | "builtins.str"
                | "builtins.bytes"
                | "builtins.list"
                | "builtins.dict"
                | "builtins.set"
                | "builtins.frozenset"
                | "builtins.tuple"
        )
    ) || matches!(ty, Type::Tuple(_))
}

/// `root.a.b` for a member expression on a name (`None` for anything
/// else: a call, an index, a bare name).
fn member_key(expr: &Expr) -> Option<String> {
    let (value, part) = match expr {
        Expr::Attribute(a) => (&*a.value, format!(".{}", a.attr.id)),
        // mypy narrows an index by a literal too (`args[-1]`, `d["k"]`).
        Expr::Subscript(s) => (&*s.value, format!("[{}]", literal_index(&s.slice)?)),
        _ => return None,
    };
    let receiver = match value {
        Expr::Name(n) => n.id.to_string(),
        inner @ (Expr::Attribute(_) | Expr::Subscript(_)) => member_key(inner)?,
        _ => return None,
    };
    Some(receiver + &part)
}

/// `TYPE_CHECKING`, or it read from a module (`typing.TYPE_CHECKING`,
/// `t.TYPE_CHECKING` after `import typing as t`), as the control-flow
/// domain reads it.
fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(n) => n.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(a) => {
            a.attr.id.as_str() == "TYPE_CHECKING" && matches!(&*a.value, Expr::Name(_))
        }
        _ => false,
    }
}

/// The variable a member key starts from (`args` of `args[-1].x`).
fn key_root(key: &str) -> &str {
    key.split(['.', '[']).next().unwrap_or_default()
}

/// An index that is a literal, as a member key spells it: an integer
/// (negated or not) or a string.
fn literal_index(index: &Expr) -> Option<String> {
    match index {
        Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => Some(i.to_string()),
            _ => None,
        },
        Expr::UnaryOp(u) if u.op == ast::UnaryOp::USub => literal_index(&u.operand)
            .filter(|i| !i.starts_with(['-', '"']))
            .map(|i| format!("-{i}")),
        Expr::StringLiteral(s) => Some(format!("{:?}", s.value.to_str())),
        _ => None,
    }
}

fn is_type_call(call: &ast::ExprCall) -> bool {
    matches!(&*call.func, Expr::Name(f) if f.id.as_str() == "type")
        && call.arguments.args.len() == 1
}

/// The value whose class `expr` reads: `x` of `type(x)` or of
/// `x.__class__`.
fn class_of(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Call(call) if is_type_call(call) => call.arguments.args.first(),
        Expr::Attribute(a) if a.attr.id.as_str() == "__class__" => Some(&a.value),
        _ => None,
    }
}

/// `ty` without `None` among its members (`x or y` gives `x` only when
/// `x` is truthy, so never `None`).
pub(super) fn without_none(ty: Type) -> Type {
    match ty {
        Type::Union(items) => Type::union(items.iter().filter(|t| **t != Type::None).cloned()),
        other => other,
    }
}

/// A test whose narrowing to no type makes its branch unreachable for
/// mypy: a call (`isinstance`, `callable`), a comparison (`x is None`),
/// or the negation of one (`not callable(b)`).
fn narrowing_test(test: &Expr) -> bool {
    match test {
        Expr::Call(_) | Expr::Compare(_) => true,
        Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => narrowing_test(&u.operand),
        _ => false,
    }
}
