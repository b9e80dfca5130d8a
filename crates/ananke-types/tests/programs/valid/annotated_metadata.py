"""`Annotated[T, ...]` is `T`: mypy reads no name of its metadata, which
only runtime tools look at. A class body may read `__module__` and
`__qualname__`."""
from __future__ import annotations

from typing import Annotated


limit: Annotated[int, Gt(0), Doc("how many")] = 3


class Scoped:
    origin: str = __module__
    label = __qualname__


print(limit + 1, Scoped.origin, Scoped.label)
