# A comparison chain is the join of what each comparison gives; a union of
# tuples unpacks position by position; `sys.version_info[0]` is decided;
# a loop's `else` binding `None` makes the body's first binding optional.
import sys
from typing import Optional, Tuple, Union


class Low:
    pass


class Y:
    def __lt__(self, o: "Y") -> Low:
        return Low()


def chained(a: Y, b: Y, c: Y) -> Low:
    return a < b < c


def in_range(x: int) -> bool:
    return 0 <= x < 10


def unpack(pair: Union[Tuple[int, int], Tuple[int, str]]) -> int:
    first, second = pair
    return first


def versions() -> int:
    if sys.version_info[0] < 3:
        return "old"
    return 3


def found(items: list[int]) -> Optional[int]:
    for item in items:
        if item > 2:
            hit = item
            break
    else:
        hit = None
    return hit
