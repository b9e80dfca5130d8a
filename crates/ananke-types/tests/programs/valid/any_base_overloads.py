# An instance of a class deriving from an unresolved base fits every
# overload, as Any does: mypy's answer is not the first overload's.
from typing import overload

from unknown_module import Context  # type: ignore


class Type(Context):  # type: ignore[misc]
    pass


class ProperType(Type):
    pass


@overload
def get_proper_type(typ: None) -> None: ...


@overload
def get_proper_type(typ: Type) -> ProperType: ...


def get_proper_type(typ: Type | None) -> ProperType | None:
    return None


def is_named(t: Type) -> bool:
    t = get_proper_type(t)
    return isinstance(t, ProperType)
