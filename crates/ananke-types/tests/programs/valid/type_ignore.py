"""`# type: ignore` silences its line (and a statement spanning several
lines), with or without error codes, as mypy does."""
from typing import Any


def count(xs: list[int]) -> int:
    return "many"  # type: ignore[return-value]


def total(x: int) -> str:
    label: str = x  # type: ignore
    return label


def spread(a: int, b: str) -> int:
    return a + b  # type: ignore[operator]


def called() -> None:
    total(
        "one",  # type: ignore[arg-type]
    )
    value: Any = [1, 2]
    print(value)


class Box:
    @property
    def size(self) -> int:  # type: ignore[empty-body]
        ...
