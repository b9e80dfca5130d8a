class Counter:
    def __init__(self, start: int) -> None:
        self.value = start

    def bump(self, by: int) -> int:
        self.value += by
        return self.value


def use() -> int:
    return Counter(1).bump(2)


class Parsed:
    @classmethod
    def parse(cls, text: str) -> "Parsed":
        return cls(text.strip())

    def __init__(self, text: str) -> None:
        self.text = text
