//! Bad input: unparsable source is an error with a position, and
//! pathological nesting is an error or a result, never a stack overflow.

use ananke_types::check_source;

#[test]
fn unparsable_source_reports_its_position() {
    let err = check_source("def f(x: int) -> int:\n    return (x +\n").unwrap_err();
    assert_eq!(err.line, 3, "{err}");
    let err = check_source("x = 1\ny = = 2\n").unwrap_err();
    assert_eq!((err.line, err.col), (2, 5), "{err}");
    assert!(err.to_string().starts_with("2:5: syntax error"), "{err}");
}

#[test]
fn pathological_nesting_is_handled() {
    let n = 10_000;
    let brackets = format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n));
    let err = check_source(&brackets).unwrap_err();
    assert!(err.message.contains("too many nested parentheses"), "{err}");
    let lists = format!("x = {}{}\n", "[".repeat(n), "]".repeat(n));
    assert!(check_source(&lists).is_err());
    // Long flat chains and deep operator nesting: a result, no overflow.
    for source in [
        format!("x = {}1\n", "1 + ".repeat(n)),
        format!("x = {}1\n", "-".repeat(n)),
        format!("x = {}True\n", "not ".repeat(n)),
        format!("x = {}0\n", "1 if True else ".repeat(n)),
        format!("f = {}0\n", "lambda: ".repeat(n)),
        format!("x = 1{}\n", ".real".repeat(n)),
    ] {
        let started = std::time::Instant::now();
        let result = check_source(&source);
        assert!(started.elapsed().as_secs() < 10, "slow on {:.20}", source);
        if let Ok(diagnostics) = result {
            assert!(diagnostics.len() < 5, "{:.30}: {diagnostics:?}", source);
        }
    }
}
