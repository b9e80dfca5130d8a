from contextlib import contextmanager
from typing import Iterator


@contextmanager
def opened(path: str) -> Iterator[int]:
    yield len(path)


def use() -> int:
    with opened("a") as n, open("f") as f:
        return n + len(f.read())
