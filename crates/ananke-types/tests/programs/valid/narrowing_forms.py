"""Narrowing forms mypy understands; the checker must not report errors
that only exist without them."""
from types import EllipsisType
from typing import Any, Optional, Union


def from_object(x: object) -> str:
    if isinstance(x, str):
        return x.upper()
    if isinstance(x, (int, float)):
        return str(x.real)
    return ""


def early_exit(x: Optional[str]) -> int:
    if x is None:
        return 0
    return len(x.strip())


def negated(x: Union[int, str]) -> int:
    if not isinstance(x, str):
        return x.bit_length()
    return len(x)


def asserted(x: Optional[list[int]]) -> int:
    assert x is not None
    return sum(x) + len(x)


def in_expressions(x: Optional[str], y: object) -> int:
    n = len(x) if x is not None else 0
    ok = isinstance(y, str) and y.isdigit()
    words = [w.lower() for w in [x, None] if w is not None]
    return n + int(ok) + len(words)


def in_loops(values: list[Optional[int]]) -> int:
    total = 0
    for v in values:
        if v is None:
            continue
        total += v.bit_length()
    return total


def by_type(x: object) -> int:
    if type(x) is int:
        return x.bit_length()
    return 0


def reassigned(flag: bool) -> int:
    value: Union[int, str] = "start"
    value = 3
    return value.bit_length()


def matched(x: object) -> int:
    match x:
        case str():
            return len(x.upper())
        case _:
            return 0
class R:
    def __init__(self) -> None:
        self.source: list[str] = []

    def level(self, n: int) -> int | None:
        return n if n else None

    def visit(self, start: int) -> None:
        start_indent = None
        while start < len(self.source):
            start_indent = self.level(start)
            if start_indent is not None:
                break
            start += 1
        if start_indent is None:
            return
        cur = start + 1
        while cur < len(self.source):
            cur_indent = self.level(cur)
            if cur_indent is None:
                cur += 1
            elif cur_indent > start_indent:
                cur += 1
            else:
                break


def add_name(name: str, defined: set[str]) -> str:
    alias = "_" + name if name in defined else None
    while alias in defined:
        alias = "_" + alias
    return alias or name


def module_of(obj: object) -> str | None:
    return getattr(obj, "__module__", None)


def digit_sum(nums: list[Any]) -> int:
    return sum(num for num in nums if isinstance(num, int) and isinstance(num, (int, float)))


class Node:
    @classmethod
    def deserialize(cls, data: str) -> "Node":
        return cls()


def deserializers(names: dict[str, object]) -> dict[str, object]:
    return {
        key: obj.deserialize
        for key, obj in names.items()
        if isinstance(obj, type) and issubclass(obj, Node) and obj is not Node
    }


def ellipsis_default(x: Union[int, "EllipsisType"], y: Optional[Union[str, "EllipsisType"]]) -> int:
    if y is not ...:
        return len(y or "")
    if x is Ellipsis:
        x = 0
    return x


def exact_type(data: Union[bytes, bytearray, memoryview]) -> tuple[bool, bytes]:
    # aiohttp's websocket reader: past `type(data) is not bytes`, it is.
    if type(data) is not bytes:
        data = bytes(data)
    return True, data
