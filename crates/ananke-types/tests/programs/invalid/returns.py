from typing import List, Optional


def count(xs: List[int]) -> int:
    return "many"  # error


def maybe(flag: bool) -> Optional[str]:
    if flag:
        return 3  # error
    return None


def names() -> List[str]:
    return [1, 2]  # error
