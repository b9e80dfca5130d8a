"""A function under a decorator the checker does not model is passed
through (its calls are not checked against the def); an identity
decorator (`def traced(fn: F) -> F`) and the plain ones keep the
signature; `Any` arguments that more than one overload takes give `Any`."""
import functools
from typing import Any, Callable, TypeVar, overload

F = TypeVar("F", bound=Callable[..., object])


def traced(fn: F) -> F:
    return fn


def to_thunk(fn: Callable[..., int]) -> Callable[[], int]:
    return lambda: fn(0)


@to_thunk
def answer(seed: int) -> int:
    return seed + 42


@traced
def double(n: int) -> int:
    return 2 * n


@functools.lru_cache(maxsize=None)
def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)


class Shape:
    @functools.cached_property
    def area(self) -> float:
        return 1.0

    @staticmethod
    @functools.cache
    def sides(kind: str) -> int:
        return len(kind)


@overload
def parse(x: int) -> int: ...
@overload
def parse(x: str) -> str: ...
def parse(x: int | str) -> int | str:
    return x


def use(unknown: Any) -> None:
    value: bytes = parse(unknown)
    print(answer(), double(2), fib(10), Shape().area, Shape.sides("square"), value)
