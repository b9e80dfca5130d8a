"""A callable class variable read through an instance is bound to it, as
a method is; `mypy_extensions`' argument kinds in a `Callable` make it
take any arguments."""
from typing import Callable, ClassVar

from mypy_extensions import DefaultArg, KwArg


class Handler:
    on_event: ClassVar[Callable[["Handler"], int]]
    on_any: ClassVar[Callable[..., int]]


def run(h: Handler, f: Callable[[DefaultArg(int, "x")], int], g: Callable[[KwArg(int)], int]) -> int:
    return h.on_event() + h.on_any(1, 2) + f() + f(x=1) + g(a=1, b=2)
