# mypy checks a try's handlers before its else: a variable a handler binds
# first has the handler's type there.


def order(flag: bool) -> int:
    try:
        print(flag)
    except KeyError:
        value = 2
    else:
        value = "late"  # error
    return value
