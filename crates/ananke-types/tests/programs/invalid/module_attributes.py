# The names a standard-library module has are those of the Python the code
# targets (3.11): `override` came to typing and `batched` to itertools in
# 3.12, `TypeIs` to typing in 3.13 (typing_extensions has them all).
from collections import OrderedDict, abc
from itertools import batched, chain  # error
from typing import Self, override  # error
from typing import TypeIs  # error
from typing_extensions import TypeIs as TypeIsExt
from typing_extensions import override as override_ext


class Chain:
    @override_ext
    def __repr__(self) -> str:
        return "Chain"

    def copy(self) -> Self:
        return self


def pairs(items: OrderedDict[str, int]) -> abc.Iterator[str]:
    return chain(items)


def positive(x: object) -> TypeIsExt[int]:
    return isinstance(x, int)
