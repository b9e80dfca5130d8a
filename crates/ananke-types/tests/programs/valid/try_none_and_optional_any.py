# Forms of strictly typed packages (tomlkit, typer, pre-commit) mypy
# accepts: a name the `try` body binds first is optional where a handler or
# the `else` binds it to `None`; a value annotated `Any | None` is a union
# to mypy, not `Any`, so returning it is no `no-any-return`; a value that
# is never `None` makes `is None` unreachable (in a conditional
# expression too).
from typing import Any, Optional, Sequence, Tuple, Union


def hex_char(text: str) -> Optional[str]:
    try:
        value = chr(int(text, 16))
    except (ValueError, OverflowError):
        value = None
    return value


def parsed(text: str) -> Optional[int]:
    try:
        number = int(text)
    except ValueError:
        number = None
    else:
        number = None
    return number


def from_env(raw: Any, many: bool) -> Union[str, Sequence[str], None]:
    rv: Optional[Any] = raw
    if rv is not None and many:
        rv = str(rv).split(",")
    return rv


def either(raw: Any) -> Union[str, None]:
    value: Any | None = raw
    return value


def decoded(
    result: Tuple[int, bytes, Optional[bytes]],
) -> Tuple[int, str, Optional[str]]:
    code, out, err = result
    text = out.decode() if out is not None else None
    error = err.decode() if err is not None else None
    return code, text, error


def length(data: bytes) -> int:
    if data is not None:
        return len(data)
