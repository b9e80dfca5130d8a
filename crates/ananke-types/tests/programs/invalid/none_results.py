# The value of a call of a function that only ever returns None is no
# value: mypy rejects it anywhere but as a statement, a return of a
# function returning None, or a lambda's body (an overloaded function,
# list.sort among them, is not judged so, nor a stub module's function
# bound from a method, random.shuffle).
import random
from typing import Callable, cast


def log(message: str) -> None:
    print(message)


def shuffled(items: list[int]) -> list[int]:
    result = random.shuffle(items)
    print(log("shuffled"))  # error
    calls = [log(str(i)) for i in items]  # error
    log("a") if items else log("b")
    later: Callable[[], None] = lambda: log("later")
    later()
    print(result, calls, cast(object, log("c")))
    return items


def finish() -> None:
    return log("done")
