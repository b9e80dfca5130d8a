# A call passing a value to a parameter typed `NoReturn` is accepted by
# mypy only where no value reaches it: no path goes on past it (the last
# case of an exhaustive `match` need not return).
from typing import NoReturn


def assert_never(x: NoReturn) -> None:
    raise AssertionError(x)


def f(value: int | None) -> int:
    match value:
        case None:
            return 0
        case int():
            return value
        case other:
            assert_never(other)
