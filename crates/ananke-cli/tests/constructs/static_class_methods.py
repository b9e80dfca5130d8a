class Maker:
    @staticmethod
    def zero() -> int:
        return 0

    @classmethod
    def make(cls) -> "Maker":
        return cls()


def go() -> int:
    Maker.make()
    return Maker.zero()
