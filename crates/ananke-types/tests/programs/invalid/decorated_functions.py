"""A decorated function's own errors are reported on its `def` line, as
mypy does, not on its first decorator's."""
import functools
from typing import Any, Callable


def traced(f: Callable[..., Any]) -> Callable[..., Any]:
    return f


class Shape:
    @staticmethod
    @functools.cache
    def sides() -> int:  # error
        pass

    @property
    def area(self) -> float:  # error
        width = 2.0
        print(width)

    @traced
    async def draw(self) -> str:  # error
        pass


@traced
@traced
def plain(n: int) -> int:  # error
    if n:
        return n


def outer() -> None:
    @traced
    def inner(x):  # error
        pass

    inner(1)
