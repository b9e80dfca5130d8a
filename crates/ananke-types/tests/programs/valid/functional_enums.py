"""The functional enum API makes a class the checker passes through as
`Any`; calling an enum class with one value still looks a member up."""
from enum import Enum, Flag, IntEnum

Animal = Enum("Animal", "ANT BEE CAT")
Shape = IntEnum("Shape", ["SQUARE", "CIRCLE"])
Perm = Flag("Perm", [("R", 4), ("W", 2)])
Colour = Enum("Colour", {"RED": 1, "BLUE": 2}, module=__name__)


class Size(Enum):
    SMALL = 1
    LARGE = 2


def describe() -> str:
    ant = Animal.ANT
    square = Shape.SQUARE
    both = Perm.R | Perm.W
    return f"{ant.name} {square.value + 1} {both} {Colour.RED} {Size(1).name}"
