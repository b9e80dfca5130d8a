# What a `case` pattern captures is a variable of its own (not modelled:
# `Any`), whatever a later case binds to the name; `not callable(b)` of a
# callable `b` cannot hold, so its branch is not checked.
class B:
    def __call__(self) -> None:
        pass


def pick(a: object) -> None:
    match a:
        case [[y] as x]:
            pass
        case {"k1": 1, "k2": x, "k3": y}:
            pass
        case [0, *x]:
            y = 2
        case _:
            y = 1
            x = [2]
    z = x
    z = y


def never(b: B) -> int:
    if not callable(b):
        return "no"
    return 1
