class Counter:
    def __init__(self, start: int):
        self.count = start

    def bump(self, by: int = 1) -> int:
        self.count += by
        return self.count

    @classmethod
    def zero(cls) -> "Counter":
        return cls(0)


def twice(x):
    # type: (int) -> int
    return x * 2
