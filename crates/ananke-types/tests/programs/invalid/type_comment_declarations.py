"""A type comment declares the variable's type, as an annotation does."""
from typing import List

count = "many"  # type: int  # error
names = []  # type: List[str]
names.append(1)  # error
ratio = 0.5  # type: float
ratio = "half"  # error
