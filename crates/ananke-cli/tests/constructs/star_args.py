def total(*args: int, **kwargs: int) -> int:
    return sum(args) + sum(kwargs.values())


def use() -> int:
    xs = [1, 2]
    return total(*xs, **{"a": 1})
