# A generic class used at run time needs no type arguments, nor does a
# class whose omitted parameters have defaults, nor a literal's values.
from typing import Any, Generator, Literal

IntList = list[int]


def kinds(x: object, mode: Literal["list", "dict"]) -> bool:
    made = (list[int](), dict[str, Any](), set[int]())
    return isinstance(x, (list, dict)) and mode == "list" and bool(made)


def count(limit: int) -> Generator[int]:
    yield from range(limit)


def sizes(rows: IntList, table: "dict[str, list[int]]") -> tuple[int, ...]:
    return (len(rows), len(table))


window: slice = slice(1, 2)
