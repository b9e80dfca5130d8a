"""Every form of `TypedDict` is passed through (its name stands for
`Any`): the functional one, a class deriving from it, and aliases."""
from typing import TypedDict


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
