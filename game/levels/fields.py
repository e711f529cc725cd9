"""Field helpers for the level schema: every field gets a title, a description with its unit, and limits.

The level format is edited by hand and, later, through forms built from its JSON Schema. So no field may
be declared without a human title, a description that says its unit, and a range (numbers), a length
limit (text) or an item limit (lists). These helpers make that the only easy way to declare one; a test
walks the exported schema to check it.
"""
from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

# Longest model time a level can span: two years (thymectomy helps over months to years).
MAX_MODEL_S = 2 * 365 * 86_400.0
# Lowercase words joined by single hyphens, e.g. "ocular-mg-1".
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

_REQUIRED: Any = ...
# Text fields that may hold line breaks and tabs; every other text is one line.
MULTILINE_FIELDS = frozenset({"briefing", "debrief", "learning_objective", "hints", "text", "question",
                              "explanation"})


def control_character(text: str, multiline: bool) -> str | None:
    """A message about the first control character in `text` (None if there is none)."""
    import unicodedata

    for i, ch in enumerate(text):
        if multiline and ch in "\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in "\u2028\u2029":
            allowed = "only line breaks and tabs are allowed here" if multiline else "this text must be one line"
            return (f"should not contain control characters (found U+{ord(ch):04X} at character {i + 1}; "
                    f"{allowed})")
    return None


class Section(BaseModel):
    """Base of every table in a level file.

    extra="forbid": a misspelt key is an error naming the key, never silently ignored.
    strict=True: TOML values have real types, so "2" is not a number and 3.0 is not a whole number.
    allow_inf_nan=False: TOML can write nan and inf; no level field wants them.
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _no_control_characters(self) -> Any:
        # A NUL or other control character passes TOML and then breaks text drawing: refuse it in every
        # text field (newline and tab only in the multi-line texts).
        for name in type(self).model_fields:
            value = getattr(self, name)
            items = [(name, value)] if isinstance(value, str) else (
                [(f"{name}.{i}", v) for i, v in enumerate(value) if isinstance(v, str)] if isinstance(value, list)
                else [])
            for at, text in items:
                if (bad := control_character(text, multiline=name in MULTILINE_FIELDS)) is not None:
                    raise rule_error(at, bad)
        return self


def rule_error(at: str, message: str) -> PydanticCustomError:
    """An error for a cross-field rule (checked by a model validator).

    `at` is the field path relative to the model that checks the rule ("demand.2", "star_thresholds"):
    the loader appends it to the model's own location, so the message points at the right key.
    Braces in `message` are escaped because pydantic formats the template with the context.
    """
    safe = message.replace("{", "(").replace("}", ")")
    return PydanticCustomError("level_rule", safe, {"at": at})


def quote(value: str) -> str:
    """A name inside a message, quoted the way TOML writes it: "Read the menu"."""
    return json.dumps(value, ensure_ascii=False)


def num(value: float) -> str:
    """A number inside a message: 350, 0.25, 2592000 (never 2.592e+06 for a whole number of seconds)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def number(title: str, description: str, *, ge: float, le: float, default: Any = _REQUIRED) -> Any:
    """A real number within [ge, le]."""
    return Field(default, title=title, description=description, ge=ge, le=le)


def whole(title: str, description: str, *, ge: int, le: int, default: Any = _REQUIRED) -> Any:
    """A whole number within [ge, le]."""
    return Field(default, title=title, description=description, ge=ge, le=le)


def fraction(title: str, description: str, *, default: Any = _REQUIRED) -> Any:
    """A number from 0 to 1."""
    return Field(default, title=title, description=description, ge=0.0, le=1.0)


def prose(title: str, description: str, *, max_length: int, default: Any = _REQUIRED) -> Any:
    """Non-empty text of at most `max_length` characters."""
    return Field(default, title=title, description=description, min_length=1, max_length=max_length)


def flag(title: str, description: str, *, default: bool) -> Any:
    """true or false."""
    return Field(default, title=title, description=description)


def choice(title: str, description: str, *, default: Any = _REQUIRED) -> Any:
    """One of a fixed set of names (the type is a Literal)."""
    return Field(default, title=title, description=description)


def table(title: str, description: str, *, default_factory: Any = None, optional: bool = False) -> Any:
    """A nested table: required; or filled with defaults (`default_factory`); or left out (`optional`)."""
    if optional:
        return Field(None, title=title, description=description)
    if default_factory is None:
        return Field(title=title, description=description)
    return Field(default_factory=default_factory, title=title, description=description)


def entries(title: str, description: str, *, max_length: int, min_length: int = 0,
          required: bool = False) -> Any:
    """A list; empty by default unless `required` (pydantic copies the [] default for each level)."""
    default = _REQUIRED if required else []
    return Field(default, title=title, description=description, min_length=min_length, max_length=max_length)
