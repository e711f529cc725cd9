"""Access to the single instance of a component in the current world (each structure is one entity).

`System` caches those instances per processor: every world gets its own processors (schedule.install),
and its structural entities are created once and never removed, so the lookup is done once per world.
"""
from __future__ import annotations

from typing import TypeVar

import esper

T = TypeVar("T")


def single(component_type: type[T]) -> T:
    """The one instance of `component_type` in the current world."""
    return esper.get_component(component_type)[0][1]


class System(esper.Processor):
    """An esper Processor with a per-world cache of the single components it uses."""

    def __init__(self) -> None:
        self._refs: dict[type, object] = {}

    def c(self, component_type: type[T]) -> T:
        try:
            return self._refs[component_type]  # type: ignore[return-value]
        except KeyError:
            inst = self._refs[component_type] = single(component_type)
            return inst
