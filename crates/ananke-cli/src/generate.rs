//! `ananke generate` and `ananke eval`: a real model decoding under the
//! fused mask, judged by CPython, mypy and the tests.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ananke_model::eval::{ArmReport, Compiled, Outcome, markdown, reductions, run_task, to_json};
use ananke_model::eval_holes::{holes_json, holes_markdown, run_holes};
use ananke_model::oracle::Oracles;
use ananke_model::{Arm, DecodeConfig, Decoder, LanguageModel, Sampler, Task};
use ananke_runtime::{Ananke, Spec};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

/// Model and sampling options shared by `generate` and `eval`.
#[derive(Args)]
pub struct ModelArgs {
    /// `smollm2` (fetched by `cargo xtask model` into `.cache/model`, or
    /// `ANANKE_MODEL_DIR`), or a path to a llama GGUF file.
    #[arg(long, default_value = "smollm2")]
    model: String,
    /// Sampling temperature; 0 decodes greedily. Above 0, top-p 0.95.
    #[arg(long, default_value_t = 0.0)]
    temperature: f64,
    /// The random seed (re-applied for every task).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// At most this many new tokens per reply.
    #[arg(long, default_value_t = 384)]
    max_tokens: usize,
    /// Never go back to the start of a line that runs away (constrained
    /// decoding only; see `DecodeConfig::backtrack`).
    #[arg(long)]
    no_backtrack: bool,
}

impl ModelArgs {
    fn load(&self) -> Result<LanguageModel, String> {
        let started = Instant::now();
        eprintln!("loading the model ({}) ...", self.model);
        let model = if self.model == "smollm2" {
            LanguageModel::smollm2(&ananke_model::model::model_dir())
        } else {
            LanguageModel::load(Path::new(&self.model))
        }
        .map_err(|e| e.to_string())?;
        eprintln!("loaded in {:.1} s", started.elapsed().as_secs_f64());
        Ok(model)
    }

    fn config(&self) -> DecodeConfig {
        DecodeConfig {
            sampler: if self.temperature > 0.0 {
                Sampler::TopP {
                    p: 0.95,
                    temperature: self.temperature,
                }
            } else {
                Sampler::Greedy
            },
            seed: self.seed,
            max_tokens: self.max_tokens,
            backtrack: !self.no_backtrack,
        }
    }
}

/// `ananke generate`.
#[derive(Args)]
pub struct GenerateArgs {
    /// The spec: its `[task]` holds the prompt (imports, the typed
    /// signature and docstring), or a `template` whose holes are written
    /// one by one; its other sections are the constraints.
    #[arg(long)]
    spec: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
    /// Decode without any mask.
    #[arg(long, conflicts_with = "domains")]
    no_constraints: bool,
    /// Domains to compose, comma-separated (default: every domain built in).
    #[arg(long, value_delimiter = ',')]
    domains: Option<Vec<String>>,
}

/// `ananke eval`.
#[derive(Args)]
pub struct EvalArgs {
    /// Records `{id, source, entry_point, tests}`.
    #[arg(long, conflicts_with = "specs")]
    jsonl: Option<PathBuf>,
    /// Spec files with a `[task]` (repeatable).
    #[arg(long = "spec", value_name = "SPEC")]
    specs: Vec<PathBuf>,
    /// Only the first N tasks.
    #[arg(long)]
    limit: Option<usize>,
    /// Arms, comma-separated: unconstrained, forced-prefix, syntax, full,
    /// policy (every domain with the default call policy).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "unconstrained,forced-prefix,syntax,full"
    )]
    arms: Vec<String>,
    #[command(flatten)]
    model: ModelArgs,
    /// The mypy executable (2.4.1).
    #[arg(long, default_value = "mypy")]
    mypy: PathBuf,
    /// The CPython executable (3.11).
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// Write eval.md and eval.json here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print every program with its verdict.
    #[arg(long)]
    show: bool,
    /// Fill in the middle instead: for each task, its function's first
    /// statement and its last `return` value as one-hole templates (the
    /// value expecting the declared return type), each hole written by
    /// the model; the whole program judged. Arms `unconstrained` and
    /// `full` unless --arms says otherwise; `holes.md` and `holes.json`
    /// under --out.
    #[arg(long, conflicts_with = "specs")]
    holes: bool,
}

/// The task a spec file describes, and the spec.
fn task_of_spec(path: &Path) -> Result<(Task, Spec), String> {
    let spec = Spec::from_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let prompt = spec
        .task
        .prompt
        .clone()
        .ok_or_else(|| format!("{}: the spec has no [task] prompt", path.display()))?;
    let entry_point = match &spec.task.entry_point {
        Some(name) => name.clone(),
        None => prompt
            .lines()
            .filter_map(|l| l.strip_prefix("def "))
            .filter_map(|l| l.split('(').next())
            .next_back()
            .ok_or_else(|| format!("{}: the [task] prompt defines no function", path.display()))?
            .trim()
            .to_owned(),
    };
    let id = path
        .file_stem()
        .map_or_else(|| "task".into(), |s| s.to_string_lossy().into_owned());
    let task = Task::new(
        &id,
        &prompt,
        &entry_point,
        spec.task.tests.as_deref().unwrap_or(""),
    )
    .map_err(|e| e.to_string())?;
    Ok((task, spec))
}

/// `ananke generate`: one reply, the program on stdout, costs on stderr.
pub fn generate(args: GenerateArgs) -> Result<(), String> {
    let spec = Spec::from_file(&args.spec).map_err(|e| format!("{}: {e}", args.spec.display()))?;
    if spec.task.template.is_some() {
        return generate_holes(&args, &spec);
    }
    let (task, spec) = task_of_spec(&args.spec)?;
    let mut model = args.model.load()?;
    let config = args.model.config();
    let mut decoder = Decoder::new(&mut model);
    let constraints = constraints_of(&args, &spec, &decoder)?;
    let arm = if constraints.is_some() {
        Arm::Full
    } else {
        Arm::Unconstrained
    };
    eprintln!("generating {} ({}) ...", task.entry_point, arm.name());
    let g = decoder
        .generate(&task, arm, constraints.as_ref(), &config)
        .map_err(|e| e.to_string())?;
    print!("{}", task.program(&g.reply));
    let mask: f64 = g.mask_times.iter().map(|d| d.as_secs_f64()).sum();
    let decode = g.decode_time.as_secs_f64();
    eprintln!(
        "{} tokens ({} forced, {} taken back in {} backtracks, stop: {:?}), {:.1} tokens/s decoding, {:.1} tokens/s end to end; mask {:.2} ms per step = {:.1}% of decode time",
        g.generated,
        g.forced,
        g.retracted,
        g.backtracks,
        g.stop,
        g.generated as f64 / decode.max(1e-9),
        g.generated as f64 / g.wall.as_secs_f64().max(1e-9),
        1e3 * mask / g.mask_times.len().max(1) as f64,
        100.0 * mask / decode.max(1e-9),
    );
    Ok(())
}

/// The constraints `generate` decodes under: none with
/// `--no-constraints`, else the spec on the model's vocabulary with the
/// chosen domains.
fn constraints_of(
    args: &GenerateArgs,
    spec: &Spec,
    decoder: &Decoder<'_>,
) -> Result<Option<Ananke>, String> {
    if args.no_constraints {
        return Ok(None);
    }
    let domains: Vec<&str> = match &args.domains {
        Some(list) => list.iter().map(String::as_str).collect(),
        None => Ananke::default_domains(spec),
    };
    if !domains.contains(&"syntax") {
        return Err("--domains must include syntax".into());
    }
    Ananke::with_vocab(
        &ananke_model::decode::generation_spec(spec),
        decoder.vocab().clone(),
        &domains,
    )
    .map(Some)
    .map_err(|e| e.to_string())
}

/// `ananke generate` on a spec with a template: every hole written in
/// the order of the text; the program on stdout, each hole on stderr.
fn generate_holes(args: &GenerateArgs, spec: &Spec) -> Result<(), String> {
    let template = spec
        .template()
        .map_err(|e| e.to_string())?
        .expect("the spec has a template");
    let mut model = args.model.load()?;
    let config = args.model.config();
    let mut decoder = Decoder::new(&mut model);
    let constraints = constraints_of(args, spec, &decoder)?;
    let tree = match &constraints {
        Some(ananke) => Some(ananke.session().map_err(|e| e.to_string())?),
        None => None,
    };
    let (program, replies) = decoder
        .fill_template(&template, constraints.as_ref(), &config)
        .map_err(|e| e.to_string())?;
    print!("{program}");
    for reply in &replies {
        let mask: f64 = reply.mask_times.iter().map(|d| d.as_secs_f64()).sum();
        eprintln!(
            "hole `{}` ({}): {} tokens, stop: {:?}, {}; {:.1} s, mask {:.2} ms per step",
            reply.name,
            reply.kind,
            reply.generated,
            reply.stop,
            if reply.closed {
                "closed by the constraints"
            } else {
                "not closed"
            },
            reply.wall.as_secs_f64(),
            1e3 * mask / reply.mask_times.len().max(1) as f64,
        );
        let constraint = tree.as_ref().and_then(|session| {
            let holes = session.holes();
            holes.find(&reply.name).and_then(|id| holes.get(id))
        });
        for (_, why) in constraint
            .map(|h| h.provenance.as_slice())
            .unwrap_or_default()
        {
            eprintln!("  constrained by {why}");
        }
        eprintln!("  text: {:?}", reply.text);
        for rejection in &reply.rejections {
            eprintln!("  rejected {rejection}");
        }
    }
    Ok(())
}

/// What an evaluation keeps while it runs `tasks` tasks: its progress
/// bar, when it started, and the constraints compiled so far.
fn eval_start(tasks: usize) -> (ProgressBar, Instant, Compiled) {
    (
        progress_bar(tasks, "tasks"),
        Instant::now(),
        Compiled::default(),
    )
}

/// The oracles of an evaluation and the scratch folder they write in
/// (named for `what`; the caller removes it when done).
fn eval_oracles(args: &EvalArgs, what: &str) -> Result<(Oracles, PathBuf), String> {
    let scratch = std::env::temp_dir().join(format!("ananke-{what}-{}", std::process::id()));
    let oracles = Oracles::new(args.python.clone(), args.mypy.clone(), scratch.clone())
        .map_err(|e| e.to_string())?;
    Ok((oracles, scratch))
}

/// `ananke eval --holes` (see [`EvalArgs::holes`]).
fn eval_holes(args: &EvalArgs, arms: &[Arm]) -> Result<(), String> {
    let default_arms = arms.len() == 4 && arms.contains(&Arm::ForcedPrefix);
    let arms: Vec<Arm> = if default_arms {
        vec![Arm::Unconstrained, Arm::Full]
    } else {
        arms.to_vec()
    };
    let jsonl = args
        .jsonl
        .as_ref()
        .ok_or("--holes needs --jsonl FILE of records with a source")?;
    let mut tasks = read_tasks(jsonl)?;
    tasks.truncate(args.limit.unwrap_or(usize::MAX));
    let (oracles, scratch) = eval_oracles(args, "holes")?;
    let mut model = args.model.load()?;
    let config = args.model.config();
    let mut decoder = Decoder::new(&mut model);
    let (progress, started, mut compiled) = eval_start(tasks.len());
    let mut outcomes = Vec::new();
    let mut skipped = Vec::new();
    for task in &tasks {
        progress.set_message(task.id.clone());
        let results = run_holes(
            &mut decoder,
            &mut compiled,
            &oracles,
            task,
            &arms,
            &config,
            &mut skipped,
        )
        .map_err(|e| e.to_string())?;
        if args.show {
            for o in &results {
                progress.suspend(|| {
                    println!(
                        "{} {} {}: parses {}, mypy clean {}, tests {}: {:?}",
                        o.task,
                        o.kind,
                        o.arm.name(),
                        o.verdict.parses,
                        o.verdict.mypy_clean,
                        o.verdict.tests_pass,
                        o.reply.as_ref().map(|r| &r.text)
                    );
                });
            }
        }
        outcomes.extend(results);
        progress.inc(1);
    }
    progress.finish_and_clear();
    let _ = std::fs::remove_dir_all(&scratch);
    let mut table = holes_markdown(&outcomes);
    if !skipped.is_empty() {
        table.push_str(&format!(
            "\nLeft out, the code around the hole rejected before any is written ({}):\n",
            skipped.len()
        ));
        for s in &skipped {
            table.push_str(&format!("- {s}\n"));
        }
    }
    println!(
        "\n{} tasks, {} holes, {:.0} s\n\n{table}",
        tasks.len(),
        outcomes.len() / arms.len().max(1),
        started.elapsed().as_secs_f64()
    );
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
        let config = json!({
            "tasks": tasks.len(), "source": jsonl.display().to_string(),
            "seed": args.model.seed, "temperature": args.model.temperature,
            "max_tokens": args.model.max_tokens, "model": args.model.model,
        });
        let md = out.join("holes.md");
        std::fs::write(&md, &table).map_err(|e| format!("{}: {e}", md.display()))?;
        let js = out.join("holes.json");
        let text = serde_json::to_string_pretty(&holes_json(&outcomes, &config))
            .map_err(|e| e.to_string())?;
        std::fs::write(&js, text).map_err(|e| format!("{}: {e}", js.display()))?;
    }
    Ok(())
}

/// The tasks of a JSON Lines file of records `{id, source, entry_point,
/// tests}`.
fn read_tasks(jsonl: &Path) -> Result<Vec<Task>, String> {
    let file = std::fs::File::open(jsonl).map_err(|e| format!("{}: {e}", jsonl.display()))?;
    let mut tasks = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", jsonl.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| format!("{}:{}: {e}", jsonl.display(), i + 1))?;
        tasks.push(Task::from_record(&record).map_err(|e| e.to_string())?);
    }
    Ok(tasks)
}

/// A progress bar over `len` items called `unit`, the current one's name
/// as its message.
fn progress_bar(len: usize, unit: &str) -> ProgressBar {
    let progress = ProgressBar::new(len as u64);
    progress.set_style(
        ProgressStyle::with_template(&format!(
            "{{elapsed_precise}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{msg}}"
        ))
        .expect("a valid template"),
    );
    progress
}

/// `ananke sample`.
#[derive(Args)]
pub struct SampleArgs {
    /// Records `{id, source, entry_point, tests}`.
    #[arg(long)]
    jsonl: PathBuf,
    /// Only the first N tasks.
    #[arg(long)]
    limit: Option<usize>,
    #[command(flatten)]
    model: ModelArgs,
    /// The folder the programs go to, one `<task>.py` each (the task id
    /// with every byte that is not a letter or digit made `_`, in lower
    /// case: `MBPP/3` is `mbpp_3.py`).
    #[arg(long)]
    out: PathBuf,
}

/// The file name a task's program is written under: a Python module
/// name, so that one mypy run can check a folder of them.
pub fn program_file(task_id: &str) -> String {
    let name: String = task_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("t_{name}.py")
    } else {
        format!("{name}.py")
    }
}

/// `ananke sample`: each task decoded without constraints, its program
/// (the protocol's extraction of the reply) written to `--out`. A program
/// already written is not decoded again. Prints every program's path.
pub fn sample(args: SampleArgs) -> Result<(), String> {
    let mut tasks = read_tasks(&args.jsonl)?;
    tasks.truncate(args.limit.unwrap_or(usize::MAX));
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let mut names = std::collections::HashSet::new();
    let todo: Vec<(&Task, PathBuf)> = tasks
        .iter()
        .map(|task| {
            let name = program_file(&task.id);
            if !names.insert(name.clone()) {
                return Err(format!(
                    "two tasks are both written as {name} (the second is {})",
                    task.id
                ));
            }
            Ok((task, args.out.join(name)))
        })
        .collect::<Result<Vec<_>, String>>()?;
    // Every program of the run on stdout, decoded now or before: what a
    // caller that passed --limit reads the run's programs from.
    for (_, path) in &todo {
        println!("{}", path.display());
    }
    let todo: Vec<(&Task, PathBuf)> = todo.into_iter().filter(|(_, p)| !p.exists()).collect();
    if todo.is_empty() {
        eprintln!("{}: every program is there", args.out.display());
        return Ok(());
    }
    let mut model = args.model.load()?;
    let config = args.model.config();
    let mut decoder = Decoder::new(&mut model);
    let progress = progress_bar(todo.len(), "programs");
    for (task, path) in todo {
        progress.set_message(task.id.clone());
        let generation = decoder
            .generate(task, Arm::Unconstrained, None, &config)
            .map_err(|e| format!("{}: {e}", task.id))?;
        // Written whole, then renamed: an interrupted run leaves no
        // half-written program that a resumed run would keep.
        let partial = path.with_extension("py.partial");
        std::fs::write(&partial, task.program(&generation.reply))
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(())
}

/// `ananke eval`: tasks × arms, a table on stdout.
pub fn eval(args: EvalArgs) -> Result<(), String> {
    let arms: Vec<Arm> = args
        .arms
        .iter()
        .map(|a| Arm::parse(a).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    if args.holes {
        return eval_holes(&args, &arms);
    }
    let mut tasks: Vec<(Task, Spec)> = match &args.jsonl {
        Some(jsonl) => read_tasks(jsonl)?
            .into_iter()
            .map(|task| (task, Spec::default()))
            .collect(),
        None => Vec::new(),
    };
    for path in &args.specs {
        tasks.push(task_of_spec(path)?);
    }
    if tasks.is_empty() {
        return Err("no tasks: give --jsonl FILE or --spec SPEC".into());
    }
    tasks.truncate(args.limit.unwrap_or(usize::MAX));
    let (oracles, scratch) = eval_oracles(&args, "eval")?;
    let mut model = args.model.load()?;
    let config = args.model.config();
    let mut decoder = Decoder::new(&mut model);
    let (progress, started, mut compiled) = eval_start(tasks.len());
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut reports: BTreeMap<Arm, ArmReport> = BTreeMap::new();
    for (task, spec) in &tasks {
        progress.set_message(task.id.clone());
        let results = run_task(
            &mut decoder,
            &mut compiled,
            &oracles,
            task,
            &arms,
            spec,
            &config,
        )
        .map_err(|e| e.to_string())?;
        for outcome in results {
            reports.entry(outcome.arm).or_default().add(&outcome);
            if args.show {
                progress.suspend(|| show(task, &outcome));
            }
            outcomes.push(outcome);
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    let _ = std::fs::remove_dir_all(&scratch);
    let table = format!("{}\n{}", markdown(&reports), reductions(&reports));
    println!(
        "\n{} tasks, {} arms, {:.0} s\n\n{table}",
        tasks.len(),
        arms.len(),
        started.elapsed().as_secs_f64()
    );
    if args.show {
        // The side-by-side table last, where a reader's eye lands.
        println!(
            "{TESTS_ARE_THE_MODELS}\n\n{}",
            side_by_side(&arms, &outcomes)
        );
    }
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
        let config = json!({
            "tasks": tasks.len(), "source": args.jsonl.as_ref().map(|p| p.display().to_string()),
            "seed": args.model.seed, "temperature": args.model.temperature,
            "max_tokens": args.model.max_tokens, "model": args.model.model,
            "backtrack": !args.model.no_backtrack,
        });
        let md = out.join("eval.md");
        std::fs::write(&md, &table).map_err(|e| format!("{}: {e}", md.display()))?;
        let js = out.join("eval.json");
        let text = serde_json::to_string_pretty(&to_json(&reports, &outcomes, &config))
            .expect("JSON values serialize");
        std::fs::write(&js, text).map_err(|e| format!("{}: {e}", js.display()))?;
        let png = out.join("eval.png");
        let rows: Vec<crate::plot::Row> = reports
            .iter()
            .map(|(arm, r)| {
                let rate = |ok: usize| 100.0 * (r.tasks - ok) as f64 / r.tasks.max(1) as f64;
                (
                    arm.name().to_owned(),
                    [rate(r.parses), rate(r.mypy_clean), rate(r.tests_pass)],
                )
            })
            .collect();
        crate::plot::error_rates(&png, &rows, tasks.len())?;
        eprintln!(
            "wrote {}, {} and {}",
            md.display(),
            js.display(),
            png.display()
        );
    }
    Ok(())
}

/// What the demo's table can and cannot show: the constraints decide
/// whether a program parses and type-checks, the model whether it is right.
const TESTS_ARE_THE_MODELS: &str = "What the constraints decide: every constrained program parses, \
and a type error the domains can see is never written (the mypy column). Whether a \
program passes its tests is the model's own doing (a 135M-parameter model here); a \
constrained reply that cannot end well within its budget ends with a typed \
placeholder (stop: Rescued).";

fn show(task: &Task, outcome: &Outcome) {
    let yes = |b: bool| if b { "yes" } else { "no" };
    let v = &outcome.verdict;
    println!(
        "── {} · {} ── parses: {} · mypy --strict clean: {} · tests pass: {}{}",
        task.id,
        outcome.arm.name(),
        yes(v.parses),
        yes(v.mypy_clean),
        yes(v.tests_pass),
        if v.mypy_codes.is_empty() {
            String::new()
        } else {
            format!(" · mypy: {}", v.mypy_codes.join(", "))
        }
    );
    match &outcome.generation {
        Ok(g) => {
            let (program, repeated) = task.shown_program(&g.reply);
            let judged = if repeated > 0 {
                format!(
                    "; judged with the prompt's {repeated} import line(s) prepended again, as the protocol extracts"
                )
            } else {
                String::new()
            };
            println!(
                "{}\n   ({} tokens, {} backtracks, stop: {:?}{judged})\n",
                program.trim_end(),
                g.generated,
                g.backtracks,
                g.stop
            )
        }
        Err(e) => println!("   no reply: {e}\n"),
    }
}

/// One row per task, one column per arm: parses / mypy-clean / tests.
fn side_by_side(arms: &[Arm], outcomes: &[Outcome]) -> String {
    let mark = |b: bool| if b { "yes" } else { "no" };
    let mut out = String::from("| task |");
    for arm in arms {
        out.push_str(&format!(" {} (parses · mypy · tests) |", arm.name()));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(arms.len()));
    out.push('\n');
    let mut tasks: Vec<&str> = Vec::new();
    for o in outcomes {
        if !tasks.contains(&o.task.as_str()) {
            tasks.push(&o.task);
        }
    }
    for task in tasks {
        out.push_str(&format!("| {task} |"));
        for arm in arms {
            let cell = outcomes
                .iter()
                .find(|o| o.task == task && o.arm == *arm)
                .map_or_else(String::new, |o| {
                    let v = &o.verdict;
                    format!(
                        "{} · {} · {}",
                        mark(v.parses),
                        mark(v.mypy_clean),
                        mark(v.tests_pass)
                    )
                });
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::program_file;

    #[test]
    fn a_program_file_is_a_module_name_per_task() {
        assert_eq!(program_file("MBPP/3"), "mbpp_3.py");
        assert_eq!(program_file("HumanEval/12-b"), "humaneval_12_b.py");
        // A module name cannot start with a digit.
        assert_eq!(program_file("42"), "t_42.py");
    }
}
