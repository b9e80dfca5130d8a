# A string annotation may span lines (mypy reads it as if in
# parentheses); an empty collection bound on a line `# type: ignore`
# silences is a collection of `Any` from then on.
x: """
    int |
    str
"""


def width(v: """(
    int
    | str
)""") -> int:
    return v if isinstance(v, int) else len(v)


def collect() -> int:
    items = []  # type: ignore
    return len(items)
