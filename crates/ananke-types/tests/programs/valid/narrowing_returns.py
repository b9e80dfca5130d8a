# Returns are checked whole, unions included: these are the narrowings
# that make a value fit its declared return type, as mypy sees them.
import re
from typing import Dict, List, Optional, Tuple, Union


def f(x: Optional[int]) -> int:
    if x is None:
        return 0
    return x


def g(x: Union[int, str]) -> int:
    if isinstance(x, str):
        return len(x)
    return x


def h(xs: List[Optional[int]]) -> int:
    for x in xs:
        if x is not None:
            return x
    return 0


def k(d: Dict[str, int], key: str) -> int:
    v = d.get(key)
    if v:
        return v
    return 0


def m(x: Optional[int]) -> int:
    assert x is not None
    return x


def n(x: Optional[int]) -> int:
    return x if x is not None else 0


def p(x: Optional[int]) -> int:
    if not x:
        return 0
    return x


def q(a: List[int]) -> int:
    best = None
    for v in a:
        if best is None or v > best:
            best = v
    return best if best is not None else 0


def r(x: Union[int, List[int]]) -> int:
    if isinstance(x, list):
        return sum(x)
    return x


def s(x: Optional[str]) -> str:
    x = x or ""
    return x


def t(mm: Optional[re.Match[str]]) -> str:
    if mm:
        return mm.group(0)
    return ""


def u(x: Optional[int]) -> int:
    while x is None:
        x = 1
    return x


def w(x: object) -> int:
    if isinstance(x, int) and x > 0:
        return x
    return 0


def y(pairs: List[Tuple[str, int]]) -> Tuple[str, int]:
    best: Optional[Tuple[str, int]] = None
    for pr in pairs:
        if best is None or pr[1] > best[1]:
            best = pr
    if best is None:
        raise ValueError("empty")
    return best


def z(x: Union[int, float]) -> float:
    return x


def aa(x: int) -> Optional[int]:
    return x if x > 0 else None


def bb(s: str) -> Union[int, str]:
    return int(s) if s.isdigit() else s


def cc(x: Optional[int], y: int) -> int:
    if x is None or y > 3:
        return y
    return x


def dd(x: Optional[List[int]]) -> List[int]:
    return x or []


def ee(a: List[int]) -> int:
    m = min(a) if a else None
    return m if m is not None else -1


def a(xs: List[Optional[int]]) -> List[int]:
    out: List[int] = []
    for x in xs:
        if x is None:
            continue
        out.append(x)
    return out


def b(x: Optional[str]) -> str:
    if x is None:
        raise ValueError("none")
    return x


def c(s: str) -> str:
    if (m := re.match(r"\d+", s)) is not None:
        return m.group(0)
    return ""


def d(s: str) -> int:
    try:
        n = int(s)
    except ValueError:
        n = 0
    return n


def e(x: Union[int, float, str]) -> float:
    if isinstance(x, (int, float)):
        return x
    return float(x)


def f_(x: Union[int, str]) -> str:
    if not isinstance(x, str):
        return str(x)
    return x


def g_(d: Dict[str, int], k: str) -> int:
    return d.get(k, 0)


def h_(x: Optional[int]) -> int:
    y = x or 0
    return y


def i(xs: List[int]) -> int:
    found = None
    while True:
        for v in xs:
            found = v
        break
    return found if found is not None else -1


def j(x: Union[int, str]) -> int:
    if type(x) is int:
        return x
    return 0


def k_(xs: List[str]) -> str:
    return xs[0] if len(xs) > 0 and xs[0] else ""


def m_(pairs: List[Tuple[str, Optional[int]]]) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for name, value in pairs:
        if value is not None:
            out[name] = value
    return out


def n_(x: Optional[int]) -> int:
    assert isinstance(x, int)
    return x


def o(xs: List[int]) -> Optional[int]:
    best: Optional[int] = None
    for v in xs:
        if best is None:
            best = v
        elif v > best:
            best = v
    return best


def p_(x: Optional[List[int]]) -> int:
    if x is not None and len(x) > 0:
        return x[0]
    return 0


def q_(x: Optional[int]) -> int:
    if x is None:
        x = 0
    return x


def r_(s: str) -> int:
    m = re.search(r"\d", s)
    if not m:
        return -1
    return m.start()


def s2(x: Union[str, List[str]]) -> List[str]:
    if isinstance(x, str):
        x = [x]
    return x


def t_(xs: List[int]) -> int:
    total = 0
    i = 0
    while i < len(xs):
        total += xs[i]
        i += 1
    return total


def u_(x: Optional[int]) -> int:
    for _ in range(3):
        if x is None:
            x = 1
    return x if x else 0


def v(d: Dict[str, List[int]], k: str) -> List[int]:
    if k not in d:
        d[k] = []
    return d[k]


def w_(xs: List[Union[int, str]]) -> List[int]:
    return [x for x in xs if isinstance(x, int)]


def z_(x: Optional[str]) -> bool:
    return x is not None and x.startswith("a")
