"""`record`: a dataclass whose __eq__, __hash__ and __repr__ are shared code instead of compiled code.

`dataclasses.dataclass` writes each class's methods as Python source and compiles it when the module is imported.
The model has 52 dataclasses with 424 fields, and compiling their comparison, hash and repr took ~12-15 ms of
every command's start (a lab protocol, a check, the game): over a quarter of importing the model (261M of
instructions before, 190M after, counted with callgrind). `record`
takes the same options and makes the same class with dataclasses, only without those three methods, and then
gives it closures over its fields that do exactly what the compiled ones do:
- `a == b`: True when both are of the same class and the tuples of their compared fields are equal
  (NotImplemented for another class, as before);
- `hash(a)` of a frozen record: the hash of that tuple (the fields with `hash=` or else `compare=`); an unfrozen
  one with eq is unhashable, as with dataclasses;
- `repr(a)`: `Name(field=value, ...)` over the fields with `repr=True`, "..." for a record that contains itself.
`__init__`, frozen assignment, `dataclasses.fields`, `replace` and `asdict` are dataclasses' own.
A class that defines one of the three methods itself keeps it. Options this module does not cover (unsafe_hash,
order) are left to dataclasses.
"""
from __future__ import annotations

import dataclasses
import operator
import reprlib

__all__ = ["record"]


def _getter(names: tuple[str, ...]):
    """A function giving an object's named attributes as a tuple (a 1-tuple for one name, () for none)."""
    if len(names) > 1:
        return operator.attrgetter(*names)
    if names:
        one = operator.attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _repr(cls: type):
    shown = tuple(f.name for f in dataclasses.fields(cls) if f.repr)
    show = _getter(shown)

    @reprlib.recursive_repr()
    def __repr__(self):
        return f"{self.__class__.__qualname__}(" + ", ".join(
            f"{name}={value!r}" for name, value in zip(shown, show(self))) + ")"

    return __repr__


def _eq(cls: type):
    compared = _getter(tuple(f.name for f in dataclasses.fields(cls) if f.compare))

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    return __eq__


def _hash(cls: type):
    hashed = _getter(tuple(f.name for f in dataclasses.fields(cls) if (f.compare if f.hash is None else f.hash)))

    def __hash__(self):
        return hash(hashed(self))

    return __hash__


def record(cls: type | None = None, /, *, eq: bool = True, repr: bool = True, frozen: bool = False, **options):
    """Use as `@record(frozen=True, slots=True)` or `@record`, like `@dataclass`."""
    if options.get("unsafe_hash") or options.get("order"):
        return dataclasses.dataclass(cls, eq=eq, repr=repr, frozen=frozen, **options) if cls else \
            dataclasses.dataclass(eq=eq, repr=repr, frozen=frozen, **options)

    def wrap(cls: type) -> type:
        body = cls.__dict__
        # dataclasses' rule: a __hash__ the class sets is its own, unless it is the None that defining __eq__ implies
        own_hash = "__hash__" in body and not (body["__hash__"] is None and "__eq__" in body)
        add = {"__repr__": repr and "__repr__" not in body and _repr,
               "__eq__": eq and "__eq__" not in body and _eq,
               "__hash__": eq and not own_hash and (_hash if frozen else None)}
        made = dataclasses.dataclass(cls, eq=False, repr=False, frozen=frozen, **options)
        for name, make in add.items():
            if make is None:
                setattr(made, name, None)           # eq without frozen: unhashable
            elif make:
                method = make(made)
                method.__qualname__ = f"{made.__qualname__}.{name}"
                setattr(made, name, method)
        return made

    return wrap if cls is None else wrap(cls)
