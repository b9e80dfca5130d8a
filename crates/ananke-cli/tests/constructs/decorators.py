import functools
from typing import Callable, TypeVar

F = TypeVar("F", bound=Callable[..., object])


def traced(fn: F) -> F:
    return fn


@traced
@functools.lru_cache(maxsize=None)
def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)
