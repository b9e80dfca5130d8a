//! `# type: ignore`: mypy reports nothing on a line that carries one
//! (with or without `[codes]`), and nothing at all in a module whose
//! first statement one precedes.
//!
//! A comment is one when CPython's tokenizer says so (`type_comments`):
//! it starts `#`, `type:` and `ignore` (blanks allowed around the colon)
//! and no letter or digit follows. The checker is more generous than
//! mypy in two ways, both of which can only hide an error, never invent
//! one: the codes in brackets are not compared (the checker's code for an
//! error need not be mypy's), and a comment silences every line of the
//! logical line it is on (mypy silences an error whose expression spans
//! the comment's line; which expression that is is mypy's business).

use ananke_pylex::{Class, PyLexer};

use super::Diagnostic;

/// The lines `# type: ignore` silences in a module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ignores {
    /// A comment before the first statement, or `# mypy: ignore-errors`
    /// on any line: nothing is reported.
    pub(crate) module: bool,
    /// `# mypy: ignore-errors` (which silences the module wherever it
    /// stands).
    pub(crate) configured: bool,
    /// 1-based lines, sorted.
    pub(crate) lines: Vec<u32>,
}

impl Ignores {
    /// Whether nothing in `source` is silenced (the common case: no
    /// comment mentions `type`), without lexing it.
    fn none_in(source: &str) -> bool {
        !source.contains("type") && !source.contains("mypy:")
    }

    /// What `source` silences.
    pub(crate) fn of(source: &str) -> Ignores {
        let mut found = Ignores::default();
        if Ignores::none_in(source) {
            return found;
        }
        let bytes = source.as_bytes();
        let mut lexer = PyLexer::default();
        let mut line = 1u32;
        // The first line of the logical line being read (once it has
        // code), and whether a comment in it silences it.
        let mut first_line: Option<u32> = None;
        let mut silenced = false;
        let mut seen_code = false;
        let mut comment: Option<usize> = None;
        let close = |found: &mut Ignores, first: Option<u32>, last: u32| {
            let from = first.unwrap_or(last);
            found.lines.extend(from..=last);
        };
        for (i, &b) in bytes.iter().enumerate() {
            let class = lexer.step(b);
            if class == Class::Comment {
                comment.get_or_insert(i);
            } else if let Some(start) = comment.take()
                && (silences(&source[start..i]) || ignores_module(source, start, i))
            {
                found.configured |= ignores_module(source, start, i);
                found.module |= !seen_code || found.configured;
                silenced = true;
            }
            if class.is_code() || matches!(class, Class::StringStart) {
                seen_code = true;
                first_line.get_or_insert(line);
            }
            if let Class::LineEnd { logical } = class
                && (logical || first_line.is_none())
            {
                if silenced {
                    close(&mut found, first_line, line);
                }
                silenced = false;
                first_line = None;
            }
            if b == b'\n' {
                line += 1;
            }
        }
        if let Some(start) = comment
            && (silences(&source[start..]) || ignores_module(source, start, source.len()))
        {
            found.configured |= ignores_module(source, start, source.len());
            found.module |= !seen_code || found.configured;
            silenced = true;
        }
        if silenced {
            close(&mut found, first_line, line);
        }
        found.lines.sort_unstable();
        found.lines.dedup();
        found
    }

    /// Whether a diagnostic on `line` is silenced.
    pub(crate) fn silences(&self, line: u32) -> bool {
        self.module || self.lines.binary_search(&line).is_ok()
    }

    /// `diagnostics` less those silenced.
    pub(crate) fn apply(&self, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        diagnostics.retain(|d| !self.silences(d.line));
        diagnostics
    }
}

/// `diagnostics` of `source` less those a `# type: ignore` silences.
pub(crate) fn unignored(source: &str, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if diagnostics.is_empty() || Ignores::none_in(source) {
        return diagnostics;
    }
    Ignores::of(source).apply(diagnostics)
}

/// Whether the comment `source[start..end]` is mypy's inline
/// configuration turning errors off for the whole module: `# mypy:
/// ignore-errors` at the first column, on any line (mypy reads every
/// such line).
fn ignores_module(source: &str, start: usize, end: usize) -> bool {
    (start == 0 || source.as_bytes()[start - 1] == b'\n') && ignores_errors(&source[start..end])
}

/// Whether a comment is `# mypy:` inline configuration with the
/// `ignore-errors` option (`# mypy: ignore-errors`, `# mypy:
/// ignore-errors=True`, among other options).
pub(crate) fn ignores_errors(comment: &str) -> bool {
    mypy_config(comment).is_some_and(|options| {
        options.split(',').any(|option| {
            let mut parts = option.splitn(2, '=');
            let name = parts.next().unwrap_or("").trim();
            let value = parts.next().map(str::trim);
            name == "ignore-errors" && value.is_none_or(|v| v.eq_ignore_ascii_case("true"))
        })
    })
}

/// Whether a comment turns checks off: it silences its line, or it is
/// `# mypy:` inline configuration (which may turn off any check, for the
/// whole module).
pub(crate) fn turns_checks_off(comment: &str) -> bool {
    silences(comment) || mypy_config(comment).is_some()
}

/// The options of a `# mypy:` inline configuration comment.
pub(crate) fn mypy_config(comment: &str) -> Option<&str> {
    comment.strip_prefix("# mypy:")
}

/// Whether a comment (from its `#` to the end of its line) silences its
/// line: a `# type: ignore`, or a type comment that ends with one (`#
/// type: int  # type: ignore`, which mypy reads out of the type comment).
pub(crate) fn silences(comment: &str) -> bool {
    is_type_ignore(comment)
        || type_comment(comment).is_some_and(|text| {
            text.match_indices('#')
                .any(|(i, _)| is_type_ignore(&text[i..]))
        })
}

/// The text of a type comment (`# type: T`) after `type:`.
pub(crate) fn type_comment(comment: &str) -> Option<&str> {
    comment
        .strip_prefix('#')?
        .trim_start_matches([' ', '\t'])
        .strip_prefix("type:")
}

/// Whether a comment (from its `#` to the end of its line) is a
/// `# type: ignore`, as CPython's tokenizer reads one.
pub(crate) fn is_type_ignore(comment: &str) -> bool {
    let blank = |s: &str| s.trim_start_matches([' ', '\t']).len();
    let Some(rest) = comment.strip_prefix('#') else {
        return false;
    };
    let rest = &rest[rest.len() - blank(rest)..];
    let Some(rest) = rest.strip_prefix("type:") else {
        return false;
    };
    let rest = &rest[rest.len() - blank(rest)..];
    let Some(rest) = rest.strip_prefix("ignore") else {
        return false;
    };
    !rest
        .bytes()
        .next()
        .is_some_and(|b| b >= 128 || b.is_ascii_alphanumeric())
}

/// Whether `text` (a module so far) has a `# type: ignore` before its
/// first code: mypy then reports nothing in the module.
pub(crate) fn module_ignored(text: &str) -> bool {
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\r', '\n', '\x0c']);
        if !rest.starts_with('#') {
            return false;
        }
        let end = rest.find('\n').unwrap_or(rest.len());
        let line = rest[..end].trim_end_matches('\r');
        let column_0 = text.len() == rest.len() || text[..text.len() - rest.len()].ends_with('\n');
        if silences(line) || (column_0 && ignores_errors(line)) {
            return true;
        }
        rest = &rest[end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_cpython_reads_as_type_ignores() {
        for yes in [
            "# type: ignore",
            "#type:ignore",
            "#\ttype:  ignore",
            "# type: ignore[attr-defined]",
            "# type: ignore  # why",
            "# type: ignore_",
        ] {
            assert!(is_type_ignore(yes), "{yes}");
        }
        for no in [
            "# type: ignored",
            "# type: int",
            "# noqa  # type: ignore",
            "# N: foo",
            "# type : ignore",
        ] {
            assert!(!is_type_ignore(no), "{no}");
        }
    }

    #[test]
    fn a_comment_silences_its_logical_line() {
        let source = "x = f(\n    1,  # type: ignore\n    2,\n)\ny = 1  # type: ignore\nz = '# type: ignore'\nw = 1  # type: int  # type: ignore[misc]\n";
        let found = Ignores::of(source);
        assert!(!found.module);
        assert_eq!(found.lines, [1, 2, 3, 4, 5, 7]);
    }

    #[test]
    fn codes_or_a_blank_may_follow_ignore_but_no_letter() {
        assert!(silences("# type: ignore[attr-defined]"));
        assert!(!silences("# type: ignored"));
    }

    #[test]
    fn mypy_inline_configuration_may_ignore_the_module_s_errors() {
        assert!(ignores_errors("# mypy: ignore-errors"));
        assert!(ignores_errors("# mypy: strict, ignore-errors = True"));
        assert!(!ignores_errors("# mypy: ignore-errors=False"));
        assert!(!ignores_errors("# mypy: disable-error-code=\"misc\""));
        assert!(
            !ignores_errors("#mypy: ignore-errors"),
            "mypy reads `# mypy:` only"
        );
        // At the first column of any line; not after code.
        let late = Ignores::of("x: int = 'a'\n# mypy: ignore-errors\n");
        assert!(late.module && late.configured);
        let after_code = Ignores::of("x: int = 'a'  # mypy: ignore-errors\n");
        assert!(!after_code.module);
        assert!(module_ignored(
            "# Copyright\n# mypy: ignore-errors\nx = 1\n"
        ));
        assert!(turns_checks_off("# mypy: disable-error-code=\"misc\""));
    }

    #[test]
    fn a_comment_before_the_first_statement_silences_the_module() {
        let source = "# comment\n# type: ignore\nx: int = 'a'\n";
        assert!(Ignores::of(source).module);
        assert!(module_ignored(source));
        assert!(!module_ignored("x = 1\n# type: ignore\n"));
        assert!(!Ignores::of("x = 1\n# type: ignore\n").module);
    }
}
