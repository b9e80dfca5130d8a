//! The `__init__` `@dataclass` writes for a module's own class: one
//! parameter per field, in order (a base dataclass's first), with a
//! default where the field has one. Before, a dataclass took any
//! arguments; a call with a missing, extra or mistyped argument (the
//! constructor models most often get wrong) passed.
//!
//! Only the plain forms are modelled: `@dataclass` or `@dataclass(...)`
//! with the flags that leave `__init__` as described (`kw_only` included),
//! fields annotated at the top of the body (`ClassVar`s left out,
//! `InitVar`s in, `field(default=..., default_factory=..., init=...,
//! kw_only=...)`, a `KW_ONLY` marker), and bases that are object, plain
//! classes or such dataclasses. Anything else (`init=False`, a class's
//! own `__init__`, a field under an `if`, a base deriving from `Any`, a
//! decorator besides) keeps the constructor taking any arguments.
//!
//! A `class P(NamedTuple)` gets its constructor the same way: its fields
//! in order, a default where one is assigned.

use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr, Stmt};

use super::Checker;
use crate::stubs::{ClassInfo, Member, MethodKind, decorator_name};
use crate::types::{Param, ParamKind, Signature, Type};

/// The `@dataclass(...)` flags that leave its `__init__` as modelled.
const PLAIN_FLAGS: &[&str] = &[
    "repr",
    "eq",
    "order",
    "unsafe_hash",
    "frozen",
    "match_args",
    "slots",
    "weakref_slot",
    "kw_only",
];

/// Class decorators that add no attribute and leave the constructor
/// alone (a dataclass's `__init__`, a class's known attributes).
pub(super) const NEUTRAL_DECORATORS: &[&str] = &["final", "total_ordering", "runtime_checkable"];

impl Checker<'_> {
    /// Gives `info`, the class `def` defines, the `__init__` its
    /// `@dataclass` writes, where the forms are plain (see the module's
    /// documentation); its fields are kept for its subclasses.
    pub(super) fn declare_dataclass_init(&self, def: &ast::StmtClassDef, info: &mut ClassInfo) {
        if info.any_base || info.open {
            return;
        }
        let Some(kw_only) = dataclass_decorator(def) else {
            return;
        };
        if !def.keywords().is_empty()
            || def.body.iter().any(|s| {
                matches!(s, Stmt::FunctionDef(f) if matches!(f.name.id.as_str(), "__init__" | "__new__"))
            })
        {
            return;
        }
        // Fields a base dataclass has come first; a plain base adds none.
        let mut fields: Vec<Param> = Vec::new();
        let mut dataclass_bases = 0;
        for base in &info.bases {
            let Some(name) = base.class_name() else {
                return;
            };
            let Some(base_info) = self.world.class(name) else {
                return;
            };
            match &base_info.dataclass_fields {
                Some(inherited) => {
                    dataclass_bases += 1;
                    fields.extend(inherited.iter().cloned());
                }
                None if base_info.synthesized_init || base_info.any_base => return,
                None => {}
            }
        }
        if dataclass_bases > 1 {
            return;
        }
        let Some(own) = self.own_fields(def, kw_only) else {
            return;
        };
        for field in own {
            match fields.iter_mut().find(|f| f.name == field.name) {
                Some(earlier) => *earlier = field,
                None => fields.push(field),
            }
        }
        if !defaults_last(&fields) {
            return;
        }
        info.dataclass_fields = Some(fields.clone().into());
        install_init(info, fields);
    }

    /// Gives `info`, the class `def` defines deriving from `NamedTuple`
    /// alone, the constructor its fields make.
    pub(super) fn declare_named_tuple_init(&self, def: &ast::StmtClassDef, info: &mut ClassInfo) {
        let [base] = def.bases() else { return };
        if info.open
            || decorator_name(base) != Some("NamedTuple")
            || !def.decorator_list.is_empty()
            || !def.keywords().is_empty()
        {
            return;
        }
        let Some(fields) = self.own_fields(def, false) else {
            return;
        };
        if fields.iter().any(|f| f.kind != ParamKind::Normal) || !defaults_last(&fields) {
            return;
        }
        install_init(info, fields);
    }

    /// The fields `def`'s body declares, as `__init__` parameters (`None`
    /// where one is declared in a form not modelled).
    fn own_fields(&self, def: &ast::StmtClassDef, mut kw_only: bool) -> Option<Vec<Param>> {
        let mut fields = Vec::new();
        for stmt in &def.body {
            let a = match stmt {
                Stmt::AnnAssign(a) => a,
                // A field declared under a condition (or a loop) is not
                // followed.
                Stmt::If(_) | Stmt::For(_) | Stmt::While(_) | Stmt::Try(_) | Stmt::With(_) => {
                    return None;
                }
                _ => continue,
            };
            let Expr::Name(target) = &*a.target else {
                return None;
            };
            let annotation: &Expr = &a.annotation;
            let head = match annotation {
                Expr::Subscript(s) => decorator_name(&s.value),
                other => decorator_name(other),
            };
            match head {
                Some("ClassVar") => continue,
                Some("KW_ONLY") => {
                    kw_only = true;
                    continue;
                }
                Some("Final") => return None,
                _ => {}
            }
            let ty = match (head, annotation) {
                (Some("InitVar"), Expr::Subscript(s)) => self.annotation(&s.slice),
                _ => self.annotation(annotation),
            };
            let (mut has_default, mut field_kw_only) = (a.value.is_some(), kw_only);
            if let Some(Expr::Call(call)) = a.value.as_deref()
                && decorator_name(&call.func) == Some("field")
            {
                if !call.arguments.args.is_empty() {
                    return None;
                }
                has_default = false;
                let mut init = true;
                for keyword in call.arguments.keywords.iter() {
                    let flag = match &keyword.value {
                        Expr::BooleanLiteral(b) => Some(b.value),
                        _ => None,
                    };
                    match keyword.arg.as_ref().map(|a| a.id.as_str()) {
                        Some("default" | "default_factory") => has_default = true,
                        Some("init") => init = flag?,
                        Some("kw_only") => field_kw_only = flag?,
                        Some("repr" | "hash" | "compare" | "metadata" | "doc") => {}
                        _ => return None,
                    }
                }
                // Not a parameter (set in `__post_init__`).
                if !init {
                    continue;
                }
            }
            fields.push(Param {
                name: Some(target.id.as_str().into()),
                kind: if field_kw_only {
                    ParamKind::Keyword
                } else {
                    ParamKind::Normal
                },
                ty,
                has_default,
            });
        }
        Some(fields)
    }
}

/// Whether no positional field without a default follows one with a
/// default (else the class's own error: its constructor is not guessed
/// at).
fn defaults_last(fields: &[Param]) -> bool {
    let mut defaulted = false;
    for field in fields.iter().filter(|f| f.kind == ParamKind::Normal) {
        if defaulted && !field.has_default {
            return false;
        }
        defaulted |= field.has_default;
    }
    true
}

/// Makes `fields` (keyword-only ones after the others) the parameters of
/// the class's `__init__`, which its constructor then is.
fn install_init(info: &mut ClassInfo, fields: Vec<Param>) {
    let (positional, keyword): (Vec<Param>, Vec<Param>) = fields
        .into_iter()
        .partition(|f| f.kind == ParamKind::Normal);
    let receiver = Param {
        name: Some("self".into()),
        kind: ParamKind::Normal,
        ty: Type::Any,
        has_default: false,
    };
    let init = Signature {
        name: Some("__init__".into()),
        params: std::iter::once(receiver)
            .chain(positional)
            .chain(keyword)
            .collect(),
        ret: Type::None,
        any_params: false,
        ret_any: false,
        guard: None,
    };
    info.members.insert(
        "__init__".into(),
        Member::Method(MethodKind::Instance, Arc::from([init])),
    );
    info.synthesized_init = false;
}

/// Whether `def` is decorated `@dataclass` in a plain form, and if so
/// whether its fields are keyword-only (`kw_only=True`).
fn dataclass_decorator(def: &ast::StmtClassDef) -> Option<bool> {
    let mut kw_only = None;
    for decorator in &def.decorator_list {
        let expr = &decorator.expression;
        match decorator_name(expr) {
            Some("dataclass") => {
                let flag = match expr {
                    Expr::Call(call) => {
                        if !call.arguments.args.is_empty() {
                            return None;
                        }
                        let mut flag = false;
                        for keyword in call.arguments.keywords.iter() {
                            let name = keyword.arg.as_ref()?.id.as_str();
                            let Expr::BooleanLiteral(value) = &keyword.value else {
                                return None;
                            };
                            if !PLAIN_FLAGS.contains(&name) {
                                return None;
                            }
                            if name == "kw_only" {
                                flag = value.value;
                            }
                        }
                        flag
                    }
                    _ => false,
                };
                kw_only = Some(flag);
            }
            Some(name) if NEUTRAL_DECORATORS.contains(&name) => {}
            _ => return None,
        }
    }
    kw_only
}
