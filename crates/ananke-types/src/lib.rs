/*!
The types domain, part one: a type system and checker for typed Python
whose verdicts agree with `mypy --strict` on real programs.

- [`types`]: the types of the subset (`int`, `list[T]`, `dict[K, V]`,
  tuples, unions, callables, type variables, `Any`), printed as mypy prints
  them.
- [`stubs`]: the class and function database, read from typeshed's stubs
  (bundled from the pinned mypy wheel by `cargo xtask typeshed`).
- [`world`]: the type rules — subtyping with variance and numeric
  promotion, protocols, member lookup, joins, overload matching with
  type-variable inference.
- [`unify`] and [`constraint`]: unification over a persistent union-find,
  and [`TypeConstraint`], the lattice a typed hole carries.
- [`check`]: a checker for whole modules ([`check_source`]).

A key design decision: the checker reports an error only when it is
certain — the types involved are precise, and where mypy would narrow a
union and this checker does not, an operation is an error only if it fails
for every member. Code outside the modelled subset gets `Any`. So it may
miss an error mypy reports, but it does not report one mypy would not.

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
*/

pub mod check;
pub mod constraint;
mod domain;
mod flow;
pub mod prefix;
pub mod stubs;
pub mod types;
pub mod unify;
pub mod world;

pub use check::{Diagnostic, ParseFailure, Scope, check_source, scope_at};
pub use constraint::TypeConstraint;
pub use domain::{TypesConstraint, TypesDomain};
pub use types::Type;
