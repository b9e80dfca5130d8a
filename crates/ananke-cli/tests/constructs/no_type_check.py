import typing


@typing.no_type_check
def legacy(x: int) -> int:
    return x + "unchecked"


def use() -> None:
    legacy("anything", 2)
