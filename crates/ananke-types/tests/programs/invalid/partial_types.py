# Partial types: a name bound to an empty collection needs its element
# type from what the function does next (mypy's var-annotated).
from typing import Dict, List


def a(xs: List[int]) -> List[int]:
    out = []
    for x in xs:
        out.append(x)
    return out


def b(xs: List[str]) -> Dict[str, int]:
    counts = {}  # error
    for x in xs:
        counts[x] = counts.get(x, 0) + 1
    return counts


def c(xs: List[int]) -> List[int]:
    out = []  # error
    out.insert(0, 1)
    return out


def d(xs: List[int]) -> List[int]:
    out = []
    if xs:
        out = [1]
    return out


def e(xs: List[int]) -> List[int]:
    out = []
    out += [1]
    return out


def f(xs: List[int]) -> int:
    out = []  # error
    return len(out)


def g(xs: List[int]) -> None:
    out = []  # error


def h(xs: List[int]) -> List[int]:
    out = list()
    out.extend(xs)
    return out


def i(xs: List[int]) -> Dict[int, int]:
    seen = {}
    for x in xs:
        if x in seen:
            continue
        seen[x] = 1
    return seen


def j(xs: List[int]) -> List[int]:
    s = set()
    for x in xs:
        s.add(x)
    return sorted(s)


def k(xs: List[int]) -> int:
    out = []  # error
    total = sum([y for y in out])
    out.append(total)
    return total


def m(xs: List[int]) -> List[int]:
    out = []  # error
    out.append(None)
    return xs


def n(xs: List[int]) -> Dict[str, List[int]]:
    groups = {}
    groups["a"] = xs
    groups.update({"b": xs})
    return groups
