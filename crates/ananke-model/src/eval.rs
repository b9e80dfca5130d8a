//! The evaluation: every task decoded under every arm, judged by the
//! oracles, summed up per arm (a markdown table, a JSON file).

use std::collections::BTreeMap;
use std::time::Duration;

use ananke_runtime::{Ananke, Spec};
use serde_json::{Value, json};

use crate::ModelError;
use crate::decode::{Arm, DecodeConfig, Decoder, Generation, Stop};
use crate::oracle::{Oracles, Verdict};
use crate::protocol::Task;

/// One task under one arm.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The task id.
    pub task: String,
    /// The arm.
    pub arm: Arm,
    /// The decoded reply, or why there is none.
    pub generation: Result<Generation, String>,
    /// The program the reply stands for.
    pub program: String,
    /// The oracles' verdict.
    pub verdict: Verdict,
}

/// Sums over the outcomes of one arm.
#[derive(Clone, Debug, Default)]
pub struct ArmReport {
    /// Tasks tried.
    pub tasks: usize,
    /// Programs CPython parses.
    pub parses: usize,
    /// Programs `mypy --strict` passes.
    pub mypy_clean: usize,
    /// Programs whose tests pass.
    pub tests_pass: usize,
    /// Replies that failed to decode (a constraint error).
    pub failed: usize,
    /// Replies that stopped at a dead end of the mask.
    pub dead_ends: usize,
    /// Replies that ran out of tokens.
    pub truncated: usize,
    /// Replies that ran out of tokens (or into a dead end) and were closed
    /// at the last line end the constraints accepted.
    pub finished: usize,
    /// Replies the decoder closed after a placeholder `return` of its own
    /// (see [`Stop::Rescued`]).
    pub rescued: usize,
    /// Backtracks, summed.
    pub backtracks: usize,
    /// mypy error code → (errors, programs).
    pub codes: BTreeMap<String, (usize, usize)>,
    /// Tokens the model chose, summed.
    pub generated: usize,
    /// Model time of the chosen tokens, summed.
    pub decode_time: Duration,
    /// Wall time of the replies, summed.
    pub wall: Duration,
    /// Every step's mask time.
    pub mask_times: Vec<Duration>,
}

impl ArmReport {
    /// Adds one outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        self.tasks += 1;
        let v = &outcome.verdict;
        self.parses += usize::from(v.parses);
        self.mypy_clean += usize::from(v.mypy_clean);
        self.tests_pass += usize::from(v.tests_pass);
        let mut seen = std::collections::BTreeSet::new();
        for code in &v.mypy_codes {
            let entry = self.codes.entry(code.clone()).or_default();
            entry.0 += 1;
            if seen.insert(code) {
                entry.1 += 1;
            }
        }
        match &outcome.generation {
            Ok(g) => {
                self.generated += g.generated;
                self.decode_time += g.decode_time;
                self.wall += g.wall;
                self.mask_times.extend_from_slice(&g.mask_times);
                self.dead_ends += usize::from(g.stop == Stop::DeadEnd);
                self.truncated += usize::from(g.stop == Stop::MaxTokens);
                self.finished += usize::from(g.stop == Stop::Finished);
                self.rescued += usize::from(g.stop == Stop::Rescued);
                self.backtracks += g.backtracks;
            }
            Err(_) => self.failed += 1,
        }
    }

    /// Mean chosen tokens per task.
    pub fn mean_tokens(&self) -> f64 {
        self.generated as f64 / self.tasks.max(1) as f64
    }

    /// Chosen tokens per second of model time.
    pub fn decode_rate(&self) -> f64 {
        self.generated as f64 / self.decode_time.as_secs_f64().max(1e-9)
    }

    /// Chosen tokens per second of wall time (prompt and masks included).
    pub fn end_to_end_rate(&self) -> f64 {
        self.generated as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    /// Mask time at the median and the 99th percentile, in milliseconds.
    pub fn mask_percentiles(&self) -> (f64, f64) {
        let mut times: Vec<Duration> = self.mask_times.clone();
        times.sort();
        let at = |q: f64| {
            times
                .get(((times.len() as f64 - 1.0) * q).round() as usize)
                .map_or(0.0, |d| d.as_secs_f64() * 1e3)
        };
        (at(0.5), at(0.99))
    }

    /// Mask time as a share of model decode time, in percent.
    pub fn mask_overhead(&self) -> f64 {
        let mask: Duration = self.mask_times.iter().sum();
        100.0 * mask.as_secs_f64() / self.decode_time.as_secs_f64().max(1e-9)
    }

    /// The ten most frequent mypy error codes, `code (errors/programs)`.
    pub fn top_codes(&self) -> String {
        let mut codes: Vec<(&String, &(usize, usize))> = self.codes.iter().collect();
        codes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        codes
            .iter()
            .take(10)
            .map(|(c, (e, p))| format!("{c} ({e}/{p})"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn to_json(&self) -> Value {
        let (median, p99) = self.mask_percentiles();
        json!({
            "tasks": self.tasks, "parses": self.parses, "mypy_clean": self.mypy_clean,
            "tests_pass": self.tests_pass, "failed": self.failed, "dead_ends": self.dead_ends,
            "truncated": self.truncated, "finished_at_budget": self.finished, "backtracks": self.backtracks,
            "mypy_codes": self.codes.iter().map(|(c, (e, p))| (c.clone(), json!({"errors": e, "programs": p}))).collect::<serde_json::Map<_, _>>(),
            "mean_tokens": self.mean_tokens(), "decode_tokens_per_s": self.decode_rate(),
            "end_to_end_tokens_per_s": self.end_to_end_rate(),
            "mask_ms_median": median, "mask_ms_p99": p99, "mask_overhead_pct": self.mask_overhead(),
            "wall_s": self.wall.as_secs_f64(),
        })
    }
}

/// Compiled constraints by arm and spec, so that tasks sharing a spec
/// share one compilation.
#[derive(Default)]
pub struct Compiled {
    entries: Vec<(Arm, Spec, Option<Ananke>)>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Compiled({} entries)", self.entries.len())
    }
}

impl Compiled {
    /// The constraints of `arm` under `spec`, compiled on first use.
    pub fn get(
        &mut self,
        decoder: &Decoder<'_>,
        arm: Arm,
        spec: &Spec,
    ) -> Result<Option<&Ananke>, ModelError> {
        let found = self
            .entries
            .iter()
            .position(|(a, s, _)| *a == arm && s == spec);
        let index = match found {
            Some(i) => i,
            None => {
                let compiled = decoder.compile(arm, spec)?;
                self.entries.push((arm, spec.clone(), compiled));
                self.entries.len() - 1
            }
        };
        Ok(self.entries[index].2.as_ref())
    }
}

/// Decodes `task` under each arm and judges the programs.
pub fn run_task(
    decoder: &mut Decoder<'_>,
    compiled: &mut Compiled,
    oracles: &Oracles,
    task: &Task,
    arms: &[Arm],
    spec: &Spec,
    config: &DecodeConfig,
) -> Result<Vec<Outcome>, ModelError> {
    let mut outcomes = Vec::new();
    for &arm in arms {
        let generation = compiled
            .get(decoder, arm, spec)
            .and_then(|c| decoder.generate(task, arm, c, config))
            .map_err(|e| e.to_string());
        let program = match &generation {
            Ok(g) => task.program(&g.reply),
            Err(_) => task.prompt.clone(),
        };
        outcomes.push(Outcome {
            task: task.id.clone(),
            arm,
            generation,
            program,
            verdict: Verdict::default(),
        });
    }
    let programs: Vec<(&str, &str)> = outcomes
        .iter()
        .map(|o| (o.arm.name(), o.program.as_str()))
        .collect();
    let verdicts = oracles.judge(task, &programs)?;
    for outcome in &mut outcomes {
        if outcome.generation.is_ok() {
            outcome.verdict = verdicts[outcome.arm.name()].clone();
        }
    }
    Ok(outcomes)
}

/// The per-arm table in markdown.
pub fn markdown(reports: &BTreeMap<Arm, ArmReport>) -> String {
    let pct = |n: usize, d: usize| format!("{n}/{d} ({:.1}%)", 100.0 * n as f64 / d.max(1) as f64);
    let mut out = String::from(
        "| arm | parses | mypy --strict clean | tests pass | out of tokens (closed where accepted / after a placeholder return) | backtracks | mean tokens | decode tok/s | end-to-end tok/s | mask ms median / p99 | mask overhead | top mypy codes (errors/programs) |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for (arm, r) in reports {
        let (median, p99) = r.mask_percentiles();
        let mask = if r.mask_times.is_empty() {
            "—".to_owned()
        } else {
            format!("{median:.2} / {p99:.2}")
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} ({} / {}) | {} | {:.1} | {:.1} | {:.1} | {} | {:.1}% | {} |\n",
            arm.name(),
            pct(r.parses, r.tasks),
            pct(r.mypy_clean, r.tasks),
            pct(r.tests_pass, r.tasks),
            r.truncated + r.finished + r.rescued,
            r.finished,
            r.rescued,
            r.backtracks,
            r.mean_tokens(),
            r.decode_rate(),
            r.end_to_end_rate(),
            mask,
            r.mask_overhead(),
            r.top_codes(),
        ));
    }
    out
}

/// How much each arm cuts the programs that fail `mypy --strict` (syntax
/// errors included, as mypy reports them) against the unconstrained arm:
/// one line per arm.
pub fn reductions(reports: &BTreeMap<Arm, ArmReport>) -> String {
    let failing = |r: &ArmReport| (r.tasks - r.mypy_clean) as f64 / r.tasks.max(1) as f64;
    let Some(base) = reports.get(&Arm::Unconstrained).map(failing) else {
        return String::new();
    };
    reports
        .iter()
        .filter(|(arm, _)| **arm != Arm::Unconstrained)
        .map(|(arm, r)| {
            let reduction = if base > 0.0 {
                format!("{:.1}%", 100.0 * (1.0 - failing(r) / base))
            } else {
                "n/a (no failures unconstrained)".to_owned()
            };
            format!(
                "- {}: programs failing mypy --strict {:.1}% (unconstrained {:.1}%), reduction {reduction}\n",
                arm.name(),
                100.0 * failing(r),
                100.0 * base
            )
        })
        .collect()
}

/// The whole evaluation as JSON: per-arm sums and every outcome.
pub fn to_json(reports: &BTreeMap<Arm, ArmReport>, outcomes: &[Outcome], config: &Value) -> Value {
    json!({
        "config": config,
        "arms": reports.iter().map(|(a, r)| (a.name().to_owned(), r.to_json())).collect::<serde_json::Map<_, _>>(),
        "outcomes": outcomes.iter().map(|o| json!({
            "task": o.task, "arm": o.arm.name(),
            "error": o.generation.as_ref().err(),
            "stop": o.generation.as_ref().ok().map(|g| format!("{:?}", g.stop)),
            "generated": o.generation.as_ref().ok().map(|g| g.generated),
            "backtracks": o.generation.as_ref().ok().map(|g| g.backtracks),
            "retracted": o.generation.as_ref().ok().map(|g| g.retracted),
            "parses": o.verdict.parses, "mypy_clean": o.verdict.mypy_clean,
            "mypy_codes": o.verdict.mypy_codes, "tests_pass": o.verdict.tests_pass,
            "program": o.program,
        })).collect::<Vec<_>>(),
    })
}
