"""Functions whose end is unreachable, in the ways mypy recognises."""
import sys
from abc import ABC, abstractmethod
from typing import NoReturn, Protocol


def fail(message: str) -> NoReturn:
    raise ValueError(message)


def branches(x: int) -> int:
    if x > 0:
        return 1
    elif x < 0:
        return -1
    else:
        raise ValueError("zero")


def forever(x: int) -> int:
    while True:
        if x > 10:
            return x
        x += 1


def exits(x: int) -> int:
    if x:
        return x
    sys.exit(1)


def helper_fails(x: int) -> int:
    if x:
        return x
    fail("no")


def handled(x: str) -> int:
    try:
        return int(x)
    except ValueError:
        return 0
    finally:
        print("done")


def loop_else(xs: list[int]) -> int:
    for x in xs:
        if x < 0:
            continue
    else:
        return len(xs)


def asserted(x: int) -> int:
    if x:
        return x
    assert False, "unreachable"


def uses_later(x: int) -> int:
    return x * SCALE


class Shape(ABC):
    @abstractmethod
    def area(self) -> float: ...


class Sized(Protocol):
    def size(self) -> int: ...


SCALE = 3
print(__name__, __file__)
