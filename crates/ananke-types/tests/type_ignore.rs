//! `# type: ignore` under the two readings: honoured, as mypy reads it
//! (the errors on its line are not errors), and forbidden
//! ([`TypesDomain::forbidding_type_ignore`]), where no line may end with
//! one, so that a model cannot switch the domain off by writing one.

use ananke_core::{Domain, MeetSemilattice, StepContext, TokenMask, Vocabulary};
use ananke_syntax::SyntaxVocab;
use ananke_types::{TypesConstraint, TypesDomain};

/// Feeds `source` token by token, asking the mask and `observe` about
/// each token and then the end: where the first rejection is (the
/// source's length for the end), or `None`.
fn first_rejection(domain: &TypesDomain, words: &Vocabulary, tokens: &[u32]) -> Option<usize> {
    let ctx = StepContext::new(words);
    let full = TokenMask::new_full(words.len());
    let mut allowed = TokenMask::new_empty(words.len());
    let mut state = TypesConstraint::module();
    for (i, &token) in tokens.iter().enumerate() {
        domain.token_mask(&state, ctx, &full, &mut allowed).unwrap();
        let next = domain.observe(&state, token, ctx).unwrap();
        assert_eq!(
            allowed.contains(token),
            !next.is_bottom(),
            "mask and observe disagree on token {i}"
        );
        if next.is_bottom() {
            return Some(i);
        }
        state = next;
    }
    domain.token_mask(&state, ctx, &full, &mut allowed).unwrap();
    (!allowed.contains(words.eos()[0])).then_some(tokens.len())
}

fn domains(words: &Vocabulary) -> (TypesDomain, TypesDomain) {
    (
        TypesDomain::new(words),
        TypesDomain::new(words).forbidding_type_ignore(),
    )
}

/// Ill-typed lines that a comment silences, for mypy as for the honouring
/// domain: the forbidding one rejects the line break after each comment.
const SILENCED: &[&str] = &[
    "# type: ignore\ndef f(x: int) -> str:\n    return x + 1\n",
    "def f(x: int) -> str:\n    return x + 1  # type: ignore\n",
    "def f(x: int) -> str:\n    return x + 1  # type: ignore[operator]\n",
    "def f(x: int) -> str:\n    return x + 1  #type:ignore\n",
    "x = 'a' + 1  # type: int  # type: ignore\n",
    "# mypy: ignore-errors\ndef f(x: int) -> str:\n    return x + 1\n",
];

#[test]
fn a_silencing_comment_is_honoured_or_refused_at_its_line_break() {
    for vocab in [
        SyntaxVocab::cl100k_base().unwrap(),
        SyntaxVocab::o200k_base().unwrap(),
    ] {
        let words = vocab.vocabulary();
        let (honour, forbid) = domains(words);
        for source in SILENCED {
            let tokens = vocab.encode(source);
            assert_eq!(first_rejection(&honour, words, &tokens), None, "{source}");
            let at = first_rejection(&forbid, words, &tokens).expect(source);
            let before = String::from_utf8_lossy(&vocab.decode(&tokens[..at])).into_owned();
            let comment = before.rsplit('\n').next().unwrap_or_default();
            assert!(
                comment.contains("ignore"),
                "{source}: rejected after {before:?}"
            );
            assert!(
                vocab.decode(&tokens[at..=at]).contains(&b'\n'),
                "{source}: rejected at a token that ends no line"
            );
        }
        // The end of the sequence completes the comment as a line break
        // does.
        let tokens = vocab.encode("x: int = 1  # type: ignore");
        assert_eq!(first_rejection(&forbid, words, &tokens), Some(tokens.len()));
        assert_eq!(first_rejection(&honour, words, &tokens), None);
    }
}

#[test]
fn comments_that_silence_nothing_pass_under_either_reading() {
    let vocab = SyntaxVocab::cl100k_base().unwrap();
    let words = vocab.vocabulary();
    let (honour, forbid) = domains(words);
    for source in [
        "x = 1  # type: ignored by nobody\n",
        "x = '# type: ignore'  # a string, then a comment\n",
        "y = \"\"\"\n# type: ignore\n\"\"\"\n",
        "z = [1]  # type: list[int]\n",
        "#\n# nothing to see\n",
        "def f(x: int) -> int:\n    # a type: ignore comment is written about here\n    return x\n",
    ] {
        let tokens = vocab.encode(source);
        assert_eq!(first_rejection(&honour, words, &tokens), None, "{source}");
        assert_eq!(first_rejection(&forbid, words, &tokens), None, "{source}");
    }
}

#[test]
fn a_token_that_opens_and_ends_a_comment_is_judged_whole() {
    // A token holding `#` before its line break: the comment it opens
    // ends inside it.
    let vocab = SyntaxVocab::cl100k_base().unwrap();
    let words = vocab.vocabulary();
    let (_, forbid) = domains(words);
    let ctx = StepContext::new(words);
    let mut state = TypesConstraint::module();
    for token in vocab.encode("x = 1  # type: ignore") {
        state = forbid.observe(&state, token, ctx).unwrap();
    }
    let full = TokenMask::new_full(words.len());
    let mut allowed = TokenMask::new_empty(words.len());
    forbid.token_mask(&state, ctx, &full, &mut allowed).unwrap();
    let newline = vocab.encode("\n")[0];
    assert!(!allowed.contains(newline));
    // After code, a token like ` #\n` opens an empty comment: allowed.
    let mut code = TypesConstraint::module();
    for token in vocab.encode("x = 1") {
        code = forbid.observe(&code, token, ctx).unwrap();
    }
    forbid.token_mask(&code, ctx, &full, &mut allowed).unwrap();
    let opening: Vec<u32> = (0..words.len() as u32)
        .filter(|&t| {
            let bytes = words.token_bytes(t).unwrap_or_default();
            let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
            bytes.contains(&b'\n') && line.contains(&b'#')
        })
        .collect();
    assert!(!opening.is_empty(), "no token opens a comment and ends it");
    for &token in &opening {
        let line =
            String::from_utf8_lossy(words.token_bytes(token).unwrap_or_default()).into_owned();
        let silences = line.contains("ignore");
        assert_eq!(
            allowed.contains(token),
            !silences,
            "token {line:?} after `x = 1`"
        );
    }
}

/// Type errors a comment later on their line silences: an attribute, a
/// call's argument, a header's condition, an argument on a line of a
/// call spanning several.
const MID_LINE: &[&str] = &[
    "import math\nx = math.no_such_name  # type: ignore\n",
    "def f(x: int) -> int:\n    return x\n\n\ny = f('a')  # type: ignore[arg-type]\n",
    "def g(n: int) -> None:\n    if n.no_such_name:  # type: ignore\n        pass\n",
    "def f(x: int) -> int:\n    return x\n\n\ny = f(\n    'a',  # type: ignore\n)\n",
];

#[test]
fn a_type_error_is_certain_at_its_line_end_unless_comments_are_forbidden() {
    for vocab in [
        SyntaxVocab::cl100k_base().unwrap(),
        SyntaxVocab::o200k_base().unwrap(),
    ] {
        let words = vocab.vocabulary();
        let (honour, forbid) = domains(words);
        let mut sooner = 0;
        for source in MID_LINE {
            let tokens = vocab.encode(source);
            assert_eq!(first_rejection(&honour, words, &tokens), None, "{source}");
            // Without the comment: honouring, the line break that leaves
            // the error unsilenced; forbidding, the error itself, before
            // its line can end.
            let bare: String = source
                .lines()
                .map(|line| format!("{}\n", line.split("  #").next().unwrap_or(line)))
                .collect();
            let tokens = vocab.encode(&bare);
            let late = first_rejection(&honour, words, &tokens).expect(&bare);
            let early = first_rejection(&forbid, words, &tokens).expect(&bare);
            // The same token where the one that ends the error ends its
            // line too (`')\n`).
            assert!(
                early <= late,
                "{bare}: forbidding at {early}, honouring at {late}"
            );
            sooner += usize::from(early < late);
            let at_late = vocab.decode(&tokens[late..=late]);
            assert!(
                at_late.contains(&b'\n'),
                "{bare}: honouring rejects {:?}, which ends no line",
                String::from_utf8_lossy(&at_late)
            );
        }
        assert!(
            sooner >= 2,
            "forbidding rejected sooner in {sooner} sources"
        );
    }
}
