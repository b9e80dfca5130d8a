# CPython refuses to compile `await` outside an `async def`, so this file's
# only error is that one (mypy reports it too).


async def fetch() -> int:
    return 1


def not_a_coroutine() -> int:
    return await fetch()  # error


async def a_coroutine() -> int:
    return await fetch()
