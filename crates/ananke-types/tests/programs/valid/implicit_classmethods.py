"""`__class_getitem__` and `__init_subclass__` are implicit classmethods:
their first parameter is the class (litestar's DTO factory)."""
from typing import Any, Generic, Self, TypeVar

T = TypeVar("T")


class Box(Generic[T]):
    registry: list[type["Box[Any]"]] = []

    def __class_getitem__(cls, item: Any) -> type[Self]:
        return cls

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Box.registry.append(cls)


class Small(Box[int]):
    pass



class Unset:
    """A singleton made in `__new__`, typed through `type[Self]`
    (strawberry's `UnsetType`)."""

    __instance: "Self | None" = None
    count: int = 0

    def __new__(cls: type[Self]) -> Self:
        if cls.__instance is None:
            made = super().__new__(cls)
            cls.__instance = made
            return made
        return cls.__instance

    @classmethod
    def tally(cls: type[Self]) -> int:
        return cls.count + 1
