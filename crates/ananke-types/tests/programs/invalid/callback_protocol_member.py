from typing import Protocol


class Sized(Protocol):
    size: int

    def __call__(self) -> None: ...


def test() -> None: ...


sized: Sized = test  # error
