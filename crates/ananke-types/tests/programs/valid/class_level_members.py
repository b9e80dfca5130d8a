# Members a class body assigns without an annotation, and classes deriving
# from tuples: what mypy accepts of them.
from typing import Any, Callable, NamedTuple, Protocol, Tuple


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


# An operator method the class body assigns is bound as a method; a plain
# callable attribute is not.
def double(x: int) -> int:
    return x * 2


class Ord:
    __lt__: Callable[[Any, "Ord"], bool] = lambda self, other: False
    plain: Callable[[int], int] = double


def ordered(a: Ord, b: Ord) -> bool:
    return a < b and a.plain(1) == 2


# `__new__` in a subclass of the class with `__init__` makes the instance.
class Base:
    def __init__(self, x: int) -> None:
        self.x = x


class Made(Base):
    def __new__(cls) -> "Made":
        return super().__new__(cls)


made = Made()
