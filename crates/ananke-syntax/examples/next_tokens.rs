//! Shows what the typed-Python grammar allows after a prefix.
//!
//! ```text
//! cargo run -p ananke-syntax --example next_tokens -- 'def f(x: int) -> int:\n    return '
//! cargo run -p ananke-syntax --example next_tokens -- --backend xgrammar --vocab o200k_base 'x = ('
//! ```
//!
//! `\n` and `\t` in the prefix are read as newline and tab.

use std::process::ExitCode;
use std::time::Instant;

use ananke_core::{MeetSemilattice, TokenMask};
use ananke_syntax::{SyntaxDomain, SyntaxVocab, backend_by_name, python};

fn main() -> ExitCode {
    let mut backend = "llguidance".to_owned();
    let mut vocab_name = "cl100k_base".to_owned();
    let mut prefix = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--backend" => backend = args.next().unwrap_or_default(),
            "--vocab" => vocab_name = args.next().unwrap_or_default(),
            _ => prefix = Some(arg.replace("\\n", "\n").replace("\\t", "\t")),
        }
    }
    let Some(prefix) = prefix else {
        eprintln!(
            "usage: next_tokens [--backend llguidance|xgrammar] [--vocab cl100k_base|o200k_base] PREFIX"
        );
        return ExitCode::from(2);
    };
    match run(&backend, &vocab_name, &prefix) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(backend: &str, vocab_name: &str, prefix: &str) -> Result<(), ananke_syntax::SyntaxError> {
    let started = Instant::now();
    let vocab = SyntaxVocab::by_name(vocab_name)?;
    let domain = SyntaxDomain::new(backend_by_name(backend, &vocab)?);
    let mut constraint = domain.constraint(&python::grammar_for(backend), "python.lark")?;
    println!(
        "{backend} on {vocab_name}: ready in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    for token in vocab.encode(prefix) {
        constraint = constraint.observe(token)?;
        if constraint.is_bottom() {
            let text = String::from_utf8_lossy(&vocab.decode(&[token])).into_owned();
            println!("the grammar rejects the prefix at token {text:?}");
            return Ok(());
        }
    }
    let mut mask = TokenMask::new_empty(vocab.len());
    let started = Instant::now();
    constraint.mask(&TokenMask::new_full(vocab.len()), &mut mask)?;
    let elapsed = started.elapsed();
    println!(
        "{} of {} tokens allowed next (mask in {:.2} ms); complete program: {}",
        mask.count(),
        vocab.len(),
        elapsed.as_secs_f64() * 1e3,
        constraint.is_accepting()?
    );
    let sample: Vec<String> = mask
        .iter()
        .take(24)
        .map(|t| format!("{:?}", String::from_utf8_lossy(&vocab.decode(&[t]))))
        .collect();
    println!("first allowed: {}", sample.join(" "));
    let forced = constraint.forced_bytes()?;
    if !forced.is_empty() {
        println!("forced next: {:?}", String::from_utf8_lossy(&forced));
    }
    Ok(())
}
