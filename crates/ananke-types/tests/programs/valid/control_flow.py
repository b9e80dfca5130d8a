from typing import Callable, List, Tuple, TypeVar

T = TypeVar("T")


def apply_twice(f: Callable[[int], int], x: int) -> int:
    return f(f(x))


def first(items: List[T]) -> T:
    return items[0]


def collatz(n: int) -> int:
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def safe_div(a: int, b: int) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        return float("inf")
    finally:
        pass


def split_pairs(pairs: List[Tuple[str, int]]) -> Tuple[List[str], List[int]]:
    names, values = [], []
    for name, value in pairs:
        names.append(name)
        values.append(value)
    return names, values


def counter() -> Callable[[], int]:
    count = 0

    def step() -> int:
        nonlocal count
        count += 1
        return count

    return step


def fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def index_of(xs: List[str], target: str) -> int:
    for i, x in enumerate(xs):
        if x == target:
            return i
    return -1


def merge(a: List[int], b: List[int]) -> List[int]:
    out = a[:] + b[::-1]
    out.sort()
    return out[1:-1] if len(out) > 2 else out
