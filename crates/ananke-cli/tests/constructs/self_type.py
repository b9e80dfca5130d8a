from typing import Self


class Node:
    def __init__(self) -> None:
        self.next: Node | None = None

    def link(self, other: Self) -> Self:
        self.next = other
        return self
