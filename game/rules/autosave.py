"""The autosave payload, validated when it is read (it lives in a file a user can edit by hand).

    {"level_id": "ptosis", "seed": 1, "t_s": 312.5, "wall_s": 40.2, "actions": [{"t_s": 1.5, "kind": "fire", ...}]}

`read_autosave(level_id, payload)` returns an `Autosave` or raises `AutosaveError` with one line naming the
field and what was expected; the game then sets the autosave aside (see `Store.set_aside_autosave`) and
starts normally. The moves are the same `Move`s a replay file holds.
"""
from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from game.levels.fields import MAX_MODEL_S
from game.rules.replay import MAX_MOVES, Move, ReplayError, parse_moves
from game.sim.limits import SEED_MAX, SEED_MIN
from game.validation import first_error, shown

__all__ = ["Autosave", "AutosaveError", "read_autosave"]


class AutosaveError(ValueError):
    """An autosave that cannot be used; the message names the field."""


class Autosave(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    level_id: str = Field(min_length=1, max_length=100)
    seed: int = Field(ge=SEED_MIN, le=SEED_MAX)
    t_s: float = Field(ge=0.0, le=MAX_MODEL_S)
    wall_s: float = Field(default=0.0, ge=0.0, le=10 * 365 * 86_400.0)
    actions: list[Any] = Field(default_factory=list, max_length=MAX_MOVES)

    @field_validator("t_s", "wall_s", mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError("should be a number of seconds")
        if not math.isfinite(v):
            raise ValueError("should be a finite number of seconds")
        return float(v)

    @property
    def moves(self) -> list[Move]:
        return parse_moves(self.actions, "actions")


def read_autosave(level_id: str, payload: Any) -> Autosave:
    """The autosave of `level_id` if `payload` is a usable one; else AutosaveError naming what is wrong."""
    if not isinstance(payload, dict):
        raise AutosaveError(f"expected a JSON object, got {type(payload).__name__}")
    try:
        save = Autosave.model_validate({"level_id": level_id, **{k: v for k, v in payload.items() if k != "level_id"}})
    except ValidationError as err:
        field, msg, _ = first_error(err, "autosave")
        raise AutosaveError(f"{field}: {msg} (got {shown(err.errors(include_url=False)[0].get('input'))})") from None
    try:
        save.moves
    except ReplayError as err:
        raise AutosaveError(str(err)) from None
    return save
