# A nonlocal or global name is the enclosing scope's variable, of the
# type declared there (python-multipart's parser callbacks).
from typing import Optional


class Field:
    def finish(self) -> None: ...


def parse(names: list[bytes]) -> int:
    f: Optional[Field] = None
    count = 0

    def on_end() -> None:
        nonlocal f, count
        if f is None:
            f = Field()
        f.finish()
        f = None
        count += 1

    def bad() -> None:
        nonlocal count
        count = "x"  # error

    on_end()
    bad()
    return count


total = 0


def bump() -> None:
    global total
    total += 1
    total = "no"  # error
