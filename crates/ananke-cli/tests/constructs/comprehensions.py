def squares(xs: list[int]) -> dict[int, set[int]]:
    evens = [x for x in xs if x % 2 == 0]
    gen = sum(x * x for x in evens)
    return {x: {y for y in range(x)} for x in evens if gen}
