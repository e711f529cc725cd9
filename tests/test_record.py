"""game.sim.record: the model's dataclasses with shared __eq__, __hash__ and __repr__ behave as dataclasses'.

Each check builds the same class twice, once with `dataclasses.dataclass` and once with `record`, and compares
what the two do (in one process: hashes of strings and None differ between processes)."""
from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.sim.record import record

OPTIONS = [dict(frozen=True, slots=True), dict(slots=True), dict(), dict(frozen=True), dict(eq=False),
           dict(repr=False, frozen=True), dict(frozen=True, eq=False)]


def pair(options: dict, body: dict | None = None):
    """The same class made by dataclasses and by record: fields a (int), b (float, not compared), c (tuple,
    not in repr, default ()), d (hash=False)."""
    def make(decorate):
        ns = {"__annotations__": {"a": "int", "b": "float", "c": "tuple", "d": "str"},
              "b": dataclasses.field(default=0.5, compare=False),
              "c": dataclasses.field(default_factory=tuple, repr=False),
              "d": dataclasses.field(default="x", hash=False),
              **(body or {})}
        return decorate(**options)(type("Thing", (), ns))
    return make(dataclasses.dataclass), make(record)


def values():
    return st.tuples(st.integers(-5, 5), st.floats(allow_nan=True), st.tuples(st.integers(0, 2)), st.sampled_from("xy"))


@pytest.mark.parametrize("options", OPTIONS)
@given(first=values(), second=values())
@settings(max_examples=60, deadline=None)
def test_eq_hash_and_repr_are_dataclasses_own(options, first, second):
    old, new = pair(options)
    o1, o2, n1, n2 = old(*first), old(*second), new(*first), new(*second)
    if options.get("repr", True):
        assert repr(n1) == repr(o1) and repr(n2) == repr(o2)
    else:
        assert new.__repr__ is old.__repr__ is object.__repr__
    assert (n1 == n2) == (o1 == o2) and (n1 != n2) == (o1 != o2)
    assert (n1 == n1) == (o1 == o1)                      # a NaN field in an identical tuple: equal, as before
    assert (old.__hash__ is None) == (new.__hash__ is None)
    if old.__hash__ is not None and options.get("eq", True):
        assert hash(n1) == hash(o1)                      # the hash of the same tuple of fields
    assert new.__eq__(n1, 3) is old.__eq__(o1, 3)         # NotImplemented (or object's answer) for another type
    assert [f.name for f in dataclasses.fields(new)] == [f.name for f in dataclasses.fields(old)]
    if options.get("frozen"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            n1.a = 1
    assert dataclasses.replace(n1, a=9).a == 9 and dataclasses.asdict(n1) == dataclasses.asdict(o1)


def test_a_class_keeps_the_methods_it_defines():
    body = {"__repr__": lambda self: "mine", "__eq__": lambda self, other: True}
    old, new = pair(dict(frozen=True, slots=True), body)
    assert repr(new(1)) == repr(old(1)) == "mine"
    assert (new(1) == new(2)) and (old(1) == old(2))
    # defining __eq__ sets __hash__ = None in the class body, which dataclasses does not count as the class's own
    assert (new.__hash__ is None) == (old.__hash__ is None)
    assert hash(new(1)) == hash(old(1))


def test_names_and_self_reference():
    old, new = pair(dict())
    n = new(1)
    n.c = (n,)                                           # a record inside itself: "..." as dataclasses writes it
    o = old(1)
    o.c = (o,)
    assert repr(n) == repr(o)
    n.a = n
    o.a = o
    assert repr(n) == repr(o)
    assert new.__eq__.__qualname__ == "Thing.__eq__" and new.__repr__.__qualname__ == "Thing.__repr__"


@pytest.mark.parametrize("fields", [0, 1, 2])
def test_zero_one_or_two_fields(fields):
    names = "ab"[:fields]

    def make(decorate):
        return decorate(frozen=True)(type("Small", (), {"__annotations__": {n: "int" for n in names}}))
    old, new = make(dataclasses.dataclass), make(record)
    args = list(range(fields))
    assert repr(new(*args)) == repr(old(*args))
    assert hash(new(*args)) == hash(old(*args))
    assert new(*args) == new(*args)


def test_the_model_classes_compare_as_before():
    """The model's parameters are used as cache keys (their reprs) and compared: spot checks on the real ones."""
    from game.sim.params import DEFAULT, with_changes
    from game.sim.spec import WorldSpec

    assert with_changes(DEFAULT) == DEFAULT and hash(with_changes(DEFAULT).presynaptic) == hash(DEFAULT.presynaptic)
    assert with_changes(DEFAULT, presynaptic={"p_max": 1.0}) != DEFAULT
    assert repr(DEFAULT).startswith("Params(presynaptic=Presynaptic(ca_cooperativity=")
    assert WorldSpec(n_fibers=20) == WorldSpec(n_fibers=20) != WorldSpec(n_fibers=21)
    assert len({WorldSpec(n_fibers=20), WorldSpec(n_fibers=20)}) == 1
