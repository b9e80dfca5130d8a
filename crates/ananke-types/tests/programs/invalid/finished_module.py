"""Errors only a finished module has: missing returns, undefined names."""
from typing import Optional


def empty(x: int) -> int:  # error
    pass


def some_paths(x: int) -> Optional[int]:  # error
    if x:
        return 1


def loop_with_break(x: int) -> int:  # error
    while True:
        if x:
            break
    if x > 2:
        return 1


def handler_falls(x: int) -> str:  # error
    try:
        return str(x)
    except ValueError:
        pass


def typo(x: int) -> int:
    return x + undefined_name  # error


def uses_later_global() -> int:
    return LIMIT


LIMIT = 10
