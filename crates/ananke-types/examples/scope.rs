//! The types of expressions where a module's text stops: what a verdict
//! on the next statement would see (a tool for finding why a valid
//! program is refused).
//!
//! ```text
//! cargo run -p ananke-types --example scope -- PREFIX.py INDENT EXPR...
//! ```
//!
//! `INDENT` is the indentation of the statement that would come next (`""`
//! at module level, four spaces in a function body).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, indent, exprs @ ..] = args.as_slice() else {
        eprintln!("usage: scope PREFIX.py INDENT EXPR...");
        std::process::exit(2);
    };
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let Some(scope) = ananke_types::scope_at(&source, indent) else {
        eprintln!("{path}: no scope (the text does not parse up to here)");
        std::process::exit(1);
    };
    for expr in exprs {
        match scope.infer(expr) {
            Some(ty) => println!("{expr}: {ty}"),
            None => println!("{expr}: (does not parse)"),
        }
    }
}
