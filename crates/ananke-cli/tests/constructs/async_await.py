import asyncio


async def fetch(n: int) -> int:
    await asyncio.sleep(0)
    return n


async def main() -> list[int]:
    return list(await asyncio.gather(fetch(1), fetch(2)))
