# A method bound to a second name in a class body keeps its signature.
class Adder:
    def add(self, other: int) -> int:
        return other

    plus = add


def wrong() -> int:
    return Adder().plus("a")  # error


def text() -> str:
    return Adder().plus(1)  # error
