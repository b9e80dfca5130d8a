//! The checks behind the verdicts on events: what the type checker says
//! when a statement ends, a header's `:` comes, a call's `)` or `,` comes,
//! a bracket closes in a closed body, or a `def` header must declare the
//! types a contract gives it.
//!
//! Each takes the text with the event's leading bytes appended and its
//! scan, checks the smallest piece of code the event completes in the
//! statement's scope ([`ScopeCell`]), and memoises the answer there: the
//! states of one statement ask the same questions. They are apart from
//! [`Program`](super::program::Program), which decides which of them an
//! event asks, because they are pure functions of the text.

use ananke_pylex::is_name_byte;

use super::scope_cell::ScopeCell;
use super::sites::{
    DEFINING, MAX_DEPTH, brackets_in_statement, comprehension_capable, may_be_rebound, rebinds,
    statement, word,
};
use super::{Certain, Declared, Verdict};
use crate::check::{Ignores, Scope, module_ignored};
use crate::prefix::{PrefixScan, Tok, TokKind, head, is_non_value_keyword, primary_start, wrap};
use crate::types::Type;
use crate::world::Arg;

fn check(scope: &Scope, statement: &str) -> Verdict {
    match scope.check_statement(statement) {
        Some(diagnostics) => match diagnostics.first() {
            Some(d) => Err(d.message.clone().into()),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

/// The statement so far ends here. In a closed body (`closed`) a name the
/// statement reads must also be bound by then: nothing after the body
/// can bind it, and a name that mypy would call undefined at the end
/// cannot be mended by later code the model will not write — the same
/// rule the name sites apply as names are written, here for the reads
/// those sites had to leave open (inside brackets a comprehension could
/// still have bound them).
///
/// Where type errors are certain only [`AtLineEnd`](Certain::AtLineEnd),
/// an `if`, `while`, `for` or `with` header is judged here too, at the
/// end of its line (its colon judged nothing): a `# type: ignore` after
/// the colon silences it.
pub(crate) fn statement_end(
    text: &str,
    scan: &PrefixScan,
    cell: &ScopeCell,
    closed: bool,
    certain: Certain,
) -> Verdict {
    let (stmt, toks) = statement(text, scan);
    let (first, body) = head(stmt);
    let Some(last) = toks.last() else {
        return Ok(());
    };
    // A `# type: ignore` on the statement's lines (the comment is in the
    // text at the newline that ends it) silences its type errors, as
    // mypy; so does one before the module's first statement.
    let ignored = || {
        let found = Ignores::of(stmt);
        found.module || !found.lines.is_empty() || module_ignored(text)
    };
    if certain == Certain::AtLineEnd && word(stmt, last) == ":" && !ignored() {
        return header(&text[..scan.stmt_start + last.start], scan, cell);
    }
    // Headers are judged at their colon; definitions and decorators by
    // the module check; `match` / `case` not at all; nor the body an
    // `elif` or `else` holds on its line (`else: return x + 1` after `if x
    // is None: ...`), which runs under the negations of the tests before
    // it, that a statement checked alone would not know.
    if word(stmt, last) == ":"
        || body.starts_with('@')
        || matches!(
            first,
            "def" | "class" | "async" | "match" | "case" | "elif" | "else"
        )
        || toks.len() > 4096
        || max_depth(&toks) > MAX_DEPTH
    {
        return Ok(());
    }
    let statement = format!("{}\n", wrap(first, body.trim_end()));
    cell.memo(format!("end {statement}"), || {
        // The grammar may be looser than Python: its lexer reads a keyword
        // where Python reads a longer name (`"a"andx` as `"a" and x`), so
        // a statement it takes may not parse. It cannot end so.
        if ruff_python_parser::parse_module(&statement).is_err() {
            return Err("the statement does not parse as Python".into());
        }
        if ignored() {
            return Ok(());
        }
        match cell.get(text) {
            Some(scope) => check(&scope, &statement).and_then(|()| {
                if closed {
                    unbound_reads(&scope, &statement)
                } else {
                    Ok(())
                }
            }),
            None => Ok(()),
        }
    })
}

/// The innermost bracket closes, or takes a comma at its top level, next,
/// in a closed body (`closed`). Either way that bracket can no longer
/// take a comprehension; once no bracket around it can either, the names
/// read inside it are settled, and each must be bound — so
/// `max(values[i]` with no `i` in scope is rejected at its `)` or `,`,
/// not left to run on. Statements that bind names mid-way (a lambda,
/// `:=`, a `for` target) and brackets that may be assignment targets are
/// left to the statement's end.
pub(crate) fn settled_reads(
    text: &str,
    scan: &PrefixScan,
    cell: &ScopeCell,
    closed: bool,
) -> Verdict {
    if !closed {
        return Ok(());
    }
    let (stmt, toks) = statement(text, scan);
    let brackets = brackets_in_statement(scan);
    let (Some(&open), Some(first)) = (brackets.last(), toks.first()) else {
        return Ok(());
    };
    let outer = &brackets[..brackets.len() - 1];
    // A bracket that may still be an assignment target: at the start of
    // the statement, or after a comma or `*` at its top level.
    let target = toks
        .iter()
        .position(|t| t.start == brackets[0])
        .is_none_or(|i| {
            i == 0 || matches!(toks[i - 1].kind, TokKind::Comma) || word(stmt, &toks[i - 1]) == "*"
        });
    if DEFINING.contains(&word(stmt, first))
        || matches!(word(stmt, first), "for" | "with" | "except")
        || stmt.trim_start().starts_with('@')
        || target
        // A lambda or `:=` binds names the bracket may read; a
        // comprehension inside the bracket is read whole below, and one
        // around it keeps its bracket comprehension-capable.
        || toks.iter().any(|t| matches!(word(stmt, t), "lambda" | ":="))
        // Inside a comprehension's target (`for (a, b` before its `in`).
        || toks
            .iter()
            .rposition(|t| word(stmt, t) == "for")
            .is_some_and(|f| !toks[f..].iter().any(|t| word(stmt, t) == "in"))
        || outer.iter().any(|&o| comprehension_capable(&toks, o))
        || max_depth(&toks) > MAX_DEPTH
    {
        return Ok(());
    }
    let inner = &stmt[open..];
    let expr = match stmt.as_bytes()[open] {
        b'{' => format!("_ananke = {inner}}}\n"),
        b'[' => format!("_ananke = _ananke{inner}]\n"),
        _ => format!("_ananke = _ananke{inner})\n"),
    };
    cell.memo(format!("close {expr}"), || match cell.get(text) {
        _ if module_ignored(text) => Ok(()),
        Some(scope) => unbound_reads(&scope, &expr),
        None => Ok(()),
    })
}

/// The first name `statement` reads that neither it nor `scope` binds
/// (builtins and module globals aside).
fn unbound_reads(scope: &Scope, statement: &str) -> Verdict {
    if matches!(first_word(statement), "global" | "nonlocal" | "del") {
        return Ok(());
    }
    let Ok(parsed) = ruff_python_parser::parse_module(statement) else {
        return Ok(());
    };
    let facts = crate::flow::scan_names(&parsed.syntax().body);
    if facts.star_import {
        return Ok(());
    }
    let db = crate::stubs::TypeDb::stdlib();
    for (name, _) in &facts.loads {
        if facts.bound.contains(name)
            || scope.binds(name)
            || crate::flow::MODULE_GLOBALS.contains(name)
            || db.builtin(name).is_some()
        {
            continue;
        }
        return Err(format!("Name \"{name}\" is not defined  [name-defined]").into());
    }
    Ok(())
}

fn first_word(statement: &str) -> &str {
    let body = statement.trim_start();
    let end = body
        .bytes()
        .position(|b| !is_name_byte(b))
        .unwrap_or(body.len());
    &body[..end]
}

/// A header's colon comes next.
pub(crate) fn header(text: &str, scan: &PrefixScan, cell: &ScopeCell) -> Verdict {
    let (stmt, toks) = statement(text, scan);
    let (first, body) = head(stmt);
    // An `elif` is read after the negations of the tests before it, which
    // a header checked alone would not know (`if x is None: ... elif x >
    // 0:`): the finished module judges it.
    if !matches!(first, "if" | "while" | "for" | "with") || max_depth(&toks) > MAX_DEPTH {
        return Ok(());
    }
    let statement = format!("{}:\n    pass\n", wrap(first, body.trim_end()));
    cell.memo(format!("header {statement}"), || match cell.get(text) {
        _ if module_ignored(text) => Ok(()),
        Some(scope) => check(&scope, &statement),
        None => Ok(()),
    })
}

/// A `def` header's colon comes next: its annotations must be the types
/// `declared` for that function (a parameter left unannotated says
/// nothing against them).
pub(crate) fn declarations(text: &str, scan: &PrefixScan, declared: &[Declared]) -> Verdict {
    if declared.is_empty() {
        return Ok(());
    }
    let (stmt, _) = statement(text, scan);
    let (first, body) = head(stmt);
    if !matches!(first, "def" | "async") {
        return Ok(());
    }
    let def = format!("{}: pass\n", body.trim_end());
    let Ok(parsed) = ruff_python_parser::parse_module(&def) else {
        return Ok(());
    };
    let Some(ruff_python_ast::Stmt::FunctionDef(f)) = parsed.syntax().body.first() else {
        return Ok(());
    };
    let source = |e: &ruff_python_ast::Expr| {
        use ruff_text_size::Ranged;
        def[e.range()]
            .trim_matches(|c| c == '"' || c == '\'')
            .trim()
    };
    for d in declared.iter().filter(|d| d.function == f.name.as_str()) {
        let (what, annotation) = match &d.param {
            Some(name) => {
                let Some(p) = f
                    .parameters
                    .iter_non_variadic_params()
                    .find(|p| p.parameter.name.as_str() == name)
                else {
                    return Err(format!(
                        "`{}` must have a parameter `{name}` (the contract names it)  [semantics]",
                        d.function
                    )
                    .into());
                };
                (
                    format!("parameter `{name}`"),
                    p.parameter.annotation.as_deref(),
                )
            }
            None => ("the return value".to_owned(), f.returns.as_deref()),
        };
        if let Some(a) = annotation.filter(|a| source(a) != d.annotation) {
            return Err(format!(
                "the contract takes {what} of `{}` as \"{}\", but the definition declares \"{}\"  [semantics]",
                d.function,
                d.annotation,
                source(a)
            )
            .into());
        }
    }
    Ok(())
}

fn max_depth(toks: &[Tok]) -> usize {
    let mut depth = 0usize;
    let mut max = 0;
    for t in toks {
        match t.kind {
            TokKind::Open => {
                depth += 1;
                max = max.max(depth);
            }
            TokKind::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Whether an expression of this type may have a narrower type where it
/// stands than in the scope before the statement: a union (`Optional`
/// included) or `object`, which `isinstance`, `is not None` and truth
/// tests narrow in `and`, `or`, conditional expressions and
/// comprehensions.
fn narrowable(ty: &Type) -> bool {
    matches!(ty, Type::Union(_)) || ty.is_instance_of("builtins.object")
}

/// A call's `)` (`close`) or `,` comes next.
pub(crate) fn call(text: &str, scan: &PrefixScan, cell: &ScopeCell, close: bool) -> Verdict {
    let (stmt, _) = statement(text, scan);
    let question = format!("call {}{}", stmt.trim_end(), if close { ")" } else { "," });
    cell.memo(question, || {
        if module_ignored(text) {
            return Ok(());
        }
        call_verdict(text, scan, cell, close)
    })
}

fn call_verdict(text: &str, scan: &PrefixScan, cell: &ScopeCell, close: bool) -> Verdict {
    let Some(&(b'(', open)) = scan.brackets.last() else {
        return Ok(());
    };
    if open < scan.stmt_start || scan.brackets.len() > MAX_DEPTH {
        return Ok(());
    }
    let (stmt, toks) = statement(text, scan);
    if rebinds(stmt, &toks) {
        return Ok(());
    }
    let open = open - scan.stmt_start;
    let Some(paren) = toks.iter().position(|t| t.start == open) else {
        return Ok(());
    };
    if paren == 0 {
        return Ok(());
    }
    let callee_end = paren - 1;
    let c = toks[callee_end];
    let callable = match c.kind {
        TokKind::Name => !is_non_value_keyword(word(stmt, &c)),
        TokKind::Close | TokKind::String => true,
        _ => false,
    };
    if !callable {
        return Ok(());
    }
    let Some(start) = primary_start(stmt, &toks, callee_end) else {
        return Ok(());
    };
    if start > 0 && matches!(word(stmt, &toks[start - 1]), "def" | "class") {
        return Ok(());
    }
    // The pieces between top-level commas.
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut piece_start = paren + 1;
    for (i, t) in toks.iter().enumerate().skip(paren + 1) {
        match t.kind {
            TokKind::Open => depth += 1,
            TokKind::Close => depth = depth.saturating_sub(1),
            TokKind::Comma if depth == 0 => {
                pieces.push((piece_start, i));
                piece_start = i + 1;
            }
            _ => {}
        }
    }
    if piece_start < toks.len() {
        pieces.push((piece_start, toks.len()));
    } else if !close {
        // `f(a,` then `,`: a syntax error, not ours to judge.
        return Ok(());
    }
    let mut outer = brackets_in_statement(scan);
    outer.pop();
    if may_be_rebound(&toks, &outer, &toks[start..]) {
        return Ok(());
    }
    let Some(scope) = cell.get(text) else {
        return Ok(());
    };
    let callee = &stmt[toks[start].start..c.end];
    let Some(callee_ty) = cell.infer(&scope, callee) else {
        return Ok(());
    };
    let mut args = Vec::with_capacity(pieces.len());
    for &(a, b) in &pieces {
        let piece = &toks[a..b];
        let Some(first) = piece.first() else {
            return Ok(());
        };
        if word(stmt, first).starts_with('*') {
            return Ok(());
        }
        let keyword =
            (piece.len() >= 2 && first.kind == TokKind::Name && word(stmt, &piece[1]) == "=")
                .then(|| word(stmt, first));
        let value_from = if keyword.is_some() { 2 } else { 0 };
        let Some(value_first) = piece.get(value_from) else {
            return Ok(());
        };
        let value = &stmt[value_first.start..piece[piece.len() - 1].end];
        let Some(ty) = cell.infer(&scope, value) else {
            return Ok(());
        };
        // A value that the rest of the statement may narrow (`isinstance(x,
        // tuple) and len(x)`, `len(x) if x is not None else 0`): the
        // statement's end judges it, with the narrowing.
        if narrowable(&ty) {
            return Ok(());
        }
        // A literal display or a `list(...)` takes its type from the
        // parameter it is passed to (`{None: [m]}` for `dict[str | None,
        // list[str]]`), which this reading does not give it: the
        // statement's end judges it, in that context.
        let contextual = matches!(value.as_bytes()[0], b'[' | b'{' | b'(')
            || ["lambda", "list(", "set(", "frozenset(", "dict("]
                .iter()
                .any(|p| value.starts_with(p));
        let ty = if contextual { Type::Any } else { ty };
        args.push(Arg {
            keyword: keyword.map(Into::into),
            unpacked: false,
            ty,
            exact: false,
        });
    }
    let world = scope.world();
    if close {
        if let (_, Some(error)) = world.call(&callee_ty, &args) {
            return Err(format!("the call `{callee}(...)` cannot type-check: {error:?}").into());
        }
    } else if !world.call_prefix_feasible(&callee_ty, &args) {
        return Err(format!(
            "no signature of `{callee}` accepts these first {} argument(s)",
            args.len()
        )
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan of `text` and the cell of its last statement.
    fn read(text: &str) -> (PrefixScan, ScopeCell) {
        let mut scan = PrefixScan::default();
        scan.feed(text.as_bytes());
        let cell = ScopeCell::new(scan.stmt_start, None);
        (scan, cell)
    }

    fn end(text: &str, closed: bool) -> Verdict {
        let (scan, cell) = read(text);
        statement_end(text, &scan, &cell, closed, Certain::AsWritten)
    }

    fn reason(verdict: Verdict) -> String {
        verdict.unwrap_err().to_string()
    }

    const DEF: &str = "def f(n: int) -> str:\n";

    #[test]
    fn a_statement_is_checked_in_the_scope_before_it() {
        assert!(reason(end(&format!("{DEF}    return n"), false)).contains("Incompatible return"));
        assert!(end(&format!("{DEF}    return str(n)"), false).is_ok());
        assert!(reason(end(&format!("{DEF}    return n +"), false)).contains("does not parse"));
        // In a closed body a name read must be bound by its statement's end.
        let unbound = reason(end(&format!("{DEF}    return str(m)"), true));
        assert!(unbound.contains("\"m\" is not defined"));
        assert!(end(&format!("{DEF}    return str(m)"), false).is_ok());
        assert!(reason(end(&format!("{DEF}    x: int = ''"), false)).contains("Incompatible"));
    }

    #[test]
    fn headers_and_calls_are_checked_once_complete() {
        let text = format!("{DEF}    if n + \"a\"");
        let (scan, cell) = read(&text);
        assert!(reason(header(&text, &scan, &cell)).contains("Unsupported operand"));
        let text = format!("{DEF}    x = len(n");
        let (scan, cell) = read(&text);
        assert!(reason(call(&text, &scan, &cell, true)).contains("cannot type-check"));
        let text = format!("{DEF}    x = len(str(n)");
        let (scan, cell) = read(&text);
        assert!(call(&text, &scan, &cell, true).is_ok());
    }

    #[test]
    fn a_definition_declares_what_a_contract_needs() {
        let declared = [Declared {
            function: "g".into(),
            param: Some("k".into()),
            annotation: "int".into(),
        }];
        let verdict = |text: &str| {
            let (scan, _) = read(text);
            declarations(text, &scan, &declared)
        };
        assert!(verdict("def g(k: int) -> int").is_ok());
        assert!(
            verdict("def g(k) -> int").is_ok(),
            "unannotated says nothing"
        );
        assert!(reason(verdict("def g(k: str) -> int")).contains("declares \"str\""));
        assert!(reason(verdict("def g(j: int) -> int")).contains("must have a parameter `k`"));
    }
}
