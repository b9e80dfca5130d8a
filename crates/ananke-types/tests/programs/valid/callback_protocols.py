# Functions as callback protocols: __call__, and what every function has.
from typing import Protocol


class Handler(Protocol):
    def __call__(self, event: str, /) -> int: ...


class Named(Protocol):
    __name__: str

    def __call__(self) -> None: ...


def on_event(event: str) -> int:
    return len(event)


def test() -> None: ...


handler: Handler = on_event
named: Named = test


def run(h: Handler) -> int:
    return h("x")


print(run(on_event))
