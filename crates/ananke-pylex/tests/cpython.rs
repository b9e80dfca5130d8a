//! The lexer against CPython's own `tokenize` on real Python: the typed
//! MBPP programs and their mutants, and modules of the standard library of
//! the `python3` in use (a sample here; every module with
//! `ANANKE_STDLIB=all`). Fed whole or in arbitrary chunks, the tokens are
//! the same.

use ananke_pylex::{Token, TokenKind, Tokenizer, tokenize};
use proptest::prelude::*;

/// CPython's tokens for each source, as `[kind, start, end]` with byte
/// offsets; `null` for a source CPython cannot compile. f-strings are one
/// `STRING` token, as in 3.11 (a newer tokenize splits them; they are
/// joined back).
const SCRIPT: &str = r#"
import io, json, sys, tokenize
out = []
for src in json.load(sys.stdin):
    try:
        compile(src, "<src>", "exec")
    except (SyntaxError, ValueError):
        out.append(None)
        continue
    lines = io.StringIO(src).readlines()
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.encode()))
    def offset(row, col):
        if row - 1 >= len(lines):
            return starts[-1]
        return starts[row - 1] + len(lines[row - 1][:col].encode())
    toks, fstring = [], None
    for t in tokenize.generate_tokens(io.StringIO(src).readline):
        kind = tokenize.tok_name[t.type]
        start, end = offset(*t.start), offset(*t.end)
        if kind == "FSTRING_START":
            if fstring is None:
                fstring = [0, start]
            fstring[0] += 1
            continue
        if fstring is not None:
            if kind == "FSTRING_END":
                fstring[0] -= 1
                if fstring[0] == 0:
                    toks.append(["STRING", fstring[1], end])
                    fstring = None
            continue
        toks.append([kind, start, end])
    out.append(toks)
json.dump(out, sys.stdout)
"#;

fn name(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Name => "NAME",
        TokenKind::Number => "NUMBER",
        TokenKind::String => "STRING",
        TokenKind::Op => "OP",
        TokenKind::Comment => "COMMENT",
        TokenKind::Newline => "NEWLINE",
        TokenKind::Nl => "NL",
        TokenKind::Indent => "INDENT",
        TokenKind::Dedent => "DEDENT",
        TokenKind::EndMarker => "ENDMARKER",
        TokenKind::Error => "ERRORTOKEN",
    }
}

fn ours(source: &str) -> Vec<(String, usize, usize)> {
    tokenize(source.as_bytes())
        .into_iter()
        .map(|t| (name(t.kind).to_owned(), t.start, t.end))
        .collect()
}

/// Sources that CPython compiles and whose tokens differ from ours: a
/// description of the first difference in each; and how many were
/// compared.
fn disagreements(named: &[(String, String)]) -> (Vec<String>, usize) {
    let sources: Vec<&str> = named.iter().map(|(_, s)| s.as_str()).collect();
    let theirs: Vec<Option<Vec<(String, usize, usize)>>> = serde_json::from_str(
        &ananke_testkit::run_python(SCRIPT, &serde_json::to_string(&sources).unwrap()),
    )
    .expect("the script's JSON");
    let mut differ = Vec::new();
    let mut compared = 0;
    for ((label, source), theirs) in named.iter().zip(theirs) {
        let Some(theirs) = theirs else { continue };
        compared += 1;
        let ours = ours(source);
        if ours != theirs {
            let at = ours
                .iter()
                .zip(&theirs)
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(theirs.len()));
            let show = |toks: &[(String, usize, usize)]| {
                toks.get(at)
                    .map(|(k, s, e)| format!("{k} {:?}", &source[*s..*e]))
                    .unwrap_or_else(|| "nothing".into())
            };
            differ.push(format!(
                "{label}: token {at}: ours {}, CPython {}",
                show(&ours),
                show(&theirs)
            ));
        }
    }
    (differ, compared)
}

#[test]
fn agrees_with_cpython_on_the_corpus() {
    let mut named: Vec<(String, String)> = ananke_testkit::typed_programs()
        .into_iter()
        .map(|p| (p.id, p.source))
        .collect();
    named.extend(
        ananke_testkit::mutants()
            .into_iter()
            .map(|m| (m.id, m.source)),
    );
    let (differ, compared) = disagreements(&named);
    assert_eq!(compared, 1001, "every program and mutant compiles");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

#[test]
fn agrees_with_cpython_on_the_standard_library() {
    let modules = ananke_testkit::stdlib_modules();
    let every = if std::env::var("ANANKE_STDLIB").is_ok_and(|v| v == "all") {
        1
    } else {
        10
    };
    let named: Vec<(String, String)> = modules
        .iter()
        .step_by(every)
        .filter_map(|path| {
            let source = String::from_utf8(std::fs::read(path).ok()?).ok()?;
            Some((path.display().to_string(), source))
        })
        .collect();
    let (differ, compared) = disagreements(&named);
    eprintln!("{compared} standard library modules compared");
    assert!(compared * 10 >= named.len() * 9, "most modules compile");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// Tokens of `text` fed in the pieces `cuts` makes.
fn in_pieces(text: &[u8], cuts: &[usize]) -> Vec<Token> {
    let mut tokenizer = Tokenizer::default();
    let mut tokens = Vec::new();
    let mut push = |t| tokens.push(t);
    let mut from = 0;
    for &cut in cuts {
        let cut = cut.clamp(from, text.len());
        tokenizer.feed(&text[from..cut], &mut push);
        from = cut;
    }
    tokenizer.feed(&text[from..], &mut push);
    tokenizer.finish(&mut push);
    tokens
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("ANANKE_LAW_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn chunks_give_the_tokens_of_the_whole(
        index in 0usize..1001,
        mut cuts in proptest::collection::vec(0usize..4000, 0..40),
    ) {
        let sources = corpus();
        let source = sources[index % sources.len()].as_bytes();
        cuts.sort_unstable();
        prop_assert_eq!(in_pieces(source, &cuts), tokenize(source));
    }
}

fn corpus() -> &'static [String] {
    static CORPUS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut all: Vec<String> = ananke_testkit::typed_programs()
            .into_iter()
            .map(|p| p.source)
            .collect();
        all.extend(ananke_testkit::mutants().into_iter().map(|m| m.source));
        all
    })
}
