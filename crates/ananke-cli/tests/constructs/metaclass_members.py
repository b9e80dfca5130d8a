# A class object has its metaclass's members: the `collections.abc`
# classes and `abc.ABC` subclasses are `ABCMeta` instances (multidict
# registers its views with `KeysView.register`).
import abc
from collections.abc import ItemsView, KeysView


class Registry(abc.ABC):
    pass


KeysView.register(list)
ItemsView.register(tuple)
Registry.register(str)
