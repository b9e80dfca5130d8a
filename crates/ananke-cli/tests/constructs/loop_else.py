def find(xs: list[int], t: int) -> int:
    for i, x in enumerate(xs):
        if x == t:
            break
    else:
        return -1
    return i
