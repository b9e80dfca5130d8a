//! Templates with typed holes: holes cut from the typed MBPP corpus are
//! written back token by token with the code around them judged; the
//! original text is accepted in every hole on both tokenizers, ill-typed
//! mutants are never rejected before their mutation, and a hole cannot
//! close while the code after it cannot follow.

use std::collections::BTreeMap;

use ananke_core::TokenMask;
use ananke_runtime::template::cut::{CUT_HOLE as HOLE, cuts};
use ananke_runtime::{Ananke, HoleKind, RuntimeError, Spec, Template};

/// Writes `text` into the template's hole token by token and closes it:
/// the template filled, or where the text was refused (the end of the
/// refused token; the text's length when the hole could not close) and
/// why.
fn write(ananke: &Ananke, template: &Template, text: &str) -> Result<Template, (usize, String)> {
    write_checked(ananke, template, text, false)
}

/// [`write`], with `masks`: each token and the end must also be in the
/// mask computed before it (a mask and a commit agree).
fn write_checked(
    ananke: &Ananke,
    template: &Template,
    text: &str,
    masks: bool,
) -> Result<Template, (usize, String)> {
    let mut hole = ananke
        .hole_session(template, HOLE)
        .unwrap_or_else(|e| panic!("{e}\n{}", template.text()));
    let vocab = ananke.vocab();
    let eos = vocab.vocabulary().eos()[0];
    let mut mask = TokenMask::new_empty(vocab.len());
    let mut offset = 0;
    for token in vocab.encode(text).into_iter().chain([eos]) {
        // The end of the sequence writes nothing.
        let end = offset
            + if token == eos {
                0
            } else {
                vocab.decode(&[token]).len()
            };
        if masks {
            hole.compute_mask(&mut mask).unwrap();
            let allowed = hole.commit(token).is_ok();
            assert_eq!(
                mask.contains(token),
                allowed,
                "{:?} at {offset}",
                vocab.decode(&[token])
            );
            if !allowed {
                return Err((end, "masked".into()));
            }
            offset = end;
            continue;
        }
        match hole.commit(token) {
            Ok(()) => offset = end,
            Err(RuntimeError::Rejected { reasons, .. }) => {
                return Err((end, format!("{reasons:?}")));
            }
            Err(other) => panic!("{other}"),
        }
    }
    assert!(hole.is_closed());
    Ok(hole.filled().unwrap())
}

/// Every corpus hole on `tokenizer`, each `masked`-th program's with
/// its masks checked too.
fn corpus_holes_accept_their_text(tokenizer: &str, masked: usize) {
    let ananke = Ananke::new(&Spec::python(tokenizer)).unwrap();
    let mut written: BTreeMap<String, usize> = BTreeMap::new();
    let mut refused = Vec::new();
    for (i, program) in ananke_testkit::typed_programs().iter().enumerate() {
        for cut in cuts(&program.source, &program.entry_point) {
            let template = &cut.template;
            match write_checked(&ananke, template, &cut.text, i % masked == 0) {
                Ok(filled) => {
                    assert_eq!(filled.text(), program.source, "{}", program.id);
                    *written.entry(cut.kind.to_string()).or_default() += 1;
                }
                Err((at, why)) => refused.push(format!(
                    "{} {} hole at byte {at} of {:?}: {why}",
                    program.id, cut.kind, cut.text
                )),
            }
        }
    }
    eprintln!("{tokenizer}: holes written back {written:?}");
    assert!(
        refused.is_empty(),
        "{} refused:\n{}",
        refused.len(),
        refused.join("\n")
    );
    for kind in ["body", "statement", "expression"] {
        assert!(
            written.get(kind).copied().unwrap_or(0) >= 200,
            "{kind}: {written:?}"
        );
    }
}

#[test]
fn every_corpus_hole_accepts_its_own_text_on_cl100k() {
    corpus_holes_accept_their_text("cl100k_base", 4);
}

#[test]
fn every_corpus_hole_accepts_its_own_text_on_o200k() {
    corpus_holes_accept_their_text("o200k_base", 4);
}

#[test]
fn mutants_inside_a_hole_are_never_rejected_before_the_mutation() {
    let ananke = Ananke::new(&Spec::python("cl100k_base")).unwrap();
    let entries: BTreeMap<String, String> = ananke_testkit::typed_programs()
        .into_iter()
        .map(|p| (p.id, p.entry_point))
        .collect();
    let mut tally: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut early = Vec::new();
    for mutant in ananke_testkit::mutants() {
        let origin = mutant.record["origin_id"].as_str().unwrap_or_default();
        let Some(entry) = entries.get(origin) else {
            continue;
        };
        for cut in cuts(&mutant.source, entry) {
            let start = cut.template.hole(HOLE).unwrap().text_start();
            if !(start..start + cut.text.len()).contains(&mutant.offset) {
                continue; // the mutation is outside the hole
            }
            let counts = tally.entry(cut.kind.to_string()).or_default();
            match write(&ananke, &cut.template, &cut.text) {
                Ok(_) => counts.1 += 1,
                Err((end, _)) if start + end > mutant.offset => counts.0 += 1,
                Err((end, why)) => early.push(format!(
                    "{} {} at {}: {why}",
                    mutant.id,
                    cut.kind,
                    start + end
                )),
            }
        }
    }
    eprintln!("mutants inside a hole (caught, written whole): {tally:?}");
    assert!(early.is_empty(), "{}", early.join("\n"));
    for kind in ["body", "statement", "expression"] {
        let (caught, missed) = tally.get(kind).copied().unwrap_or_default();
        assert!(
            caught > 2 * missed && caught >= 50,
            "{kind}: {caught} caught, {missed} missed"
        );
    }
}

fn demo_spec() -> Spec {
    Spec::from_toml(include_str!("../../../demo/holes/ranking.toml")).unwrap()
}

#[test]
fn the_demo_template_is_filled_hole_by_hole_with_masks_that_agree() {
    let spec = demo_spec();
    let template = spec.template().unwrap().unwrap();
    let ananke = Ananke::new(&spec).unwrap();
    let vocab = ananke.vocab().clone();
    let fills = [
        ("top", "\n        return heapq.nlargest(k, scores)"),
        ("total", "\n        return sum(heapq.nsmallest(k, scores))"),
    ];
    let mut current = template;
    for (name, text) in fills {
        let mut hole = ananke.hole_session(&current, name).unwrap();
        assert!(hole.hole_id().is_some(), "a spec hole is in the tree");
        let mut mask = TokenMask::new_empty(vocab.len());
        for token in vocab.encode(text) {
            hole.compute_mask(&mut mask).unwrap();
            assert!(
                mask.contains(token),
                "{name}: {:?} masked",
                vocab.decode(&[token])
            );
            // Closing needs a statement whose line may end.
            let eos = vocab.vocabulary().eos()[0];
            assert!(!mask.contains(eos) || hole.text().contains("return "));
            hole.commit(token).unwrap();
        }
        hole.compute_mask(&mut mask).unwrap();
        assert!(mask.contains(vocab.vocabulary().eos()[0]), "{name} closes");
        hole.commit(vocab.vocabulary().eos()[0]).unwrap();
        assert!(hole.is_closed());
        current = hole.filled().unwrap();
    }
    assert_eq!(current.unfilled().count(), 0);
    assert!(current.text().contains("return heapq.nlargest(k, scores)"));
}

/// A one-hole template over `lines`, the hole `kind`.
fn one_hole(text: &str, kind: HoleKind) -> Template {
    Template::parse(text, |_| Some(kind)).unwrap()
}

#[test]
fn a_hole_cannot_close_until_it_binds_what_the_code_after_it_reads() {
    let ananke = Ananke::new(&Spec::python("cl100k_base")).unwrap();
    let template = one_hole(
        "def f(xs: list[int]) -> int:\n    ...  # hole: hole\n    return total\n",
        HoleKind::Statement,
    );
    let count = "\n    count = len(xs)";
    let (at, why) = write(&ananke, &template, count).unwrap_err();
    assert_eq!(at, count.len(), "refused at the close: {why}");
    assert!(why.contains("cannot close"), "{why}");
    let filled = write(&ananke, &template, "\n    total = sum(xs)").unwrap();
    assert!(
        filled
            .text()
            .contains(":\n    total = sum(xs)\n    return total\n")
    );
    // A statement hole holds one statement.
    let second = "\n    total = 0\n    total += 1";
    let (at, why) = write(&ananke, &template, second).unwrap_err();
    assert!(
        (19..=24).contains(&at),
        "refused at the second statement's name: {at} {why}"
    );
}

#[test]
fn an_expression_hole_meets_its_expected_type_and_stays_an_expression() {
    let ananke = Ananke::new(&Spec::python("o200k_base")).unwrap();
    let template = one_hole(
        "def f(n: int) -> int:\n    xs = ...  # hole: hole\n    return len(xs)\n",
        HoleKind::Expression,
    )
    .expecting(HOLE, "list[int]")
    .unwrap();
    assert!(write(&ananke, &template, "[n, n + 1]").is_ok());
    let (_, why) = write(&ananke, &template, "[str(n)]").unwrap_err();
    assert!(why.contains("expects `list[int]`"), "{why}");
    // The line break would end the statement: a shape error, at once.
    let (at, why) = write(&ananke, &template, "[n]\n    ys = 1").unwrap_err();
    assert!(at <= "[n]\n".len(), "{at}: {why}");
    assert!(why.contains("cannot end its statement"), "{why}");
    // An unknown expected type is the spec's error, naming the hole.
    let bad = one_hole("x = ...  # hole: hole\n", HoleKind::Expression)
        .expecting(HOLE, "Lisst[int]")
        .unwrap();
    let err = ananke.hole_session(&bad, HOLE).err().unwrap().to_string();
    assert!(err.contains("holes.hole.expected"), "{err}");
}

#[test]
fn a_spec_names_the_hole_at_fault() {
    let base = include_str!("../../../demo/holes/ranking.toml");
    let err = |edit: &dyn Fn(&str) -> String| Spec::from_toml(&edit(base)).unwrap_err().to_string();
    let missing = err(&|s| s.replace("  # hole: total", ""));
    assert!(
        missing.contains("hole `total` is not marked in the template"),
        "{missing}"
    );
    let unknown = err(&|s| s.replace("# hole: total", "# hole: totals"));
    assert!(
        unknown.contains("hole `totals`: is in the template but has no [[holes]] entry"),
        "{unknown}"
    );
    let outside = err(&|s| {
        s.replace(
            "name = \"total\"\nparent = \"ranking\"",
            "name = \"total\"\nparent = \"top\"",
        )
    });
    assert!(outside.contains("does not enclose"), "{outside}");
    let kind = err(&|s| s.replacen("kind = \"body\"", "kind = \"function\"", 1));
    assert!(kind.contains("unknown hole kind `function`"), "{kind}");
}

#[test]
fn contradictory_constraints_of_a_hole_and_its_parent_name_both() {
    let spec = demo_spec();
    let mut contradictory = spec.clone();
    let total = contradictory
        .holes
        .iter_mut()
        .find(|h| h.name == "total")
        .unwrap();
    total.imports.forbidden.push("heapq".into());
    let err = Ananke::new(&contradictory)
        .and_then(|a| a.session().map(|_| ()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("heapq"), "{err}");
}

#[test]
fn templates_with_every_hole_unfilled_are_python_to_cpython() {
    let demo = demo_spec().template().unwrap().unwrap();
    let mut texts = vec![demo.text().to_owned()];
    for program in ananke_testkit::typed_programs() {
        texts.extend(
            cuts(&program.source, &program.entry_point)
                .into_iter()
                .map(|c| c.template.text().to_owned()),
        );
    }
    let script = "import ast, json, sys\ntexts = json.load(sys.stdin)\nfor t in texts:\n    ast.parse(t)\nprint('parsed', len(texts))\n";
    let out = ananke_testkit::run_python(script, &serde_json::to_string(&texts).unwrap());
    assert_eq!(out.trim(), format!("parsed {}", texts.len()));
}
