# The mypy test-cases corpus (`cargo xtask corpus mypy-cases`): mypy's own
# `test-data/unit/check-*.test` cases as a differential corpus. Steps,
# each a subcommand; OUT is `.cache/mypy-cases`:
#
#   extract SDIST SHA256 OUT
#     checks the sdist's sha256 and reads every `check-*.test` in it; each
#     case's main program is parsed as mypy's test runner does (lines
#     starting `--` are comments, a trailing backslash joins lines, a line
#     `[...]` starts a section) and either kept, as
#     OUT/cases/<test file>/<module>.py, or skipped with a reason
#     (OUT/cases.json lists both);
#   mypy MYPY OUT JOBS
#     the ground truth: the pinned `mypy --strict --python-version 3.11`
#     with the real typeshed, many cases per invocation (each case is a
#     module of its own, errors grouped by file), JOBS invocations at once;
#     a blocking error or a crash splits the batch until the case at fault
#     is alone (it is then skipped); writes OUT/mypy.json. Cases in which
#     mypy cannot find an imported module are skipped: they lean on mypy's
#     test stubs (`lib-stub`), not typeshed;
#   mask-dir OUT [N]
#     OUT/mask/<test file>/<module>.py for every handled case (or N spread
#     evenly): the folder `ananke corpus packages --dir` force-feeds;
#   checker TYPECHECK OUT JOBS
#     the checker's diagnostics (the `typecheck` example of ananke-types,
#     `--jsonl`), in chunks; a chunk that fails is rerun one case at a
#     time, and a case that still fails (a panic, a timeout) is recorded;
#     writes OUT/checker.json;
#   report OUT MASK_TXT
#     the table per test file and in total, and every false error and
#     false rejection, to stdout and OUT/report.md; exits 1 when there is
#     a false error, a false rejection or a rejection before mypy's first
#     error.
#
# A case's `# flags: ...` are never passed to mypy: every case is checked
# with `--strict` as Python 3.11 (what the checker models). A case is kept
# when its flags are ones `--strict` implies, mypy's defaults, ones that
# only change how errors are printed or reported, ones that only add
# checks (`--warn-unreachable`, `--enable-error-code`, `--disallow-any-*`:
# without them mypy reports a subset, still the truth under `--strict`),
# and `--python-version` 3.8 or later. Any other flag changes what the
# program means to mypy (`--no-strict-optional`, `--allow-redefinition`,
# `--always-true`, `--platform`, `--disable-error-code`,
# `--ignore-missing-imports`, ...): the case was written for behaviour
# `--strict` does not have, and is skipped with the flag as the reason.
import hashlib, json, os, re, shutil, subprocess, sys, tarfile, tempfile, warnings
from concurrent.futures import ThreadPoolExecutor

STRICT_FLAGS = {
    "--strict",
    "--strict-optional",
    "--disallow-any-generics",
    "--disallow-subclassing-any",
    "--disallow-untyped-calls",
    "--disallow-untyped-defs",
    "--disallow-incomplete-defs",
    "--check-untyped-defs",
    "--disallow-untyped-decorators",
    "--warn-redundant-casts",
    "--warn-unused-ignores",
    "--warn-return-any",
    "--no-implicit-reexport",
    "--strict-equality",
    "--extra-checks",
    "--disallow-any-generic",  # an abbreviation argparse accepts
    # mypy's defaults, said again
    "--no-implicit-optional",
    "--no-warn-unreachable",
    "--warn-no-return",
    "--no-site-packages",
}
DISPLAY_FLAGS = {
    "--show-error-codes",
    "--hide-error-codes",
    "--pretty",
    "--no-pretty",
    "--show-column-numbers",
    "--show-error-end",
    "--show-error-context",
    "--hide-error-context",
    "--show-traceback",
    "--show-absolute-path",
    "--show-error-code-links",
    "--no-error-summary",
    "--error-summary",
    "--no-color-output",
    "--lineprecision-report",
    "--xml-report",
    "--soft-error-limit",
}
ADDED_CHECKS = {
    "--warn-unreachable",
    "--check-unreachable",
    "--enable-error-code",
    "--disallow-any-expr",
    "--disallow-any-explicit",
    "--disallow-any-decorated",
    "--disallow-any-unimported",
    "--strict-bytes",
    "--strict-equality-for-none",
    # mypy 2's defaults
    "--local-partial-types",
}
# Flags kept whose value is the next word.
WITH_VALUE = {"--enable-error-code", "--lineprecision-report", "--xml-report", "--soft-error-limit"}
CASE_NAME = re.compile(
    r"(?P<name>[a-zA-Z_0-9]+)(-writescache)?(-only_when_cache|-only_when_nocache)?"
    r"(-skip_path_normalization)?(-(?P<platform>posix|windows))?(?P<skip>-skip)?(-xfail)?"
)
KEPT_SECTIONS = ("builtins", "typing", "out")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main_program(data):
    """The main program of a case (mypy's `parse_test_data`) and the
    ids of the sections after it."""
    lines = data.split("\n")
    program, sections, in_main = [], [], True
    for line in lines:
        s = line.strip()
        if line.startswith("[") and s.endswith("]"):
            in_main = False
            sections.append(s[1:-1].split(" ")[0])
        elif not in_main:
            continue
        elif line.startswith("\\["):
            program.append(line[1:])
        elif not line.startswith("--"):
            program.append(line)
        elif line.startswith("----"):
            program.append(line[2:])
    joined, cont = [], False
    for s in program:
        ss = re.sub(r"\\$", "", s)
        if cont:
            joined[-1] += re.sub("^ +", "", ss)
        else:
            joined.append(ss)
        cont = s.endswith("\\")
    joined = [re.sub(r"\s+$", "", s) for s in joined]
    while joined and joined[-1] == "":
        joined.pop()
    return "\n".join(joined) + "\n" if joined else "", sections


def flag_skip(program):
    """Why the case's `# flags:` rule it out, or None."""
    m = re.search("# flags: (.*)$", program, flags=re.MULTILINE)
    if not m:
        return None
    flags = m.group(1).split()
    i = 0
    while i < len(flags):
        flag = flags[i]
        name, _, value = flag.partition("=")
        if name == "--python-version":
            if not value:
                i += 1
                value = flags[i] if i < len(flags) else ""
            try:
                major, minor = (int(p) for p in value.split("."))
            except ValueError:
                return f"flag --python-version {value}"
            if (major, minor) < (3, 8):
                return f"flag --python-version {value} (before 3.8)"
        elif name in WITH_VALUE:
            i += 0 if value else 1
        elif name not in STRICT_FLAGS | DISPLAY_FLAGS | ADDED_CHECKS:
            return f"flag {name}"
        i += 1
    return None


def module_name(stem, name):
    return stem.removeprefix("check-").replace("-", "_") + "__" + name


def extract(sdist, sha256, out):
    got = sha256_file(sdist)
    if got != sha256:
        sys.exit(f"{sdist}: sha256 {got}, expected {sha256}: refusing it (delete it to fetch it again)")
    partial = os.path.join(out, "cases.partial")
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    manifest = []
    with tarfile.open(sdist) as tar:
        members = sorted(
            (m for m in tar.getmembers() if re.search(r"/test-data/unit/check-[^/]+\.test$", m.name)),
            key=lambda m: m.name,
        )
        for member in members:
            stem = os.path.basename(member.name)[: -len(".test")]
            text = tar.extractfile(member).read().decode("utf-8")
            parts = re.split(r"^\[case ([^]+)]+)\][ \t]*$\n", text, flags=re.DOTALL | re.MULTILINE)
            for case_id, data in zip(parts[1::2], parts[2::2]):
                m = CASE_NAME.fullmatch(case_id)
                name = m.group("name") if m else case_id
                program, sections = main_program(data)
                case = {"file": stem, "name": name, "module": module_name(stem, name), "skip": None}
                other = sorted({s for s in sections if not s.startswith(KEPT_SECTIONS)})
                if not m:
                    case["skip"] = "case id mypy does not parse"
                elif m.group("skip"):
                    case["skip"] = "marked -skip"
                elif m.group("platform") == "windows":
                    case["skip"] = "windows only"
                elif other:
                    case["skip"] = "sections " + ", ".join(f"[{s}]" for s in other)
                elif re.search(r"^\s*# mypy:", program, flags=re.MULTILINE):
                    case["skip"] = "inline `# mypy:` configuration"
                else:
                    case["skip"] = flag_skip(program)
                if case["skip"] is None:
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            compile(program, case["module"], "exec", dont_inherit=True)
                    except (SyntaxError, ValueError):
                        case["skip"] = "CPython 3.11 cannot compile it"
                if case["skip"] is None:
                    path = os.path.join(stem, case["module"] + ".py")
                    os.makedirs(os.path.join(partial, stem), exist_ok=True)
                    with open(os.path.join(partial, path), "w", encoding="utf-8") as f:
                        f.write(program)
                    case["path"] = path
                manifest.append(case)
    cases = os.path.join(out, "cases")
    shutil.rmtree(cases, ignore_errors=True)
    os.replace(partial, cases)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"sha256": sha256, "cases": manifest}, f, indent=0)
    kept = sum(1 for c in manifest if c["skip"] is None)
    print(f"{len(manifest)} cases in {len(members)} files; {kept} kept before mypy", file=sys.stderr)


def load(out, name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)


def mypy_truth(mypy, out, jobs):
    manifest = load(out, "cases.json")
    cases = [c for c in manifest["cases"] if c["skip"] is None]
    root = os.path.join(out, "cases")
    size = 250
    batches = [cases[i : i + size] for i in range(0, len(cases), size)]
    errors, skipped = {}, {}

    def work(i):
        cache = os.path.join(out, f"mypy_cache_{i % jobs}")
        return run_mypy(mypy, root, cache, batches[i])

    # One cache folder per worker: batches i, i + jobs, ... share one.
    with ThreadPoolExecutor(jobs) as pool:
        for n, (e, s) in enumerate(pool.map(work, range(len(batches)))):
            errors.update(e)
            skipped.update(s)
            print(f"  mypy: batch {n + 1}/{len(batches)}", file=sys.stderr)
    truth = {}
    for c in cases:
        module = c["module"]
        if module in skipped:
            truth[module] = {"skip": skipped[module]}
            continue
        found = errors.get(module, [])
        unresolved = [e for e in found if e[3] in ("import-not-found", "import-untyped")]
        if unresolved:
            truth[module] = {"skip": "imports a module only mypy's test stubs provide"}
            continue
        truth[module] = {"errors": [[e[0], e[2], e[3]] for e in found if e[1] == "error"]}
    with open(os.path.join(out, "mypy.json"), "w") as f:
        json.dump(truth, f)


def handled(out):
    """The cases handled: kept at extraction and by mypy, in order, each
    with its mypy errors."""
    manifest = load(out, "cases.json")
    truth = load(out, "mypy.json")
    result = []
    for c in manifest["cases"]:
        if c["skip"] is None:
            t = truth.get(c["module"], {"skip": "no mypy verdict"})
            if "skip" in t:
                c = dict(c, skip=t["skip"])
            else:
                c = dict(c, mypy=t["errors"])
        result.append(c)
    return result


def mask_dir(out, sample=None):
    mask = os.path.join(out, "mask")
    shutil.rmtree(mask, ignore_errors=True)
    cases = [c for c in handled(out) if c["skip"] is None]
    if sample is not None and int(sample) < len(cases):
        n = int(sample)
        cases = [cases[i * len(cases) // n] for i in range(n)]
    for c in cases:
        os.makedirs(os.path.join(mask, c["file"]), exist_ok=True)
        shutil.copyfile(os.path.join(out, "cases", c["path"]), os.path.join(mask, c["path"]))


def run_checker(binary, records, timeout):
    """Runs the checker on records ({id, source}); None if it fails."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
        name = f.name
    try:
        proc = subprocess.run(
            [binary, "--jsonl", name], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None, "timed out"
    finally:
        os.unlink(name)
    if proc.returncode != 0:
        return None, (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:200]
    return [json.loads(l) for l in proc.stdout.splitlines() if l.strip()], None


def checker(binary, out, jobs):
    cases = [c for c in handled(out) if c["skip"] is None]
    records = []
    for c in cases:
        with open(os.path.join(out, "cases", c["path"]), encoding="utf-8") as f:
            records.append({"id": c["module"], "source": f.read()})
    size = 200
    chunks = [records[i : i + size] for i in range(0, len(records), size)]

    def work(chunk):
        answers, _ = run_checker(binary, chunk, 600)
        if answers is not None and len(answers) == len(chunk):
            return {a["id"]: {"errors": a["errors"]} for a in answers}
        result = {}
        for r in chunk:
            one, why = run_checker(binary, [r], 60)
            result[r["id"]] = {"errors": one[0]["errors"]} if one else {"failed": why}
        return result

    results = {}
    with ThreadPoolExecutor(jobs) as pool:
        for n, r in enumerate(pool.map(work, chunks)):
            results.update(r)
            print(f"  checker: chunk {n + 1}/{len(chunks)}", file=sys.stderr)
    with open(os.path.join(out, "checker.json"), "w") as f:
        json.dump(results, f)


def read_mask(path):
    """{module: rejection or None} for every module `ananke corpus
    packages` fed ({} when it has not run to its end)."""
    found = corpus_rejections(path)
    if found is None:
        return {}
    skipped, rejected = found
    fed = {}
    for root, _, files in os.walk(os.path.join(os.path.dirname(path), "mask")):
        for name in files:
            if name.endswith(".py"):
                rel = os.path.join(os.path.basename(root), name)
                if rel not in skipped:
                    fed[name[:-3]] = None
    for name, rejection in rejected.items():
        fed[os.path.basename(name)[:-3]] = rejection
    return fed


def report(out, mask_txt):
    cases = handled(out)
    checked = load(out, "checker.json")
    mask = read_mask(mask_txt)
    cols = [
        "cases", "handled", "ill-typed", "mypy error lines", "caught", "share",
        "false errors", "cases w/ false errors", "fed", "false rejections",
        "ill-typed rejected ≥ first error", "rejected before it",
    ]
    rows, skips = {}, {}
    false_errors, false_rejections, early, failed = [], [], [], []
    for c in cases:
        row = rows.setdefault(c["file"], dict.fromkeys(cols, 0))
        row["cases"] += 1
        if c["skip"] is not None:
            reason = re.sub(r"^(flag \S+).*", r"\1", c["skip"])
            reason = re.sub(r"^(sections|mypy stops on it).*", r"\1", reason)
            skips[reason] = skips.get(reason, 0) + 1
            continue
        row["handled"] += 1
        m = c["module"]
        mypy_lines = sorted({e[0] for e in c["mypy"]})
        if mypy_lines:
            row["ill-typed"] += 1
        row["mypy error lines"] += len(mypy_lines)
        verdict = checked.get(m, {"failed": "no checker verdict"})
        if "failed" in verdict:
            failed.append((c, verdict["failed"]))
        else:
            ours = {}
            for e in verdict["errors"]:
                ours.setdefault(e["line"], []).append(e)
            row["caught"] += sum(1 for l in mypy_lines if l in ours)
            wrong = [l for l in sorted(ours) if l not in mypy_lines]
            row["false errors"] += len(wrong)
            row["cases w/ false errors"] += 1 if wrong else 0
            for l in wrong:
                false_errors.append((c, l, ours[l]))
        if m in mask:
            fed = mask[m]
            row["fed"] += 1
            if fed is not None:
                if not mypy_lines:
                    row["false rejections"] += 1
                    false_rejections.append((c, fed))
                elif fed["line"] >= mypy_lines[0]:
                    row["ill-typed rejected ≥ first error"] += 1
                else:
                    row["rejected before it"] += 1
                    early.append((c, fed))
    total = dict.fromkeys(cols, 0)
    for row in rows.values():
        for k in cols:
            total[k] += row[k]

    def share(row):
        n = row["mypy error lines"]
        return f"{100 * row['caught'] / n:.1f}%" if n else "—"

    lines = ["| test file | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, row in sorted(rows.items()) + [("**total**", total)]:
        row["share"] = share(row)
        lines.append(f"| {name} | " + " | ".join(str(row[k]) for k in cols) + " |")
    text = [
        "# mypy test cases: checker and fused mask against `mypy --strict`",
        "",
        "Per test file: cases; handled (single-file cases kept, mypy verdict in); ill-typed "
        "(mypy reports an error); mypy error lines (distinct lines with an error) and how many "
        "the checker reports an error on (caught, share); false errors (lines where the checker "
        "reports an error and mypy none) and the cases holding them; fed (handled cases "
        "force-fed through the fused mask); false rejections (mypy-clean cases the mask "
        "rejects); ill-typed cases rejected at or after mypy's first error line, and before it "
        "(a bug).",
        "",
        *lines,
        "",
        "## Skipped cases, by reason",
        "",
        "| reason | cases |",
        "|---|---|",
        *[f"| {r} | {n} |" for r, n in sorted(skips.items(), key=lambda kv: -kv[1])],
    ]

    def where(c):
        return f"{c['file']}::{c['name']} (`{os.path.join('cases', c['path'])}`)"

    if failed:
        text += ["", "## The checker failed", ""]
        text += [f"- {where(c)}: {why}" for c, why in failed]
    text += ["", f"## False errors ({len(false_errors)})", ""]
    for c, l, errs in false_errors:
        for e in errs:
            text.append(f"- {where(c)} line {l}: [{e['code']}] {e['message']}")
    text += ["", f"## False mask rejections ({len(false_rejections)})", ""]
    for c, fed in false_rejections:
        text.append(f"- {where(c)} line {fed['line']}: {fed.get('domains')}: {fed.get('reason')}")
        text.append(f"  `{fed.get('context')}`")
    text += ["", f"## Ill-typed cases rejected before mypy's first error ({len(early)})", ""]
    for c, fed in early:
        first = min(e[0] for e in c["mypy"])
        text.append(
            f"- {where(c)} line {fed['line']} (mypy's first error: line {first}): "
            f"{fed.get('domains')}: {fed.get('reason')}"
        )
        text.append(f"  `{fed.get('context')}`")
    md = "\n".join(text) + "\n"
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(md)
    print("\n".join(lines[: len(lines)]))
    print("\nskipped: " + ", ".join(f"{r}: {n}" for r, n in sorted(skips.items(), key=lambda kv: -kv[1])))
    print(
        f"\n{total['false errors']} false errors, {total['false rejections']} false rejections, "
        f"{total['rejected before it']} rejected before mypy's first error; details in "
        + os.path.join(out, "report.md")
    )
    return 1 if total["false errors"] or total["false rejections"] or total["rejected before it"] else 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "extract":
        extract(*args)
    elif cmd == "mypy":
        mypy_truth(args[0], args[1], int(args[2]))
    elif cmd == "mask-dir":
        mask_dir(*args)
    elif cmd == "checker":
        checker(args[0], args[1], int(args[2]))
    elif cmd == "report":
        sys.exit(report(args[0], args[1] if len(args) > 1 else None))
    else:
        sys.exit(f"unknown step {cmd}")
