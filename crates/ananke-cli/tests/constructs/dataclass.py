from dataclasses import dataclass, field


@dataclass
class Point:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)


def make() -> Point:
    return Point(1, y=2)
