//! The `ananke` binary, as a user runs it.

#[path = "../../ananke-runtime/tests/common/mod.rs"]
mod common;

use std::process::{Command, Output};

fn ananke(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ananke"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scratch(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("ananke-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn check_accepts_the_typed_corpus_as_json_lines() {
    let corpus = ananke_testkit::data_dir().join("mbpp_typed.jsonl");
    let out = ananke(&[
        "check",
        "--tokenizer",
        "cl100k_base",
        "--jsonl",
        corpus.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 264);
    for line in &lines {
        assert_eq!(line["accepted"], true, "{line}");
        assert!(line["rejected_at"].is_null());
        assert!(line["tokens"].as_u64().unwrap() > 0);
        assert!(line["mask_us_median"].as_f64().unwrap() > 0.0);
        assert!(line["mask_us_p99"].as_f64().unwrap() >= line["mask_us_median"].as_f64().unwrap());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("264 accepted, 0 rejected"), "{stderr}");
}

#[test]
fn check_reports_where_and_why_a_program_is_rejected() {
    let file = scratch("bad.py", "def f(x: int) -> int:\n    return (x + 1))\n");
    let out = ananke(&["check", "--file", &file, "--json"]);
    assert_eq!(out.status.code(), Some(1), "a rejection exits 1");
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["accepted"], false);
    let at = &line["rejected_at"];
    assert_eq!(at["byte_offset"], 39);
    // The grammar refuses the `)`; the types domain, which will not let a
    // statement Python cannot parse end, refuses the token's line break.
    assert_eq!(at["domains"], serde_json::json!(["syntax", "types"]));
    assert!(
        at["reason"].as_str().unwrap().contains("does not allow"),
        "{at}"
    );
    assert!(at["token"].as_str().unwrap().starts_with(')'), "{at}");
}

#[test]
fn bad_records_are_reported_with_their_line_and_skipped() {
    let file = scratch(
        "mixed.jsonl",
        "{\"id\": \"ok\", \"source\": \"x = 1\\n\"}\nnot json\n{\"id\": \"no-source\"}\n{\"id\": \"ok2\", \"source\": \"y = 2\\n\"}\n",
    );
    let out = ananke(&["check", "--jsonl", &file, "--json"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "bad records are input errors: exit 2"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("mixed.jsonl:2: not a JSON record"),
        "{stderr}"
    );
    assert!(
        stderr.contains("mixed.jsonl:3: no string field `source`"),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        2,
        "the good records still ran"
    );
}

#[test]
fn check_exit_status_says_whether_every_program_passed() {
    let good = "{\"id\": \"ok\", \"source\": \"x = 1\\n\"}\n";
    let bad = "{\"id\": \"bad\", \"source\": \"x = (1))\\n\"}\n";
    let all_good = scratch("good.jsonl", &good.repeat(2));
    let one_bad = scratch("one-bad.jsonl", &format!("{good}{bad}{good}"));
    assert_eq!(
        ananke(&["check", "--jsonl", &all_good]).status.code(),
        Some(0)
    );
    let out = ananke(&["check", "--jsonl", &one_bad]);
    assert_eq!(out.status.code(), Some(1), "one rejected program exits 1");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        3,
        "every program still ran: {stdout}"
    );
    // A program cut off mid-statement is not accepted either.
    let cut = scratch("cut.py", "def f(x: int) -> int:\n    return (x +");
    let out = ananke(&["check", "--file", &cut]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("incomplete"));
    // `--help` says what the codes mean.
    let help = String::from_utf8_lossy(&ananke(&["check", "--help"]).stdout).into_owned();
    assert!(help.contains("Exit status"), "{help}");
}

#[test]
fn bad_arguments_are_errors() {
    let out = ananke(&["check", "--file", "/does/not/exist.py"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /does/not/exist.py"));
    let file = scratch("ok.py", "x = 1\n");
    let out = ananke(&["check", "--file", &file, "--domains", "syntax,nonsense"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown domain `nonsense`"));
    let out = ananke(&[
        "check",
        "--file",
        &file,
        "--tokenizer",
        "/no/tokenizer.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = ananke(&["check", "--file", &file, "--domains", "imports"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn explain_says_which_domain_rejects_a_token() {
    let file = scratch("explain.py", "def f(x: int) -> int:\n    return (x + 1))\n");
    let out = ananke(&["explain", "--file", &file, "--offset", "40"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("is rejected"), "{text}");
    assert!(text.contains("syntax: rejects it"), "{text}");
    assert!(text.contains("imports: allows it"), "{text}");
    let out = ananke(&["explain", "--file", &file, "--offset", "4"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("is allowed"));
}

#[test]
fn check_with_an_import_policy_names_the_forbidden_module() {
    let spec = scratch(
        "policy.toml",
        "[syntax]\ntokenizer = \"o200k_base\"\n\n[imports]\nforbidden = [\"subprocess\"]\n",
    );
    let file = scratch(
        "shell.py",
        "import os\nimport subprocess\n\ndef run() -> None:\n    subprocess.run([\"ls\"])\n",
    );
    let out = ananke(&[
        "check",
        "--file",
        &file,
        "--spec",
        &spec,
        "--domains",
        "syntax,types,imports",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["accepted"], false);
    // `import subprocess` is settled by the line break after the name.
    let reason = rejected_by(&line, "imports", "import os\nimport subprocess".len());
    assert!(
        reason.contains("`subprocess`") && reason.contains("!subprocess"),
        "{reason}"
    );
}

/// The reason `check --json`'s `line` gives for its rejection, after
/// asserting that `domain` alone rejected the token holding byte `end`.
fn rejected_by(line: &serde_json::Value, domain: &str, end: usize) -> String {
    let at = &line["rejected_at"];
    assert_eq!(at["domains"], serde_json::json!([domain]), "{at}");
    let offset = at["byte_offset"].as_u64().unwrap() as usize;
    let token = at["token"].as_str().unwrap();
    assert!(offset <= end && end < offset + token.len(), "{at}");
    at["reason"].as_str().unwrap().to_owned()
}

#[test]
fn check_with_a_call_policy_names_the_rule_and_the_callee() {
    let spec = scratch(
        "calls.toml",
        "[syntax]\ntokenizer = \"cl100k_base\"\n\n[policy]\nstrict = true\n",
    );
    let file = scratch(
        "alias.py",
        "from os import system as run_it\n\nrun_it(\"ls\")\n",
    );
    let out = ananke(&["check", "--file", &file, "--spec", &spec, "--json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The import is settled by the blank after `system`.
    let reason = rejected_by(&line, "types", "from os import system".len());
    assert!(
        reason.contains("`os.system`") && reason.contains("rule `os.system`"),
        "{reason}"
    );
    // A rule that names nothing is an error naming the field.
    let bad = scratch(
        "bad_calls.toml",
        "[syntax]\ntokenizer = \"cl100k_base\"\n\n[policy]\ndeny_calls = [\"os.sytem\"]\n",
    );
    let out = ananke(&["check", "--file", &file, "--spec", &bad]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("policy.deny_calls[0]") && stderr.contains("os.sytem"),
        "{stderr}"
    );
}

#[test]
fn check_with_a_contract_names_the_unsat_core() {
    let spec = scratch(
        "contract.toml",
        "[semantics]\nsignature = \"def clamp(n: int) -> int\"\nrequires = [\"(>= n 0)\"]\nensures = [\"(>= result 0)\", \"(<= result 100)\"]\n",
    );
    let file = scratch(
        "clamp.py",
        "def clamp(n: int) -> int:\n    if n > 100:\n        return 100\n    return n - 101\n",
    );
    let out = ananke(&[
        "check",
        "--file",
        &file,
        "--spec",
        &spec,
        "--domains",
        "syntax,types,cfg,semantics",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["accepted"], false, "{line}");
    let at = &line["rejected_at"];
    assert_eq!(at["domains"], serde_json::json!(["semantics"]), "{at}");
    let reason = at["reason"].as_str().unwrap();
    for blamed in [
        "`return n - 101` (line 4)",
        "not `n > 100`",
        "(>= result 0)",
    ] {
        assert!(reason.contains(blamed), "{blamed}: {reason}");
    }
    // Without the contract's domain the same program passes.
    let out = ananke(&[
        "check",
        "--file",
        &file,
        "--spec",
        &spec,
        "--domains",
        "syntax,types,cfg",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["accepted"], true, "{line}");
    // A malformed formula is an error that names it.
    let bad = scratch(
        "bad.toml",
        "[semantics]\nsignature = \"def clamp(n: int) -> int\"\nensures = [\"(>= result\"]\n",
    );
    let out = ananke(&["check", "--file", &file, "--spec", &bad]);
    assert_eq!(out.status.code(), Some(2), "a bad spec is an input error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("semantics.ensures[0]"), "{stderr}");
}

#[test]
fn check_prints_fusion_counters_on_request() {
    let file = scratch("stats.py", "def f(x: int) -> int:\n    return x + 1\n");
    let out = ananke(&["check", "--file", &file, "--stats"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("fusion: "), "{stderr}");
    for domain in ["syntax", "types", "imports"] {
        let row = stderr
            .lines()
            .find(|l| l.trim_start().starts_with(domain))
            .unwrap_or_else(|| panic!("no {domain} row: {stderr}"));
        let computed: u64 = row.split_whitespace().nth(1).unwrap().parse().unwrap();
        let reused: u64 = row.split_whitespace().nth(2).unwrap().parse().unwrap();
        assert!(computed + reused > 0, "{row}");
    }
}

#[test]
fn a_plugin_given_on_the_command_line_changes_the_verdict() {
    let library = common::library("deny_calls");
    let source = "def run(s: str) -> int:\n    return int(eval(s))\n";
    let file = scratch("eval.py", source);
    let without = ananke(&["check", "--file", &file, "--json"]);
    assert_eq!(without.status.code(), Some(0));
    let line: serde_json::Value = serde_json::from_slice(&without.stdout).unwrap();
    assert_eq!(line["accepted"], true, "{line}");
    let with = ananke(&[
        "check",
        "--file",
        &file,
        "--json",
        "--plugin",
        library.to_str().unwrap(),
    ]);
    assert_eq!(
        with.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&with.stdout).unwrap();
    assert_eq!(line["accepted"], false, "{line}");
    let at = &line["rejected_at"];
    assert_eq!(at["domains"], serde_json::json!(["deny-calls"]), "{at}");
    assert!(at["reason"].as_str().unwrap().contains("`eval`"), "{at}");
    let paren = source.find("eval(").unwrap() + 4;
    let offset = at["byte_offset"].as_u64().unwrap() as usize;
    let token = at["token"].as_str().unwrap();
    assert!(offset <= paren && paren < offset + token.len(), "{at}");

    let out = ananke(&["check", "--file", &file, "--plugin", "/no/such.so"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such.so"));
}

#[test]
fn holes_prints_the_tree_of_a_template_spec() {
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/holes/ranking.toml");
    let out = ananke(&["holes", "--spec", spec]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("  ranking (block at template line 4)\n"),
        "{text}"
    );
    assert!(
        text.contains("    top (body at template line 9)\n"),
        "{text}"
    );
    assert!(
        text.contains("      imports: hole `ranking` (spec holes[0].imports)\n"),
        "{text}"
    );
    assert!(
        text.ends_with("written in this order: top, total\n"),
        "{text}"
    );
    // A template marker without an entry is an error naming the hole.
    let bad = scratch(
        "bad_holes.toml",
        "[task]\ntemplate = \"x = ...  # hole: x\\n\"\n",
    );
    let out = ananke(&["holes", "--spec", &bad]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("hole `x`: is in the template but has no [[holes]] entry"),
        "{err}"
    );
}
