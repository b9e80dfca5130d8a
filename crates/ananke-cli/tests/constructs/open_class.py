# A class still being written: a method may use what a later one defines
# (`__call__`, `__len__`), so `self` is not yet judged against a protocol.
from collections.abc import Callable
from functools import update_wrapper
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Wrapper(Generic[P, T]):
    def __init__(self, func: Callable[P, T]) -> None:
        self.__wrapped__ = func
        update_wrapper(self, func)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T:
        return self.__wrapped__(*args, **kwargs)


class ReceiveBuffer:
    def __init__(self) -> None:
        self._data = bytearray()

    def __bool__(self) -> bool:
        return bool(len(self))

    def __len__(self) -> int:
        return len(self._data)
