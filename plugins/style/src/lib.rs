/*!
`style`: an Ananke plugin domain for code style — snake_case names for
functions, parameters and variables, and a maximum line length.

A policy is a list of settings separated by `;`: `snake_case` (or
`snake_case=off`) and `max_line=N` (characters per physical line). The
empty policy text means the defaults, `snake_case; max_line=120`. The meet
of two policies keeps the stricter of each setting.

What counts as a name: a function's name and its parameters (lower
snake_case: no capital letters), and the variables a statement binds — the
target of an assignment or annotation that starts a statement, a `for`
target, an `as` target — where ALL_CAPS constants are also fine (no mixed
case). A name is judged when it is settled: at the byte after it (`def
findMax(`), or at the `=` or `:` that makes a statement's first name a
target. A line is too long at the token that pushes it past the limit.

# Example

```
use ananke_plugin_abi::{Policy, Vocab};
use ananke_plugin_style::Style;

let tokens: [&[u8]; 4] = [b"def", b" find", b"Max", b"("];
let vocab = Vocab::from_tokens("toy", &tokens, &[], &[]);
let style = Style::new(&vocab)?;
let mut state = style.parse("")?;
for t in [0, 1, 2] {
    state = style.observe(&vocab, &state, t);
}
let why = style.explain(&vocab, &state, 3).unwrap();
assert!(why.contains("findMax"), "{why}");
# Ok::<(), String>(())
```
*/

// `export_root_module` expands to an unmangled static: the symbol the host
// looks up. This crate writes no unsafe code of its own.
#![allow(unsafe_code)]

mod facts;
mod reader;
mod settings;
mod style;

pub use reader::Lexer;
pub use settings::{DEFAULTS, Settings};
pub use style::{Style, StyleState};

/// The library's export: the root module the host loads.
#[allow(missing_docs)]
pub mod export {
    use ananke_plugin_abi::PluginModRef;

    use crate::Style;

    /// The exported root module.
    #[abi_stable::export_root_module]
    pub fn ananke_plugin_root() -> PluginModRef {
        ananke_plugin_abi::module::<Style>()
    }
}
