"""Calling a coroutine function makes a coroutine; awaiting it gives the
declared result, and the function itself is a callable returning an
awaitable (aiohttp passes `self.readline` where one is expected)."""
import contextlib
from typing import Any, AsyncIterator, Awaitable, Callable


def take(f: Callable[[], Awaitable[Any]]) -> None:
    print(f)


async def top() -> bytes:
    return b""


async def gen() -> AsyncIterator[int]:
    yield 1


class Reader:
    async def readline(self) -> bytes:
        return b""

    def run(self) -> None:
        take(self.readline)
        take(top)


async def main() -> int:
    data = await top()
    n = len(data)
    async for x in gen():
        n += x
    coro = top()
    more = await coro
    return n + len(more)


class Resource(contextlib.AbstractAsyncContextManager["Resource"]):
    async def __aexit__(self, *args: Any) -> None:
        return None


async def use() -> None:
    async with Resource() as resource:
        print(resource)
