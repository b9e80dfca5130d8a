# A parameter's default must fit its annotation: `--strict` has no
# implicit Optional, so `x: int = None` is an error (models write it
# often). A stub-like body may stand in `...` for a default.
from typing import Optional, Sequence


def scale(values: list[float], factor: float = None) -> list[float]:  # error
    return [v * (factor or 1.0) for v in values]


def join(words: Sequence[str] = (), sep: str = 0) -> str:  # error
    return str(sep).join(words)


def fine(limit: Optional[int] = None, ratio: float = 1, tags: tuple[str, ...] = ()) -> int:
    return (limit or 0) + int(ratio) + len(tags)


def placeholder(x: int = ...) -> None: ...


class Shape:
    def grow(self, by: int = "1") -> None:  # error
        pass
