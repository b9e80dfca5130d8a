from typing import NamedTuple


class Pair(NamedTuple):
    left: int
    right: str


def first(p: Pair) -> int:
    return Pair(1, "a").left + p.left


def as_tuple(p: Pair) -> tuple[int, str]:
    return p
