# A function promising a type variable (or Self) must return a value on
# every path: None never fits one. One declared NoReturn must not end.
from abc import ABC, abstractmethod
from typing import NoReturn, Protocol, Self, TypeVar, overload

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def first(items: list[T]) -> T:  # error
    ...


def pick(items: list[T], i: int) -> T:  # error
    if i < len(items):
        return items[i]


class Node:
    def copy(self) -> Self:  # error
        pass


class Source(Protocol[T_co]):
    def get(self) -> T_co: ...


class Store(ABC):
    @abstractmethod
    def load(self, default: T) -> T: ...


@overload
def wrap(x: int) -> int: ...
@overload
def wrap(x: str) -> list[str]: ...
def wrap(x: object) -> object:
    return x


def stop() -> NoReturn:  # error
    pass


def fail(message: str) -> NoReturn:
    raise SystemExit(message)


async def end() -> NoReturn:
    await halt()


async def halt() -> NoReturn:
    fail("halt")
