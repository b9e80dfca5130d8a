//! Placeholder values of a declared return type: what the decoder writes
//! after `return` when the model's own attempts to finish a reply have run
//! out (see [`crate::decode::Stop::Rescued`]).
//!
//! The value only has to be one the constraints accept: the session
//! validates it token by token before it is committed, so a placeholder
//! guessed wrong is refused, never written. The candidates are the empty
//! or zero value of the annotation's type, then a fixed list.

use ruff_python_ast::Expr;

/// Values tried when the annotation's own placeholder is refused.
const FALLBACKS: [&str; 9] = [
    "None", "0", "[]", "{}", "\"\"", "False", "0.0", "()", "set()",
];

/// The candidate values for a function returning `annotation` (its source
/// text; `None` when unannotated), best first, without repeats.
///
/// ```
/// use ananke_model::placeholder::placeholders;
///
/// let values = placeholders(Some("Tuple[int, List[str]]"));
/// assert_eq!(values[0], "(0, [])");
/// assert!(values.contains(&"None".to_owned()));
/// ```
pub fn placeholders(annotation: Option<&str>) -> Vec<String> {
    let own = annotation
        .and_then(|text| ruff_python_parser::parse_expression(text).ok())
        .and_then(|parsed| value_of(parsed.expr()));
    let mut values: Vec<String> = own.into_iter().collect();
    for fallback in FALLBACKS {
        if !values.iter().any(|v| v == fallback) {
            values.push(fallback.to_owned());
        }
    }
    values
}

/// The last component of a (dotted) type name.
fn type_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.id.as_str()),
        Expr::NoneLiteral(_) => Some("None"),
        _ => None,
    }
}

/// The empty or zero value of the type `expr` names.
fn value_of(expr: &Expr) -> Option<String> {
    if let Expr::BinOp(b) = expr {
        // `X | None` (and `None | X`): None fits it; else the left member.
        return match (type_name(&b.left), type_name(&b.right)) {
            (Some("None"), _) | (_, Some("None")) => Some("None".into()),
            _ => value_of(&b.left),
        };
    }
    if let Expr::Subscript(s) = expr {
        let args: Vec<&Expr> = match &*s.slice {
            Expr::Tuple(t) => t.elts.iter().collect(),
            one => vec![one],
        };
        return match type_name(&s.value)? {
            "Optional" => Some("None".into()),
            "Union" => value_of(args.first()?),
            "Tuple" | "tuple" => {
                if args.iter().any(|a| matches!(a, Expr::EllipsisLiteral(_))) {
                    return Some("()".into());
                }
                let items: Option<Vec<String>> = args.iter().map(|a| value_of(a)).collect();
                Some(match items?.as_slice() {
                    [one] => format!("({one},)"),
                    items => format!("({})", items.join(", ")),
                })
            }
            _ => bare(type_name(&s.value)?),
        };
    }
    if let Expr::StringLiteral(s) = expr {
        // A forward reference: the annotation inside the quotes.
        let inner = s.value.to_str();
        let parsed = ruff_python_parser::parse_expression(inner).ok()?;
        return value_of(parsed.expr());
    }
    bare(type_name(expr)?)
}

/// The placeholder of a type named without (or regardless of) its
/// arguments.
fn bare(name: &str) -> Option<String> {
    Some(
        match name {
            "int" => "0",
            "float" => "0.0",
            "complex" => "0j",
            "str" => "\"\"",
            "bytes" => "b\"\"",
            "bool" => "False",
            "None" | "Any" | "object" | "Optional" => "None",
            "list" | "List" | "Sequence" | "MutableSequence" | "Iterable" | "Collection" => "[]",
            "dict" | "Dict" | "Mapping" | "MutableMapping" => "{}",
            "set" | "Set" | "AbstractSet" | "MutableSet" => "set()",
            "frozenset" | "FrozenSet" => "frozenset()",
            "tuple" | "Tuple" => "()",
            "Iterator" => "iter([])",
            _ => return None,
        }
        .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_annotation_then_the_fallbacks() {
        let first = |a: &str| placeholders(Some(a))[0].clone();
        assert_eq!(first("int"), "0");
        assert_eq!(first("List[int]"), "[]");
        assert_eq!(first("typing.Dict[str, int]"), "{}");
        assert_eq!(first("Optional[List[int]]"), "None");
        assert_eq!(first("int | None"), "None");
        assert_eq!(first("Union[str, int]"), "\"\"");
        assert_eq!(first("Tuple[int]"), "(0,)");
        assert_eq!(first("Tuple[int, ...]"), "()");
        assert_eq!(first("tuple[float, Set[int]]"), "(0.0, set())");
        assert_eq!(first("'List[str]'"), "[]");
        // A type it has no value for: the fallbacks alone, in order.
        assert_eq!(
            placeholders(Some("Counter[str]")),
            FALLBACKS.map(String::from)
        );
        assert_eq!(placeholders(None), FALLBACKS.map(String::from));
        let values = placeholders(Some("str"));
        assert_eq!(values.iter().filter(|v| *v == "\"\"").count(), 1);
    }
}
