# The precision the real-code forms keep: each line marked is an error.
import random
from collections.abc import Sequence
from typing import Any, cast


def cast_is_its_type(x: object) -> str:
    return cast(int, x)  # error


def chained_names_stay_partial() -> list[int]:
    xs = ys = []  # error
    return xs


def annotated_stays_an_int(stream: Any) -> str:
    length: int = 0
    length = stream.seek(0)
    length.upper()  # error
    return ""


def bound_method_of_an_instance() -> str:
    return random.randrange(10)  # error


def index_narrowing_ends(args: list[object], other: list[object]) -> int:
    if isinstance(args[0], int):
        args = other
        return args[0]  # error
    return 0


def negated_and(hint: Sequence[str] | str | None) -> str:
    if hint is not None and not isinstance(hint, str):
        return ""
    return hint  # error



class Box:
    def __init__(self) -> None:
        self.size: int | None = 1

    def cleared(self) -> int:
        self.size = None
        return self.size + 1  # error


def true_is_a_bool(flag: bool | str) -> str:
    if flag is True:
        return flag  # error
    return ""
