# What a type guard narrows to is checked as any other type.
from typing import TypeGuard, Union

from typing_extensions import TypeIs


class Foo:
    def foo(self) -> int:
        return 1


def is_foo(item: object) -> TypeGuard[Foo]:
    return isinstance(item, Foo)


def is_str(value: Union[int, str]) -> TypeIs[str]:
    return isinstance(value, str)


def guarded(item: object) -> str:
    if is_foo(item):
        return item.foo()  # error
    return ""


def negative(value: Union[int, str]) -> str:
    if is_str(value):
        return value
    return value  # error
