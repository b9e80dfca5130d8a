# A loop body that always leaves by `break` reaches its `else` only when
# it never ran: what its body assigned holds only past the loop.
from typing import Union


def foo() -> Union[int, str]:
    return 1


def loops(items: list[int]) -> int:
    x = foo()
    x = 1
    for _ in items:
        x = "a"
        break
    else:
        return x + 1
    x = 2
    while bool():
        while bool():
            break
        else:
            x = "b"
            break
    else:
        return x + 1
    return 0
