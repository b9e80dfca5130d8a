# --strict's disallow_untyped_defs and disallow_incomplete_defs, for
# module-level functions and methods as for nested ones.
def untyped(x):  # error
    return x


def no_return(x: int):  # error
    return x


def partly(x: int, y) -> int:  # error
    return x


def bare():  # error
    pass


class Shape:
    def __init__(self, side: int):
        self.side = side

    def area(self):  # error
        return self.side * self.side

    def scaled(self, factor) -> int:  # error
        return self.side

    @staticmethod
    def unit(side) -> "Shape":  # error
        return Shape(side)


def commented(x):
    # type: (int) -> int
    return x
