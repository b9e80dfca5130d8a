//! Call policies: callables a program may not reach, named by what they
//! are (`os.system`), not by how the program spells them.
//!
//! A [`CallPolicy`] is a list of deny rules, an optional allow list and a
//! `strict` flag. Each rule names a module member by its qualified name,
//! perhaps with a trailing `*` (`os.exec*`, `ctypes.*`), and perhaps a
//! condition: `subprocess.*(shell=True)` denies a call of those members
//! only when its `shell` argument is true. A bare name (`eval`) is a
//! member of `builtins`.
//!
//! The policy is *resolved* against the stub database once
//! ([`ResolvedPolicy`]): each rule becomes the types of the members it
//! names — the type the checker gives a name bound to that member, however
//! the program reached it (`from os import system`, `import os as o;
//! o.system`, `getattr(os, "system")`). The types domain then judges a
//! reference by the type it resolves to. A member the stubs type as
//! something no call can reach (a constant) is not a callable and is
//! skipped; a rule naming nothing is an error, so a typo in a policy does
//! not silently allow everything.
//!
//! What a reference to a denied callable is, and where it is rejected, is
//! in [`check::policy`](crate::check) and the domain: any use of a
//! denied callable as a value (called, assigned, passed, returned, stored,
//! imported by name) is a violation, since a value that escapes can be
//! called later; a conditional rule's callable may be called without its
//! condition, and under `strict` nothing else.
//!
//! # Example
//!
//! ```
//! use ananke_types::policy::CallPolicy;
//!
//! let policy = CallPolicy::new(["os.system", "subprocess.*(shell=True)"], ["subprocess.Popen"], true)?;
//! let resolved = policy.resolve()?;
//! assert!(resolved.denies("os.system"));
//! assert!(resolved.denies("subprocess.run"));
//! assert!(!resolved.denies("subprocess.Popen"), "allowed by name");
//! assert!(CallPolicy::new(["os.sytem"], [] as [&str; 0], false)?.resolve().is_err());
//! # Ok::<(), ananke_types::policy::PolicyError>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::stubs::{Symbol, TypeDb};
use crate::types::{Name, Type};
use crate::world::{World, callable_of};

/// The rules [`CallPolicy::defaults`] denies: code execution, shells,
/// process replacement, deserialisation that runs code, recursive
/// deletion and foreign-function calls.
pub const DEFAULT_DENY: &[&str] = &[
    "builtins.eval",
    "builtins.exec",
    "builtins.compile",
    "builtins.__import__",
    "os.system",
    "os.popen",
    "os.exec*",
    "os.spawn*",
    "os.posix_spawn*",
    "pty.spawn",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "subprocess.*(shell=True)",
    "pickle.load*",
    "pickle.Unpickler",
    "marshal.load*",
    "shelve.open",
    "shutil.rmtree",
    "ctypes.*",
    "importlib.import_module",
    "importlib.__import__",
    "runpy.run_*",
    "code.*",
];

/// Attributes through which code escapes to what the policy cannot
/// follow (a function's globals, every class in the process, an object's
/// attribute lookup by a name given as data): rejected under `strict`.
pub(crate) const ESCAPES: &[&str] = &[
    "__globals__",
    "__subclasses__",
    "__getattribute__",
    "__getattr__",
    "__code__",
    "__closure__",
    "__builtins__",
    "__import__",
    "__loader__",
    "__reduce__",
    "__reduce_ex__",
];

/// A policy that cannot be used: a rule that does not parse or names
/// nothing the stubs know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// The rule at fault, as written.
    pub rule: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call policy rule `{}`: {}", self.rule, self.message)
    }
}

impl std::error::Error for PolicyError {}

/// The members a rule names: `module.member`, or every member of the
/// module starting with a prefix (`module.prefix*`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Pattern {
    module: String,
    member: String,
    glob: bool,
}

impl Pattern {
    fn parse(text: &str) -> Result<Pattern, PolicyError> {
        let error = |message: &str| PolicyError {
            rule: text.to_owned(),
            message: message.to_owned(),
        };
        let text = text.trim();
        let (path, glob) = match text.strip_suffix('*') {
            Some(path) => (path, true),
            None => (text, false),
        };
        if path.contains('*') {
            return Err(error("`*` may only end a rule"));
        }
        let (module, member) = match path.rsplit_once('.') {
            Some((module, member)) => (module, member),
            None => ("builtins", path),
        };
        let is_name = |s: &str| {
            !s.is_empty()
                && !s.starts_with(|c: char| c.is_ascii_digit())
                && s.chars().all(|c| c.is_alphanumeric() || c == '_')
        };
        if !module.split('.').all(is_name) || !(member.is_empty() && glob || is_name(member)) {
            return Err(error(
                "expected a qualified name (`os.system`), perhaps ending in `*`",
            ));
        }
        Ok(Pattern {
            module: module.to_owned(),
            member: member.to_owned(),
            glob,
        })
    }

    fn matches(&self, module: &str, member: &str) -> bool {
        module == self.module
            && if self.glob {
                member.starts_with(&self.member)
            } else {
                member == self.member
            }
    }
}

/// One deny rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Rule {
    text: String,
    pattern: Pattern,
    /// The keyword argument that must be true for a call to be denied.
    when: Option<String>,
}

impl Rule {
    fn parse(text: &str) -> Result<Rule, PolicyError> {
        let trimmed = text.trim();
        let (path, when) = match trimmed.split_once('(') {
            Some((path, condition)) => {
                let keyword = condition
                    .strip_suffix(')')
                    .and_then(|c| c.trim().strip_suffix("=True"))
                    .map(str::trim)
                    .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_'))
                    .ok_or_else(|| PolicyError {
                        rule: text.to_owned(),
                        message: "a condition is written `(keyword=True)`".to_owned(),
                    })?;
                (path, Some(keyword.to_owned()))
            }
            None => (trimmed, None),
        };
        Ok(Rule {
            text: trimmed.to_owned(),
            pattern: Pattern::parse(path).map_err(|e| PolicyError {
                rule: text.to_owned(),
                ..e
            })?,
            when,
        })
    }
}

/// A call policy as written: deny rules, allowed exceptions and whether
/// reflection that cannot be resolved is rejected (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallPolicy {
    deny: Vec<Rule>,
    allow: Vec<Pattern>,
    strict: bool,
}

impl CallPolicy {
    /// A policy of `deny` rules, minus the members `allow` names; `strict`
    /// also rejects reflection whose target cannot be resolved.
    pub fn new<D, A>(
        deny: impl IntoIterator<Item = D>,
        allow: impl IntoIterator<Item = A>,
        strict: bool,
    ) -> Result<CallPolicy, PolicyError>
    where
        D: AsRef<str>,
        A: AsRef<str>,
    {
        Ok(CallPolicy {
            deny: deny
                .into_iter()
                .map(|r| Rule::parse(r.as_ref()))
                .collect::<Result<_, _>>()?,
            allow: allow
                .into_iter()
                .map(|a| Pattern::parse(a.as_ref()))
                .collect::<Result<_, _>>()?,
            strict,
        })
    }

    /// [`DEFAULT_DENY`], nothing allowed, not strict.
    pub fn defaults() -> CallPolicy {
        CallPolicy::new(DEFAULT_DENY, [] as [&str; 0], false).expect("the default rules parse")
    }

    /// Whether reflection that cannot be resolved is rejected.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// The rules resolved against the bundled stubs.
    pub fn resolve(&self) -> Result<Arc<ResolvedPolicy>, PolicyError> {
        ResolvedPolicy::new(self).map(Arc::new)
    }
}

/// A denied member: its qualified name, the rule that denies it and that
/// rule's condition.
#[derive(Clone, Debug)]
pub(crate) struct Denied {
    pub qualified: String,
    pub rule: String,
    pub when: Option<String>,
}

/// A policy resolved to the types of the members it denies (see the
/// module docs).
#[derive(Debug)]
pub struct ResolvedPolicy {
    by_type: HashMap<Type, Denied>,
    /// Modules with a denied member (a star import from one, or a
    /// computed attribute of one, could reach it).
    modules: HashMap<Name, String>,
    /// Short names of the unconditionally denied members (and, under
    /// `strict`, of the conditional ones): a reference ending in another
    /// name cannot be a violation.
    pub(crate) names: Vec<String>,
    /// Short names of the members only a condition denies.
    conditional: Vec<String>,
    pub(crate) strict: bool,
    id: u64,
}

impl ResolvedPolicy {
    fn new(policy: &CallPolicy) -> Result<ResolvedPolicy, PolicyError> {
        let mut by_type: HashMap<Type, Denied> = HashMap::new();
        let mut modules = HashMap::new();
        let mut names = Vec::new();
        let mut conditional = Vec::new();
        for rule in &policy.deny {
            let pattern = &rule.pattern;
            let error = |message: String| PolicyError {
                rule: rule.text.clone(),
                message,
            };
            let db = stubs_of(&pattern.module);
            let world = World::new(db);
            let members = db
                .modules
                .get(pattern.module.as_str())
                .ok_or_else(|| error(format!("no module `{}` in the stubs", pattern.module)))?;
            let mut matched: Vec<(&Name, &Symbol)> = members
                .iter()
                .filter(|(name, _)| pattern.matches(&pattern.module, name))
                .collect();
            matched.sort_by(|a, b| a.0.cmp(b.0));
            let mut any = false;
            for (member, symbol) in matched {
                let Some(ty) = callable_value(&world, symbol, &pattern.module) else {
                    continue;
                };
                // A condition on a keyword applies to the members that
                // take it (`subprocess.*(shell=True)` is about `run` and
                // `Popen`, not `CalledProcessError`).
                if let Some(keyword) = &rule.when
                    && !takes_keyword(&world, &ty, keyword)
                {
                    continue;
                }
                any = true;
                if policy
                    .allow
                    .iter()
                    .any(|a| a.matches(&pattern.module, member))
                {
                    continue;
                }
                let qualified = format!("{}.{member}", pattern.module);
                let entry = by_type.entry(ty).or_insert_with(|| Denied {
                    qualified: qualified.clone(),
                    rule: rule.text.clone(),
                    when: rule.when.clone(),
                });
                if rule.when.is_none() && entry.when.is_some() {
                    // An unconditional rule wins over a conditional one.
                    entry.when = None;
                    entry.rule = rule.text.clone();
                    entry.qualified = qualified.clone();
                }
                modules
                    .entry(Name::from(pattern.module.as_str()))
                    .or_insert(qualified);
                if rule.when.is_none() || policy.strict {
                    names.push(member.to_string());
                } else {
                    conditional.push(member.to_string());
                }
            }
            if !any {
                return Err(error(format!(
                    "module `{}` has no callable member {} `{}`",
                    pattern.module,
                    if pattern.glob {
                        "starting with"
                    } else {
                        "named"
                    },
                    pattern.member
                )));
            }
        }
        if policy.strict {
            // Judged where their name ends, as the denied members are.
            names.extend(ESCAPES.iter().map(|e| (*e).to_owned()));
        }
        names.sort();
        names.dedup();
        let id = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            policy.hash(&mut h);
            h.finish()
        };
        conditional.sort();
        conditional.dedup();
        Ok(ResolvedPolicy {
            by_type,
            modules,
            names,
            conditional,
            strict: policy.strict,
            id,
        })
    }

    /// What denies a value of type `ty`, if anything.
    pub(crate) fn denied(&self, ty: &Type) -> Option<&Denied> {
        match ty {
            Type::Callable(_) | Type::Overloaded(_) | Type::Class(_) | Type::Instance(..) => {
                self.by_type.get(ty)
            }
            _ => None,
        }
    }

    /// Short names of the members only a condition denies (`run`,
    /// `Popen` for `subprocess.*(shell=True)`).
    pub(crate) fn conditional_names(&self) -> impl Iterator<Item = String> + '_ {
        self.conditional.iter().cloned()
    }

    /// A denied member of `module`, if it has one.
    pub(crate) fn module_denies(&self, module: &str) -> Option<&str> {
        self.modules.get(module).map(String::as_str)
    }

    /// Whether `qualified` (`os.system`) names a member this policy denies
    /// (under a condition or not).
    pub fn denies(&self, qualified: &str) -> bool {
        let (module, member) = qualified
            .rsplit_once('.')
            .unwrap_or(("builtins", qualified));
        let db = stubs_of(module);
        db.member(module, member)
            .and_then(|symbol| callable_value(&World::new(db), symbol, module))
            .is_some_and(|ty| self.by_type.contains_key(&ty))
    }

    /// Whether `strict` was asked for.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// A hash of the policy as written (for mask cache keys).
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// Whether calling a value of type `ty` can pass argument `keyword`.
fn takes_keyword(world: &World<'_>, ty: &Type, keyword: &str) -> bool {
    let sigs: Vec<crate::types::Signature> = match ty {
        Type::Callable(sig) => vec![(**sig).clone()],
        Type::Overloaded(sigs) => sigs.to_vec(),
        Type::Class(class) => world.constructor(class),
        _ => Vec::new(),
    };
    sigs.iter()
        .any(|s| s.params.iter().any(|p| p.name.as_deref() == Some(keyword)))
}

/// The stubs a module's members are typed from: the checker's own where
/// it has the module (so that a member's type is the one the checker
/// gives a name bound to it), else those with the policy's modules.
pub(crate) fn stubs_of(module: &str) -> &'static TypeDb {
    let checker = TypeDb::stdlib();
    if checker.modules.contains_key(module) {
        checker
    } else {
        TypeDb::with_policy_modules()
    }
}

/// The value a module member stands for, if a call can reach it: a
/// function, a class, an instance of a class with `__call__`, or an
/// instance of one of the module's own classes (`ctypes.cdll`, whose
/// methods load libraries).
fn callable_value(world: &World<'_>, symbol: &Symbol, module: &str) -> Option<Type> {
    let own = |class: &str| {
        class
            .strip_prefix(module)
            .or_else(|| class.strip_prefix('_').and_then(|c| c.strip_prefix(module)))
            .is_some_and(|rest| rest.starts_with('.'))
    };
    match symbol {
        Symbol::Function(sigs) => Some(callable_of(sigs.to_vec())),
        Symbol::Class(name) | Symbol::Alias(Type::Class(name)) => Some(Type::Class(name.clone())),
        Symbol::Value(ty @ (Type::Callable(_) | Type::Overloaded(_))) => Some(ty.clone()),
        Symbol::Value(ty @ Type::Instance(class, _))
            if own(class) || world.find_member(class, "__call__").is_some() =>
        {
            Some(ty.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rules_resolve() {
        let policy = CallPolicy::defaults().resolve().expect("defaults resolve");
        for name in [
            "eval",
            "os.system",
            "os.execv",
            "os.spawnlp",
            "pickle.loads",
            "shutil.rmtree",
            "ctypes.CDLL",
            "subprocess.run",
            "subprocess.Popen",
        ] {
            assert!(policy.denies(name), "{name}");
        }
        for name in [
            "print",
            "os.getcwd",
            "json.loads",
            "re.compile",
            "shutil.copy",
            "subprocess.CalledProcessError",
        ] {
            assert!(!policy.denies(name), "{name}");
        }
        assert!(policy.names.iter().any(|n| n == "system"));
        assert!(
            !policy.names.iter().any(|n| n == "run"),
            "a conditional rule's names are not hazards unless strict"
        );
    }

    #[test]
    fn bad_rules_are_errors_naming_the_rule() {
        let err = CallPolicy::new(["os.sytem"], [] as [&str; 0], false)
            .unwrap()
            .resolve()
            .unwrap_err();
        assert_eq!(err.rule, "os.sytem");
        assert!(err.message.contains("no callable member"), "{err}");
        let err = CallPolicy::new(["nosuchmodule.f"], [] as [&str; 0], false)
            .unwrap()
            .resolve()
            .unwrap_err();
        assert!(
            err.to_string().contains("no module `nosuchmodule`"),
            "{err}"
        );
        assert!(CallPolicy::new(["os.*x"], [] as [&str; 0], false).is_err());
        assert!(CallPolicy::new(["subprocess.run(shell)"], [] as [&str; 0], false).is_err());
        assert!(CallPolicy::new(["os system"], [] as [&str; 0], false).is_err());
    }

    #[test]
    fn allowed_members_are_not_denied() {
        let policy = CallPolicy::new(["os.*"], ["os.getcwd", "os.path*"], false)
            .unwrap()
            .resolve()
            .unwrap();
        assert!(policy.denies("os.system"));
        assert!(!policy.denies("os.getcwd"));
    }
}
