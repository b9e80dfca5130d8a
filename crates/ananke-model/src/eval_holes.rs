//! The fill-in-the-middle evaluation: one-hole templates cut from typed
//! programs ([`cuts`]: a function's first statement, and the value of
//! its last `return` expecting the declared return type), each hole
//! written by the model under each arm, the whole program judged by
//! CPython, `mypy --strict` and the program's tests.

use std::collections::BTreeMap;
use std::time::Duration;

use ananke_runtime::template::cut::{CUT_HOLE, cuts};
use ananke_runtime::{HoleKind, Spec};
use serde_json::{Value, json};

use crate::ModelError;
use crate::decode::{Arm, DecodeConfig, Decoder, HoleReply, Stop};
use crate::eval::Compiled;
use crate::oracle::{Oracles, Verdict};
use crate::protocol::Task;

/// One hole of one task under one arm, judged.
#[derive(Clone, Debug)]
pub struct HoleOutcome {
    /// The task's id.
    pub task: String,
    /// What the hole stood for.
    pub kind: HoleKind,
    /// The arm.
    pub arm: Arm,
    /// The hole as written, or why it could not be.
    pub reply: Result<HoleReply, String>,
    /// The whole program with the hole written.
    pub program: String,
    /// What the oracles say about it.
    pub verdict: Verdict,
}

/// The kinds of hole the evaluation cuts.
pub const EVALUATED: [HoleKind; 2] = [HoleKind::Statement, HoleKind::Expression];

/// Writes each evaluated hole of `task` under each arm and judges the
/// programs (one mypy run per task). A hole whose surrounding code the
/// constraints already reject (a comment the generation requirements
/// want indented) is left out under every arm, with the reason, in
/// `skipped`.
pub fn run_holes(
    decoder: &mut Decoder<'_>,
    compiled: &mut Compiled,
    oracles: &Oracles,
    task: &Task,
    arms: &[Arm],
    config: &DecodeConfig,
    skipped: &mut Vec<String>,
) -> Result<Vec<HoleOutcome>, ModelError> {
    let spec = Spec::default();
    let mut outcomes = Vec::new();
    'cuts: for cut in cuts(&task.source, &task.entry_point)
        .into_iter()
        .filter(|c| EVALUATED.contains(&c.kind))
    {
        for &arm in arms {
            if let Some(ananke) = compiled.get(decoder, arm, &spec)?
                && let Err(e) = ananke.hole_session(&cut.template, CUT_HOLE)
            {
                skipped.push(format!("{} {}: {e}", task.id, cut.kind));
                continue 'cuts;
            }
        }
        for &arm in arms {
            let reply = compiled
                .get(decoder, arm, &spec)
                .and_then(|c| decoder.fill_hole(&cut.template, CUT_HOLE, c, config))
                .map_err(|e| e.to_string());
            let program = match &reply {
                Ok(r) => cut
                    .template
                    .splice(CUT_HOLE, &r.text)
                    .unwrap_or_else(|_| cut.template.text().to_owned()),
                Err(_) => cut.template.text().to_owned(),
            };
            outcomes.push(HoleOutcome {
                task: task.id.clone(),
                kind: cut.kind,
                arm,
                reply,
                program,
                verdict: Verdict::default(),
            });
        }
    }
    let names: Vec<String> = outcomes
        .iter()
        .map(|o| format!("{}_{}", o.kind, o.arm.name()))
        .collect();
    let programs: Vec<(&str, &str)> = names
        .iter()
        .zip(&outcomes)
        .map(|(n, o)| (n.as_str(), o.program.as_str()))
        .collect();
    let verdicts = oracles.judge(task, &programs)?;
    for (name, outcome) in names.iter().zip(&mut outcomes) {
        if outcome.reply.is_ok() {
            outcome.verdict = verdicts[name].clone();
        }
    }
    Ok(outcomes)
}

/// Counts of one (arm, kind) row.
#[derive(Clone, Debug, Default)]
struct Row {
    holes: usize,
    parses: usize,
    mypy_clean: usize,
    tests_pass: usize,
    closed: usize,
    finished: usize,
    rescued: usize,
    tokens: usize,
    mask: Duration,
    steps: usize,
    wall: Duration,
}

fn rows(outcomes: &[HoleOutcome]) -> BTreeMap<(Arm, String), Row> {
    let mut rows: BTreeMap<(Arm, String), Row> = BTreeMap::new();
    for o in outcomes {
        for kind in [o.kind.to_string(), "all".to_owned()] {
            let row = rows.entry((o.arm, kind)).or_default();
            row.holes += 1;
            row.parses += usize::from(o.verdict.parses);
            row.mypy_clean += usize::from(o.verdict.mypy_clean);
            row.tests_pass += usize::from(o.verdict.tests_pass);
            if let Ok(r) = &o.reply {
                row.closed += usize::from(r.closed);
                row.finished += usize::from(r.stop == Stop::Finished);
                row.rescued += usize::from(r.stop == Stop::Rescued);
                row.tokens += r.generated;
                row.mask += r.mask_times.iter().sum::<Duration>();
                row.steps += r.mask_times.len();
                row.wall += r.wall;
            }
        }
    }
    rows
}

/// The table: per arm and kind of hole, how many programs parse, are
/// `mypy --strict` clean and pass their tests; how many holes the
/// constraints closed (cut back to a point where they could, or closed
/// with a placeholder); tokens and time.
pub fn holes_markdown(outcomes: &[HoleOutcome]) -> String {
    let pct = |n: usize, d: usize| format!("{n}/{d} ({:.1}%)", 100.0 * n as f64 / d.max(1) as f64);
    let mut out = String::from(
        "| arm | holes | parse | mypy --strict clean | tests pass | closed (cut back, placeholder) | mean tokens | mask ms/step | s/hole |\n|---|---|---|---|---|---|---:|---:|---:|\n",
    );
    for ((arm, kind), r) in rows(outcomes) {
        out.push_str(&format!(
            "| {} | {kind} {} | {} | {} | {} | {} | {:.1} | {:.2} | {:.1} |\n",
            arm.name(),
            r.holes,
            pct(r.parses, r.holes),
            pct(r.mypy_clean, r.holes),
            pct(r.tests_pass, r.holes),
            if r.steps == 0 {
                "—".to_owned()
            } else {
                format!("{} ({}, {})", r.closed, r.finished, r.rescued)
            },
            r.tokens as f64 / r.holes.max(1) as f64,
            1e3 * r.mask.as_secs_f64() / r.steps.max(1) as f64,
            r.wall.as_secs_f64() / r.holes.max(1) as f64,
        ));
    }
    out
}

/// Every outcome as JSON, with the run's settings.
pub fn holes_json(outcomes: &[HoleOutcome], config: &Value) -> Value {
    let items: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let (text, stop, closed, tokens, rejections) = match &o.reply {
                Ok(r) => (
                    Value::from(r.text.clone()),
                    Value::from(format!("{:?}", r.stop)),
                    Value::from(r.closed),
                    Value::from(r.generated),
                    Value::from(r.rejections.clone()),
                ),
                Err(e) => (
                    Value::Null,
                    Value::from(format!("error: {e}")),
                    Value::from(false),
                    Value::from(0),
                    Value::Array(Vec::new()),
                ),
            };
            json!({
                "task": o.task, "kind": o.kind.to_string(), "arm": o.arm.name(),
                "text": text, "stop": stop, "closed": closed, "tokens": tokens,
                "rejections": rejections,
                "parses": o.verdict.parses, "mypy_clean": o.verdict.mypy_clean,
                "mypy_codes": o.verdict.mypy_codes, "tests_pass": o.verdict.tests_pass,
            })
        })
        .collect();
    json!({"config": config, "holes": items})
}
