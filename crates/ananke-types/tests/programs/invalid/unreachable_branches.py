# A branch whose isinstance test can never hold (a str is never a dict)
# is unreachable for mypy: nothing in it is checked, and what it would
# have done (complete a partial type) never happens.
from types import EllipsisType
from typing import Dict, List, Union


def merge(d1: Dict[str, str]) -> Dict[str, str]:
    result = {}  # error
    for key, value in d1.items():
        if isinstance(value, dict):
            result[key] = merge(value)
    return result


def ok(x: Union[int, str]) -> int:
    if isinstance(x, str):
        return len(x)
    return x


def tup(x: List[int]) -> int:
    if isinstance(x, tuple):
        return "never checked"
    return 0


def ellipsis_narrowed(x: int | EllipsisType) -> int:
    if x is Ellipsis:
        return "not an int"  # error
    return x


def exact_type(data: int | str) -> str:
    if type(data) is not int:
        return data  # error
    return data + 1  # error
