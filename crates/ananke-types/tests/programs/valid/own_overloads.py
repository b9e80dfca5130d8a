"""A module's own overloads are what its calls are checked against (not
the implementation); a union argument is split over them (mypy's union
math); its own type variables give its generic classes their variance."""
from typing import Generic, TypeVar, Union, overload


class Animal:
    pass


class Dog(Animal):
    pass


@overload
def speak(x: int) -> str: ...
@overload
def speak(x: str, loud: bool) -> int: ...
def speak(x: Union[int, str], loud: bool = False) -> Union[int, str]:
    return x


class Kennel:
    @overload
    def take(self, x: int) -> int: ...
    @overload
    def take(self, x: str) -> str: ...
    def take(self, x: Union[int, str]) -> Union[int, str]:
        return x


T_co = TypeVar("T_co", covariant=True)
T_contra = TypeVar("T_contra", contravariant=True)


class Box(Generic[T_co]):
    pass


class Sink(Generic[T_contra]):
    pass


def read(box: Box[Animal]) -> None:
    print(box)


def write(sink: Sink[Dog]) -> None:
    print(sink)


def main(value: Union[int, str]) -> None:
    text: str = speak(1)
    number: int = speak("a", True)
    either = Kennel().take(value)
    read(Box[Dog]())
    write(Sink[Animal]())
    print(text, number, either)
