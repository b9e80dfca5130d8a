# Where a module's own class may have attributes the checker does not see
# declared, reading one is no error: bound on self in any method (in a
# tuple, a loop or a with target), a class that answers any name, a
# nested class, a hasattr test, dunders decorators add.
import functools
from dataclasses import dataclass
from typing import Any, NamedTuple


class Reader:
    kind = "plain"

    def __init__(self, path: str) -> None:
        self.path = path

    def open(self) -> None:
        self.first, self.second = 1, 2
        for self.index in range(3):
            pass

    def total(self) -> int:
        return self.first + self.second + self.index


class Lazy:
    def value(self) -> int:
        return self.cached + self.later()

    def later(self) -> int:
        self.cached = 1
        return self.cached


class Anything:
    def __getattr__(self, name: str) -> int:
        return len(name)


class Outer:
    class Inner:
        pass

    def make(self) -> object:
        return self.Inner()


@functools.total_ordering
@dataclass(frozen=True)
class Version:
    major: int

    def __lt__(self, other: "Version") -> bool:
        return self.major < other.major


class Pair(NamedTuple):
    left: int
    right: int


def probe(r: Reader, a: Anything, v: Version, p: Pair, raw: Any, z: Lazy) -> int:
    if hasattr(r, "extra"):
        print(r.extra)
    if hasattr(Reader, "version"):
        print(Reader.version)
    item = raw.get()
    if isinstance(item, Reader):
        print(item.path)
    print(v.__dataclass_fields__, v > v, p._fields, p._replace(left=1), r.__dict__)
    return z.value() + a.anything + r.total() + len(r.kind) + len(Outer.Inner.__name__)
