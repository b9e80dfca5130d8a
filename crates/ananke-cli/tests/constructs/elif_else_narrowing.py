from typing import Optional


def bump(x: Optional[int]) -> int:
    if x is None: return 0
    else: return x + 1


def sign(x: Optional[int]) -> int:
    if x is None:
        return 0
    elif x > 0:
        return 1
    return -1


def first_free(name: str, taken: set[str]) -> str:
    alias: Optional[str] = "_" + name if name in taken else None
    while alias in taken:
        alias = "_" + alias
    return alias or name
