# Helpers the corpus scripts share (`mypy_cases.py`, `model_errors.py`):
# xtask runs a script as `python -c "<this file><the script>" STEP ARGS`,
# so these names are the script's own. What they read: `mypy --strict`'s
# error lines, and the rejections `ananke corpus packages` prints.
import json, os, re, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

# The ground truth's flags: strict, as Python 3.11 (what the checker
# models), one error per line in a fixed form.
MYPY_ARGS = [
    "--strict",
    "--python-version",
    "3.11",
    "--no-error-summary",
    "--show-error-codes",
    "--no-pretty",
    "--no-color-output",
]

ERROR = re.compile(r"^(?P<path>[^:\n]+\.py):(?P<line>-?\d+):(?:\d+:)? (?P<sev>error|note): (?P<msg>.*)$")
CODE = re.compile(r"\s+\[(?P<code>[a-z0-9-]+)\]$")


def parse_mypy(stdout):
    """{module: [[line, severity, message, code]]}"""
    found = {}
    for line in stdout.splitlines():
        m = ERROR.match(line)
        if not m:
            continue
        msg = m.group("msg")
        c = CODE.search(msg)
        code = c.group("code") if c else ""
        if c:
            msg = msg[: c.start()]
        module = os.path.basename(m.group("path"))[:-3]
        found.setdefault(module, []).append([int(m.group("line")), m.group("sev"), msg, code])
    return found


def run_mypy(mypy, root, cache, batch):
    """Runs mypy on `batch` (cases), splitting on blocking errors or
    crashes. Returns {module: errors} and {module: skip reason}."""
    paths = [c["path"] for c in batch]
    proc = subprocess.run(
        [mypy, *MYPY_ARGS, "--cache-dir", cache, *paths],
        cwd=root,
        capture_output=True,
        text=True,
    )
    blocked = proc.returncode not in (0, 1) or "errors prevented further checking" in proc.stdout
    if not blocked:
        return parse_mypy(proc.stdout), {}
    if len(batch) == 1:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        return {}, {batch[0]["module"]: "mypy stops on it: " + tail[0][:200]}
    half = len(batch) // 2
    errors, skipped = run_mypy(mypy, root, cache, batch[:half])
    e2, s2 = run_mypy(mypy, root, cache, batch[half:])
    errors.update(e2)
    skipped.update(s2)
    return errors, skipped


# `ananke corpus packages`: a rejection is this line, then the domains
# and the reason indented on the next; a module it could not read is
# skipped; the summary line says it ran to its end.
REJECTION = re.compile(r"^(?P<name>\S+\.py) byte (?P<byte>\d+) line (?P<line>\d+): (?P<context>.*)$")
CORPUS_SKIP = re.compile(r"^  skipped (?P<name>\S+\.py): ")


def corpus_rejections(path):
    """What `ananke corpus packages` printed to `path`: the modules it
    skipped and {module path as printed: rejection}, or None when it has
    not run to its end."""
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if not any(re.match(r"^\d+ rejected; ", l) for l in lines):
        return None
    skipped = {CORPUS_SKIP.match(l).group("name") for l in lines if CORPUS_SKIP.match(l)}
    rejected = {}
    for i, l in enumerate(lines):
        m = REJECTION.match(l)
        if m and i + 1 < len(lines) and lines[i + 1].startswith("    "):
            domains, _, reason = lines[i + 1].strip().partition(": ")
            rejected[m.group("name")] = {
                "line": int(m.group("line")),
                "byte": int(m.group("byte")),
                "context": m.group("context"),
                "domains": domains,
                "reason": reason,
            }
    return skipped, rejected
