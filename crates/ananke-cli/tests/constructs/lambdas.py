from typing import Callable


def apply(xs: list[int]) -> list[int]:
    f: Callable[[int], int] = lambda x: x + 1
    return sorted(map(f, xs), key=lambda v: -v)
