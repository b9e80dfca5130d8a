# Reads mypy's output (one `path:line: severity: message  [code]` a line)
# on stdin, run from the folder mypy ran in, and prints as JSON how many
# errors it reports, which are imports it cannot resolve (a third-party
# module without stubs: `Any` to Ananke, never an error), and which of
# the others lie inside a function's body: between the first and the last
# line of the body of a `def` or `async def` (nested ones and methods too)
# in the module's AST. Signatures, decorators, class bodies and
# module-level code are outside.
import ast, json, re, sys

LINE = re.compile(r"^(?P<path>[^:]+\.pyi?):(?P<line>\d+):(?:\d+:)? error: ")
UNRESOLVED = re.compile(r"\[import-(not-found|untyped)\]$")
bodies = {}


def body_lines(path):
    if path not in bodies:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
        spans = []
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                spans.append((node.body[0].lineno, node.body[-1].end_lineno))
        bodies[path] = spans
    return bodies[path]


errors, unresolved, in_bodies, elsewhere = 0, [], [], []
for text in sys.stdin.read().splitlines():
    m = LINE.match(text)
    if not m:
        continue
    errors += 1
    if UNRESOLVED.search(text):
        unresolved.append(text)
        continue
    line = int(m["line"])
    if any(first <= line <= last for first, last in body_lines(m["path"])):
        in_bodies.append(text)
    else:
        elsewhere.append(text)
print(
    json.dumps(
        {
            "errors": errors,
            "unresolved_imports": unresolved,
            "in_bodies": in_bodies,
            "elsewhere": elsewhere,
        }
    )
)
