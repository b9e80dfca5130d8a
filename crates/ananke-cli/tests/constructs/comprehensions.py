def squares(xs: list[int]) -> dict[int, set[int]]:
    evens = [x for x in xs if x % 2 == 0]
    gen = sum(x * x for x in evens)
    return {x: {y for y in range(x)} for x in evens if gen}


class Token:
    def __init__(self, value: str) -> None:
        self.value = value


def expected_tokens(expected: list[Token]) -> str:
    # The comprehension rebinds a builtin's name (pytest's mark expressions).
    return " OR ".join(type.value for type in expected)
