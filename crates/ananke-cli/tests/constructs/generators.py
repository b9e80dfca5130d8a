from typing import Iterator


def count(n: int) -> Iterator[int]:
    if n < 0:
        return
    yield n
    yield from range(n)
