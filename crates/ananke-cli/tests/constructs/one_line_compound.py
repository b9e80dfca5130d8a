def parse(text: str) -> int:
    try: value = int(text)
    except ValueError: return 0
    if value < 0: return -value
    while value > 100: value -= 100
    for step in range(3): value += step
    return value
