# A dataclass's constructor takes its fields, in order, a base
# dataclass's first (keyword-only ones by keyword, a field(init=False)
# not at all): a missing, extra or mistyped argument is an error. A
# NamedTuple class's takes its fields the same way.
from dataclasses import KW_ONLY, InitVar, dataclass, field
from typing import ClassVar, NamedTuple


@dataclass
class Point:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)
    count: ClassVar[int] = 0


@dataclass
class Point3(Point):
    z: float = 0.0
    _: KW_ONLY
    label: str = ""
    scale: InitVar[int] = 1
    cache: dict[str, int] = field(init=False, default_factory=dict)

    def __post_init__(self, scale: int) -> None:
        self.cache["scale"] = scale


class Pair(NamedTuple):
    left: int
    right: str = ""


def pairs() -> list[Pair]:
    return [
        Pair(1),
        Pair(1, right="x"),
        Pair(),  # error
        Pair("a"),  # error
        Pair(1, "x", 3),  # error
    ]


def build() -> list[Point]:
    return [
        Point(1),
        Point(1, 2, ["a"]),
        Point3(1, 2, [], 3.0, label="x", scale=2),
        Point(),  # error
        Point("a"),  # error
        Point(1, 2, [], 4),  # error
        Point3(1, 2, [], 3.0, "x"),  # error
        Point(x=1, w=2),  # error
    ]
