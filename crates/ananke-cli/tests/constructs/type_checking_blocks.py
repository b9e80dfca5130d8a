# What only type checkers read: stubs under `if TYPE_CHECKING:`, and an
# import that falls back to another (the first one's failure makes the
# name `Any`).
import typing
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    try:
        from collections.abc import Buffer  # type: ignore
    except ImportError:
        from typing_extensions import Buffer


class HookRelay:
    def __init__(self) -> None:
        """:meta private:"""

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> int: ...


if typing.TYPE_CHECKING:

    def loaded() -> int:
        """Defined for type checkers only."""


def read_into(b: "Buffer") -> int:
    return len(b)
