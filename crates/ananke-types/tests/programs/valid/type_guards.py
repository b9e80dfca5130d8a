"""User-defined type guards narrow their first argument: `TypeGuard[X]`
where the call returns `True`, `TypeIs[X]` both ways, in statements and in
comprehension conditions."""
from typing import List, TypeGuard, Union

from typing_extensions import TypeIs


class Base: ...


class Foo(Base):
    def foo(self) -> int:
        return 1


def is_foo(item: object) -> TypeGuard[Foo]:
    return isinstance(item, Foo)


def is_str(value: Union[int, str]) -> TypeIs[str]:
    return isinstance(value, str)


def comprehension(items: List[object]) -> List[Base]:
    return [x for x in items if is_foo(x)]


def statement(items: List[object]) -> int:
    total = 0
    for item in items:
        if is_foo(item):
            total += item.foo()
    return total


def both_ways(value: Union[int, str]) -> int:
    if is_str(value):
        return len(value)
    return value + 1
