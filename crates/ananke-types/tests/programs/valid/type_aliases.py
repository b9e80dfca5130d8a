# A module's own type aliases: a name bound once at module level to a
# type's form, or annotated `TypeAlias`, stands for that type.
from typing import Callable, Dict, List, Optional, TypeAlias, TypeVar, Union

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



# Generic aliases: their type variables bound by a subscript, `Any` bare.
T = TypeVar("T")
K = TypeVar("K")
Pair = tuple[T, T]
Grouped = Dict[K, List[T]]
InstanceOrType: TypeAlias = "T | type[T]"


def left(p: Pair[int]) -> int:
    return p[0]


def group(g: Grouped[str, int]) -> List[int]:
    return g["a"]


class Model:
    fields = 1


def fields(model: InstanceOrType[Model]) -> int:
    if isinstance(model, type):
        return model.fields
    return model.fields
