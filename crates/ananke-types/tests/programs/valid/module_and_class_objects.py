"""Every module has `types.ModuleType`'s attributes; `type(x)` is the
class of `x`; a `NamedTuple` class is a `NamedTuple`."""
import abc
import typing
from typing import NamedTuple


class Point(NamedTuple):
    x: int
    y: int


class Registry:
    count = 0

    @classmethod
    def make(cls) -> "Registry":
        return cls()


def as_tuple() -> NamedTuple:
    return Point(1, 2)


def clone(r: Registry) -> Registry:
    kind = type(r)
    print(kind.count)
    return kind.make()


print(abc.__name__, typing.__file__, as_tuple(), clone(Registry()))
