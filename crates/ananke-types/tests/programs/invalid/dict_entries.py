# An entry of a dict display that does not fit the declared type is
# reported on its own line (mypy's dict-item), not the assignment's.
from typing import Callable, Dict


def things() -> int:
    return 42


table: Dict[int, Callable[[], str]] = {
    1: things,  # error
}
counts: Dict[str, int] = {
    "a": 1,
    "b": "two",  # error
}
