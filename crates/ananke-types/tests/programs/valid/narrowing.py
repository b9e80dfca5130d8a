from typing import Dict, List, Optional, Union


def first_positive(xs: List[int]) -> Optional[int]:
    for x in xs:
        if x > 0:
            return x
    return None


def describe(x: Optional[int]) -> str:
    if x is None:
        return "none"
    return str(x + 1)


def length(value: Union[str, List[int]]) -> int:
    if isinstance(value, str):
        return len(value.upper())
    return sum(value)


def lookup(table: Dict[str, int], key: str) -> int:
    found = table.get(key)
    if found is not None:
        return found * 2
    return table.get(key, 0) + 1


def pick(a: Optional[str], b: str) -> str:
    return a or b
