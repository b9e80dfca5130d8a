# Forms of strictly typed packages (flask, jinja2, werkzeug) mypy accepts:
# a name annotated before a nested definition keeps its declared type; a
# class with its own `__contains__` holds what it says; `x.__class__ is
# not self.__class__` narrows as `type(x)` does; a container built by a
# factory takes its type arguments from the annotation; a protocol under
# `t.TYPE_CHECKING` (typing imported as `t`) needs no method bodies.
import os
import typing as t
from collections import defaultdict
from typing import Callable, Dict, Iterator, List, Optional, Tuple

if t.TYPE_CHECKING:

    class Translations(t.Protocol):
        def gettext(self, message: str) -> str: ...

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            pass


def checker(path: str, directory: bool) -> Optional[Callable[[], bool]]:
    up_to_date: Optional[Callable[[], bool]]
    if directory:
        mtime = os.path.getmtime(path)

        def up_to_date() -> bool:
            return os.path.getmtime(path) == mtime

    else:
        up_to_date = None
    return up_to_date


class Headers:
    def __init__(self) -> None:
        self._list: List[Tuple[str, str]] = []
        self.handlers: Dict[str, Dict[Optional[int], Dict[str, int]]] = defaultdict(
            lambda: defaultdict(dict)
        )

    def __iter__(self) -> Iterator[Tuple[str, str]]:
        return iter(self._list)

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self._list)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return set(other._list) == set(self._list)

    def setdefault(self, key: str, default: str) -> str:
        if key not in self:
            self._list.append((key, default))
        return default
