from typing import Optional


class Point:
    x: int = 0

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.x == self.x

    def __hash__(self) -> int:
        return self.x


def x_of(p: object) -> int:
    return p.x if isinstance(p, Point) else 0


def has_x(p: object) -> bool:
    return isinstance(p, Point) and p.x > 0


def missing(p: Optional[Point]) -> bool:
    return p is None or p.x == 0


def named(name: Optional[str]) -> str:
    return name or "default"
