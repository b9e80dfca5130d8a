def risky() -> int:
    try:
        return 1
    except* ValueError as group:
        print(group.exceptions)
    except* TypeError:
        pass
    return 0
