//! Reading a Python `def` header: the function's name, its parameters and
//! the sorts their annotations map to — what the reader needs to open the
//! contract's function, and what [`Signature::from_python_header`] builds
//! a signature from. Apart from the reader and from the formulas: it
//! parses Python (with ruff) but judges nothing, and a signature is SMT's
//! view of it.

use ananke_pylex::{Class, PyLexer};
use ruff_python_ast::{Expr, Stmt};

use crate::formula::{Signature, Sort};
use crate::python::range;

/// A parsed `def` header.
pub(crate) struct Header {
    pub name: String,
    pub params: Vec<(String, Sort)>,
    pub result: Option<Sort>,
}

/// The last `def` header in `text` (see [`crate::Signature::from_python_header`]).
pub(crate) fn parse_header(text: &str) -> Option<Header> {
    let start = text
        .match_indices("def ")
        .map(|(i, _)| i)
        .collect::<Vec<_>>()
        .into_iter()
        .rfind(|&i| {
            let before = text[..i].trim_end_matches([' ', '\t']);
            let before = before
                .strip_suffix("async")
                .map_or(before, |b| b.trim_end_matches([' ', '\t']));
            before.is_empty() || before.ends_with('\n')
        })?;
    let mut lexer = PyLexer::default();
    let mut end = None;
    for (i, b) in text.bytes().enumerate().skip(start) {
        let class = lexer.step(b);
        if class == Class::Op && b == b':' && lexer.depth() == 0 {
            end = Some(i);
            break;
        }
    }
    let source = format!("{}: pass", &text[start..end?]);
    let parsed = ruff_python_parser::parse_module(&source).ok()?;
    let Some(Stmt::FunctionDef(def)) = parsed.syntax().body.first() else {
        return None;
    };
    let sort = |annotation: &Option<Box<Expr>>| {
        annotation
            .as_deref()
            .map(|a| Sort::of_annotation(&source[range(a)]))
    };
    let params = def
        .parameters
        .iter_non_variadic_params()
        .map(|p| {
            (
                p.parameter.name.to_string(),
                sort(&p.parameter.annotation).unwrap_or(Sort::Obj),
            )
        })
        .collect();
    let result = match def.returns.as_deref() {
        None => None,
        Some(r) if matches!(&source[range(r)], "None") => None,
        Some(r) => Some(Sort::of_annotation(&source[range(r)])),
    };
    Some(Header {
        name: def.name.to_string(),
        params,
        result,
    })
}

impl Signature {
    /// The parameters of a Python `def` header (`def f(n: int, xs:
    /// List[int]) -> int:`) with their sorts, and `result` with the return
    /// annotation's sort (none when it returns `None` or has no
    /// annotation). `None` when `header` holds no `def`.
    pub fn from_python_header(header: &str) -> Option<Signature> {
        Signature::from_python_def(header).map(|(_, signature)| signature)
    }

    /// Like [`from_python_header`](Signature::from_python_header), with the
    /// function's name (which a contract names with
    /// [`Contract::for_function`](crate::Contract::for_function)).
    ///
    /// ```
    /// use ananke_semantics::{Signature, Sort};
    ///
    /// let (name, signature) = Signature::from_python_def("def f(n: int) -> bool:").unwrap();
    /// assert_eq!(name, "f");
    /// assert_eq!(signature.sort("result"), Some(Sort::Bool));
    /// ```
    pub fn from_python_def(header: &str) -> Option<(String, Signature)> {
        let parsed = parse_header(header)?;
        let mut signature = Signature::new();
        for (name, sort) in parsed.params.into_iter().filter(|(n, _)| n != "result") {
            signature = signature.with(&name, sort);
        }
        if let Some(sort) = parsed.result {
            signature = signature.with("result", sort);
        }
        Some((parsed.name, signature))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn headers() {
        let h = super::parse_header(
            "import math\ndef is_not_prime(n: int) -> bool:\n    \"\"\"Doc.\"\"\"\n    return n\n",
        )
        .unwrap();
        assert_eq!(h.name, "is_not_prime");
    }
}
