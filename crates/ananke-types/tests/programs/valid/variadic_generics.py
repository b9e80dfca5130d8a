"""Type variables with defaults, parameter specifications and variadic
generics (`TypeVarTuple`, `*Ts`, `Unpack`) are passed through."""
from typing import Callable, Generic, Tuple, TypeVar

from typing_extensions import ParamSpec, TypeVarTuple, Unpack

T = TypeVar("T", default=int)
P = ParamSpec("P", default=[int, str])
Ts = TypeVarTuple("Ts")


class Array(Generic[Unpack[Ts]]):
    def __init__(self, shape: Tuple[Unpack[Ts]]) -> None:
        self.shape = shape


def head(items: Tuple[int, Unpack[Ts]]) -> int:
    return items[0]


def call(target: Callable[[Unpack[Ts]], None], args: Tuple[Unpack[Ts]]) -> None:
    target(*args)


def show(x: int, y: str) -> None:
    print(x, y)


class Holder(Generic[T]):
    pass


grid = Array((1, 2))
first = head((1, "a", 2.0))
call(show, (1, "b"))
holder: Holder[str] = Holder()
print(grid, first, holder, P)
