# A module's own class has the attributes its body declares and its
# methods bind on self (and its bases'): reading another is an error, as
# for a standard-library class. Models call methods a class never had.
from dataclasses import dataclass


class Counter:
    limit = 10

    def __init__(self) -> None:
        self.count = 0

    def bump(self) -> int:
        self.count += 1
        return self.count


@dataclass
class Point:
    x: int
    y: int


class Loud(Counter):
    def shout(self) -> str:
        return str(self.total)  # error


def use(c: Counter, p: Point) -> int:
    c.reset()  # error
    print(Counter.maximum)  # error
    return c.count + c.limit + p.x + p.z  # error


def combine(c: Counter, p: Point) -> None:
    c()  # error
    print(p + p, -c)  # error
    print(p == p)
