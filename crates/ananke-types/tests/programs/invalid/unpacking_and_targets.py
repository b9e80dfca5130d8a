# Fixed tuples unpack into as many targets as they have items, and take
# no item assignment; a function has only a function's attributes; a
# generic class's `__new__` says which instance it makes.
from typing import List


def e(l1: List[int], l2: List[int], l3: List[int]) -> None:
    z: int = zip(l1, l2, l3)  # error
    for t in zip(l1, l2, l3):
        w: int = t  # error
    x, y = (1, 2, 3)  # error
    a, b, c = (1, 2)  # error
    p = [1, 2]
    q = (1, 2)
    q[0] = 5  # error
    e.foo  # error
