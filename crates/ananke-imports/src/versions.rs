//! [`VersionSet`]: a set of PEP 440 versions, closed under intersection and
//! union, with an exact emptiness test.
//!
//! Parsing is `pep440_rs`'s; the set algebra is `version-ranges` (pubgrub's
//! interval lists), with `pep440_rs` translating each specifier into
//! intervals by PEP 440's rules (`~=`, `==1.*`, the pre- and post-release
//! exclusions of `<` and `>`). We write neither by hand.

use std::fmt;
use std::ops::Bound;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifier};
use version_ranges::Ranges;

use crate::ParseError;

/// A set of versions of one package.
#[derive(Clone, PartialEq, Eq)]
pub struct VersionSet(Ranges<Version>);

impl VersionSet {
    /// Every version.
    pub fn any() -> VersionSet {
        VersionSet(Ranges::full())
    }

    /// No version.
    pub fn none() -> VersionSet {
        VersionSet(Ranges::empty())
    }

    /// Parses comma-separated PEP 440 specifiers (`>=1.0, <3`, `~=2.2`,
    /// `==1.*`, `!=1.5`), which all must hold. Alternatives are separated by
    /// `||` (`<1 || >=2`), an extension of PEP 440 that lets every set be
    /// written down. An empty text is an error, not "any version".
    pub fn parse(text: &str) -> Result<VersionSet, ParseError> {
        VersionSet::parse_at(text, 0)
    }

    pub(crate) fn parse_at(text: &str, offset: usize) -> Result<VersionSet, ParseError> {
        let mut ranges = Ranges::empty();
        let mut start = 0;
        for alternative in text.split("||") {
            let all = VersionSet::parse_all(alternative, offset + start)
                .map_err(|err| err.within(text))?;
            ranges = ranges.union(&all.0);
            start += alternative.len() + 2;
        }
        Ok(VersionSet(ranges))
    }

    /// One `||` alternative: specifiers that must all hold.
    fn parse_all(text: &str, offset: usize) -> Result<VersionSet, ParseError> {
        let mut ranges = Ranges::full();
        let mut start = 0;
        for piece in text.split(',') {
            let trimmed = piece.trim_start();
            let at = offset + start + (piece.len() - trimmed.len());
            let trimmed = trimmed.trim_end();
            if trimmed.is_empty() {
                return Err(ParseError::new(
                    text,
                    at,
                    "expected a version specifier such as `>=1.0`",
                ));
            }
            let specifier = VersionSpecifier::from_str(trimmed)
                .map_err(|err| ParseError::new(text, at, err.to_string()))?;
            ranges = ranges.intersection(&Ranges::from(specifier));
            start += piece.len() + 1;
        }
        Ok(VersionSet(ranges))
    }

    /// Versions in both.
    pub fn intersection(&self, other: &VersionSet) -> VersionSet {
        VersionSet(self.0.intersection(&other.0))
    }

    /// Versions in either.
    pub fn union(&self, other: &VersionSet) -> VersionSet {
        VersionSet(self.0.union(&other.0))
    }

    /// Whether no version is left.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every version is allowed.
    pub fn is_any(&self) -> bool {
        self.0 == Ranges::full()
    }

    /// Whether `version` is in the set.
    pub fn contains(&self, version: &Version) -> bool {
        self.0.contains(version)
    }
}

impl fmt::Display for VersionSet {
    /// PEP 440 notation, alternatives joined by ` || ` (see
    /// [`ImportPolicy`](crate::ImportPolicy)'s `Display` for where
    /// this is exact).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no version");
        }
        if self.is_any() {
            return f.write_str("any version");
        }
        for (i, (lo, hi)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" || ")?;
            }
            match (lo, hi) {
                (Bound::Included(a), Bound::Included(b)) if a == b => write!(f, "=={a}")?,
                _ => {
                    let lower = match lo {
                        Bound::Included(v) => Some(format!(">={v}")),
                        Bound::Excluded(v) => Some(format!(">{v}")),
                        Bound::Unbounded => None,
                    };
                    let upper = match hi {
                        Bound::Included(v) => Some(format!("<={v}")),
                        Bound::Excluded(v) => Some(format!("<{v}")),
                        Bound::Unbounded => None,
                    };
                    let parts: Vec<String> = lower.into_iter().chain(upper).collect();
                    f.write_str(&parts.join(", "))?;
                }
            }
        }
        Ok(())
    }
}

impl fmt::Debug for VersionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str) -> VersionSet {
        VersionSet::parse(text).unwrap()
    }

    fn v(text: &str) -> Version {
        Version::from_str(text).unwrap()
    }

    #[test]
    fn emptiness_is_decided_correctly() {
        assert!(set(">=2,<1").is_empty());
        assert!(!set("==1.*").intersection(&set(">=1.5")).is_empty());
        assert!(set("==1.*").intersection(&set(">=2")).is_empty());
        assert!(set("==1.0").intersection(&set("!=1.0")).is_empty());
        assert!(
            set("==1.0").intersection(&set("!=1.0.0")).is_empty(),
            "1.0 and 1.0.0 are one version"
        );
        assert!(!set("==1.0").intersection(&set("!=1.1")).is_empty());
        assert!(set("~=1.4").intersection(&set("<1.4")).is_empty());
        assert!(!set("~=1.4").intersection(&set(">=1.9")).is_empty());
        assert!(set("~=1.4").intersection(&set(">=2.0")).is_empty());
        assert!(set("~=1.4.2").intersection(&set(">=1.5")).is_empty());
        assert!(set("!=1.*").intersection(&set("==1.7")).is_empty());
        assert!(!set(">1.0,<1.1").is_empty());
        assert!(set(">1.0,<1.0").is_empty());
        assert!(set(">=1.0,<=1.0").contains(&v("1.0")));
    }

    #[test]
    fn pep_440_exclusions_hold() {
        // `<2` excludes pre-releases of 2; `>1.7` excludes post-releases of 1.7.
        assert!(!set("<2").contains(&v("2.0a1")));
        assert!(set("<2").contains(&v("1.9")));
        assert!(!set(">1.7").contains(&v("1.7.post1")));
        assert!(set(">1.7").contains(&v("1.7.1")));
        assert!(set("~=2.2").contains(&v("2.9")) && !set("~=2.2").contains(&v("3.0")));
    }

    #[test]
    fn union_and_display() {
        let either = set("<1").union(&set(">=2"));
        assert!(
            either.contains(&v("0.5")) && either.contains(&v("3")) && !either.contains(&v("1.5"))
        );
        assert_eq!(set(">=1.0,<3").to_string(), ">=1.0, <3");
        assert_eq!(either.to_string(), "<1 || >=2");
        assert_eq!(set(&either.to_string()), either);
        assert_eq!(set("!=1.*").to_string(), "<1.dev0 || >=2.dev0");
        assert_eq!(
            set(&set("~=1.5, !=1.7.*").to_string()),
            set("~=1.5, !=1.7.*")
        );
        assert_eq!(set("==1.2").to_string(), "==1.2");
        assert_eq!(VersionSet::any().to_string(), "any version");
        assert_eq!(set(">=3,<2").to_string(), "no version");
        assert!(set(">=1").union(&set("<2")).is_any());
    }

    #[test]
    fn errors_point_at_the_bad_specifier() {
        let err = VersionSet::parse(">=1.0, <>3").unwrap_err();
        assert_eq!(err.position, 7);
        let err = VersionSet::parse(">=1.0,,<3").unwrap_err();
        assert_eq!(err.position, 6);
        let err = VersionSet::parse("<1 || >=x").unwrap_err();
        assert_eq!((err.position, err.input.as_str()), (6, "<1 || >=x"));
        assert!(VersionSet::parse("<1 ||").is_err());
        assert!(VersionSet::parse("").is_err());
        assert!(
            VersionSet::parse("~=1").is_err(),
            "~= needs two release segments"
        );
        assert!(
            VersionSet::parse("1.0").is_err(),
            "a bare version has no operator"
        );
    }
}
