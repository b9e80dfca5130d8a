from typing import Final, Literal, TypeAlias

Mode: TypeAlias = Literal["r", "w"]
LIMIT: Final = 10


def open_mode(m: Mode) -> int:
    return LIMIT if m == "r" else 0
