# Type errors SmolLM2-135M made on MBPP prompts (`cargo xtask
# model-errors`), each reported where mypy reports it, next to the
# well-typed forms of the same construct.
import math
from operator import itemgetter
from typing import Any, Callable, Iterator, List, Optional, Tuple, Union


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


# A union parameter passed on before anything could narrow it: its type
# is the annotation's, as mypy has it, and every member must fit.
def count_first(test_tup: List[Union[int, Tuple[int, int]]]) -> int:
    return len(test_tup[0])  # error


def size(x: Union[int, str]) -> int:
    if isinstance(x, str):
        return len(x)
    return x


def size_or_zero(x: Optional[List[int]]) -> int:
    return len(x) if x is not None else 0


def maybe_len(x: Optional[str]) -> int:
    if not x:
        return 0
    return len(x)


def guarded(x: Optional[str]) -> int:
    return x is not None and len(x) > 1 and len(x)


def rebound(x: Union[int, str]) -> int:
    x = str(x)
    return len(x)


# What a callee annotated `-> Any` returns is mypy's own `Any`, which a
# typed function may not return (`--warn-return-any`).
def first_two(pairs: List[Tuple[str, str]]) -> str:
    return itemgetter(0, 1)(*pairs)  # error


def anything() -> Any:
    return 1


def typed() -> int:
    return anything()  # error


def apply(f: Callable[[int], Any]) -> int:
    return f(1)  # error


def passed_on() -> Any:
    return anything()


def as_object() -> object:
    return anything()


def converted() -> int:
    return int(anything())


# `float ** float` is `-> Any` in typeshed (the exponent may make it
# complex): mypy's own `Any`.
def cone(r: float, h: float) -> float:
    return 2 * (r**2 * h + r * r * h) ** 0.5  # error


def squared(x: float) -> float:
    return x**2


# `reversed(xs)` is a `reversed[int]` for a list of int: its items are
# ints, which have no `[...]`.
def last_digits(xs: List[int]) -> int:
    for x in reversed(xs):
        return x[0]  # error
    return 0


def backwards(xs: List[int]) -> List[int]:
    return [x + 1 for x in reversed(xs)]


# `int ** float` is `float.__rpow__(int)`, `-> Any` unless the base is a
# literal.
def surface(r: int, h: int) -> float:
    return 2 * (r**2 * h + r * r * h) ** 0.5  # error


def root_two() -> float:
    return 2**0.5


# A call of a union none of whose members can be called (here a loop
# variable that shadows a function's name).
def count_integer(list1: List[Union[int, str, float]]) -> int:
    return sum(count_integer_list(list1) for count_integer_list in list1)  # error


def call_either(f: Union[Callable[[], int], int]) -> int:
    if callable(f):
        return f()
    return f


# An operand that is a class or a function, where the model meant a value.
def power(n: int) -> int:
    return n ** int  # error


def extended(xs: List[int]) -> List[int]:
    return xs + list  # error


def spread(x: int) -> int:
    return x - max  # error


Number = Union[int, float]
MaybeNumber = Number | None


# A parameterized generic cannot be checked at run time.
def is_int_list(x: object) -> bool:
    return isinstance(x, List[int])  # error


def is_pair(x: object) -> bool:
    return isinstance(x, (int, List[int]))  # error


def is_sequence(x: object) -> bool:
    return isinstance(x, (list, tuple)) or issubclass(type(x), dict)


# A test that cannot be false (`h` is an `int`) ends every path past the
# `if`: mypy checks none of what follows (an attribute `math` lacks).
def cone_side(r: int, h: int) -> float:
    if r < 0 or isinstance(h, int):
        raise TypeError("bad input")
    return math.asensitivity(r, h)
