# Enumeration members are instances of their class, and an if/elif chain
# over every member (or isinstance over every member of a union) leaves no
# path past it: mypy reports no missing return.
from enum import Enum, IntEnum
from typing import List, Union


class Color(Enum):
    RED = 1
    GREEN = 2
    BLUE = "blue"

    def describe(self) -> str:
        return self.name.lower()


class Level(IntEnum):
    LOW = 1
    HIGH = 2


class Circle:
    radius = 1.0


class Square:
    side = 2.0


def code(c: Color) -> int:
    if c is Color.RED:
        return 1
    elif c is Color.GREEN:
        return 2
    elif c == Color.BLUE:
        return 3


def area(shape: Union[Circle, Square]) -> float:
    if isinstance(shape, Circle):
        return 3.14 * shape.radius**2
    elif isinstance(shape, Square):
        return shape.side**2


def width(v: Union[int, str]) -> int:
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        return len(v)


class _Missing(Enum):
    MISSING = 0


MISSING = _Missing.MISSING


def pick(x: Union[int, None, _Missing] = MISSING) -> int:
    if x is MISSING:
        return 0
    elif x is None:
        return 1
    else:
        return x + 2


def spell(c: Union[str, Color]) -> str:
    if c is Color.RED:
        return "red"
    elif c is Color.GREEN:
        return "green"
    elif c is Color.BLUE:
        return "blue"
    else:
        return "named " + c


def uses() -> List[str]:
    first: Color = Color.RED
    names = [c.name for c in Color]
    names.append(first.describe())
    total = Level.LOW + Level.HIGH + 1
    names.append(str(total) + Color.BLUE.name)
    return names
