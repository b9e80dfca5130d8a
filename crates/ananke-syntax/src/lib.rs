/*!
The syntax domain: token masks from a grammar, over a real tokenizer's
vocabulary, with the grammar engine chosen at run time.

- [`SyntaxVocab`] loads a vocabulary (cl100k_base and o200k_base from the
  rank files inside `tiktoken-rs`, a Hugging Face `tokenizer.json`, or raw
  token byte strings) and derives, once, what every grammar needs.
- [`SyntaxBackend`] is a grammar engine prepared for one vocabulary:
  [`LlguidanceBackend`] (Lark, JSON schema, regex) or [`XgrammarBackend`]
  (xgrammar-rs: EBNF, Lark, JSON schema, regex), picked by name with
  [`backend_by_name`].
- [`SyntaxDomain`] turns compiled grammars into [`SyntaxConstraint`]s, a
  lattice whose meet runs several parsers and ANDs their masks.
- [`python`] ships the typed-Python grammar.

A key design decision is that a constraint never rejects text its grammar
accepts: llguidance is told the tokenizer is not canonical, so at steps
where the grammar forces bytes every token spelling a prefix of them stays
allowed (forced bytes are offered separately, for jump-forward decoding).

# Example

```
use ananke_core::{MeetSemilattice, TokenMask};
use ananke_syntax::{GrammarSource, SyntaxDomain, SyntaxVocab, backend_by_name};

let vocab = SyntaxVocab::cl100k_base()?;
let domain = SyntaxDomain::new(backend_by_name("llguidance", &vocab)?);
let digits = domain.constraint(&GrammarSource::Regex("[0-9]{1,3}".into()), "digits")?;

let mut mask = TokenMask::new_empty(vocab.len());
digits.mask(&TokenMask::new_full(vocab.len()), &mut mask)?;
let seven = vocab.encode("7")[0];
let x = vocab.encode("x")[0];
assert!(mask.contains(seven) && !mask.contains(x));
assert!(digits.observe(x)?.is_bottom());
# Ok::<(), ananke_syntax::SyntaxError>(())
```
*/

mod backend;
mod domain;
mod error;
pub mod layout;
mod llg;
pub mod python;
mod vocab;
mod xgr;

pub use backend::{
    BACKENDS, CompiledGrammar, GrammarMatcher, GrammarSource, SyntaxBackend, backend_by_name,
};
pub use domain::{SyntaxConstraint, SyntaxDomain};
pub use error::SyntaxError;
pub use llg::{LlguidanceBackend, LlguidanceLimits, default_slices};
pub use vocab::SyntaxVocab;
pub use xgr::XgrammarBackend;
