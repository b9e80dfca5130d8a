# Instance attributes typed by the first assignment in a method, as mypy
# types them: code mypy reads as unreachable (an attribute that is only
# ever `None`) is not checked, and an attribute first bound to `None`
# and then to a value in the same method is optional.
from typing import Generic, List, Optional, TypeVar

T = TypeVar("T")


class Connection:
    def __init__(self, host: str, port: Optional[int] = None) -> None:
        self.host = host
        self.port = port
        self.sock = None
        self.retries = 0
        self.buffer: List[bytes] = []
        self.timeout = None
        if port is not None:
            self.timeout = 2.5

    def fileno(self) -> int:
        if self.sock is None:
            return -1

    def is_open(self) -> bool:
        if not self.sock:
            return False

    def wait(self) -> float:
        if self.timeout is None:
            return 0.0
        return self.timeout * 2

    def describe(self) -> str:
        self.retries += 1
        return self.host.upper() + ":" + str(self.port or 80)

    def push(self, chunk: bytes) -> int:
        self.buffer.append(chunk)
        self.retries = len(self.buffer)
        return self.retries


class Box(Generic[T]):
    def __init__(self, item: T) -> None:
        self.item = item
        self.items = [item]

    def get(self) -> T:
        return self.item

    def all(self) -> List[T]:
        return self.items


class Later:
    def reset(self) -> None:
        self.count = 0

    def bump(self) -> int:
        self.count = self.count + 1
        return self.count


class Base:
    def __init__(self) -> None:
        self.name: Optional[str] = None


class Derived(Base):
    def __init__(self) -> None:
        super().__init__()
        self.name = "derived"

    def label(self) -> str:
        if self.name is None:
            return ""
        return self.name


def use(c: Connection, b: Box[int]) -> int:
    return len(c.host) + b.get() + c.retries
