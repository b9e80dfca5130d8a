def clamp(x: int, /, lo: int = 0, *, hi: int = 10) -> int:
    return max(lo, min(x, hi))


def use() -> int:
    return clamp(5, 1, hi=3)
