"""Code mypy knows is unreachable is not checked: after `return`,
`raise`, `continue`, `break` and `assert False`, after a statement every
branch of which leaves one of those ways, in branches a
`sys.version_info`, `sys.platform` or `TYPE_CHECKING` check rules out for
Python 3.11 on Linux, and past an `if` on a literal (`if 1:`, `if
False:`) the other way."""
import sys
from typing import TYPE_CHECKING


def after_return(x: int) -> int:
    return x
    x = "text"
    return x + 1


def after_raise() -> str:
    raise ValueError("no")
    return 1


def in_loop(xs: list[int]) -> int:
    total = 0
    for x in xs:
        if x:
            continue
            total = "skipped"
        total += x
    return total


def every_branch_leaves(xs: list[int]) -> int:
    total = 0
    for x in xs:
        try:
            total += x
        except ValueError:
            continue
        else:
            continue
        total = "unreachable"
    while bool():
        if total:
            break
        else:
            continue
        total.append(1)
    return total


def literal_conditions(x: int | str) -> int:
    if 1:
        x = 1
    if False:
        x = "never"
    if 0:
        return "never"
    elif True:
        x = x + 1
    else:
        return "never"
    return x + 1


def asserted(flag: bool) -> int:
    if flag:
        assert False, "never"
        return "impossible"
    return 0


if sys.version_info < (3, 8):
    text = unicode("old")
    number: int = text
else:
    number = 3

if sys.version_info >= (3, 12):
    from itertools import batched
elif sys.platform == "win32":
    windows_only: str = 1
else:
    windows_only = "no"

if TYPE_CHECKING:
    checked = 1
else:
    checked = "runtime" + 1

print(number, windows_only, checked)


def only_none() -> int:
    best = None
    if best is None:
        return 1
    return best + "never"


# An instance of a class deriving from `Any` is no more `None` than any
# other: mypy skips the branch where it would be.
from not_installed_anywhere import AnyParent  # type: ignore[import-not-found]  # noqa: E402


class FromAny(AnyParent):  # type: ignore[misc]
    def size(self) -> int:
        if self is None:
            return None
        return 3
