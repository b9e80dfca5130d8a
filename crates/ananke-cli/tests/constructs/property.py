class Box:
    def __init__(self) -> None:
        self._w = 1

    @property
    def width(self) -> int:
        return self._w

    @width.setter
    def width(self, value: int) -> None:
        self._w = value


def area(b: Box) -> int:
    return b.width * 2
