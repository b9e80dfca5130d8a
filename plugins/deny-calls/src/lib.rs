/*!
`deny-calls`: an Ananke plugin domain that forbids calling configured
names — a security policy enforced while the code is written.

A policy is a list of rules separated by `;`:

- `eval` — a call of the name `eval` (not of a method `x.eval`, not the
  definition `def eval`);
- `os.system` — a call spelt with that dotted name;
- `subprocess.*` — a call of anything under `subprocess`;
- `subprocess.*(shell=True)` — such a call only with that keyword argument.

The empty policy text means the defaults: `eval`, `exec`, `compile`,
`__import__`, `os.system`, `os.popen`, `subprocess.*(shell=True)`,
`pickle.loads`, `marshal.loads`.

The token rejected is the one that settles the call: the `(` after a denied
name (`eval` alone may still become `evaluate`), or the byte after the
keyword argument's value (`shell=True` then `)`, `,` or a blank). Names
bound by aliases (`from os import system`) are not followed: the spec's
`[policy]`, enforced by the types domain on what each reference resolves
to, is the policy that follows them; this plugin is the spelling-level
example of a plugin domain.

# Example

```
use ananke_plugin_abi::{Policy, Vocab};
use ananke_plugin_deny_calls::DenyCalls;

let tokens: [&[u8]; 4] = [b"x = ", b"eval", b"(", b"uate("];
let vocab = Vocab::from_tokens("toy", &tokens, &[], &[]);
let policy = DenyCalls::new(&vocab)?;
let mut state = policy.parse("")?; // the defaults
for t in [0, 1] {
    state = policy.observe(&vocab, &state, t);
}
assert!(policy.explain(&vocab, &state, 2).unwrap().contains("`eval`"));
assert!(policy.explain(&vocab, &state, 3).is_none());
# Ok::<(), String>(())
```
*/

// `export_root_module` expands to an unmangled static: the symbol the host
// looks up. This crate writes no unsafe code of its own.
#![allow(unsafe_code)]

mod calls;
mod deny_calls;
mod reader;
mod rules;

pub use deny_calls::{DenyCalls, DenyState};
pub use reader::Lexer;
pub use rules::{DEFAULTS, Rule};

/// The library's export: the root module the host loads.
#[allow(missing_docs)]
pub mod export {
    use ananke_plugin_abi::PluginModRef;

    use crate::DenyCalls;

    /// The exported root module.
    #[abi_stable::export_root_module]
    pub fn ananke_plugin_root() -> PluginModRef {
        ananke_plugin_abi::module::<DenyCalls>()
    }
}
