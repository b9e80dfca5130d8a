import abc
from collections.abc import KeysView
from dataclasses import dataclass
from typing import List, Protocol


class Shape:
    def __init__(self, name: str) -> None:
        self.name = name
        self.sides: List[int] = []

    def area(self) -> float:
        return 0.0

    def label(self) -> str:
        return self.name.title() + f" ({len(self.sides)} sides)"


class Square(Shape):
    def __init__(self, side: float) -> None:
        super().__init__("square")
        self.side = side

    def area(self) -> float:
        return self.side ** 2


@dataclass
class Point:
    x: int
    y: int

    def norm1(self) -> int:
        return abs(self.x) + abs(self.y)


def total_area(shapes: List[Shape]) -> float:
    return sum(s.area() for s in shapes)


def far(points: List[Point]) -> Point:
    return max(points, key=lambda p: p.norm1())


class Named(Protocol):
    @property
    def name(self) -> str: ...


class Proxy:
    """Answers every attribute through `__getattr__`."""

    def __getattr__(self, attr: str) -> str:
        return attr


def greet(named: Named) -> str:
    return "hello " + named.name


greeting = greet(Proxy())


class Registry(abc.ABC):
    pass


# A class object has its metaclass's members (multidict registers its
# views with the `collections.abc` ones).
KeysView.register(list)
Registry.register(str)
