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
