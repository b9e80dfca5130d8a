import enum
from typing import NoReturn


class Light(enum.Enum):
    RED = 1
    GREEN = 2


def unreachable(value: NoReturn) -> None:
    raise ValueError(value)


def wait(light: Light) -> int:
    match light:
        case Light.RED:
            return 30
        case Light.GREEN:
            return 0
        case rest:
            unreachable(rest)
