# A name bound to None first, in a function, takes its type from the
# next value assigned: optional, narrowed where assigned (mypy's partial
# None type). Read before that value, it is None.
from typing import List, Optional


def b(list1: List[List[int]]) -> int:
    max_length = None
    for lst1 in list1:
        if len(lst1) > max_length:  # error
            max_length = len(lst1)
    return 0


def c(xs: List[int]) -> int:
    best = None
    for x in xs:
        best = max(best, x)  # error
    return 0


def d(xs: List[int]) -> int:
    best = None
    for x in xs:
        if best is None or x > best:
            best = x
    return best if best is not None else 0


def e(xs: List[int]) -> Optional[int]:
    best = None
    for x in xs:
        best = x
    return best


def f(xs: List[int]) -> int:
    best = None
    for x in xs:
        best = x
    return best  # error
