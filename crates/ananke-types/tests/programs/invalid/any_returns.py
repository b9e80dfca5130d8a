# --strict's no-any-return: a value read from a name annotated with Any
# (or from getattr) is Any for mypy too, and returning it where a type is
# declared is an error; what a function makes of it may not be Any.
from typing import Any, Dict, List


def a(x: Any) -> int:
    return x  # error


def b(xs: List[Any]) -> int:
    return xs[0]  # error


def c(d: Dict[str, Any]) -> str:
    return d["k"]  # error


def e(xs: List[Any]) -> int:
    for x in xs:
        return x  # error
    return 0


def f(o: object) -> int:
    return getattr(o, "n")  # error


def g(xs: List[Any]) -> int:
    first = xs[0]
    return first  # error


def h(xs: List[Any]) -> int:
    return len(xs)


def i(xs: List[Any]) -> List[Any]:
    return xs[1:]


def j(x: Any) -> str:
    return str(x)


def k(x: Any) -> int:
    return x.count(1)  # error


def m(d: Dict[str, Any]) -> Any:
    return d["k"]


def n(xs: List[Any]) -> object:
    return xs[0]


def p(xs: List[Any]) -> int:
    return max(xs)  # error


def q(xs: List[Any]) -> bool:
    return xs[0] == 1  # error


def declared_any(x: Any) -> int:
    x = "s"
    return x  # error
