from typing import TypedDict


class Movie(TypedDict):
    name: str
    year: int


def movie() -> Movie:
    m: Movie = {"name": "Blade Runner", "year": 1982}
    return m
