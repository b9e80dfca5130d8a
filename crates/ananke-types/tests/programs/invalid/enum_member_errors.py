# Enumeration members are instances of their class; a chain that misses a
# member, or an isinstance chain that misses a member of the union, can
# fall through.
from enum import Enum
from typing import Union


class Color(Enum):
    RED = 1
    GREEN = 2
    BLUE = 3


def code(c: Color) -> int:  # error
    if c is Color.RED:
        return 1
    elif c is Color.GREEN:
        return 2


def width(v: Union[int, str, bytes]) -> int:  # error
    if isinstance(v, int):
        return v
    elif isinstance(v, str):
        return len(v)


class _Missing(Enum):
    MISSING = 0


MISSING = _Missing.MISSING


def pick(x: Union[int, None, _Missing] = MISSING) -> int:
    if x is MISSING:
        return 0
    return x + 2  # error


def spell(c: Union[str, Color]) -> str:
    if c is Color.RED:
        return "red"
    elif c is Color.GREEN:
        return "green"
    else:
        return "named " + c  # error


def wrong() -> int:
    c: int = Color.RED  # error
    return c + Color.GREEN  # error
