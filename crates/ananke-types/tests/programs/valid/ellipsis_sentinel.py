# `x is Ellipsis` and `x is ...` leave the rest of a union where they fail
# (the one value of `types.EllipsisType`, as `None` is of `None`).
from types import EllipsisType
from typing import Union


def f(x: Union[int, EllipsisType]) -> int:
    if x is Ellipsis:
        x = 1
    return x


def g(x: int | EllipsisType) -> int:
    if x is ...:
        return 0
    return x
