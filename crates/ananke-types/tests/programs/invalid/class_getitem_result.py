# What an implicit classmethod returns is checked as any call's value.
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


wrong: int = Box.__class_getitem__(int)  # error


class Counter:
    count: int = 0

    @classmethod
    def name(cls: type[Self]) -> str:
        return cls.count  # error
