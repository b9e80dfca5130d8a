def show(name: str, n: float) -> str:
    return f"{name!r}: {n:.2f} {'x' * 2} {n=}"
