def parse(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    return None


def use(x: int | str | None) -> str:
    if x is None:
        return ""
    return str(x)
