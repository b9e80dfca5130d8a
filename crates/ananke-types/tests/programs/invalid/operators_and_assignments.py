from typing import List, Tuple


def compute(xs: List[int], name: str) -> int:
    total = 0
    total = "zero"  # error
    total += "1"  # error
    bad = name + 1  # error
    if name == 3:  # error
        return 0
    if "a" in xs:  # error
        return 1
    return total


def powers(base: int, exponent: int) -> float:
    # A literal exponent picks typeshed's overload: non-negative gives int,
    # negative gives float; any other int exponent gives Any.
    squared: str = base ** 2  # error
    inverse: int = base ** -1  # error
    unknown: str = base ** exponent
    return inverse + len(squared) + len(unknown)


def overlaps(pair: Tuple[int, float], n: int, names: List[str]) -> bool:
    # Under --strict, a fixed tuple or a function never equals an int.
    if pair == 10:  # error
        return True
    if len == n:  # error
        return False
    if names == ("a",):  # error
        return False
    return pair == (1, 2.0) or pair[0] == n or print == print
