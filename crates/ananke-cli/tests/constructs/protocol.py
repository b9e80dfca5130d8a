from typing import Protocol


class Sized(Protocol):
    def size(self) -> int: ...


class Bag:
    def size(self) -> int:
        return 3


def total(x: Sized) -> int:
    return x.size()


def use() -> int:
    return total(Bag())
