from typing import List


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
