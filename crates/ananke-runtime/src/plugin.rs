//! Plugins: constraint domains loaded from dynamic libraries built against
//! `ananke-plugin-abi`.
//!
//! [`Plugin::load`] opens a library, lets `abi_stable` check the layout of
//! every type the root module reaches, and checks the contract version
//! ([`ananke_plugin_abi::ABI_VERSION`]); each failure is a distinct
//! [`PluginError`] naming the file. [`Plugin::domain`] builds the plugin's
//! domain for a vocabulary as a [`PluginDomainHost`], an ordinary
//! [`Domain`] the registry composes like a built-in one. A plugin call
//! that fails — an error it returns, or a panic it raised (caught on the
//! plugin's side) — becomes an [`Error`] naming the plugin and the call;
//! the session then refuses further work instead of going on with a state
//! it cannot trust, and the host process is never taken down.
//!
//! Libraries stay loaded for the life of the process (`abi_stable` never
//! unloads them, so no constraint can outlive its code).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use abi_stable::library::{LibraryError, lib_header_from_path};
use abi_stable::std_types::{RResult, RString};
use ananke_core::{
    CostHint, Domain, Error, MeetSemilattice, StepContext, TokenId, TokenMask, Vocabulary,
};
use ananke_plugin_abi::{ABI_VERSION, Constraint, DomainBox, PluginModRef, VocabView};

/// Why a plugin could not be loaded or used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PluginError {
    /// No file at the path.
    #[error("plugin {0}: no such file")]
    NotFound(PathBuf),
    /// The file is not a dynamic library this system can load.
    #[error("plugin {path}: not a loadable library: {message}")]
    NotALibrary {
        /// The file.
        path: PathBuf,
        /// The loader's words.
        message: String,
    },
    /// A library, but without an Ananke plugin's root module.
    #[error("plugin {path}: not an Ananke plugin (no root module symbol): {message}")]
    NotAPlugin {
        /// The file.
        path: PathBuf,
        /// What was missing.
        message: String,
    },
    /// Built against another layout of the interface or another
    /// `abi_stable`.
    #[error("plugin {path}: built against an incompatible interface: {message}")]
    Incompatible {
        /// The file.
        path: PathBuf,
        /// What differs.
        message: String,
    },
    /// Built for another version of the plugin contract.
    #[error(
        "plugin {path}: built for plugin ABI version {found}, this host speaks version {expected}"
    )]
    AbiVersion {
        /// The file.
        path: PathBuf,
        /// The host's version.
        expected: u32,
        /// The plugin's.
        found: u32,
    },
    /// A call into the plugin failed (it returned an error or panicked).
    #[error("plugin `{plugin}`: `{call}` failed: {message}")]
    Call {
        /// The plugin.
        plugin: String,
        /// The call.
        call: &'static str,
        /// The plugin's message.
        message: String,
    },
}

/// A loaded plugin library.
#[derive(Clone)]
pub struct Plugin {
    module: PluginModRef,
    path: PathBuf,
    name: String,
}

impl fmt::Debug for Plugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.name)
            .field("path", &self.path)
            .finish()
    }
}

/// The loader's reason, in one line: `abi_stable`'s messages run to many
/// lines (a layout mismatch prints both layouts whole).
fn classify(path: &Path, err: LibraryError) -> PluginError {
    let path = path.to_owned();
    let text = err.to_string();
    let lines = || text.lines().map(str::trim).filter(|l| !l.is_empty());
    let last = || lines().next_back().unwrap_or_default().to_owned();
    match err {
        LibraryError::OpenError { .. } => PluginError::NotALibrary {
            path,
            message: last(),
        },
        LibraryError::GetSymbolError { .. } => PluginError::NotAPlugin {
            path,
            message: last(),
        },
        LibraryError::AbiInstability(_) => {
            let mut errors: Vec<&str> = lines().filter_map(|l| l.strip_prefix("Error:")).collect();
            errors.dedup();
            PluginError::Incompatible {
                path,
                message: format!(
                    "its interface types are laid out differently from this host's ({}); rebuild it against this host's ananke-plugin-abi",
                    errors.join("; ")
                ),
            }
        }
        _ => PluginError::Incompatible {
            path,
            message: lines().next().unwrap_or_default().to_owned(),
        },
    }
}

/// Checks that an ELF file holds every segment and table its header
/// promises. The system loader maps segments straight from the file, and
/// touching a page past the end of a truncated file kills the process
/// (SIGBUS) — so a truncated plugin must be refused before it is opened.
/// (A library whose code itself is corrupt cannot be caught this way; a
/// plugin is native code the host chose to trust.)
fn check_elf(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 64 || &bytes[..4] != b"\x7fELF" {
        // Not ELF: the system loader will say why.
        return Ok(());
    }
    let wide = bytes[4] == 2;
    let little = bytes[5] == 1;
    let int = |at: usize, size: usize| -> Option<u64> {
        let raw = bytes.get(at..at + size)?;
        let mut value = 0u64;
        for i in 0..size {
            let byte = if little { raw[size - 1 - i] } else { raw[i] };
            value = (value << 8) | u64::from(byte);
        }
        Some(value)
    };
    let word = if wide { 8 } else { 4 };
    let (phoff, shoff) = if wide { (0x20, 0x28) } else { (0x1c, 0x20) };
    let (phentsize, phnum, shentsize, shnum) = if wide {
        (0x36, 0x38, 0x3a, 0x3c)
    } else {
        (0x2a, 0x2c, 0x2e, 0x30)
    };
    let len = bytes.len() as u64;
    let within = |start: u64, size: u64, what: &str| {
        if start.checked_add(size).is_some_and(|end| end <= len) {
            Ok(())
        } else {
            Err(format!(
                "truncated or damaged: its {what} end past the file's {len} bytes"
            ))
        }
    };
    let field = |at| int(at, word).ok_or_else(|| "a damaged header".to_owned());
    let half = |at| int(at, 2).ok_or_else(|| "a damaged header".to_owned());
    let (ph, phsize, phcount) = (field(phoff)?, half(phentsize)?, half(phnum)?);
    within(ph, phsize * phcount, "program headers")?;
    for i in 0..phcount {
        let entry = (ph + i * phsize) as usize;
        let (offset, filesz) = if wide {
            (int(entry + 8, 8), int(entry + 32, 8))
        } else {
            (int(entry + 4, 4), int(entry + 16, 4))
        };
        match (offset, filesz) {
            (Some(offset), Some(filesz)) => within(offset, filesz, "segments")?,
            _ => return Err("a damaged program header".to_owned()),
        }
    }
    let sh = field(shoff)?;
    if sh != 0 {
        within(sh, half(shentsize)? * half(shnum)?, "section headers")?;
    }
    Ok(())
}

impl Plugin {
    /// Loads the plugin library at `path` (see the module docs for the
    /// checks).
    pub fn load(path: &Path) -> Result<Plugin, PluginError> {
        if !path.is_file() {
            return Err(PluginError::NotFound(path.to_owned()));
        }
        let bytes = std::fs::read(path).map_err(|e| PluginError::NotALibrary {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        check_elf(&bytes).map_err(|message| PluginError::NotALibrary {
            path: path.to_owned(),
            message,
        })?;
        let header = lib_header_from_path(path).map_err(|e| classify(path, e))?;
        let module = header
            .init_root_module::<PluginModRef>()
            .map_err(|e| classify(path, e))?;
        let found = (module.abi_version())();
        if found != ABI_VERSION {
            return Err(PluginError::AbiVersion {
                path: path.to_owned(),
                expected: ABI_VERSION,
                found,
            });
        }
        let name = (module.name())().into_string();
        Ok(Plugin {
            module,
            path: path.to_owned(),
            name,
        })
    }

    /// Loads every dynamic library (`.so`, `.dylib`, `.dll`) in `dir`, in
    /// name order; the first that fails stops the load.
    pub fn load_dir(dir: &Path) -> Result<Vec<Plugin>, PluginError> {
        let entries = std::fs::read_dir(dir).map_err(|_| PluginError::NotFound(dir.to_owned()))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("so" | "dylib" | "dll")
                )
            })
            .collect();
        paths.sort();
        paths.iter().map(|p| Plugin::load(p)).collect()
    }

    /// Loads `path`: a library, or a directory of them.
    pub fn load_path(path: &Path) -> Result<Vec<Plugin>, PluginError> {
        if path.is_dir() {
            Plugin::load_dir(path)
        } else {
            Plugin::load(path).map(|p| vec![p])
        }
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file it came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The plugin's domain for `vocab` (the plugin copies the table once).
    pub fn domain(&self, vocab: &Vocabulary) -> Result<PluginDomainHost, PluginError> {
        let (bytes, offsets) = vocab.flat();
        let special: Vec<u32> = vocab.special_ids().collect();
        let view = VocabView::new(vocab.name(), bytes, offsets, &special, vocab.eos());
        let domain = check(&self.name, "new_domain", (self.module.new_domain())(view))?;
        Ok(PluginDomainHost::new(domain, &self.name, vocab.len()))
    }
}

fn check<T>(
    plugin: &str,
    call: &'static str,
    result: RResult<T, RString>,
) -> Result<T, PluginError> {
    result.into_result().map_err(|message| PluginError::Call {
        plugin: plugin.to_owned(),
        call,
        message: message.into_string(),
    })
}

/// A plugin's domain on the host side.
struct Loaded {
    name: String,
    plugin: String,
    domain: DomainBox,
    n_vocab: usize,
}

impl Loaded {
    fn call<T>(&self, call: &'static str, result: RResult<T, RString>) -> Result<T, PluginError> {
        check(&self.plugin, call, result)
    }
}

/// A plugin's domain as a [`Domain`] (see the module docs).
#[derive(Clone)]
pub struct PluginDomainHost {
    inner: Arc<Loaded>,
}

impl fmt::Debug for PluginDomainHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PluginDomainHost({})", self.inner.name)
    }
}

impl PluginDomainHost {
    /// Wraps a domain object: one from a loaded library, or one a host
    /// links directly (`ananke_plugin_abi::domain::<P>`), for `n_vocab`
    /// tokens.
    pub fn new(domain: DomainBox, plugin: &str, n_vocab: usize) -> PluginDomainHost {
        PluginDomainHost {
            inner: Arc::new(Loaded {
                name: domain.name().into_string(),
                plugin: plugin.to_owned(),
                domain,
                n_vocab,
            }),
        }
    }

    /// The constraint a spec line describes.
    pub fn parse(&self, text: &str) -> Result<PluginConstraint, PluginError> {
        let value = self
            .inner
            .call("parse", self.inner.domain.parse(text.into()))?;
        Ok(self.value(value))
    }

    fn value(&self, value: Constraint) -> PluginConstraint {
        PluginConstraint {
            value: Some(value),
            host: self.inner.clone(),
            failure: None,
        }
    }

    fn made(&self, call: &'static str, result: RResult<Constraint, RString>) -> PluginConstraint {
        match self.inner.call(call, result) {
            Ok(value) => self.value(value),
            Err(e) => PluginConstraint::failed(&self.inner, e),
        }
    }

    fn domain_error(&self, e: PluginError) -> Error {
        Error::domain(&self.inner.name, e.to_string())
    }

    fn check_vocab(&self, vocab: &Vocabulary) -> Result<(), Error> {
        if vocab.len() == self.inner.n_vocab {
            return Ok(());
        }
        Err(Error::domain(
            &self.inner.name,
            format!(
                "built for a vocabulary of {} tokens, used with `{}` ({} tokens)",
                self.inner.n_vocab,
                vocab.name(),
                vocab.len()
            ),
        ))
    }
}

/// A plugin constraint on the host side: the plugin's opaque value, and
/// the domain that can combine it. A failed plugin call leaves a ⊥ that
/// says what failed.
#[derive(Clone)]
pub struct PluginConstraint {
    value: Option<Constraint>,
    host: Arc<Loaded>,
    failure: Option<Arc<str>>,
}

impl PluginConstraint {
    fn failed(host: &Arc<Loaded>, error: PluginError) -> PluginConstraint {
        PluginConstraint {
            value: None,
            host: host.clone(),
            failure: Some(error.to_string().into()),
        }
    }

    /// Why this constraint is a failure, if a plugin call failed.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    fn flag(&self, call: &'static str, ask: bool) -> bool {
        let Some(value) = &self.value else {
            return ask;
        };
        let result = if ask {
            self.host.domain.is_bottom(value)
        } else {
            self.host.domain.is_top(value)
        };
        // A failing query answers "⊥" (never "⊤"): the state is unusable.
        self.host.call(call, result).unwrap_or(ask)
    }
}

impl fmt::Debug for PluginConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.value, &self.failure) {
            (_, Some(failure)) => write!(f, "⊥ ({failure})"),
            (Some(value), None) => write!(f, "{value:?}"),
            (None, None) => f.write_str("⊥"),
        }
    }
}

impl PartialEq for PluginConstraint {
    fn eq(&self, other: &PluginConstraint) -> bool {
        match (&self.value, &other.value) {
            (Some(a), Some(b)) => a == b,
            (None, None) => true,
            _ => self.is_bottom() && other.is_bottom(),
        }
    }
}

impl Hash for PluginConstraint {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if let Some(value) = &self.value {
            value.hash(state);
        }
    }
}

impl MeetSemilattice for PluginConstraint {
    fn meet(&self, other: &PluginConstraint) -> PluginConstraint {
        match (&self.value, &other.value) {
            (Some(a), Some(b)) => match self.host.call("meet", self.host.domain.meet(a, b)) {
                Ok(value) => PluginConstraint {
                    value: Some(value),
                    host: self.host.clone(),
                    failure: None,
                },
                Err(e) => PluginConstraint::failed(&self.host, e),
            },
            (None, _) => self.clone(),
            (_, None) => other.clone(),
        }
    }

    fn is_top(&self) -> bool {
        self.failure.is_none() && self.flag("is_top", false)
    }

    fn is_bottom(&self) -> bool {
        self.failure.is_some() || self.flag("is_bottom", true)
    }
}

impl Domain for PluginDomainHost {
    type Constraint = PluginConstraint;

    fn name(&self) -> &str {
        &self.inner.name
    }

    fn top(&self) -> PluginConstraint {
        self.made("top", self.inner.domain.top())
    }

    fn bottom(&self) -> PluginConstraint {
        self.made("bottom", self.inner.domain.bottom())
    }

    fn token_mask(
        &self,
        c: &PluginConstraint,
        ctx: StepContext<'_>,
        candidates: &TokenMask,
        out: &mut TokenMask,
    ) -> Result<(), Error> {
        self.check_vocab(ctx.vocab)?;
        if let Some(failure) = &c.failure {
            return Err(Error::domain(&self.inner.name, failure.to_string()));
        }
        let Some(value) = &c.value else {
            out.fill(false);
            return Ok(());
        };
        let words = candidates.as_u32_words();
        let result = out.update_u32_words(|out| {
            self.inner
                .domain
                .token_mask(value, words.into(), out.into())
        });
        self.inner
            .call("token_mask", result)
            .map_err(|e| self.domain_error(e))
    }

    fn observe(
        &self,
        c: &PluginConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Result<PluginConstraint, Error> {
        self.check_vocab(ctx.vocab)?;
        ctx.vocab.try_token_bytes(token)?;
        let Some(value) = &c.value else {
            return Ok(c.clone());
        };
        let next = self
            .inner
            .call("observe", self.inner.domain.observe(value, token))
            .map_err(|e| self.domain_error(e))?;
        Ok(self.value(next))
    }

    fn explain(
        &self,
        c: &PluginConstraint,
        token: TokenId,
        ctx: StepContext<'_>,
    ) -> Option<String> {
        if let Some(failure) = &c.failure {
            return Some(failure.to_string());
        }
        if token as usize >= ctx.vocab.len() {
            return None;
        }
        let value = c.value.as_ref()?;
        match self
            .inner
            .call("explain", self.inner.domain.explain(value, token))
        {
            Ok(why) => why.into_option().map(RString::into_string),
            Err(e) => Some(e.to_string()),
        }
    }

    fn cost(&self) -> CostHint {
        CostHint {
            relative_cost: 0.05,
            keep_ratio: 0.99,
            scales_with_candidates: true,
        }
    }

    fn cache_key(&self, c: &PluginConstraint) -> Option<u64> {
        let value = c.value.as_ref()?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.inner.name.hash(&mut hasher);
        value.hash(&mut hasher);
        Some(hasher.finish())
    }
}
