# What holds past a loop left by `break` or past a `try` whose handler goes
# on, and tuples of another length: the errors mypy reports there.
from typing import List, Optional, Tuple, Union


def last_before_gap(xs: List[Optional[int]]) -> int:
    found: Optional[int] = None
    for x in xs:
        if x is None:
            break
        found = x
    else:
        found = 0
    return found  # error


def parse(text: str) -> int:
    value: Optional[int] = None
    try:
        value = int(text)
    except ValueError:
        pass
    return value  # error


def pair(p: Union[Tuple[int, int], Tuple[int, int, int]]) -> Tuple[int, int]:
    if len(p) == 3:
        return p  # error
    return p
