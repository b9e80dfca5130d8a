# Code no path reaches is not checked (mypy skips it): after a `try`
# every branch of which leaves the loop body, and past an `if` on a
# literal the other way (`if 1:` has no path around it).


def every_branch_leaves(xs: list[int]) -> int:
    total = 0
    for x in xs:
        try:
            total += x
        except ValueError:
            continue
        else:
            continue
        total = "unreachable"
    return total


def literal_conditions(x: int | str) -> int:
    if 1:
        x = 1
    return x + 1
