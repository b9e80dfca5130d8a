# --strict's disallow_any_generics: a generic class in a type needs its
# type arguments (models often write `-> list` or `x: dict`).
from typing import Callable, Dict, Generic, List, Optional, Tuple, TypeVar

T = TypeVar("T")


class Box(Generic[T]):
    def __init__(self, item: T) -> None:
        self.item = item


def totals(rows: list) -> int:  # error
    return len(rows)


def index(words: List[str]) -> dict:  # error
    return {w: i for i, w in enumerate(words)}


def first(
    pairs: "Tuple",  # error
    default: Optional[Dict] = None,  # error
) -> int:
    return 0


def apply(fn: Callable, box: Box) -> None:  # error
    fn(box.item)


def nested(fn: Callable[[set], None]) -> None:  # error
    fn({1})


class Stack(list):  # error
    top: tuple = ()  # error


def local() -> None:
    seen: dict = {}  # error
    print(seen)
