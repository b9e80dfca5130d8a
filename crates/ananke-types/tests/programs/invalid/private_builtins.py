# Names builtins.pyi only imports (Any, UnionType) are no builtins.


def first(xs: list[Any]) -> int:  # error
    return len(xs)


def union() -> None:
    print(UnionType)  # error
