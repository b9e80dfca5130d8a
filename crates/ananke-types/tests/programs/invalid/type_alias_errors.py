# Errors written against a module's own type aliases: mypy reads the alias
# as the type it stands for.
from typing import Dict, List, TypeAlias, TypeVar, Union

IntList = List[int]
Key = Union[int, str]
Table: TypeAlias = "Dict[str, IntList]"
Maybe = int | None


def first(xs: IntList) -> str:
    return xs[0]  # error


def as_key(x: float) -> Key:
    return x  # error


def row(table: Table) -> int:
    return table["a"]  # error


def plus(x: Maybe) -> int:
    return x + 1  # error


T = TypeVar("T")
Pair = tuple[T, T]


def right(p: Pair[int]) -> str:
    return p[1]  # error
