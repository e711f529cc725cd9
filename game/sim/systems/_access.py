"""Access to the single instance of a component in the current world (each structure is one entity)."""
from __future__ import annotations

from typing import TypeVar

import esper

T = TypeVar("T")


def single(component_type: type[T]) -> T:
    """The one instance of `component_type` in the current world."""
    return esper.get_component(component_type)[0][1]
