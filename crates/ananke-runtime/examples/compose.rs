//! Composes import constraints from the command line and shows the result
//! of propagating them, or the contradiction and where it came from.
//!
//! ```text
//! cargo run -p ananke-runtime --example compose -- "!os; pandas>=1.0,<3" "os.path; pandas>=2"
//! ```

use std::process::ExitCode;

use ananke_core::DynConstraint;
use ananke_imports::{ImportPolicy, ImportsConstraint, ImportsDomain};
use ananke_runtime::Registry;

fn main() -> ExitCode {
    let specs: Vec<String> = std::env::args().skip(1).collect();
    if specs.is_empty() {
        eprintln!("usage: compose SPEC [SPEC ...]   (e.g. \"!os; pandas>=1.0,<3\" \"math\")");
        return ExitCode::from(2);
    }
    let composition = match Registry::with_standard_domains().and_then(Registry::build) {
        Ok(c) => c,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let imports = composition
        .product()
        .id_of(ImportsDomain::NAME)
        .expect("the standard registry has the imports domain");
    let mut constraints = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        match ImportPolicy::parse(spec) {
            Ok(c) => {
                println!("spec {}: {c}", i + 1);
                constraints.push((
                    imports,
                    DynConstraint::new(ImportsConstraint::from(c)),
                    spec.as_str(),
                ));
            }
            Err(err) => {
                eprintln!("error in spec {}: {err}", i + 1);
                return ExitCode::from(2);
            }
        }
    }
    match composition.initial(constraints) {
        Ok(state) => {
            println!("combined: {state:?}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            println!("contradiction: {err}");
            ExitCode::FAILURE
        }
    }
}
