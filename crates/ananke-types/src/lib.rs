/*!
The types domain: a type system and checker for typed Python whose
verdicts agree with `mypy --strict` on real programs, and a token mask
built on it that never rejects a program mypy accepts.

- [`types`]: the types of the subset (`int`, `list[T]`, `dict[K, V]`,
  tuples, unions, callables, type variables, `Any`), printed as mypy prints
  them.
- [`stubs`]: the class and function database, read from typeshed's stubs
  (bundled from the pinned mypy wheel by `cargo xtask typeshed`).
- [`world`]: the type rules — subtyping with variance and numeric
  promotion, protocols, member lookup, joins, overload matching with
  type-variable inference.
- [`unify`] and [`hole_type`]: unification over a persistent union-find,
  and [`HoleType`], the lattice a typed hole carries.
- [`check`]: a checker for whole modules ([`check_source`]), with
  narrowing, and scopes at a point of a module for incremental checks
  ([`scope_at`]).
- [`prefix`]: the lexical and bracket structure of a prefix, read with
  `ananke_pylex` (the lexer every domain shares).
- [`policy`]: call policies — callables a program may not reach, judged
  by what a reference resolves to (`from os import system`,
  `getattr(os, "system")`), enforced by [`TypesDomain::with_policy`].
- [`TypesDomain`] / [`TypesConstraint`]: the domain. A constraint follows
  the program written so far; the mask rejects a token only when the text
  settles that no completion type-checks — a statement, a header, a call
  or an attribute is complete and wrong, or the module ends wrong. In a
  closed function body ([`TypesConstraint::body`]) names read must also
  be in scope.

A key design decision: the checker reports an error only when it is
certain — the types involved are precise (no `Any`, no unresolved type
variable), and it narrows as mypy does for the common forms, while a form
it does not model narrows to `Any`, which reports nothing. Code outside the
modelled subset gets `Any`. So it may miss an error mypy reports, but it
does not report one mypy would not. No signature is typed by hand: every
one comes from the bundled stubs.

# Example

```
use ananke_types::check_source;

let source = "def double(n: int) -> int:\n    return str(n * 2)\n";
let diagnostics = check_source(source)?;
assert_eq!(diagnostics.len(), 1);
assert_eq!(
    diagnostics[0].to_string(),
    "2:12: error: Incompatible return value type (got \"str\", expected \"int\")  [return-value]"
);
# Ok::<(), ananke_types::ParseFailure>(())
```

The mask, over a toy vocabulary (real ones come from `ananke-syntax`):
after `return "a"` in a function returning `int`, the line cannot end,
but the string may still become an `int` (`"a".count("a")`).

```
use ananke_core::{Domain, StepContext, TokenMask, Vocabulary};
use ananke_types::{TypesConstraint, TypesDomain};

let tokens = ["    return ", "\"a\"", "\n", ".count(\"a\")", ".upper", "<eos>"];
let vocab = Vocabulary::new("toy", tokens, &[], &[5])?;
let domain = TypesDomain::new(&vocab);
let ctx = StepContext::new(&vocab);
let mut state = TypesConstraint::body("def f() -> int:\n");
for token in [0, 1] {
    state = domain.observe(&state, token, ctx)?;
}
let mut allowed = TokenMask::new_empty(vocab.len());
domain.token_mask(&state, ctx, &TokenMask::new_full(vocab.len()), &mut allowed)?;
assert!(!allowed.contains(2), "`return \"a\"` cannot end the line");
assert!(allowed.contains(3) && allowed.contains(4));
assert!(domain.explain(&state, 2, ctx).unwrap().contains("Incompatible return value"));
# Ok::<(), ananke_core::Error>(())
```
*/

pub mod check;
mod domain;
mod flow;
pub mod hole_type;
pub mod policy;
pub mod prefix;
pub mod stubs;
pub mod types;
pub mod unify;
pub mod world;

pub use check::{Diagnostic, ParseFailure, Scope, check_source, scope_at};
pub use domain::{TypesConstraint, TypesDomain};
pub use hole_type::HoleType;
pub use types::Type;
