//! `cargo xtask bench --scaling`: how the cost of a token grows with the
//! code before it. Builds documents of ordinary and pathological Python
//! into `.cache/scaling`, force-feeds each through `ananke check` with
//! every domain (spec defaults), and prints, over the 50 lines ending at
//! lines 250, 1,000 and 4,000 (`--windows`; for corpus functions, the ends
//! of the first, fourth and sixteenth copy of a block of about 250
//! lines), the mean step (mask and
//! commit) and each domain's mean share of the mask, as the session's
//! fusion counters time it, with the ratio of the last window to the
//! first. Every figure of a document comes from one run, side by side.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::ananke_cli;

/// The rows of a document's table: the whole step, then each domain.
const ROWS: [&str; 6] = ["step", "syntax", "types", "imports", "cfg", "semantics"];

/// A document and the lines whose windows are reported.
struct Document {
    name: &'static str,
    text: String,
    windows: Vec<usize>,
}

pub(crate) fn scaling(root: &Path) -> Result<()> {
    let dir = root.join(".cache/scaling");
    std::fs::create_dir_all(&dir)?;
    let documents = documents(root)?;
    let mut table = String::from(
        "| document | what | first window | second | last | last / first |\n|---|---|---|---|---|---|\n",
    );
    for document in &documents {
        let path = dir.join(format!("{}.py", document.name));
        std::fs::write(&path, &document.text)?;
        let windows: Vec<String> = document.windows.iter().map(|w| w.to_string()).collect();
        // Exit status 1 is a rejected document: reported in the table.
        let output = ananke_cli(root)
            .args([
                "check",
                "--file",
                path.to_str().context("a UTF-8 path")?,
                "--json",
                "--windows",
                &windows.join(","),
            ])
            .output()
            .with_context(|| format!("running ananke check on {}", document.name))?;
        if !matches!(output.status.code(), Some(0 | 1)) {
            bail!(
                "ananke check {} failed: {}",
                document.name,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let output = String::from_utf8_lossy(&output.stdout);
        let record: Value = output
            .lines()
            .find_map(|l| serde_json::from_str(l).ok())
            .context("a JSON record from ananke check")?;
        let status = match record["accepted"].as_bool() {
            Some(true) => String::new(),
            _ => format!(
                " (not accepted: {})",
                record["rejected_at"]["reason"]
                    .as_str()
                    .unwrap_or("incomplete")
            ),
        };
        for row in ROWS {
            let means: Vec<f64> = document
                .windows
                .iter()
                .map(|w| {
                    record["window_us"][w.to_string()][row]
                        .as_f64()
                        .unwrap_or(f64::NAN)
                })
                .collect();
            let ratio = match (means.first(), means.last()) {
                (Some(first), Some(last)) if *first > 0.0 => format!("{:.2}", last / first),
                _ => "–".into(),
            };
            writeln!(
                table,
                "| {} (lines {}){status} | {row} | {} | {ratio} |",
                document.name,
                windows.join(", "),
                means
                    .iter()
                    .map(|m| format!("{m:.0} µs"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            )?;
            println!("{}", table.lines().last().unwrap_or_default());
        }
    }
    println!("\nmean over the 50 lines ending at each line\n{table}");
    std::fs::write(dir.join("report.md"), &table)?;
    Ok(())
}

/// The documents: corpus functions one after another, one long function,
/// a lookup table, and pathological text.
fn documents(root: &Path) -> Result<Vec<Document>> {
    let data = root.join("../shared/data/mbpp_typed.jsonl");
    let records =
        std::fs::read_to_string(&data).with_context(|| format!("reading {}", data.display()))?;
    // Corpus programs one after another: a block of whole programs of at
    // least 250 lines, repeated sixteen times, each program's top-level
    // names suffixed with its place so that none redefines or shadows
    // another's (a program that defines `sum` would change the meaning of
    // the next one's `sum(...)`). The windows end with the first, fourth
    // and sixteenth block: the same code each time, so what differs is
    // only how much code came before (with programs that differ, a
    // window's cost is mostly that of its programs).
    let programs: Vec<String> = records
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|record| record["source"].as_str().map(str::to_owned))
        .collect();
    let mut block = Vec::new();
    let mut block_lines = 0;
    for source in &programs {
        if block_lines >= 250 {
            break;
        }
        block_lines += source.trim_end().lines().count() + 2;
        block.push(source.as_str());
    }
    let mut functions = String::new();
    for repetition in 0..16 {
        for (j, source) in block.iter().enumerate() {
            functions.push_str(&renamed(source, &format!("{repetition}_{j}")));
            functions.push_str("\n\n\n");
        }
    }
    if functions.lines().count() != 16 * block_lines {
        bail!("the block of corpus programs is not {block_lines} lines");
    }
    let mut long = String::from("def long(xs: list[int], n: int) -> int:\n    total = 0\n");
    let mut i = 0;
    while long.lines().count() < 4000 {
        let _ = write!(
            long,
            "    total = total + n * {i}\n    if total > {i}:\n        total = total - len(xs)\n    xs.append(total)\n"
        );
        i += 1;
    }
    long.push_str("    return total\n");
    let mut table = String::from("TABLE: dict[str, int] = {\n");
    for i in 0..4000 {
        let _ = writeln!(table, "    \"key{i}\": {i},");
    }
    table.push_str("}\n");
    let terms: Vec<String> = (0..1500).map(|i| i.to_string()).collect();
    let expression = format!("x = {}\n", terms.join(" + "));
    let nesting = format!("x = {}1{}\n", "(".repeat(2000), ")".repeat(2000));
    let windows = vec![250, 1000, 4000];
    Ok(vec![
        Document {
            name: "functions",
            text: functions,
            windows: vec![block_lines, 4 * block_lines, 16 * block_lines],
        },
        Document {
            name: "long_function",
            text: long,
            windows: windows.clone(),
        },
        Document {
            name: "lookup_table",
            text: table,
            windows,
        },
        // One line each: every window is the whole line.
        Document {
            name: "expression_1500_terms",
            text: expression,
            windows: vec![1, 1, 1],
        },
        Document {
            name: "nesting_2000_deep",
            text: nesting,
            windows: vec![1, 1, 1],
        },
    ])
}

/// `source` with each top-level `def` or `class` name suffixed `_{suffix}`.
fn renamed(source: &str, suffix: &str) -> String {
    let mut renamed = source.trim_end().to_owned();
    for line in source.lines() {
        let Some(rest) = line
            .strip_prefix("def ")
            .or_else(|| line.strip_prefix("class "))
        else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            renamed = rename(&renamed, &name, &format!("{name}_{suffix}"));
        }
    }
    renamed
}

/// `text` with every whole word `name` not read as an attribute (after a
/// `.`) written `to`.
fn rename(text: &str, name: &str, to: &str) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(name) {
        let before = rest[..at].chars().next_back().or(out.chars().next_back());
        let after = rest[at + name.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(|c| is_word(c) || c == '.') || after.is_some_and(is_word) {
            out.push_str(name);
        } else {
            out.push_str(to);
        }
        rest = &rest[at + name.len()..];
    }
    out.push_str(rest);
    out
}
