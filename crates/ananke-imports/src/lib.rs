/*!
The imports domain: which modules generated Python must import, which it
must never import, and which versions of which packages it may assume.

[`ImportPolicy`] is a bounded lattice with a join: meet takes the union
of required and of forbidden modules (forbidding `os` forbids `os.path`) and
intersects version sets; it is ⊥ when a required module is forbidden or a
package has no version left. Version sets are PEP 440 specifier sets
(`pandas>=1.0,<3`), parsed by `pep440_rs` and intersected as interval lists,
so emptiness is decided exactly (`>=2,<1` is empty; `==1.*` with `>=1.5` is
not).

[`ImportsDomain`] enforces a policy while code is written. Its constraint,
[`ImportsConstraint`], pairs the policy with what the text has imported so far:
a token is masked when it commits the text to a forbidden module —
`import os` at the byte that ends `os`, `from os import path` when `os.path`
is forbidden, `__import__("os")` at the closing quote, a qualified use
`os.` of a name the text never bound — and the end of the sequence is
masked while a required module is missing. `import o` is never rejected:
it may still become `import osmosis`. The code in an f-string's
replacement fields is code like any other (`f"{os.sep}"` uses `os`). The
text is read through `ananke_pylex`, the lexer every domain shares.

# Example

```
use ananke_imports::ImportPolicy;
use ananke_core::MeetSemilattice;

let policy = ImportPolicy::parse("!os; !subprocess; pandas>=1.0,<3")?;
let hole = ImportPolicy::parse("math; pandas ~=2.2")?;
let both = policy.meet(&hole);
assert!(!both.is_bottom());
assert_eq!(both.to_string(), "math; !os; !subprocess; pandas >=2.2, <3");

let clash = policy.meet(&ImportPolicy::parse("os.path")?);
assert!(clash.is_bottom());
println!("{}", clash.conflict().unwrap());
# Ok::<(), ananke_imports::ParseError>(())
```
*/

mod constraint;
mod domain;
mod error;
mod names;
mod policy;
mod scan;
mod versions;

pub use constraint::ImportsConstraint;
pub use domain::ImportsDomain;
pub use error::ParseError;
pub use names::{ModuleName, PackageName};
pub use pep440_rs::Version;
pub use policy::{Conflict, ImportPolicy};
pub use versions::VersionSet;
