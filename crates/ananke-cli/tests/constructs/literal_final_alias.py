from typing import Final, Literal, TypeAlias

Mode: TypeAlias = Literal["r", "w"]
LIMIT: Final = 10


def open_mode(m: Mode) -> int:
    return LIMIT if m == "r" else 0


IntList = list[int]
Key = int | str
Table: TypeAlias = "dict[Key, IntList]"


def lookup(table: Table, key: Key) -> int:
    return table[key][0] + len(IntList())
