"""Every form of `TypedDict` is passed through (its name stands for
`Any`): the functional one, a class deriving from it, and aliases."""
from typing import Generic, TypedDict, TypeVar

from typing_extensions import TypeAlias

T = TypeVar("T")


class Movie(TypedDict):
    title: str


Film = Movie


class Sequel(Film):
    part: int


Params = TypedDict("Params", {"x": int})


class Extended(TypedDict("Base", {"y": int})):
    z: int


first: Sequel = {"title": "A", "part": 2}
params: Params = {"x": 1}
extended: Extended = {"y": 1, "z": 2}
print(first, params, extended)


Declared: TypeAlias = Movie


class Remake(Declared):
    year: int


class Box(Generic[T], TypedDict):
    item: T


BoxOf = Box[T]


class LabelledBox(BoxOf[T]):
    label: str


remake: Remake = {"title": "x", "year": 1}
boxed: LabelledBox[int] = {"item": 1, "label": "a"}
