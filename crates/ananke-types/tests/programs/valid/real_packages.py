# Real code from strictly typed packages (anyio, click, h11, httpx, pluggy,
# starlette): forms the checker once reported though mypy accepts them.
import random
import sys
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


def triple(version: tuple[int, ...]) -> tuple[int, int, int]:
    # A string names the type `cast` gives.
    return cast("tuple[int, int, int]", version[:3])


def prompt_text(prompt: bool | str, name: str) -> str | None:
    if prompt is True:
        text = name.capitalize()
    elif prompt is False:
        text = None
    else:
        text = prompt
    return text


def checked(x: int) -> int:
    if __debug__:
        assert x >= 0
    return x


class Style:
    def __init__(self, color: str) -> None:
        self._color = color
        self._hash: int | None = None

    def copy(self) -> "Style":
        style: Style = self.__new__(Style)
        style._color = self._color
        return style

    def __hash__(self) -> int:
        if self._hash is not None:
            return self._hash
        self._hash = hash(self._color)
        return self._hash


try:
    import ctypes

    if sys.platform == "win32":
        loader = ctypes.WinDLL
    else:
        raise ImportError("Not windows")
except ImportError:

    def windows_version() -> int:
        return 0

else:

    def windows_version() -> int:
        # Unreachable on Linux: mypy checks none of it.
        return sys.getwindowsversion().major
