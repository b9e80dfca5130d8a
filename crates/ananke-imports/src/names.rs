//! Validated names: Python module paths and Python package (distribution)
//! names.

use std::fmt;
use std::sync::Arc;

use ananke_pylex::is_keyword;

use crate::ParseError;
use crate::scan::MAX_NAME;

/// An absolute, dotted Python module path such as `os.path`.
///
/// Each component is a Python identifier that is not a keyword. Ordering is
/// by text, so a module sorts right before its submodules.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleName(Arc<str>);

impl ModuleName {
    /// Parses a dotted module path. Errors name the offending byte offset.
    pub fn parse(text: &str) -> Result<ModuleName, ParseError> {
        ModuleName::parse_at(text, 0)
    }

    /// Like [`parse`](ModuleName::parse), reporting positions shifted by
    /// `offset` (the name's place inside a longer spec).
    pub(crate) fn parse_at(text: &str, offset: usize) -> Result<ModuleName, ParseError> {
        if text.is_empty() {
            return Err(ParseError::new(text, offset, "expected a module name"));
        }
        if text.len() > MAX_NAME {
            return Err(ParseError::new(
                text,
                offset,
                format!("a module name longer than {MAX_NAME} bytes is not supported"),
            ));
        }
        let mut start = 0;
        for component in text.split('.') {
            check_identifier(component)
                .map_err(|(at, message)| ParseError::new(text, offset + start + at, message))?;
            start += component.len() + 1;
        }
        Ok(ModuleName(text.into()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `self` is `ancestor` or one of its submodules
    /// (`os.path` is within `os`; `osx` is not).
    pub fn is_within(&self, ancestor: &ModuleName) -> bool {
        let (me, them) = (self.as_str(), ancestor.as_str());
        me == them || (me.starts_with(them) && me.as_bytes().get(them.len()) == Some(&b'.'))
    }

    /// The last component (`path` for `os.path`).
    pub fn last_component(&self) -> &str {
        self.as_str().rsplit('.').next().unwrap_or_default()
    }

    /// The top-level package (`os` for `os.path`).
    pub fn top_level(&self) -> &str {
        self.as_str().split('.').next().unwrap_or_default()
    }
}

fn check_identifier(component: &str) -> Result<(), (usize, String)> {
    let mut chars = component.char_indices();
    let Some((_, first)) = chars.next() else {
        return Err((0, "empty module name component".to_owned()));
    };
    if !(first == '_' || first.is_alphabetic()) {
        return Err((0, format!("`{first}` cannot start a Python identifier")));
    }
    if let Some((at, bad)) = chars.find(|&(_, c)| !(c == '_' || c.is_alphanumeric())) {
        return Err((at, format!("`{bad}` cannot appear in a Python identifier")));
    }
    if is_keyword(component.as_bytes()) {
        return Err((0, format!("`{component}` is a Python keyword")));
    }
    Ok(())
}

impl std::borrow::Borrow<str> for ModuleName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ModuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ModuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A package (distribution) name, normalised as PEP 503 prescribes:
/// lower case, runs of `-`, `_` and `.` folded into one `-`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageName(Arc<str>);

impl PackageName {
    /// Parses and normalises a package name (`Scikit_Learn` →
    /// `scikit-learn`).
    pub fn parse(text: &str) -> Result<PackageName, ParseError> {
        PackageName::parse_at(text, 0)
    }

    pub(crate) fn parse_at(text: &str, offset: usize) -> Result<PackageName, ParseError> {
        let bytes = text.as_bytes();
        let Some(&first) = bytes.first() else {
            return Err(ParseError::new(text, offset, "expected a package name"));
        };
        if let Some(at) = text
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .map(|(at, _)| at)
        {
            return Err(ParseError::new(
                text,
                offset + at,
                "package names hold only ASCII letters, digits, `-`, `_` and `.`",
            ));
        }
        let last = bytes[bytes.len() - 1];
        if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
            let at = if first.is_ascii_alphanumeric() {
                text.len() - 1
            } else {
                0
            };
            return Err(ParseError::new(
                text,
                offset + at,
                "package names start and end with a letter or digit",
            ));
        }
        let mut normal = String::with_capacity(text.len());
        let mut in_separator = false;
        for c in text.chars() {
            if matches!(c, '-' | '_' | '.') {
                if !in_separator {
                    normal.push('-');
                }
                in_separator = true;
            } else {
                normal.push(c.to_ascii_lowercase());
                in_separator = false;
            }
        }
        Ok(PackageName(normal.into()))
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names() {
        let os_path = ModuleName::parse("os.path").unwrap();
        let os = ModuleName::parse("os").unwrap();
        assert!(os_path.is_within(&os));
        assert!(os.is_within(&os));
        assert!(!os.is_within(&os_path));
        assert!(!ModuleName::parse("osx").unwrap().is_within(&os));
        assert_eq!(os_path.top_level(), "os");
        assert!(ModuleName::parse("_private.ünïcode9").is_ok());
        let err = ModuleName::parse("os..path").unwrap_err();
        assert_eq!(err.position, 3);
        let err = ModuleName::parse("a.class").unwrap_err();
        assert_eq!(err.position, 2);
        assert!(err.message.contains("keyword"), "{err}");
        let err = ModuleName::parse("os.pa-th").unwrap_err();
        assert_eq!(err.position, 5);
        assert!(ModuleName::parse("9lives").is_err());
        assert!(ModuleName::parse("").is_err());
    }

    #[test]
    fn package_names_normalise() {
        assert_eq!(
            PackageName::parse("Scikit__Learn").unwrap().as_str(),
            "scikit-learn"
        );
        assert_eq!(
            PackageName::parse("zope.interface").unwrap().as_str(),
            "zope-interface"
        );
        assert_eq!(PackageName::parse("-x").unwrap_err().position, 0);
        assert_eq!(PackageName::parse("x-").unwrap_err().position, 1);
        assert_eq!(PackageName::parse("a b").unwrap_err().position, 1);
    }
}
