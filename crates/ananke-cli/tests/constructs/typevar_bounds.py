from typing import Hashable, TypeVar

H = TypeVar("H", bound=Hashable)
S = TypeVar("S", str, bytes)


def first(xs: list[H]) -> H:
    return xs[0]


def concat(a: S, b: S) -> S:
    return a + b
