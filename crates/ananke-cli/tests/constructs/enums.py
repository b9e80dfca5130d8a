from enum import Enum


class Color(Enum):
    RED = 1
    GREEN = 2


def name_of(c: Color) -> str:
    return c.name if c is Color.RED else Color(2).name


def by_name(name: str) -> Color:
    found = Color[name]
    return found
