# A member's narrowing ends where the member or its variable is assigned.


class Box:
    value: int | None = None


def reset(b: Box) -> int:
    if b.value is not None:
        b.value = None
        return b.value  # error
    return 0


def rebind(b: Box, other: Box) -> int:
    if b.value is not None:
        b = other
        return b.value  # error
    return 0


def unnarrowed(b: Box) -> int:
    return b.value  # error
