//! Type-checks Python programs and prints the errors as JSON.
//!
//! ```text
//! cargo run -p ananke-types --example typecheck -- --jsonl FILE [--field source] [--id-field id]
//! cargo run -p ananke-types --example typecheck -- --file F.py
//! ```
//!
//! One JSON object per record (or one for the file):
//! `{"id": ..., "errors": [{"line": L, "col": C, "message": "...", "code": "..."}]}`.
//! A program that does not parse reports its syntax error as the only
//! error, with code `syntax`.

use std::process::ExitCode;

use ananke_types::check_source;
use serde_json::{Value, json};

fn report(id: Value, source: &str) -> Value {
    let errors: Vec<Value> = match check_source(source) {
        Ok(diagnostics) => diagnostics
            .iter()
            .map(|d| json!({"line": d.line, "col": d.col, "message": d.message, "code": d.code}))
            .collect(),
        Err(failure) => vec![
            json!({"line": failure.line, "col": failure.col, "message": failure.message, "code": "syntax"}),
        ],
    };
    json!({"id": id, "errors": errors})
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let field = flag("--field").unwrap_or_else(|| "source".into());
    let id_field = flag("--id-field").unwrap_or_else(|| "id".into());
    if let Some(path) = flag("--file") {
        return match std::fs::read_to_string(&path) {
            Ok(source) => {
                println!("{}", report(Value::String(path), &source));
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: cannot read {path}: {err}");
                ExitCode::from(2)
            }
        };
    }
    let Some(path) = flag("--jsonl") else {
        eprintln!("usage: typecheck (--file F.py | --jsonl FILE [--field source] [--id-field id])");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error: cannot read {path}: {err}");
            return ExitCode::from(2);
        }
    };
    let mut status = ExitCode::SUCCESS;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let record: Value = match serde_json::from_str(line) {
            Ok(record) => record,
            Err(err) => {
                eprintln!(
                    "error: {path}:{}: not a JSON record ({err}); skipped",
                    n + 1
                );
                status = ExitCode::from(1);
                continue;
            }
        };
        match record.get(&field).and_then(Value::as_str) {
            Some(source) => println!(
                "{}",
                report(
                    record.get(&id_field).cloned().unwrap_or(Value::Null),
                    source
                )
            ),
            None => {
                eprintln!(
                    "error: {path}:{}: no string field `{field}`; skipped",
                    n + 1
                );
                status = ExitCode::from(1);
            }
        }
    }
    status
}
