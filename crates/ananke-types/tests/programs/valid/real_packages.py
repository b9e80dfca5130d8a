# Real code from strictly typed packages (anyio, click, h11, httpx, pluggy,
# starlette): forms the checker once reported though mypy accepts them.
import random
import typing
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any, TextIO, cast

if TYPE_CHECKING:
    try:
        from collections.abc import Buffer  # type: ignore
    except ImportError:
        from typing_extensions import Buffer


def read_into(b: "Buffer") -> int:
    # Buffer's first import failed (Python 3.11): it is Any.
    return len(b)


def as_text(stream: IO[Any]) -> TextIO:
    stream = cast(TextIO, stream)
    return stream


_cache: dict[int, dict[str, int]] = {}


def cached(key: int) -> dict[str, int]:
    found = _cache[key] = {}
    return found


def joined(param_hint: Sequence[str] | str | None) -> str | None:
    if param_hint is not None and not isinstance(param_hint, str):
        return " / ".join(repr(x) for x in param_hint)
    return param_hint


def rows(text: Any) -> list[list[Any]]:
    tests = []
    for i, line in enumerate(text):
        if i == 0:
            tests.append([i, line.strip()])
        else:
            tests[-1].append("".join(line))
    return tests


def annotated_keeps_its_type(stream: Any) -> int:
    length: int = 0
    length = stream.seek(0)
    return length


def optional_keeps_the_rest(stream: Any) -> int:
    length: int | None = None
    length = stream.tell()
    return length


def token() -> str:
    return f"{random.randrange(1 << 32):08x}"


def render(args: Sequence[object]) -> str:
    if isinstance(args[-1], dict):
        extra = args[-1]
        args = args[:-1]
    else:
        extra = {}
    return " ".join(f"{k}={v}" for k, v in extra.items())


class Relay:
    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> int: ...


if typing.TYPE_CHECKING:

    def loaded() -> int:
        """Defined for type checkers only."""

    def partial(flag: bool) -> int:
        if flag:
            return 1
