from typing import NoReturn


class Shape:
    def area(self) -> float: ...  # type: ignore

    def __eq__(self, other: "Shape") -> bool:  # type: ignore
        return self is other


def fail(message: str) -> NoReturn:
    raise ValueError(message)


def parse(text: str) -> int:
    if text.isdigit():
        return int(text)
    else:
        fail(f"not a number: {text}")
