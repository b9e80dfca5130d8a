# The model-errors loop (`cargo xtask model-errors`): the model's own
# unconstrained programs as a differential corpus for the fused mask.
# OUT is `.cache/model-errors`; `ananke sample` has written
# OUT/programs/<run>/<task>.py, one folder per decoding run (`greedy`,
# `t0.7-s1`: temperature 0.7, seed 1, ...), and xtask has copied the
# programs this report covers into OUT/fed/<run>/. Steps, each a
# subcommand:
#
#   truth MYPY OUT JOBS
#     the ground truth of every program: whether CPython (this Python,
#     3.11) compiles it, and the errors of the pinned `mypy --strict
#     --python-version 3.11` (each run's folder in batches, each program a
#     module of its own); writes OUT/truth.json;
#   report OUT MASK_TXT JSONL
#     joins the truth with where the fused mask rejected each program
#     (`ananke corpus packages --dir OUT/fed` printed to MASK_TXT) and
#     writes the tables to stdout and OUT/report.md; exits 1 while a
#     program mypy accepts is rejected.
#
# A program mypy rejects is *caught* when the mask rejects it on a line
# of the statement that holds mypy's first error: at or after the line
# that statement starts on (where the error's cause is written) and at or
# before its end (mypy's line, or the statement's last when it spans
# several: mypy reports it on the first). A rejection before that is
# *early* (the mask objected to something mypy accepts, or to a cause
# mypy reports later), one after it *late*, none at all *missed*; one
# after it where the module ends is *at the end* (a function may
# read a name defined after it: the checker knows only at the end). Misses
# are grouped by the error code of mypy's first error.
import ast

ILL_TYPED = ["caught", "early", "late", "at the end", "missed"]


def programs(out):
    """[{run, module, path (relative to OUT/fed), source}], sorted."""
    root = os.path.join(out, "fed")
    found = []
    for run in sorted(os.listdir(root)):
        folder = os.path.join(root, run)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    source = f.read()
                found.append(
                    {"run": run, "module": name[:-3], "path": f"{run}/{name}", "source": source}
                )
    return found


def compiles(source):
    try:
        compile(source, "<program>", "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False


def truth(mypy, out, jobs):
    every = programs(out)
    verdicts = {p["path"]: {"parses": compiles(p["source"])} for p in every}
    batches = []
    for run in sorted({p["run"] for p in every}):
        parsed = [
            {"path": p["path"], "module": p["module"]}
            for p in every
            if p["run"] == run and verdicts[p["path"]]["parses"]
        ]
        batches += [(run, parsed[i : i + 200]) for i in range(0, len(parsed), 200)]

    def work(i):
        run, batch = batches[i]
        cache = os.path.join(out, f"mypy_cache_{i % jobs}")
        return run, run_mypy(mypy, os.path.join(out, "fed"), cache, batch)

    with ThreadPoolExecutor(jobs) as pool:
        for n, (run, (errors, skipped)) in enumerate(pool.map(work, range(len(batches)))):
            for module, why in skipped.items():
                verdicts[f"{run}/{module}.py"]["skip"] = why
            for p in every:
                if p["run"] == run and p["module"] in errors:
                    found = errors[p["module"]]
                    verdicts[p["path"]]["errors"] = [[e[0], e[2], e[3]] for e in found if e[1] == "error"]
            print(f"  mypy: batch {n + 1}/{len(batches)}", file=sys.stderr)
    for p in every:
        v = verdicts[p["path"]]
        if v["parses"] and "skip" not in v:
            v.setdefault("errors", [])
    with open(os.path.join(out, "truth.json"), "w") as f:
        json.dump(verdicts, f)


def statement_lines(source, line):
    """The first and last line of the innermost statement that holds
    `line` (a compound statement counts by its header, so a line of a
    block is held by the statement on it, not by the block's owner)."""
    best = (line, line)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno):
            body_start = min(
                (s.lineno for f in ("body", "orelse", "finalbody", "handlers", "cases")
                 for s in getattr(node, f, []) if hasattr(s, "lineno")),
                default=None,
            )
            if body_start is not None and line >= body_start:
                continue
            end = body_start - 1 if body_start is not None else node.end_lineno or line
            best = (node.lineno, max(end, line))
    return best


# Codes mypy reports on a function's `def` line about how its body ends:
# the earliest a left-to-right reader can know is the token after the
# body.
BODY_END_CODES = ("return", "empty-body")


def error_span(source, verdict):
    """The lines a rejection counts as catching mypy's first error on: the
    statement that holds it (mypy reports an error of a statement written
    over several lines on its first: `return max(` ... `)`, whose value is
    known at its end), or, for a missing return, the function up to the
    first line of code after it."""
    line, _, code = first_error(verdict)
    start, end = statement_lines(source, line)
    if code in BODY_END_CODES:
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno == line:
                end = node.end_lineno or line
                while end < len(lines) and (not lines[end].strip() or lines[end].lstrip().startswith("#")):
                    end += 1
                end += 1
    return start, end


def classify(program, verdict, rejection):
    """One program's bucket: `accepted`/`false rejection` when mypy accepts
    it; `caught`/`early`/`late`/`at the end`/`missed` when mypy rejects it;
    `unparsed rejected`/`unparsed accepted` when CPython cannot compile
    it."""
    if not verdict["parses"]:
        return "unparsed rejected" if rejection else "unparsed accepted"
    if not verdict["errors"]:
        return "false rejection" if rejection else "accepted"
    if rejection is None:
        return "missed"
    start, end = error_span(program["source"], verdict)
    at = rejection["line"]
    if at < start:
        return "early"
    if at <= end:
        return "caught"
    return "at the end" if rejection["reason"].startswith("the module cannot end here") else "late"


def first_error(verdict):
    first = min(e[0] for e in verdict["errors"])
    return next(e for e in verdict["errors"] if e[0] == first)


def report(out, mask_txt, jsonl):
    with open(os.path.join(out, "truth.json")) as f:
        verdicts = json.load(f)
    found = corpus_rejections(mask_txt)
    if found is None:
        sys.exit(f"{mask_txt}: `ananke corpus packages` did not run to its end")
    skipped, rejected = found
    buckets = [
        "accepted", "false rejection", "caught", "early", "late", "at the end", "missed",
        "unparsed rejected", "unparsed accepted", "unparsed, not fed",
    ]
    runs, codes, examples = {}, {}, {}
    for p in programs(out):
        v = verdicts.get(p["path"])
        if v is None or "skip" in v:
            continue
        if p["path"] in skipped:
            # `ananke corpus packages` feeds only what CPython compiles.
            if v["parses"]:
                continue
            bucket = "unparsed, not fed"
        else:
            bucket = classify(p, v, rejected.get(p["path"]))
        row = runs.setdefault(p["run"], dict.fromkeys(buckets, 0))
        row[bucket] += 1
        if bucket in ILL_TYPED:
            code = first_error(v)[2] or "(no code)"
            codes.setdefault(code, dict.fromkeys(ILL_TYPED, 0))[bucket] += 1
        if bucket not in ("accepted", "unparsed rejected", "unparsed, not fed"):
            examples.setdefault(bucket, []).append((p, v, rejected.get(p["path"])))
    total = dict.fromkeys(buckets, 0)
    for row in runs.values():
        for k in buckets:
            total[k] += row[k]

    def rate(row):
        ill = sum(row[k] for k in ILL_TYPED)
        return f"{100 * row['caught'] / ill:.1f}%" if ill else "—"

    cols = ["programs", "mypy-clean", "false rejections", "ill-typed", *ILL_TYPED, "catch rate",
            "unparsed (rejected / accepted / not fed)"]
    table = ["| run | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, row in sorted(runs.items()) + [("**total**", total)]:
        cells = [
            sum(row.values()), row["accepted"] + row["false rejection"], row["false rejection"],
            sum(row[k] for k in ILL_TYPED), *(row[k] for k in ILL_TYPED), rate(row),
            f"{row['unparsed rejected']} / {row['unparsed accepted']} / {row['unparsed, not fed']}",
        ]
        table.append(f"| {name} | " + " | ".join(str(c) for c in cells) + " |")
    by_code = ["| mypy code (first error) | ill-typed | " + " | ".join(ILL_TYPED) + " | catch rate |",
               "|---" * (len(ILL_TYPED) + 3) + "|"]
    for code, row in sorted(codes.items(), key=lambda kv: -sum(kv[1].values())):
        by_code.append(
            f"| {code} | {sum(row.values())} | " + " | ".join(str(row[k]) for k in ILL_TYPED)
            + f" | {rate(row)} |"
        )
    text = [
        "# Model errors: the fused mask against `mypy --strict` on the model's own programs",
        "",
        f"Programs: SmolLM2-135M-Instruct, unconstrained, on the prompts of `{jsonl}`, one folder "
        "per decoding run; force-fed through every domain at spec defaults (cl100k_base). "
        "Caught: rejected on the statement of mypy's first error, from its first line to its "
        "last (to the first line after the function, for a missing return); early: before "
        "that statement; late: after it; at the end: only where the module ends (a name a "
        "function reads may be defined after it); missed: accepted. Not fed: CPython cannot "
        "compile it.",
        "",
        *table,
        "",
        "## By the code of mypy's first error",
        "",
        *by_code,
    ]
    for bucket in ("false rejection", "unparsed accepted", "early", "late", "at the end", "missed"):
        listed = examples.get(bucket, [])
        text += ["", f"## {bucket} ({len(listed)})", ""]
        if bucket in ("late", "at the end", "missed"):
            listed = sorted(listed, key=lambda x: first_error(x[1])[2])
        for p, v, r in listed:
            where = f"`{p['path']}`"
            if v.get("errors"):
                line, msg, code = first_error(v)
                src = p["source"].splitlines()
                shown = src[line - 1].strip() if 0 < line <= len(src) else ""
                where += f" line {line} [{code}] {msg} — `{shown}`"
            if r:
                where += f"; mask: line {r['line']} {r['domains']}: {r['reason'][:160]}"
            text.append(f"- {where}")
    md = "\n".join(text) + "\n"
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(md)
    print("\n".join(table))
    print("\n" + "\n".join(by_code))
    print(
        f"\n{total['false rejection']} false rejections, catch rate {rate(total)}; "
        "details in " + os.path.join(out, "report.md")
    )
    return 1 if total["false rejection"] else 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "truth":
        truth(args[0], args[1], int(args[2]))
    elif cmd == "report":
        sys.exit(report(*args))
    else:
        sys.exit(f"unknown step {cmd}")
