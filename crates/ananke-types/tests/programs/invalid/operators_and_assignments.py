from collections import Counter
from typing import Any, List, Tuple


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


# `Any` inside an operand's type leaves its class, which has no such
# operator; a function compared with a number never equals it.
def tally_mod(items: List[Any]) -> int:
    return Counter(items) % len(items)  # error


def joined(pairs: List[Tuple[int, int]]) -> Tuple[int, ...]:
    return tuple() + pairs  # error


def is_one(flag: bool) -> bool:
    return max == 1  # error


def class_method_value(n: int) -> List[int]:
    return list.mro  # error


def three_way(n: int) -> int:
    return max(range(n), 0, 1) - 1  # error
