from typing import Dict, List


def pairs(d: Dict[str, str]) -> List[str]:
    out: List[str] = []
    for key, value in d:  # error
        out.append(key + value)
    return out


def items(d: Dict[str, int]) -> int:
    total = 0
    for key, value in d.items():
        total += value + len(key)
    return total


async def fetch() -> int:
    return 1


def not_a_coroutine() -> int:
    return await fetch()  # error


async def a_coroutine() -> int:
    return await fetch()
