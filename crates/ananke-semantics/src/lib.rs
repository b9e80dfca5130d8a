/*!
The semantics domain: a function's contract — preconditions and
postconditions written as SMT formulas — checked by Z3 while the function
is being written.

A [`Contract`] holds formulas over the function's parameters and `result`
(the returned value), as SMT-LIB2 text that Z3 parses, or built with
[`Term`]. Parameters of type `int` and `bool` are `Int` and `Bool`; any
other value is an `Obj` whose `len` is an uninterpreted, non-negative
function. In a postcondition, a parameter means its value on entry.

[`SemanticsConstraint`] is the lattice element: a contract and the code read
so far. Meet takes both contracts' formulas (and both signatures; one name
with two sorts is ⊥); a contract whose formulas cannot all hold is ⊥, and
its explanation is Z3's unsat core.

[`SemanticsDomain`] reads the code as it is generated (see the reader's rules in
the crate's `reader` module, summarised here):
- `if`/`elif`/`else` tests become path conditions of their blocks, and
  `assert c` becomes a fact for the rest of its block once it has been
  checked to be satisfiable there;
- an assignment whose value is in the translated subset (int/bool
  arithmetic, comparisons, `and`/`or`/`not`, `len`, `abs`, `min`, `max`)
  defines a new version of its name; anything else makes the name unknown;
- `return e` is checked against the postcondition: where the path can be
  reached, some input must let `e` satisfy it.

Nothing is judged inside loops or nested functions, and code that cannot be
reached under the precondition is never rejected, so a correct function is
never rejected. A translation that cannot be made yields no formula, never
an error.

The mask rejects the token that ends a `return` or `assert` statement the
contract rules out, and, while a returned integer literal is being written,
each digit after which no literal with those digits can satisfy the
postcondition: with `result < 10`, after `return 1` the digit `5` is
masked. (This is the one place the domain reads ahead: it takes a literal
written right after `return` to be the returned value, as in
`return 15`; a program that goes on to `return 15 - x` would have to be
written another way.)

Z3 comes from the `z3-solver` wheel that `cargo xtask z3` unpacks into
`.cache/z3`; see the crate's build script.

# Example

```
use ananke_core::{Domain, MeetSemilattice, StepContext, Vocabulary};
use ananke_semantics::{Contract, SemanticsConstraint, Signature, SemanticsDomain};

let tokens = ["def f(n: int) -> int:\n", "    return -1\n", "    return n\n"];
let vocab = Vocabulary::new("toy", tokens, &[], &[])?;
let ctx = StepContext::new(&vocab);
let signature = Signature::from_python_header(tokens[0]).unwrap();
let contract = Contract::new(signature)
    .requires("(> n 0)")?
    .ensures("(>= result 0)")?;
let domain = SemanticsDomain::new();
let start = SemanticsConstraint::new(contract);
let state = domain.observe(&start, 0, ctx)?;
// `return -1` cannot meet `result >= 0`; Z3's unsat core says why.
let why = domain.explain(&state, 1, ctx).unwrap();
assert!(why.contains("ensures #1"), "{why}");
assert!(domain.observe(&state, 1, ctx)?.is_bottom());
assert!(!domain.observe(&state, 2, ctx)?.is_bottom());
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/

mod constraint;
mod contract;
mod domain;
mod formula;
mod header;
mod literal;
mod python;
mod reader;
mod solver;
mod violation;

pub use constraint::SemanticsConstraint;
pub use contract::{Contract, DEFAULT_BUDGET_MS};
pub use domain::SemanticsDomain;
pub use formula::{Formula, Signature, Sort, SortClash, Term, is_declarable};
pub use solver::FormulaError;
#[doc(hidden)]
pub use solver::clear_solver_caches;
pub use violation::Violation;
