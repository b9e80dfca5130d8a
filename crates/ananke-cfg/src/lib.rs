/*!
The control-flow domain: requirements on the shape of the code being
written, enforced token by token.

[`Requirements`] (a lattice: meet takes every requirement of both, and the
smaller of each limit) say what the code must respect:

- `returns_if_typed` — a function whose return annotation is not
  `None`/`Optional`/`Any`-like must return on every path; `returns` — every
  function must, whatever its annotation. Two paths are left to the
  types domain, which alone can tell whether they are taken: one ending
  in a call (of a callee that may be `NoReturn`), and one past an
  `if`/`elif` chain without `else` whose branches all return and one of
  whose tests may narrow (`isinstance`, `issubclass`, `callable`, `is`,
  `not`: each member of a union or an enumeration tested in turn leaves
  no value past the chain, as mypy reads it);
- `no_dead_code` — no statement after `return`/`raise`/`break`/`continue`
  in the same block;
- `terminating_loops` — a `while True` needs a `break`, `return` or `raise`
  inside;
- `no_while`, `no_recursion`, `max_nesting=N`, `max_loop_nesting=N`,
  `max_complexity=N` (cyclomatic, per function);
- `reach=NAME` — every function must reach `NAME` (a call `NAME(…)`, or
  a statement that starts with the keyword `NAME`, such as `raise`) in
  code that runs: its body may not end before it does; `avoid=NAME` — no
  function may reach `NAME` (rejected at its `(`, or at the end of the
  keyword). Dotted names (`os.system`) are matched as written. Code after
  a terminator in the same block is not reached and counts for neither.
- `indented_comments` — a comment line inside a function is indented at
  least as deep as the function's body. Python allows a comment at column
  0 anywhere, but a model that writes one has usually stopped writing the
  function (`# Example usage:`); this keeps it in the body or makes it
  finish. (A function has visibly ended only when code follows it, so a
  comment at column 0 right after a function counts as inside it: the
  requirement suits a generated body, not a whole module.)

[`CfgDomain`] reads the code into a sketch of its open blocks and
rejects the token that settles a breach: the first code of the line that
closes a function whose body can fall off its end (or the end of the
output), the first code of a statement after a terminator, the end of a
`while` keyword, the `(` of a recursive call. Every rejection says which
requirement.

[`CfgConstraint::graphs`] gives the control-flow graph of each function read so
far (petgraph; see [`graph`]): for tools and tests, built on demand.

# Example

```
use ananke_cfg::{CfgDomain, CfgConstraint, Requirements};
use ananke_core::{Domain, MeetSemilattice, StepContext, Vocabulary};

let tokens = ["def f(x: int) -> int:\n", "    if x:\n", "        return 1\n", "x = 2\n", "    return 0\n"];
let vocab = Vocabulary::new("toy", tokens, &[], &[])?;
let domain = CfgDomain::new();
let ctx = StepContext::new(&vocab);
let mut state = CfgConstraint::from(Requirements::parse("returns_if_typed")?);
for t in [0, 1, 2] {
    state = domain.observe(&state, t, ctx)?;
}
// Leaving the function now would leave the `x == 0` path without a value.
assert!(domain.explain(&state, 3, ctx).unwrap().contains("`f`"));
assert!(!domain.observe(&state, 4, ctx)?.is_bottom());
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/

mod constraint;
mod domain;
pub mod graph;
mod index;
mod mask;
mod requirements;
mod shape;
mod sketch;

pub use constraint::CfgConstraint;
pub use domain::CfgDomain;
pub use requirements::{ParseError, Requirements, Targets};
