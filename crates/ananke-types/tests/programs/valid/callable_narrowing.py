# `callable(x)` cannot fail where every member of x's type is callable (a
# class object, a function, an instance with `__call__`): mypy checks
# nothing past it, and `type[A | B]` is `type[A] | type[B]`.
from typing import Callable, Type, Union


class A:
    pass


class B:
    def __call__(self) -> int:
        return 1


def make(cls: Union[Type[A], Type[B]]) -> Union[A, B]:
    if callable(cls):
        return cls()
    else:
        return 5


def make_either(cls: Type[Union[A, B]]) -> Union[A, B]:
    if callable(cls):
        return cls()
    return "never"


def call(f: Callable[[], int], b: B) -> int:
    if callable(f) and callable(b):
        return f() + b()
    return "never"
