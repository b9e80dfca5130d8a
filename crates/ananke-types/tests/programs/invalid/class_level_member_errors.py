# A method bound to a second name in a class body keeps its signature; a
# descriptor the class body declares is read through its `__get__`.
from typing import Any


class Descr:
    def __get__(self, inst: Any, owner: Any) -> int:
        return 1


class Holder:
    y: Descr = Descr()


def read(h: Holder) -> str:
    return h.y  # error


class Adder:
    def add(self, other: int) -> int:
        return other

    plus = add


def wrong() -> int:
    return Adder().plus("a")  # error


def text() -> str:
    return Adder().plus(1)  # error
