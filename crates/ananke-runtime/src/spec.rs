//! [`Spec`]: what a generation must satisfy, from a TOML file or a builder.
//!
//! ```toml
//! [syntax]
//! tokenizer = "cl100k_base"     # o200k_base, or a path to a tokenizer.json
//! backend = "llguidance"        # or "xgrammar"
//! grammar = "python"            # the shipped typed-Python grammar; or
//! # grammar_file = "my.lark"    # a grammar file (.lark, .ebnf, .json, .regex)
//!
//! [imports]
//! required = ["math"]
//! forbidden = ["os", "subprocess"]
//! versions = ["numpy>=1.26,<3"]
//!
//! [types]
//! # Generate the body of the function this code ends with: sessions start
//! # with it committed, and the body may only read names in scope.
//! body_prefix = "import math\ndef solve(xs: list[int]) -> int:\n"
//!
//! [policy]  # calls the code may not reach, by what they are (see below)
//! deny_calls = ["builtins.eval", "os.system", "subprocess.*(shell=True)"]
//! allow_calls = []
//! strict = true
//!
//! [task]  # what `ananke generate` asks a model to write
//! prompt = "def solve(xs: list[int]) -> int:\n    \"\"\"The largest.\"\"\"\n"
//! tests = "def check(f):\n    assert f([1, 3]) == 3\n"
//!
//! [[holes]]
//! name = "solve"
//! granularity = "function"
//! signature = "def solve(xs: list[int]) -> int:"
//! imports = { required = ["heapq"] }
//! ```
//!
//! A spec may instead give `[task] template`, Python with named holes,
//! each `[[holes]]` entry then saying what its hole stands for (`kind`,
//! and for an expression its `expected` type); see [`crate::template`]
//! and `demo/holes/ranking.toml`.
//!
//! [`Spec::validate`] checks every field and names the one at fault
//! (`imports.forbidden[1]`, `holes[0].granularity`).

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ananke_imports::{ImportPolicy, ModuleName, PackageName, VersionSet};
use serde::Deserialize;

use crate::holes::{Granularity, MODULE_HOLE};
use crate::template::{HoleKind, Template};

/// A spec field that is wrong, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SpecError {
    /// The field, as a path (`imports.forbidden[1]`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl SpecError {
    pub(crate) fn new(field: impl Into<String>, message: impl fmt::Display) -> SpecError {
        SpecError {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

/// The syntax section.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "RawSyntax")]
pub struct SyntaxSpec {
    /// `cl100k_base`, `o200k_base` or a path to a `tokenizer.json`.
    pub tokenizer: String,
    /// `llguidance` or `xgrammar`.
    pub backend: String,
    /// A shipped grammar by name (`python`).
    pub grammar: Option<String>,
    /// A grammar file.
    pub grammar_file: Option<PathBuf>,
}

impl Default for SyntaxSpec {
    fn default() -> SyntaxSpec {
        SyntaxSpec {
            tokenizer: "cl100k_base".into(),
            backend: "llguidance".into(),
            grammar: Some("python".into()),
            grammar_file: None,
        }
    }
}

/// The syntax section as written: a `grammar_file` alone stands for itself,
/// a section naming neither grammar means the shipped Python one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSyntax {
    tokenizer: Option<String>,
    backend: Option<String>,
    grammar: Option<String>,
    grammar_file: Option<PathBuf>,
}

impl From<RawSyntax> for SyntaxSpec {
    fn from(raw: RawSyntax) -> SyntaxSpec {
        let default = SyntaxSpec::default();
        SyntaxSpec {
            tokenizer: raw.tokenizer.unwrap_or(default.tokenizer),
            backend: raw.backend.unwrap_or(default.backend),
            grammar: match (&raw.grammar, &raw.grammar_file) {
                (None, Some(_)) => None,
                _ => raw.grammar.or(default.grammar),
            },
            grammar_file: raw.grammar_file,
        }
    }
}

/// An imports section (at the top level or in a hole).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImportsSpec {
    /// Modules that must be imported.
    pub required: Vec<String>,
    /// Modules (with their submodules) that must not be.
    pub forbidden: Vec<String>,
    /// Version constraints, `package SPECIFIERS`.
    pub versions: Vec<String>,
}

impl ImportsSpec {
    /// The constraint these lines declare, or the first bad line.
    pub fn constraint(&self, prefix: &str) -> Result<ImportPolicy, SpecError> {
        let mut c = ImportPolicy::top();
        for (i, module) in self.required.iter().enumerate() {
            let m = ModuleName::parse(module)
                .map_err(|e| SpecError::new(format!("{prefix}.required[{i}]"), e))?;
            c = ananke_core::MeetSemilattice::meet(&c, &ImportPolicy::require(m));
        }
        for (i, module) in self.forbidden.iter().enumerate() {
            let m = ModuleName::parse(module)
                .map_err(|e| SpecError::new(format!("{prefix}.forbidden[{i}]"), e))?;
            c = ananke_core::MeetSemilattice::meet(&c, &ImportPolicy::forbid(m));
        }
        for (i, line) in self.versions.iter().enumerate() {
            let field = format!("{prefix}.versions[{i}]");
            let split = line
                .find(|ch: char| ch.is_whitespace() || matches!(ch, '<' | '>' | '=' | '!' | '~'))
                .ok_or_else(|| {
                    SpecError::new(
                        &field,
                        "expected `package SPECIFIERS`, such as `numpy>=1.26`",
                    )
                })?;
            let package =
                PackageName::parse(&line[..split]).map_err(|e| SpecError::new(&field, e))?;
            let versions =
                VersionSet::parse(line[split..].trim()).map_err(|e| SpecError::new(&field, e))?;
            c = ananke_core::MeetSemilattice::meet(&c, &ImportPolicy::versions(package, versions));
        }
        Ok(c)
    }
}

/// A hole: a part of the output with constraints of its own.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoleSpec {
    /// A unique name.
    pub name: String,
    /// `token`, `term`, `block`, `function`, `module`, `library` or `system`.
    #[serde(default = "default_granularity")]
    pub granularity: String,
    /// The enclosing hole's name (the module hole when absent).
    #[serde(default)]
    pub parent: Option<String>,
    /// For a function hole: the `def` line (its types constrain the body).
    #[serde(default)]
    pub signature: Option<String>,
    /// Import constraints this hole adds.
    #[serde(default)]
    pub imports: ImportsSpec,
    /// For a hole of `task.template`: what its marker stands for (`body`,
    /// `statement`, `expression` or `block`; see [`crate::template`]).
    #[serde(default)]
    pub kind: Option<String>,
    /// For an `expression` hole: the type its value must have where it
    /// stands (`"list[int]"`, any annotation the code before it can
    /// write).
    #[serde(default)]
    pub expected: Option<String>,
}

impl Default for HoleSpec {
    fn default() -> HoleSpec {
        HoleSpec {
            name: String::new(),
            granularity: default_granularity(),
            parent: None,
            signature: None,
            imports: ImportsSpec::default(),
            kind: None,
            expected: None,
        }
    }
}

impl HoleSpec {
    /// The hole's kind, parsed (`None` when the spec gives none).
    pub fn hole_kind(&self) -> Result<Option<HoleKind>, String> {
        self.kind.as_deref().map(str::parse).transpose()
    }

    /// Its size in the hole tree: a template hole's follows from its kind
    /// (an expression is a term, a block or a body a block, a statement a
    /// block); otherwise `granularity`.
    pub fn hole_granularity(&self) -> Granularity {
        match self.hole_kind() {
            Ok(Some(HoleKind::Expression)) => Granularity::Term,
            Ok(Some(_)) => Granularity::Block,
            _ => self.granularity.parse().unwrap_or(Granularity::Function),
        }
    }
}

fn default_granularity() -> String {
    "function".into()
}

/// Everything a generation must satisfy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Spec {
    /// Tokenizer, backend and grammar.
    pub syntax: SyntaxSpec,
    /// Module-wide import policy.
    pub imports: ImportsSpec,
    /// The types domain's settings.
    pub types: TypesSpec,
    /// The control-flow domain's requirements.
    pub cfg: CfgSpec,
    /// The function's contract, checked by the semantics domain (Z3).
    pub semantics: SemanticsSpec,
    /// Holes.
    pub holes: Vec<HoleSpec>,
    /// Plugin domains to load (`[[plugins]]`).
    pub plugins: Vec<PluginSpec>,
    /// The call policy the types domain enforces (`[policy]`; absent:
    /// none).
    pub policy: Option<PolicySpec>,
    /// What a model is asked to write (`ananke generate`).
    pub task: TaskSpec,
}

/// A call policy: callables the code may not reach, judged on what a
/// reference resolves to (`from os import system; system(c)` is
/// `os.system`), not on its spelling. See `ananke_types::policy` for the
/// rule syntax and what counts as reaching a callable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicySpec {
    /// Rules by qualified name (`builtins.eval`, `os.exec*`,
    /// `subprocess.*(shell=True)`); absent: `ananke_types::policy::DEFAULT_DENY`.
    pub deny_calls: Option<Vec<String>>,
    /// Members the deny rules would cover that are allowed.
    pub allow_calls: Vec<String>,
    /// Also reject reflection whose target cannot be resolved
    /// (`getattr(os, name)`, `globals()[key]`), a conditionally denied
    /// callable used other than by a call, and such a call whose condition
    /// is not a literal.
    pub strict: bool,
}

impl PolicySpec {
    /// The policy resolved against the stubs; a rule that names nothing is
    /// an error naming it.
    pub fn resolve(&self) -> Result<Arc<ananke_types::policy::ResolvedPolicy>, SpecError> {
        use ananke_types::policy::{CallPolicy, DEFAULT_DENY};
        let deny: Vec<String> = match &self.deny_calls {
            Some(rules) => rules.clone(),
            None => DEFAULT_DENY.iter().map(|r| (*r).to_owned()).collect(),
        };
        let field = |e: &ananke_types::policy::PolicyError| match deny
            .iter()
            .position(|r| r.trim() == e.rule.trim())
        {
            Some(i) if self.deny_calls.is_some() => format!("policy.deny_calls[{i}]"),
            _ => match self
                .allow_calls
                .iter()
                .position(|r| r.trim() == e.rule.trim())
            {
                Some(i) => format!("policy.allow_calls[{i}]"),
                None => "policy".to_owned(),
            },
        };
        CallPolicy::new(&deny, &self.allow_calls, self.strict)
            .and_then(|p| p.resolve())
            .map_err(|e| SpecError::new(field(&e), e))
    }
}

/// A generation task: the code a model is prompted with and how to test
/// what it writes. The constraints do not read it; `ananke generate` and
/// `ananke eval` do (the function's `def` line becomes the body hole).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TaskSpec {
    /// Imports, then the function's typed signature and docstring.
    pub prompt: Option<String>,
    /// The function to complete (default: the last one in the prompt).
    pub entry_point: Option<String>,
    /// Python defining `check(candidate)`, which asserts on the function.
    pub tests: Option<String>,
    /// Python with named holes, each with a `[[holes]]` entry giving its
    /// `kind` (see [`crate::template`]): what a multi-hole generation
    /// fills.
    pub template: Option<String>,
}

/// A plugin domain: a library (or a directory of them) and, optionally,
/// the constraint it starts with, in the plugin's own syntax (absent: the
/// plugin's default policy, which is its reading of the empty text).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginSpec {
    /// The library file or a directory of libraries.
    pub path: std::path::PathBuf,
    /// The initial constraint, in the plugin's syntax.
    #[serde(default)]
    pub constraint: Option<String>,
}

/// The control-flow domain's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CfgSpec {
    /// Requirements, `;`-separated (`returns; no_dead_code;
    /// max_nesting=3`); absent: [`CfgSpec::DEFAULT`].
    pub requirements: Option<String>,
}

impl CfgSpec {
    /// What applies when no requirements are given: functions annotated
    /// with a value type return on every path — what `mypy --strict`
    /// demands, and nothing more, so no real code is rejected (an endless
    /// `while True` serving requests is fine; `terminating_loops` forbids
    /// it where a spec asks).
    pub const DEFAULT: &'static str = "returns_if_typed";

    /// The requirements, or the first bad item.
    pub fn requirements(&self) -> Result<ananke_cfg::Requirements, SpecError> {
        ananke_cfg::Requirements::parse(self.requirements.as_deref().unwrap_or(CfgSpec::DEFAULT))
            .map_err(|e| SpecError::new("cfg.requirements", e))
    }
}

/// The semantics domain's settings: a contract of SMT-LIB2 formulas over
/// the function's parameters and `result`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SemanticsSpec {
    /// The function's `def` line, for the sorts of its parameters and
    /// `result` (absent: the last `def` of `types.body_prefix`, then of
    /// `task.prompt`).
    pub signature: Option<String>,
    /// Preconditions (`"(> n 0)"`).
    pub requires: Vec<String>,
    /// Postconditions (`"(>= result 0)"`).
    pub ensures: Vec<String>,
    /// Milliseconds Z3 may spend on one check (default 200); a check that
    /// needs more rejects nothing.
    pub budget_ms: Option<u32>,
}

impl SemanticsSpec {
    /// The contract, read by Z3 against the function's signature; the
    /// error names the formula at fault. `None` when no formula is given.
    pub fn contract(&self, spec: &Spec) -> Result<Option<ananke_semantics::Contract>, SpecError> {
        if self.requires.is_empty() && self.ensures.is_empty() {
            return Ok(None);
        }
        let header = [
            self.signature.as_deref(),
            spec.types.body_prefix.as_deref(),
            spec.task.prompt.as_deref(),
        ]
        .into_iter()
        .flatten()
        // A `:` after the text completes a bare `def` line; after a full
        // header the reader stops at the header's own colon.
        .find_map(|text| ananke_semantics::Signature::from_python_def(&format!("{text}:")))
        .ok_or_else(|| {
            SpecError::new(
                "semantics.signature",
                "the contract needs the function's `def` line: set semantics.signature, \
                 types.body_prefix or task.prompt",
            )
        })?;
        let (function, signature) = header;
        // The function the signature was read from, not the first `def`
        // the code holds (a prefix may define helpers before it).
        let mut contract = ananke_semantics::Contract::new(signature).for_function(&function);
        if let Some(ms) = self.budget_ms {
            contract = contract.with_budget_ms(ms);
        }
        for (i, r) in self.requires.iter().enumerate() {
            contract = contract
                .requires(r)
                .map_err(|e| SpecError::new(format!("semantics.requires[{i}]"), e))?;
        }
        for (i, e) in self.ensures.iter().enumerate() {
            contract = contract
                .ensures(e)
                .map_err(|err| SpecError::new(format!("semantics.ensures[{i}]"), err))?;
        }
        Ok(Some(contract))
    }
}

/// The types domain's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TypesSpec {
    /// Code ending with a function's `def` line. Sessions start with it
    /// committed and generate that function's body as a closed hole:
    /// nothing follows the body, so the body may not leave it and every
    /// name it reads must already be in scope (the types domain restricts
    /// names accordingly).
    pub body_prefix: Option<String>,
    /// What a `# type: ignore` comment does; unset, `honour` (mypy's
    /// reading, right for checking code people wrote), except that the
    /// model's decoder sets `forbid` for generation, where a model could
    /// otherwise switch the domain off by writing one.
    pub type_ignore: Option<TypeIgnore>,
}

/// `types.type_ignore`: what a `# type: ignore` comment does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TypeIgnore {
    /// As mypy: the errors on its line (before the first statement: in the
    /// module) are not errors.
    Honour,
    /// A line break or end that would complete one is rejected: no
    /// comment silences anything.
    Forbid,
}

impl Spec {
    /// Parses TOML text; errors name the field at fault.
    pub fn from_toml(text: &str) -> Result<Spec, SpecError> {
        let spec: Spec = toml::from_str(text).map_err(|e| {
            let field = e
                .span()
                .map_or_else(|| "spec".to_owned(), |span| field_at(text, span.start));
            SpecError::new(field, e.message())
        })?;
        spec.validate()?;
        Ok(spec)
    }

    /// Reads and parses a TOML file.
    pub fn from_file(path: &Path) -> Result<Spec, SpecError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SpecError::new("spec", format!("cannot read {}: {e}", path.display())))?;
        Spec::from_toml(&text)
    }

    /// A spec for the shipped Python grammar on `tokenizer`.
    pub fn python(tokenizer: &str) -> Spec {
        Spec {
            syntax: SyntaxSpec {
                tokenizer: tokenizer.into(),
                ..SyntaxSpec::default()
            },
            ..Spec::default()
        }
    }

    /// Generates the body of the function `prefix` ends with (see
    /// [`TypesSpec::body_prefix`]).
    pub fn body_of(mut self, prefix: &str) -> Spec {
        self.types.body_prefix = Some(prefix.into());
        self
    }

    /// Sets the backend.
    pub fn backend(mut self, backend: &str) -> Spec {
        self.syntax.backend = backend.into();
        self
    }

    /// Forbids a module.
    pub fn forbid(mut self, module: &str) -> Spec {
        self.imports.forbidden.push(module.into());
        self
    }

    /// Requires a module.
    pub fn require(mut self, module: &str) -> Spec {
        self.imports.required.push(module.into());
        self
    }

    /// Adds a version constraint (`numpy>=1.26`).
    pub fn version(mut self, line: &str) -> Spec {
        self.imports.versions.push(line.into());
        self
    }

    /// Adds a plugin domain (a library or a directory of them) with its
    /// default policy (see [`PluginSpec`]).
    pub fn plugin(mut self, path: impl Into<std::path::PathBuf>) -> Spec {
        self.plugins.push(PluginSpec {
            path: path.into(),
            constraint: None,
        });
        self
    }

    /// Enforces a call policy (see [`PolicySpec`]).
    pub fn policy(mut self, policy: PolicySpec) -> Spec {
        self.policy = Some(policy);
        self
    }

    /// Adds a hole.
    pub fn hole(mut self, hole: HoleSpec) -> Spec {
        self.holes.push(hole);
        self
    }

    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), SpecError> {
        self.cfg.requirements()?;
        if let Some(policy) = &self.policy {
            policy.resolve()?;
        }
        self.semantics.contract(self)?;
        for (i, plugin) in self.plugins.iter().enumerate() {
            if !plugin.path.exists() {
                return Err(SpecError::new(
                    format!("plugins[{i}].path"),
                    format!("no such file or directory: {}", plugin.path.display()),
                ));
            }
        }
        if let Some(prefix) = &self.types.body_prefix {
            check_body_prefix(prefix)?;
        }
        if self.syntax.tokenizer.trim().is_empty() {
            return Err(SpecError::new(
                "syntax.tokenizer",
                "must name a tokenizer (cl100k_base, o200k_base) or a tokenizer.json",
            ));
        }
        if !ananke_syntax::BACKENDS.contains(&self.syntax.backend.as_str()) {
            return Err(SpecError::new(
                "syntax.backend",
                format!(
                    "unknown backend `{}` (known: {})",
                    self.syntax.backend,
                    ananke_syntax::BACKENDS.join(", ")
                ),
            ));
        }
        match (&self.syntax.grammar, &self.syntax.grammar_file) {
            (Some(_), Some(_)) => {
                return Err(SpecError::new(
                    "syntax.grammar_file",
                    "give either `grammar` or `grammar_file`, not both",
                ));
            }
            (None, None) => {
                return Err(SpecError::new(
                    "syntax.grammar",
                    "give `grammar = \"python\"` or a `grammar_file`",
                ));
            }
            (Some(name), None) if name != "python" => {
                return Err(SpecError::new(
                    "syntax.grammar",
                    format!("unknown grammar `{name}` (shipped: python)"),
                ));
            }
            _ => {}
        }
        self.imports.constraint("imports")?;
        let mut names = BTreeSet::new();
        for (i, hole) in self.holes.iter().enumerate() {
            let field = |f: &str| format!("holes[{i}].{f}");
            if hole.name.trim().is_empty() || hole.name == MODULE_HOLE {
                return Err(SpecError::new(
                    field("name"),
                    format!("must be a non-empty name other than `{}`", MODULE_HOLE),
                ));
            }
            if !names.insert(hole.name.clone()) {
                return Err(SpecError::new(
                    field("name"),
                    format!("duplicate hole name `{}`", hole.name),
                ));
            }
            hole.granularity
                .parse::<Granularity>()
                .map_err(|e| SpecError::new(field("granularity"), e))?;
            hole.imports.constraint(&field("imports"))?;
            if let Some(signature) = &hole.signature {
                let trimmed = signature.trim_start();
                if !(trimmed.starts_with("def ") || trimmed.starts_with("async def "))
                    || !signature.trim_end().ends_with(':')
                {
                    return Err(SpecError::new(
                        field("signature"),
                        "expected a `def name(...) -> T:` line",
                    ));
                }
            }
        }
        for (i, hole) in self.holes.iter().enumerate() {
            if let Some(parent) = &hole.parent
                && parent != MODULE_HOLE
                && !names.contains(parent)
            {
                return Err(SpecError::new(
                    format!("holes[{i}].parent"),
                    format!("no hole named `{parent}`"),
                ));
            }
        }
        self.template()?;
        Ok(())
    }

    /// The template of `task.template` with its holes, checked against
    /// `[[holes]]`: every marker has an entry with a `kind`, every entry
    /// with a `kind` is in the template, a parent encloses its children,
    /// only an expression hole has an `expected` type. `None` without a
    /// template.
    pub fn template(&self) -> Result<Option<Template>, SpecError> {
        let entry = |name: &str| self.holes.iter().position(|h| h.name == name);
        for (i, hole) in self.holes.iter().enumerate() {
            let kind = hole
                .hole_kind()
                .map_err(|e| SpecError::new(format!("holes[{i}].kind"), e))?;
            if kind.is_some() && self.task.template.is_none() {
                return Err(SpecError::new(
                    format!("holes[{i}].kind"),
                    "a hole with a kind needs a `task.template` to stand in",
                ));
            }
            if hole.expected.is_some() && kind != Some(HoleKind::Expression) {
                return Err(SpecError::new(
                    format!("holes[{i}].expected"),
                    "only an expression hole has an expected type",
                ));
            }
        }
        let Some(text) = &self.task.template else {
            return Ok(None);
        };
        let mut template = Template::parse(text, |name| {
            entry(name).and_then(|i| self.holes[i].hole_kind().ok().flatten())
        })
        .map_err(|e| SpecError::new("task.template", e))?;
        for (i, hole) in self.holes.iter().enumerate() {
            if let Some(expected) = &hole.expected {
                template = template
                    .expecting(&hole.name, expected)
                    .map_err(|e| SpecError::new(format!("holes[{i}].expected"), e))?;
            }
            if hole.kind.is_some() && template.hole(&hole.name).is_none() {
                return Err(SpecError::new(
                    format!("holes[{i}].name"),
                    format!("hole `{}` is not marked in the template", hole.name),
                ));
            }
            if let Some(parent) = hole.parent.as_deref().filter(|p| *p != MODULE_HOLE)
                && !template.encloses(parent, &hole.name)
            {
                return Err(SpecError::new(
                    format!("holes[{i}].parent"),
                    format!(
                        "hole `{parent}` does not enclose `{}` in the template",
                        hole.name
                    ),
                ));
            }
        }
        Ok(Some(template))
    }
}

/// The dotted field path at a byte offset of TOML text (best effort: the
/// section and key on that line).
fn field_at(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let section = before
        .lines()
        .rev()
        .find_map(|l| {
            let t = l.trim();
            t.starts_with('[')
                .then(|| t.trim_matches(|c| c == '[' || c == ']').to_owned())
        })
        .unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or_default();
    let key = line.split('=').next().unwrap_or_default().trim();
    match (section.is_empty(), key.is_empty() || key.starts_with('[')) {
        (true, true) => "spec".into(),
        (true, false) => key.into(),
        (false, true) => section,
        (false, false) => format!("{section}.{key}"),
    }
}

/// A body prefix must end with a function's `def ...:` line and a line
/// break.
pub(crate) fn check_body_prefix(prefix: &str) -> Result<(), SpecError> {
    let last_line = prefix
        .trim_end_matches(['\n', '\r'])
        .lines()
        .last()
        .unwrap_or("");
    let header = last_line.trim_start();
    if !prefix.ends_with('\n')
        || !(header.starts_with("def ") || header.starts_with("async def "))
        || !last_line.trim_end().ends_with(':')
    {
        return Err(SpecError::new(
            "types.body_prefix",
            "must end with a function's `def ...:` line and a line break",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_spec_parses() {
        let spec = Spec::from_toml(
            r#"
[syntax]
tokenizer = "o200k_base"
backend = "xgrammar"
grammar = "python"

[imports]
required = ["math"]
forbidden = ["os"]
versions = ["numpy>=1.26,<3"]

[[holes]]
name = "solve"
signature = "def solve(xs: list[int]) -> int:"
imports = { required = ["heapq"] }
"#,
        )
        .unwrap();
        assert_eq!(spec.syntax.tokenizer, "o200k_base");
        assert_eq!(spec.holes[0].granularity, "function");
        assert_eq!(
            spec.imports.constraint("imports").unwrap().to_string(),
            "math; !os; numpy >=1.26, <3"
        );
    }

    #[test]
    fn a_grammar_file_alone_replaces_the_python_grammar() {
        let spec = Spec::from_toml("[syntax]\ngrammar_file = \"my.lark\"\n").unwrap();
        assert_eq!(spec.syntax.grammar, None);
        assert_eq!(spec.syntax.grammar_file, Some(PathBuf::from("my.lark")));
        assert_eq!(
            spec.syntax.tokenizer, "cl100k_base",
            "the other defaults stay"
        );
        let spec = Spec::from_toml("[syntax]\nbackend = \"xgrammar\"\n").unwrap();
        assert_eq!(spec.syntax.grammar.as_deref(), Some("python"));
        let err = Spec::from_toml("[syntax]\ngrammar = \"python\"\ngrammar_file = \"my.lark\"\n")
            .unwrap_err();
        assert_eq!(err.field, "syntax.grammar_file");
    }

    #[test]
    fn errors_name_the_field() {
        let err = Spec::from_toml("[imports]\nforbidden = [\"os\", \"os..path\"]\n").unwrap_err();
        assert_eq!(err.field, "imports.forbidden[1]");
        let err = Spec::from_toml("[syntax]\nbackend = \"antlr\"\n").unwrap_err();
        assert_eq!(err.field, "syntax.backend");
        let err = Spec::from_toml("[syntax]\ntokeniser = \"x\"\n").unwrap_err();
        assert_eq!(err.field, "syntax.tokeniser");
        assert!(err.message.contains("unknown field"), "{err}");
        let err = Spec::from_toml("[[holes]]\nname = \"a\"\ngranularity = \"huge\"\n").unwrap_err();
        assert_eq!(err.field, "holes[0].granularity");
        let err =
            Spec::from_toml("[[holes]]\nname = \"a\"\n[[holes]]\nname = \"a\"\n").unwrap_err();
        assert_eq!(err.field, "holes[1].name");
        let err = Spec::from_toml("[[holes]]\nname = \"a\"\nparent = \"b\"\n").unwrap_err();
        assert_eq!(err.field, "holes[0].parent");
        let err = Spec::from_toml("[imports]\nversions = [\"numpy\"]\n").unwrap_err();
        assert_eq!(err.field, "imports.versions[0]");
        let err = Spec::from_toml("[[holes]]\nname = \"a\"\nsignature = \"f(x)\"\n").unwrap_err();
        assert_eq!(err.field, "holes[0].signature");
        let err = Spec::from_toml("[types]\ntype_ignore = \"ignore\"\n").unwrap_err();
        assert_eq!(err.field, "types.type_ignore");
        assert!(err.message.contains("`honour` or `forbid`"), "{err}");
    }

    #[test]
    fn type_ignore_reads_either_way() {
        let spec = Spec::from_toml("[types]\ntype_ignore = \"forbid\"\n").unwrap();
        assert_eq!(spec.types.type_ignore, Some(TypeIgnore::Forbid));
        let spec = Spec::from_toml("[types]\ntype_ignore = \"honour\"\n").unwrap();
        assert_eq!(spec.types.type_ignore, Some(TypeIgnore::Honour));
        assert_eq!(Spec::python("cl100k_base").types.type_ignore, None);
    }

    #[test]
    fn the_builder_validates_too() {
        assert!(
            Spec::python("cl100k_base")
                .forbid("os")
                .require("math")
                .validate()
                .is_ok()
        );
        let err = Spec::python("cl100k_base")
            .forbid("9x")
            .validate()
            .unwrap_err();
        assert_eq!(err.field, "imports.forbidden[0]");
        assert!(
            Spec::python("cl100k_base")
                .backend("nope")
                .validate()
                .is_err()
        );
    }
}
