# Narrowing of members (self.value is not None, isinstance(e.code, int)) and
# of Any by isinstance, as mypy --strict reads them.
from typing import Any


def q() -> Any:
    return 1


def getmtime() -> float:
    mtime = q()
    assert isinstance(mtime, float)
    return mtime


def code(e: SystemExit) -> int:
    assert isinstance(e.code, int)
    status = e.code
    return status


class Box:
    value: int | None = None


def unbox(b: Box) -> int:
    if b.value is not None:
        return b.value
    if isinstance(b.value, int):
        return b.value + 1
    return 0


class Node:
    def __init__(self, parent: "Node | None") -> None:
        self.parent = parent
        self.label: str | None = None

    def depth(self) -> int:
        if self.parent is None:
            return 0
        return self.parent.depth() + 1

    def name(self) -> str:
        if self.label:
            return self.label
        if self.parent is not None and self.parent.label is not None:
            return self.parent.label
        return ""

    def relabel(self) -> str:
        if self.label is not None:
            self.label = None
            self.label = "x"
            return self.label
        return ""
