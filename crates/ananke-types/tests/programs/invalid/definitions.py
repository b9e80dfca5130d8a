from typing import List


# `--strict` wants every function annotated, nested ones included.
def area(side: int) -> int:
    def square(x):  # error
        return x * x

    def cube(x: int):  # error
        return x * x * x

    def half(x, y: int) -> int:  # error
        return y // 2

    def zero():  # error
        return 0

    return side * side


# A name defined twice in one block.
def helpers(values: List[int]) -> int:
    def first(xs: List[int]) -> int:
        return xs[0]

    def first(xs: List[int]) -> int:  # error
        return xs[-1]

    total: int = 0
    total: int = sum(values)  # error
    return first(values) + total


# Branches may each define it once.
def pick(flag: bool) -> int:
    if flag:

        def choose() -> int:
            return 1

    else:

        def choose() -> int:
            return 2

    return choose()


# Annotations that are no type (a model writing a docstring's
# `Returns:` line as code).
def describe(n: int) -> str:
    Returns: "a string, of digits."  # error
    Example: 10 = 10  # error
    Output: [1, 2]  # error
    Valid: "List[int]" = [n]
    return str(n) + str(Valid)
