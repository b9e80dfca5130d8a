# Constructs from strictly typed packages (packaging, tomli, result,
# platformdirs, async-timeout, mdurl) that mypy --strict accepts.
import enum
import sys
import typing
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, NamedTuple, Optional, TypedDict


if sys.version_info >= (3, 8):
    MINOR = 8
else:
    MINOR = 7


class Version(NamedTuple):
    major: int
    minor: int


def version_of(text: str) -> Version:
    major, minor = text.split(".")
    return Version(int(major), int(minor))


def version_minor(text: str) -> int:
    return version_of(text).minor


@dataclass
class Token:
    name: str
    text: str
    position: int


def first_token(source: str) -> Token:
    return Token("word", source, 0)


class Environment(TypedDict):
    name: str
    version: str


def default_environment() -> Environment:
    return {"name": "cpython", "version": "3.11"}


class Node:
    def __init__(self, value: str) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)


def restore(state: object) -> int:
    if isinstance(state, tuple) and len(state) == 2:
        return 2
    return 0


class Policy(dict[str, Any]):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)


def asdict_of(token: Token) -> dict[str, Any]:
    import dataclasses

    return dataclasses.asdict(token)


def interpreter(name: str) -> str | None:
    if name == "pp":
        interp = "pp3"
    elif name == "cp":
        interp = "cp" + name
    else:
        interp = None
    return interp


def lookup(table: dict[str, list[int]], key: str) -> list[int]:
    if (found := table.get(key)) is None:
        raise KeyError(key)
    return found


class Marker:
    def __init__(self, text: str) -> None:
        self.text = text

    @classmethod
    def empty(cls) -> "Marker":
        marker = cls.__new__(cls)
        marker.text = ""
        return marker


def threaded(abis: list[str]) -> bool:
    return "t" in abis


def tags(abis: Optional[Iterable[str]] = None) -> bool:
    if abis is None:
        abis = []
    abis = list(abis)
    return threaded(abis)


class Shade(enum.Enum):
    DARK = 1


def shade(name: str) -> Shade:
    found = Shade[name]
    return found


@typing.no_type_check
def legacy(x: int) -> int:
    return x + "unchecked"


def call_legacy() -> None:
    legacy("anything", 2)


def among(key: object, table: dict[str, int]) -> bool:
    return key in table and key != "x"


def fallback() -> str:
    first = None
    second = ""
    return first or second


def opaque() -> Any:
    return 1


def branch_bound(flag: bool) -> int:
    if flag:
        defs = []
    else:
        defs = opaque()
    return len(defs)


def set_union() -> set[str]:
    attrs = set()
    for k in ["a"]:
        attrs |= {k}
    return attrs


def extended() -> list[str]:
    res = []
    res.extend(opaque())
    res.insert(0, "x")
    return res


def augmented() -> list[int]:
    xs = []
    xs += opaque()
    return xs


def find_module(file: str) -> tuple[Any, dict[str, object]]:
    if file:
        return None, {"error": "not a file"}
    return opaque(), {}


def pairs() -> tuple[list[object], ...]:
    return (["a"], [1])


def respond(flag: bool) -> dict[str, Any]:
    resp: dict[str, Any] = {}
    if flag:
        resp = {"error": "none"}
        resp["final"] = True
    return resp


def names(n: int) -> list[str | None]:
    if n:
        found: list[str | None] = ["a"]
    else:
        found = [None] * n
    return found


def write_report(serious: bool, messages_by_file: dict[str | None, list[str]]) -> None:
    pass


def merge_options(options: list[list[int] | None], *, eager: bool) -> int:
    return len(options)


def fail_with(msg: str) -> None:
    write_report(True, messages_by_file={None: [msg]})
    write_report(serious=True, messages_by_file={None: [msg]})
    merged = [[1]]
    merge_options(list(merged), eager=True)


def fields(names: list[str], types: list[Any], ok: bool) -> Optional[list[Mapping[str, Any]]]:
    if ok:
        return [dict(zip(names, types))]
    return None


def settings(flag: bool) -> Optional[dict[str, object]]:
    if flag:
        return {"a": 1, "b": "x"}
    return None


def either(flag: bool) -> list[int] | list[str]:
    if flag:
        return [1, 1]
    return ["a", "a"]


class Holder:
    pass


def star_from_any(a: Any) -> Holder:
    first, *rest = a
    holder = Holder()
    holder = rest
    print(first, holder)
    return Holder()


def _(value: int) -> int:
    return value


def _(value: str) -> str:
    return value


def try_else_completes(analyzer: Any) -> dict[str, str]:
    # mypy walks the handlers before the `else`; a call returning `Any`
    # in the body may come back, so the `else` is reachable.
    try:
        analyzer.analyze()
    except ValueError:
        docs = {}
    else:
        docs = analyzer.docs
    return docs


def stable(obj: Any) -> dict[str, Any] | list[Any] | str:
    # A variable declared `Any` stays `Any` whatever is assigned to it
    # (sphinx's serialiser).
    if isinstance(obj, dict):
        obj = [(str(k), v) for k, v in obj.items()]
        obj.sort()
        return dict(obj)
    return str(obj)


cached = None


def fill_cache() -> None:
    # A module variable first bound to `None` is mypy's partial type: a
    # function's `global` assignment may still complete it.
    global cached
    cached = 42
