from collections.abc import Sequence
from typing import Any, Optional


class Point:
    x: int = 0

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.x == self.x

    def __hash__(self) -> int:
        return self.x


def x_of(p: object) -> int:
    return p.x if isinstance(p, Point) else 0


def has_x(p: object) -> bool:
    return isinstance(p, Point) and p.x > 0


def missing(p: Optional[Point]) -> bool:
    return p is None or p.x == 0


def named(name: Optional[str]) -> str:
    return name or "default"


def join_hints(param_hint: Sequence[str] | str | None) -> str | None:
    if param_hint is not None and not isinstance(param_hint, str):
        return " / ".join(repr(x) for x in param_hint)
    return param_hint


def render(args: Sequence[object]) -> str:
    if isinstance(args[-1], dict):
        extra = args[-1]
        args = args[:-1]
    else:
        extra = {}
    return " ".join(f"{k}={v}" for k, v in extra.items())


def vary(headers: Any, origin: str | None, allow_all: bool) -> None:
    if origin is not None:
        headers.update({})
    if origin is not None and allow_all:
        headers.set(origin)
    elif origin is not None and not allow_all and origin.startswith("https"):
        headers.set(origin)
