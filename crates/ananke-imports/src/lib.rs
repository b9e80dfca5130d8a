/*!
The imports domain: which modules generated Python must import, which it
must never import, and which versions of which packages it may assume.

[`ImportConstraint`] is a bounded lattice with a join: meet takes the union
of required and of forbidden modules (forbidding `os` forbids `os.path`) and
intersects version sets; it is ⊥ when a required module is forbidden or a
package has no version left. Version sets are PEP 440 specifier sets
(`pandas>=1.0,<3`), parsed by `pep440_rs` and intersected as interval lists,
so emptiness is decided exactly (`>=2,<1` is empty; `==1.*` with `>=1.5` is
not).

[`ImportDomain`] places the lattice in a product. It does not read tokens
yet: its mask keeps every candidate unless the constraint is ⊥, and
observing a token leaves the constraint as it is.

# Example

```
use ananke_imports::ImportConstraint;
use ananke_core::MeetSemilattice;

let policy = ImportConstraint::parse("!os; !subprocess; pandas>=1.0,<3")?;
let hole = ImportConstraint::parse("math; pandas ~=2.2")?;
let both = policy.meet(&hole);
assert!(!both.is_bottom());
assert_eq!(both.to_string(), "math; !os; !subprocess; pandas >=2.2, <3");

let clash = policy.meet(&ImportConstraint::parse("os.path")?);
assert!(clash.is_bottom());
println!("{}", clash.conflict().unwrap());
# Ok::<(), ananke_imports::ParseError>(())
```
*/

mod constraint;
mod names;
mod versions;

use std::fmt;

use ananke_core::{
    CostHint, Domain, Error, JoinSemilattice, MeetSemilattice, StepContext, TokenId, TokenMask,
};

pub use constraint::{Conflict, ImportConstraint};
pub use names::{ModuleName, PackageName};
pub use pep440_rs::Version;
pub use versions::VersionSet;

/// A malformed module name, package name, version specifier or spec item.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {position} of `{input}`)")]
pub struct ParseError {
    /// The whole text that was parsed.
    pub input: String,
    /// Byte offset of the offending part in `input`.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(input: &str, position: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            input: input.to_owned(),
            position,
            message: message.into(),
        }
    }

    /// The same error, reported against the whole text `input`.
    pub(crate) fn within(mut self, input: &str) -> ParseError {
        self.input = input.to_owned();
        self
    }
}

/// The imports domain (see the crate docs for what it masks today).
#[derive(Default)]
pub struct ImportDomain {
    _private: (),
}

impl ImportDomain {
    /// The domain's name in a product.
    pub const NAME: &'static str = "imports";

    /// A new imports domain.
    pub fn new() -> ImportDomain {
        ImportDomain::default()
    }
}

impl fmt::Debug for ImportDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ImportDomain")
    }
}

impl Domain for ImportDomain {
    type Constraint = ImportConstraint;

    fn name(&self) -> &str {
        ImportDomain::NAME
    }

    fn top(&self) -> ImportConstraint {
        ImportConstraint::top()
    }

    fn bottom(&self) -> ImportConstraint {
        ImportConstraint::bottom()
    }

    fn token_mask(
        &self,
        constraint: &ImportConstraint,
        _ctx: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        if constraint.is_bottom() {
            out.fill(false);
        } else {
            out.copy_from(candidates);
        }
        Ok(())
    }

    fn observe(
        &self,
        constraint: &ImportConstraint,
        _token: TokenId,
        _ctx: StepContext<'_>,
    ) -> Result<ImportConstraint, Error> {
        Ok(constraint.clone())
    }

    fn explain(
        &self,
        constraint: &ImportConstraint,
        _token: TokenId,
        _ctx: StepContext<'_>,
    ) -> Option<String> {
        constraint.conflict().map(ToString::to_string)
    }

    fn cost(&self) -> CostHint {
        CostHint {
            relative_cost: 0.01,
            keep_ratio: 1.0,
            ..CostHint::default()
        }
    }

    fn join(&self, a: &ImportConstraint, b: &ImportConstraint) -> Option<ImportConstraint> {
        Some(a.join(b))
    }
}
