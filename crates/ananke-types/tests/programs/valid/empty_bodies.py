from abc import ABC, abstractproperty
from typing import Optional, Union


def maybe() -> Optional[int]:
    ...


def anything() -> object:
    pass


def either() -> Union[str, None]:
    """Nothing yet."""


class Base(ABC):
    @abstractproperty
    def size(self) -> int:
        pass
