# Instance attributes typed by the first assignment in a method: what
# mypy reports about them once their type is known.
from typing import Optional


class Counter:
    def __init__(self, start: int, label: Optional[str] = None) -> None:
        self.count = start
        self.label = label
        self.last = None
        self.seen = "never"

    def advance(self) -> str:
        self.count = "next"  # error
        self.last = 3  # error
        return self.count  # error

    def name(self) -> str:
        return self.label  # error

    def width(self) -> int:
        return self.seen + 1  # error


class Child(Counter):
    def reset(self) -> None:
        self.seen = 0  # error


def total(c: Counter) -> int:
    return c.count + c.seen  # error
