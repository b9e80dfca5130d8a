"""A declared variable's type is the context of a later plain
assignment's value, as of its annotated one; what a function assigns to
`_` is not checked."""
from typing import Optional


class Node:
    pass


nodes: list[Optional[Node]] = []
things: list[object] = []
nodes = [Node()]
nodes = [None]
things = [Node()]
counts: dict[str, float] = {}
counts = {"a": 1}


def unused() -> None:
    _ = 0
    _ = ""
    first, _ = 1, "b"
    for _ in range(3):
        pass
    print(first, nodes, things, counts)
