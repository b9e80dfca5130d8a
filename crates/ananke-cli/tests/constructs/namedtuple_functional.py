from collections import namedtuple
from typing import NamedTuple

Point = namedtuple("Point", ["x", "y"])
Pair = NamedTuple("Pair", [("left", int), ("right", str)])


def make() -> object:
    return Point(1, 2), Pair(1, "a")
