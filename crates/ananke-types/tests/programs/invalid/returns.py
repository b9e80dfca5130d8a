import heapq
from collections import Counter
from itertools import combinations
from typing import Any, List, Optional, Tuple


def count(xs: List[int]) -> int:
    return "many"  # error


def maybe(flag: bool) -> Optional[str]:
    if flag:
        return 3  # error
    return None


def names() -> List[str]:
    return [1, 2]  # error


# `--strict` warns when a function declared to return a type returns a
# value mypy itself types `Any` (`int ** int` with a non-literal exponent).
def power(base: int, exponent: int) -> int:
    if exponent < 0:
        return -(base**exponent)  # error
    if exponent > 9:
        return max(base**exponent, 1)  # error
    if exponent > 5:
        return (base * (base + 1) * (2**exponent - 1)) // 6  # error
    return base**2


def power_any(base: int, exponent: int) -> Any:
    return base**exponent


def power_object(base: int, exponent: int) -> object:
    return base**exponent


def builtin_power(base: int, exponent: int) -> int:
    if exponent > 3:
        return pow(base, exponent)  # error
    return pow(base, 2) + pow(base, 3, 5)


# A value with `Any` inside is still checked whole: its class decides.
def merged(a: List[int], b: List[int]) -> List[int]:
    return heapq.merge(a, b)  # error


def pairs(items: List[int]) -> List[Tuple[int, int]]:
    return combinations(items, 2)  # error


def tally(items: List[Any]) -> int:
    return Counter(items)  # error


def largest(flag: bool) -> bool:
    return max  # error


# A conditional expression is the union of its branches, checked whole.
def quotient(n: int, m: int) -> int:
    return n / m if n % m else n // m  # error


def shortest(lists: List[List[int]]) -> int:
    return min(lists) if lists else len(lists)  # error
