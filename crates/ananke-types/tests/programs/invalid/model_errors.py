# Type errors SmolLM2-135M made on MBPP prompts (`cargo xtask
# model-errors`), each reported where mypy reports it, next to the
# well-typed forms of the same construct.
from typing import Iterator, List, Optional, Tuple


# `next` of a generator: the element type comes through the protocol
# `SupportsNext`, which a generator's class does not name as a base.
def first_even(n: int) -> int:
    return next((i, i) for i in range(n) if i % 2 == 0)  # error


def first_or_none(xs: List[int]) -> Optional[int]:
    return next(iter(xs), None)


def first_pair(xs: Iterator[Tuple[str, int]]) -> Tuple[str, int]:
    return next(xs)


def magnitude(x: int) -> str:
    return abs(x)  # error


def float_magnitude(x: float) -> float:
    return abs(x)
