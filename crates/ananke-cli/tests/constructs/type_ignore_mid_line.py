"""Type errors on a line a `# type: ignore` silences, wherever on the
line the error is: an attribute, a call's argument, a header's
condition, an argument on one line of a call spanning several."""

import math


def twice(x: int) -> int:
    return 2 * x


tau = math.tau_constant  # type: ignore[attr-defined]
half = twice("a")  # type: ignore[arg-type]
spread = twice(
    "b",  # type: ignore[arg-type]
)


def check(n: int) -> int:
    if n.is_even():  # type: ignore[attr-defined]
        return 1
    return twice(n)
