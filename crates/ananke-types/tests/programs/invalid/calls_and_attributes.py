import math
from typing import Dict, List


def helper(n: int) -> int:
    return n * 2


def main(xs: List[int], d: Dict[str, int], s: str) -> int:
    total = helper("3")  # error
    xs.append("x")  # error
    root = math.sqrt("4")  # error
    upper = xs.upper()  # error
    parts = s.append(1)  # error
    missing = len(5)  # error
    return total + int(root)


def calls_of_values(n: int, names: List[str], f: "Dict[str, int]") -> int:
    # A value whose class has no `__call__` is not callable.
    n(10)  # error
    names(0)  # error
    return f.get("a", 0) + helper(n)


# Bounded type variables: `max` and `sorted` need comparable values.
def largest_seen(values: List[int]) -> int:
    best = None
    for value in values:
        best = max(best, value)  # error
    return max(values)


def lowest_power(n: int) -> int:
    return max(range(n), 0) - 1  # error


def largest_or_default(values: List[int]) -> int:
    return max(values, -1)  # error


def sorted_records(records: List[Dict[str, int]]) -> List[Dict[str, int]]:
    return sorted(records)  # error


# A function passed for a value fits no instance parameter.
def longest(lists: List[List[int]]) -> int:
    return lists.count(max)  # error


int.register(str)  # error
