from typing import Any, Protocol


class Descr:
    def __get__(self, inst: Any, owner: Any) -> int:
        return 1


class HasX(Protocol):
    x: int


class Holder:
    x = Descr()

    def add(self, other: int) -> int:
        return other

    __add__ = add


def protocol() -> HasX:
    return Holder()


def added() -> int:
    return Holder() + 1
