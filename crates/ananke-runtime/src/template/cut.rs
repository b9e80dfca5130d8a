//! Templates cut from finished code: one function's body, its first
//! statement, or the value of its last `return`, as a one-hole template
//! whose hole the original text fills — fill-in-the-middle tasks from any
//! typed program, and the test that every hole accepts its own text.

use ananke_pylex::{CLAUSE_KEYWORDS, TokenKind, tokenize};

use super::{HoleKind, Template};

/// The name of the hole of a [`Cut`].
pub const CUT_HOLE: &str = "hole";

/// A one-hole template cut from a program, and the text that was there.
#[derive(Clone, Debug)]
pub struct Cut {
    /// What the hole stands for.
    pub kind: HoleKind,
    /// The program with the hole marked ([`CUT_HOLE`]); a `return`
    /// value's hole expects the function's declared return type.
    pub template: Template,
    /// The text the hole replaced.
    pub text: String,
}

/// The function `name`'s body after its docstring, its first statement
/// there, and the value of its last `return` on one line (when it
/// declares a return type), each cut from `source` as a one-hole
/// template. A function that is not at column 0, or whose body is only
/// a docstring, gives nothing.
pub fn cuts(source: &str, name: &str) -> Vec<Cut> {
    let def_line = format!("def {name}(");
    let Some(def) = line_starts(source).find(|&s| source[s..].starts_with(&def_line)) else {
        return Vec::new();
    };
    let tokens = tokenize(source.as_bytes());
    let Some(header_end) = tokens
        .iter()
        .find(|t| t.start > def && t.kind == TokenKind::Newline)
        .map(|t| t.end)
    else {
        return Vec::new();
    };
    let header = &source[def..header_end];
    let body_end = line_starts(source)
        .find(|&s| {
            s > header_end && source[s..].starts_with(|c: char| !c.is_whitespace() && c != '#')
        })
        .unwrap_or(source.len());
    // The body's logical lines: (start of their line, column, first token).
    let logical: Vec<(usize, usize, &str)> = tokens
        .windows(2)
        .filter(|w| {
            matches!(
                w[0].kind,
                TokenKind::Newline | TokenKind::Indent | TokenKind::Dedent
            ) && !matches!(
                w[1].kind,
                TokenKind::Indent | TokenKind::Dedent | TokenKind::EndMarker
            )
        })
        .map(|w| w[1])
        .filter(|t| t.start >= header_end && t.start < body_end)
        .map(|t| {
            let line = source[..t.start].rfind('\n').map_or(0, |p| p + 1);
            (line, t.start - line, &source[t.start..t.end])
        })
        .collect();
    let Some(&(first_line, indent, _)) = logical.first() else {
        return Vec::new();
    };
    let pad = &source[first_line..first_line + indent];
    let mut statements: Vec<usize> = logical
        .iter()
        .filter(|(_, col, word)| *col == indent && !CLAUSE_KEYWORDS.contains(word))
        .map(|(line, _, _)| *line)
        .collect();
    if let Some(&first) = statements.first()
        && tokens
            .iter()
            .find(|t| t.start >= first + indent)
            .is_some_and(|t| t.kind == TokenKind::String)
    {
        statements.remove(0); // the docstring
    }
    let Some(&body_start) = statements.first() else {
        return Vec::new();
    };
    // A hole's text runs from the line break before its first line to
    // the end of its last line (see `Template::fill`); `end` is where the
    // line after it starts.
    let line_end = |end: usize| {
        if source[..end].ends_with('\n') {
            end - 1
        } else {
            end
        }
    };
    let cut = |kind: HoleKind, start: usize, code: &str, end: usize, text: &str| {
        let marked = format!(
            "{}{pad}{code}  # hole: {CUT_HOLE}{}",
            &source[..start],
            &source[line_end(end)..]
        );
        let template = Template::parse(&marked, |n| (n == CUT_HOLE).then_some(kind)).ok()?;
        Some(Cut {
            kind,
            template,
            text: text.to_owned(),
        })
    };
    let mut out = Vec::new();
    out.extend(cut(
        HoleKind::Body,
        body_start,
        "...",
        body_end,
        &source[body_start - 1..line_end(body_end)],
    ));
    let first_end = statements.get(1).copied().unwrap_or(body_end);
    out.extend(cut(
        HoleKind::Statement,
        body_start,
        "...",
        first_end,
        &source[body_start - 1..line_end(first_end)],
    ));
    let returns = header
        .rsplit_once("->")
        .map(|(_, r)| r.trim().trim_end_matches(':').trim().to_owned());
    let ends_logical_line = |end: usize| {
        tokens
            .iter()
            .any(|t| t.kind == TokenKind::Newline && t.end == end)
    };
    let last_return = statements.iter().rev().find_map(|&start| {
        let end = source[start..].find('\n')? + start + 1;
        let line = &source[start..end];
        let value = line
            .strip_prefix(&format!("{pad}return "))?
            .strip_suffix('\n')?;
        let plain = !value.contains(['#', ';']) && !value.trim().is_empty();
        (plain && ends_logical_line(end)).then_some((start, end, value))
    });
    if let (Some(returns), Some((start, end, value))) = (returns, last_return)
        && let Some(mut c) = cut(HoleKind::Expression, start, "return ...", end, value)
        && let Ok(expecting) = c.template.clone().expecting(CUT_HOLE, &returns)
    {
        c.template = expecting;
        out.push(c);
    }
    out
}

fn line_starts(source: &str) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_gives_its_body_first_statement_and_return_value() {
        let source = "import math\n\ndef f(x: float) -> float:\n    \"\"\"Doc.\"\"\"\n    y = math.sqrt(x)\n    if y > 1:\n        y -= 1\n    else:\n        y += 1\n    return y * 2\n\nprint(f(2.0))\n";
        let cuts = cuts(source, "f");
        let kinds: Vec<HoleKind> = cuts.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [HoleKind::Body, HoleKind::Statement, HoleKind::Expression]
        );
        for c in &cuts {
            assert_eq!(c.template.fill(CUT_HOLE, &c.text).unwrap().text(), source);
        }
        assert_eq!(cuts[1].text, "\n    y = math.sqrt(x)");
        assert_eq!(cuts[2].text, "y * 2");
        assert_eq!(
            cuts[2].template.hole(CUT_HOLE).unwrap().expected.as_deref(),
            Some("float")
        );
        assert!(super::cuts(source, "g").is_empty());
    }
}
