# Narrowing that follows how a block is left, as mypy's does: a `break`
# carries what held at it past the loop's `else`; a handler that raises
# adds nothing after its `try`; `len(x) == N` keeps the tuples of that
# length; a member declared with a value is that value's type after it.
from enum import IntEnum
from typing import List, Optional, Sequence, Tuple, Union


class Opcode(IntEnum):
    TEXT = 1
    CLOSE = 8

    def is_control(self) -> bool:
        return bool(self & 0x08)


def pick_encoding(encoding: Optional[str], raw: List[bytes]) -> str:
    if encoding is None:
        for candidate in ["ascii", "utf-8"]:
            for item in raw:
                try:
                    item.decode(candidate)
                except UnicodeDecodeError:
                    break
            else:
                encoding = candidate
                break
        else:
            encoding = "iso-8859-1"
    return encoding


def parse(data: bytes) -> bool:
    opcode = data[0] & 0x0F
    try:
        opcode = Opcode(opcode)
    except ValueError:
        raise ValueError(f"invalid opcode {opcode:#x}")
    return opcode.is_control()


def address(
    sockaddr: Union[Tuple[str, int, int, int], Tuple[str, int]],
) -> Tuple[str, int]:
    if isinstance(sockaddr, tuple) and len(sockaddr) == 4:
        host, port, _flow, _scope = sockaddr
        return host, port
    else:
        return sockaddr


class Paths:
    def __init__(self, extra: Sequence[str]) -> None:
        self.paths: Sequence[str] = []
        for path in extra:
            self.paths.append(path)
