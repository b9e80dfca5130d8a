/*!
The runtime: composes the domains into one product and drives generation
one token at a time. (The `ananke` command is the `ananke-cli` crate's,
built on this one.)

- [`Spec`] says what a generation must satisfy (TOML or a builder).
- [`Ananke`] is a spec compiled once: vocabulary, grammar, product of
  domains, propagation network, initial constraint. The built-in domains
  come from one table ([`DOMAINS`] names them) and the morphisms between
  them from another ([`morphisms`]); the spec's plugins are loaded beside
  them ([`plugin`]).
- [`Session`] is one generation: `compute_mask`, `commit`, `rollback`,
  `checkpoint`/`restore`, `fork`, `explain`, `jump_forward` — the calls
  SGLang and vLLM make. It runs what was compiled and names no domain.
- Mask fusion ([`fusion`]) orders domains by measured cost and selectivity,
  reuses and caches masks, and counts what it did.
- [`holes`] keeps the tree of holes that generation reveals, and
  [`structure`] finds them in the committed text.
- A [`Template`] is Python with named holes (`task.template`); a
  [`HoleSession`] writes one of them with the code around it judged.
- [`Registry`] composes domains (crates and plugins) and morphisms by name,
  for callers that build a product by hand.

# Example

```
use ananke_core::TokenMask;
use ananke_runtime::{Ananke, Spec};

let ananke = Ananke::new(&Spec::python("cl100k_base").forbid("os"))?;
let mut session = ananke.session()?;
let vocab = ananke.vocab().clone();
for token in vocab.encode("def f(x: int) -> int:\n    return x\n") {
    session.commit(token)?;
}
assert!(session.is_accepting()?);
let mut mask = TokenMask::new_empty(vocab.len());
session.compute_mask(&mut mask)?;
assert!(mask.contains(vocab.encode("\n")[0]));
# Ok::<(), ananke_runtime::RuntimeError>(())
```
*/

mod ananke;
mod compile;
mod domains;
mod error;
pub mod fill;
pub mod fusion;
pub mod holes;
pub mod morphisms;
pub mod plugin;
mod registry;
mod session;
pub mod spec;
pub mod structure;
pub mod template;

pub use ananke::Ananke;
pub use domains::DOMAINS;
pub use error::RuntimeError;
pub use fill::HoleSession;
pub use holes::{Granularity, HoleError, HoleId, HoleTree, MODULE_HOLE, Scope};
pub use morphisms::priority;
pub use plugin::{Plugin, PluginConstraint, PluginDomainHost, PluginError};
pub use registry::{Composition, InitialError, Registry};
pub use session::{DENSE_STEPS, Explanation, Rejection, Session};
pub use spec::{
    CfgSpec, HoleSpec, ImportsSpec, PluginSpec, PolicySpec, SemanticsSpec, Spec, SpecError,
    SyntaxSpec, TaskSpec, TypeIgnore, TypesSpec,
};
pub use template::{BODY_STAND_IN, HoleKind, Template, TemplateError, TemplateHole};
