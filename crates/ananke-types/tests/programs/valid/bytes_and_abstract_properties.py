"""The bytes-like classes compare with each other (a `bytes` may be in a
`bytearray`); an `abstractproperty` reads as a property."""
from abc import ABCMeta, abstractproperty


class Shape(metaclass=ABCMeta):
    @abstractproperty
    def sides(self) -> int:
        return 0


def same(a: bytes, b: bytearray, m: memoryview, s: Shape) -> bool:
    return a == b and b != m and a in b and s.sides > 2
