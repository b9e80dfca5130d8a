def numbers() -> float:
    a = 0xFF + 0o17 + 0b1010 + 1_000_000
    b = 1.5e-3 + .5 + 5. + 1_0.0_1
    c = 2j
    return a + b + c.real
