from abc import ABC, abstractmethod


class Shape(ABC):
    @abstractmethod
    def area(self) -> float:
        """The area."""

    @property
    @abstractmethod
    def name(self) -> str: ...


class Square(Shape):
    def area(self) -> float:
        return 1.0

    @property
    def name(self) -> str:
        return "square"
