"""Type comments declare a variable's type as an annotation does (mypy
reads `x = e  # type: T` as `x: T = e`); on other targets, loops and
`with` the checker passes the names through."""
from typing import Dict, List, Optional, Type, Union


class Shape:
    sides = 0


class Square(Shape):
    sides = 4


class Circle:
    sides = int


shape = Square()  # type: Shape
shape = Shape()
maybe = None  # type: Optional[int]
maybe = 3
names = []  # type: List[str]
names.append("a")
counts = {}  # type: Dict[str, int]
counts["a"] = 1
first, second = 1, "b"  # type: int, str
either = Square()  # type: Union[Square, Circle]
print(either.sides)

for item in names:  # type: str
    print(item.upper())

kind: type = Square
chosen: Type[Square] = kind
shapes = [Square()]
everything = [s for s in shapes]  # type: List[object]
by_name: Dict[str, object] = {str(s): s for s in shapes}
print(shape, maybe, counts, first, second, chosen, everything, by_name)
