# Instance attributes typed by their first binding in a method: one only
# ever `None` makes the code after a test of it unreachable, as for mypy
# (a real package's pattern), and one first `None` then given a value in
# the same method is optional.
from typing import Optional


class Stream:
    def __init__(self, name: str, size: Optional[int] = None) -> None:
        self.name = name
        self.buffer = None
        self.position = 0
        self.limit = None
        if size is not None:
            self.limit = size

    def read_into(self, target: bytearray) -> int:
        if self.buffer is None:
            if not self.refill() or self.buffer is None:
                return 0

    def refill(self) -> bool:
        self.position = 0
        return False

    def remaining(self) -> int:
        if self.limit is None:
            return -1
        return self.limit - self.position

    def closed(self) -> bool:
        if not self.buffer:
            return True
