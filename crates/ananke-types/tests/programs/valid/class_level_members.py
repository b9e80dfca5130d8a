# Members a class body assigns without an annotation, and classes deriving
# from tuples: what mypy accepts of them.
from typing import Any, NamedTuple, Protocol, Tuple


class Descr:
    def __get__(self, inst: Any, owner: Any) -> int:
        return 1


class HasX(Protocol):
    x: int


class UsesDescriptor:
    x = Descr()
    y: Descr = Descr()

    def __init__(self) -> None:
        self.z: Descr = Descr()


def read(u: UsesDescriptor) -> int:
    return u.y


def kept(u: UsesDescriptor) -> Descr:
    return u.z


class Point(NamedTuple):
    x: int
    y: str


class Pair(Tuple[int, int]):
    pass


def protocol() -> HasX:
    return UsesDescriptor()


def as_tuple(p: Point) -> Tuple[int, str]:
    return p


def pair(p: Pair) -> Tuple[int, int]:
    return p


class Adder:
    def add(self, other: int) -> int:
        return other

    __add__ = add


def added() -> int:
    return Adder() + 1
