/*!
The runtime: composes the domains into one product, drives generation one
token at a time, and offers the `ananke` command-line tool.

- [`Spec`] says what a generation must satisfy (TOML or a builder).
- [`Ananke`] compiles a spec once: vocabulary, grammar, product of domains,
  propagation network. [`Session`] is one generation: `compute_mask`,
  `commit`, `rollback`, `checkpoint`/`restore`, `fork`, `explain`,
  `jump_forward` — the calls SGLang and vLLM make.
- Mask fusion ([`fusion`]) orders domains by measured cost and selectivity,
  reuses and caches masks, and counts what it did.
- [`holes`] keeps the tree of holes that generation reveals.
- [`Registry`] composes domains (crates now, plugins later) by name.

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

pub mod fusion;
pub mod holes;
pub mod morphisms;
pub mod plugin;
mod registry;
mod session;
pub mod spec;

/// The name of the hole every tree starts with.
pub const MODULE_HOLE: &str = "module";

pub use holes::{Granularity, HoleId, HoleTree, Scope};
pub use plugin::{Plugin, PluginConstraint, PluginDomainHost, PluginError};
pub use registry::{Composition, InitialError, Registry, priority};
pub use session::{Ananke, DOMAINS, Explanation, Rejection, RuntimeError, Session};
pub use spec::{
    CfgSpec, HoleSpec, ImportsSpec, PluginSpec, SemanticsSpec, Spec, SpecError, SyntaxSpec,
    TaskSpec, TypesSpec,
};
