//! The built-in domains, in one table: everything the runtime knows of each
//! — its name, when it applies, how it is built from a vocabulary and a
//! spec, how it starts (at the start of a module, in a closed function
//! body, in a spec hole), and the few questions only it can answer
//! (forced bytes for jump-forward, whether the output may end).
//!
//! Adding a domain is adding an entry here (and its morphisms to
//! [`crate::morphisms::EDGES`]); the compiler reads the table, and the
//! session reads only what the compiler drew from it, so no other code
//! names a domain.

use std::sync::Arc;

use ananke_cfg::{CfgConstraint, CfgDomain};
use ananke_core::{DynConstraint, DynDomain, Error, MeetSemilattice, erase};
use ananke_imports::{ImportsConstraint, ImportsDomain};
use ananke_semantics::{SemanticsConstraint, SemanticsDomain};
use ananke_syntax::{
    GrammarSource, SyntaxConstraint, SyntaxDomain, SyntaxError, SyntaxVocab, backend_by_name,
};
use ananke_types::{TypesConstraint, TypesDomain};

use crate::spec::{HoleSpec, Spec, SpecError, TypeIgnore};

/// Why a built-in domain could not be built or answer: the failures of
/// the crates it comes from, which [`RuntimeError`](crate::RuntimeError)
/// takes over one for one.
#[derive(Debug)]
pub(crate) enum DomainError {
    /// A spec field the domain reads is wrong.
    Spec(SpecError),
    /// The tokenizer or the grammar failed.
    Syntax(SyntaxError),
    /// A core operation failed.
    Core(Error),
}

impl From<SpecError> for DomainError {
    fn from(err: SpecError) -> DomainError {
        DomainError::Spec(err)
    }
}

impl From<SyntaxError> for DomainError {
    fn from(err: SyntaxError) -> DomainError {
        DomainError::Syntax(err)
    }
}

impl From<Error> for DomainError {
    fn from(err: Error) -> DomainError {
        DomainError::Core(err)
    }
}

/// A built-in domain, built for one spec: the domain and the constraint
/// every session starts from.
pub(crate) struct Built {
    /// The domain.
    pub(crate) domain: Arc<dyn DynDomain>,
    /// Its constraint at the start of the output.
    pub(crate) start: DynConstraint,
    /// Where that constraint comes from (a contradiction names it).
    pub(crate) provenance: String,
}

/// One built-in domain (see the module docs).
pub(crate) struct BuiltinDomain {
    /// The domain's name: its [`Domain::name`](ananke_core::Domain::name),
    /// what `--domains` and [`DOMAINS`] call it, and the name of a spec
    /// hole's section for it (`holes[0].imports`).
    pub(crate) name: &'static str,
    /// Whether [`Ananke::new`](crate::Ananke::new) composes it for a spec.
    pub(crate) applies: fn(&Spec) -> bool,
    /// Builds it over a vocabulary for a spec.
    pub(crate) build: fn(&Arc<SyntaxVocab>, &Spec) -> Result<Built, DomainError>,
    /// Its start in a closed function body after a prefix of that many
    /// bytes ([`Ananke::body_session`](crate::Ananke::body_session)), for
    /// a domain that starts differently there.
    pub(crate) body_start: Option<BodyStart>,
    /// The module-wide constraint a spec hole puts on it (its section of
    /// the hole), `None` when the hole says nothing about it; the string
    /// names the field, for errors.
    pub(crate) hole_constraint: Option<HoleConstraint>,
    /// The bytes its constraint forces next (jump-forward decoding), for
    /// a domain that can tell.
    pub(crate) forced_bytes: Option<ForcedBytes>,
    /// Whether the output may end only where its verdict is
    /// [`Sat`](ananke_core::Satisfiability::Sat): a grammar, which says
    /// `Sat` exactly where the text so far is complete.
    pub(crate) ends_only_when_sat: bool,
}

/// See [`BuiltinDomain::body_start`].
pub(crate) type BodyStart = fn(usize) -> DynConstraint;

/// See [`BuiltinDomain::hole_constraint`].
pub(crate) type HoleConstraint = fn(&HoleSpec, &str) -> Result<Option<DynConstraint>, SpecError>;

/// See [`BuiltinDomain::forced_bytes`].
pub(crate) type ForcedBytes = fn(&DynConstraint) -> Result<Vec<u8>, DomainError>;

/// Every built-in domain, in the order they are composed (which is the
/// order of their ids in the product).
pub(crate) const BUILTIN: &[BuiltinDomain] = &[
    BuiltinDomain {
        name: SyntaxDomain::NAME,
        applies: |_| true,
        build: build_syntax,
        body_start: None,
        hole_constraint: None,
        forced_bytes: Some(syntax_forced_bytes),
        ends_only_when_sat: true,
    },
    BuiltinDomain {
        name: ImportsDomain::NAME,
        applies: |_| true,
        build: |_, spec| {
            Ok(Built {
                domain: erase(ImportsDomain::new()),
                start: DynConstraint::new(ImportsConstraint::from(
                    spec.imports.constraint("imports")?,
                )),
                provenance: "spec [imports]".to_owned(),
            })
        },
        body_start: None,
        hole_constraint: Some(|hole, field| {
            let policy = hole.imports.constraint(field)?;
            Ok((!policy.is_top()).then(|| DynConstraint::new(ImportsConstraint::from(policy))))
        }),
        forced_bytes: None,
        ends_only_when_sat: false,
    },
    BuiltinDomain {
        name: TypesDomain::NAME,
        applies: reads_python,
        build: |vocab, spec| {
            let (start, provenance) = match &spec.types.body_prefix {
                Some(prefix) => (
                    TypesConstraint::body_after(prefix.len()),
                    "spec types.body_prefix (a closed function body)",
                ),
                None => (TypesConstraint::module(), "a module written from its start"),
            };
            let mut domain = match &spec.policy {
                Some(policy) => TypesDomain::with_policy(vocab.vocabulary(), policy.resolve()?),
                None => TypesDomain::new(vocab.vocabulary()),
            };
            if spec.types.type_ignore == Some(TypeIgnore::Forbid) {
                domain = domain.forbidding_type_ignore();
            }
            Ok(Built {
                domain: erase(domain),
                start: DynConstraint::new(start),
                provenance: provenance.to_owned(),
            })
        },
        body_start: Some(|len| DynConstraint::new(TypesConstraint::body_after(len))),
        hole_constraint: None,
        forced_bytes: None,
        ends_only_when_sat: false,
    },
    BuiltinDomain {
        name: CfgDomain::NAME,
        applies: reads_python,
        build: |_, spec| {
            Ok(Built {
                domain: erase(CfgDomain::new()),
                start: DynConstraint::new(CfgConstraint::from(spec.cfg.requirements()?)),
                provenance: "spec [cfg] requirements".to_owned(),
            })
        },
        body_start: None,
        hole_constraint: None,
        forced_bytes: None,
        ends_only_when_sat: false,
    },
    BuiltinDomain {
        name: SemanticsDomain::NAME,
        applies: reads_python,
        build: |_, spec| {
            let contract = spec.semantics.contract(spec)?.unwrap_or_default();
            Ok(Built {
                domain: erase(SemanticsDomain::new()),
                start: DynConstraint::new(SemanticsConstraint::new(contract)),
                provenance: "spec [semantics] contract".to_owned(),
            })
        },
        body_start: None,
        hole_constraint: None,
        forced_bytes: None,
        ends_only_when_sat: false,
    },
];

/// The domains this build knows, by name, in the order they are composed.
pub const DOMAINS: &[&str] = &names();

const fn names() -> [&'static str; BUILTIN.len()] {
    let mut names = [""; BUILTIN.len()];
    let mut i = 0;
    while i < BUILTIN.len() {
        names[i] = BUILTIN[i].name;
        i += 1;
    }
    names
}

/// The built-in domain called `name`.
pub(crate) fn builtin(name: &str) -> Option<&'static BuiltinDomain> {
    BUILTIN.iter().find(|d| d.name == name)
}

/// The domains that read Python (types, control flow, semantics) join
/// only when the grammar is the built-in Python one.
fn reads_python(spec: &Spec) -> bool {
    spec.syntax.grammar_file.is_none()
}

/// The syntax domain on the spec's backend, and the spec's grammar
/// compiled as its start.
fn build_syntax(vocab: &Arc<SyntaxVocab>, spec: &Spec) -> Result<Built, DomainError> {
    let backend = backend_by_name(&spec.syntax.backend, vocab)?;
    let domain = SyntaxDomain::new(backend);
    let (source, label) = match (&spec.syntax.grammar, &spec.syntax.grammar_file) {
        (_, Some(file)) => (GrammarSource::from_file(file)?, file.display().to_string()),
        _ => (
            ananke_syntax::python::grammar_for(&spec.syntax.backend),
            "python.lark".to_owned(),
        ),
    };
    let start = domain.constraint(&source, &label)?;
    Ok(Built {
        domain: erase(domain),
        start: DynConstraint::new(start),
        provenance: format!("spec syntax.grammar ({label})"),
    })
}

fn syntax_forced_bytes(constraint: &DynConstraint) -> Result<Vec<u8>, DomainError> {
    let syntax = constraint.expect_ref::<SyntaxConstraint>(SyntaxDomain::NAME)?;
    Ok(syntax.forced_bytes()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_in_table_order() {
        assert_eq!(
            DOMAINS,
            ["syntax", "imports", "types", "cfg", "semantics"].as_slice()
        );
        for (i, name) in DOMAINS.iter().enumerate() {
            assert!(!DOMAINS[..i].contains(name), "{name} twice");
            assert_eq!(builtin(name).map(|d| d.name), Some(*name));
        }
        assert!(builtin("nope").is_none());
    }

    #[test]
    fn only_the_domains_that_read_python_leave_a_grammar_file_alone() {
        let mut spec = Spec::python("cl100k_base");
        assert!(BUILTIN.iter().all(|d| (d.applies)(&spec)));
        spec.syntax.grammar = None;
        spec.syntax.grammar_file = Some("greeting.lark".into());
        let applying: Vec<&str> = BUILTIN
            .iter()
            .filter(|d| (d.applies)(&spec))
            .map(|d| d.name)
            .collect();
        assert_eq!(applying, ["syntax", "imports"]);
    }

    #[test]
    fn a_spec_hole_constrains_the_imports_domain_only_when_it_says_something() {
        let imports = builtin("imports").and_then(|d| d.hole_constraint).unwrap();
        let mut hole = HoleSpec {
            name: "solve".into(),
            ..HoleSpec::default()
        };
        assert!(imports(&hole, "holes[0].imports").unwrap().is_none());
        hole.imports.required.push("heapq".into());
        let constraint = imports(&hole, "holes[0].imports").unwrap().unwrap();
        assert!(constraint.downcast_ref::<ImportsConstraint>().is_some());
        hole.imports.forbidden.push("9x".into());
        let err = imports(&hole, "holes[0].imports").unwrap_err();
        assert_eq!(err.field, "holes[0].imports.forbidden[0]");
        assert!(
            BUILTIN
                .iter()
                .filter(|d| d.hole_constraint.is_some())
                .all(|d| d.name == "imports")
        );
    }
}
