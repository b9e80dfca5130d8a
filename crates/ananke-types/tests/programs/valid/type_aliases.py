# A module's own type aliases: a name bound once at module level to a
# type's form, or annotated `TypeAlias`, stands for that type.
from typing import Callable, Dict, List, Optional, TypeAlias, Union

IntList = List[int]
Key = Union[int, str]
MaybeName = str | None
Table: TypeAlias = "Dict[Key, IntList]"
Handler = Callable[[int], str]
Number = float


def first(xs: IntList) -> int:
    return xs[0]


def describe(key: Key) -> str:
    if isinstance(key, int):
        return str(key + 1)
    return key.upper()


def named(name: MaybeName) -> str:
    return name or ""


def lookup(table: Table, key: Key) -> int:
    return table[key][0]


def call(handler: Handler) -> str:
    return handler(1)


def half(x: Number) -> float:
    return x / 2


def make() -> IntList:
    return [1, 2]


def pick(flag: bool) -> Optional[IntList]:
    return [1] if flag else None

