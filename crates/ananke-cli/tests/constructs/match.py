def describe(x: int | str | list[int]) -> str:
    match x:
        case int(n) if n > 0:
            return "positive"
        case str():
            return "text"
        case [a, b]:
            return str(a + b)
        case _:
            return "other"
