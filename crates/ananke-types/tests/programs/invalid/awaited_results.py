# What awaiting a coroutine gives is checked as any value.


async def top() -> bytes:
    return b""


async def main() -> str:
    wrong: str = await top()  # error
    coro: bytes = top()  # error
    return wrong + str(coro)
